using SharpAsr.Config;
using SharpTorch;
using SharpTorch.Nn;

namespace SharpAsr.Models;

/// <summary>
/// caiman's LSTM encoder: LSTM layers over the (already frame-stacked) features, time stacking
/// (concatenate k consecutive frames, keep every k-th: the frame rate drops k-fold), more LSTM layers.
/// The projection to the joint's width lives in the joint (<c>joint.enc</c>), as in NeMo. With
/// <c>bidirectional</c> every layer also reads the utterance backwards (offline only: no streaming).
/// Input [B, T, F] batch-first with frame lengths; output [B, ceil(T/k), H] with lengths ceil(len/k).
/// </summary>
public sealed class LstmEncoder : Module, IEncoder
{
    readonly Lstm _pre, _post;
    readonly Dropout _dropout;
    public int StackTimeFactor { get; }
    public long OutputDim { get; }
    public int SubsamplingFactor => StackTimeFactor;

    public LstmEncoder(long inputDim, EncoderConfig cfg)
    {
        if (cfg.PreLayers < 1 || cfg.PostLayers < 1) throw new ArgumentException("encoder.pre_layers and encoder.post_layers must be at least 1");
        StackTimeFactor = Math.Max(1, cfg.StackTimeFactor);
        _pre = RegisterModule("pre_rnn", new Lstm(inputDim, cfg.Hidden, cfg.PreLayers, cfg.Dropout, cfg.Bidirectional));
        _post = RegisterModule("post_rnn", new Lstm(_pre.OutputSize * StackTimeFactor, cfg.Hidden, cfg.PostLayers, cfg.Dropout, cfg.Bidirectional));
        _dropout = RegisterModule("dropout", new Dropout(cfg.Dropout));
        LstmInit.Apply(_pre, cfg.WeightInitScale, cfg.ForgetGateBias);
        LstmInit.Apply(_post, cfg.WeightInitScale, cfg.ForgetGateBias);
        OutputDim = _post.OutputSize;
    }

    public (Tensor Output, Tensor Lengths) Forward(Tensor features, Tensor lengths)
    {
        var h = _pre.ForwardOutputs(features, lengths);
        h = _dropout.Forward(h);
        var (stacked, stackedLengths) = StackTime(h, lengths, StackTimeFactor);
        var y = _post.ForwardOutputs(stacked, stackedLengths);
        return (_dropout.Forward(y), stackedLengths);
    }

    /// <summary>Concatenates k consecutive frames: [B, T, H] → [B, ceil(T/k), k·H] (zero-padded at the end).</summary>
    public static (Tensor, Tensor) StackTime(Tensor x, Tensor lengths, int k)
    {
        if (k == 1) return (x.Alias(), lengths.Alias());
        long b = x.Size(0), t = x.Size(1), h = x.Size(2);
        long tOut = (t + k - 1) / k;
        var padded = tOut * k == t ? x.Alias() : Functional.Pad(x, new long[] { 0, 0, 0, tOut * k - t });
        var stacked = padded.Reshape(b, tOut, k * h);
        // ceil(len / k) with integer tensors: (len + k - 1) div k
        var outLengths = (lengths + (k - 1)).Div(Torch.Scalar(k, DType.Int64), "floor");
        return (stacked, outLengths);
    }
}
