using SharpTorch;
using SharpTorch.Nn;

namespace SharpAsr.Models.Conformer;

/// <summary>
/// NeMo's RelPositionMultiHeadAttention (Transformer-XL): scores = ((q+u)·kᵀ + rel_shift((q+v)·pᵀ)) / √d_k
/// with p = linear_pos(positional table); masked keys/queries get −10000 before and 0 after the softmax.
/// Names: linear_q/k/v/out [d, d] with bias, linear_pos [d, d] without, pos_bias_u/v [h, d/h].
/// </summary>
public sealed class RelPositionMultiHeadAttention : Module
{
    const double MaskValue = -10000.0;   // NeMo INF_VAL
    readonly Linear _q, _k, _v, _out, _pos;
    readonly Dropout _dropout;
    readonly Tensor _biasU, _biasV;
    public long Heads { get; }
    public long HeadDim { get; }

    /// <param name="sharedBiases">tied biases owned by the encoder (untie_biases false), or null to own them here</param>
    public RelPositionMultiHeadAttention(long heads, long dModel, double dropoutAtt, (Tensor U, Tensor V)? sharedBiases)
    {
        if (dModel % heads != 0) throw new ArgumentException($"model.encoder.d_model {dModel} is not divisible by n_heads {heads}");
        Heads = heads;
        HeadDim = dModel / heads;
        _q = RegisterModule("linear_q", new Linear(dModel, dModel));
        _k = RegisterModule("linear_k", new Linear(dModel, dModel));
        _v = RegisterModule("linear_v", new Linear(dModel, dModel));
        _out = RegisterModule("linear_out", new Linear(dModel, dModel));
        _dropout = RegisterModule("dropout", new Dropout(dropoutAtt));
        _pos = RegisterModule("linear_pos", new Linear(dModel, dModel, bias: false));
        if (sharedBiases is { } b) (_biasU, _biasV) = b;
        else
        {
            _biasU = RegisterParameter("pos_bias_u", Torch.Zeros(heads, HeadDim));
            _biasV = RegisterParameter("pos_bias_v", Torch.Zeros(heads, HeadDim));
        }
    }

    /// <param name="x">[B, T, d]</param>
    /// <param name="posEmb">[1, 2T−1, d] relative positional table</param>
    /// <param name="mask">bool [B, T, T], true where attention is not allowed; null for none</param>
    public Tensor Forward(Tensor x, Tensor posEmb, Tensor? mask)
    {
        using var scope = Torch.NewScope();
        long b = x.Size(0), t = x.Size(1);
        var q = _q.Forward(x).View(b, t, Heads, HeadDim);                           // [B, T, h, dk]
        var k = _k.Forward(x).View(b, t, Heads, HeadDim).Transpose(1, 2);           // [B, h, T, dk]
        var v = _v.Forward(x).View(b, t, Heads, HeadDim).Transpose(1, 2);
        var p = _pos.Forward(posEmb).View(posEmb.Size(0), -1, Heads, HeadDim).Transpose(1, 2);  // [1, h, P, dk]
        var qu = (q + _biasU).Transpose(1, 2);
        var qv = (q + _biasV).Transpose(1, 2);
        var ac = qu.Matmul(k.Transpose(-2, -1));                                    // content: [B, h, T, T]
        var bd = RelShift(qv.Matmul(p.Transpose(-2, -1))).Narrow(-1, 0, t);         // position: [B, h, T, T]
        var scores = (ac + bd) / Math.Sqrt(HeadDim);
        Tensor attn;
        if (mask is not null)
        {
            var m = mask.Unsqueeze(1);
            attn = Functional.Softmax(scores.MaskedFill(m, MaskValue), -1).MaskedFill(m, 0);
        }
        else attn = Functional.Softmax(scores, -1);
        var ctx = _dropout.Forward(attn).Matmul(v).Transpose(1, 2).Reshape(b, t, Heads * HeadDim);
        return _out.Forward(ctx).MoveToOuterScope();
    }

    /// <summary>
    /// Transformer-XL shift: row i of [B, h, T, P] (P = 2T−1, column j = relative position T−1−j) is moved
    /// left by T−1−i, so column j then holds relative position i−j. Pad one zero column, fold, drop a row.
    /// </summary>
    public static Tensor RelShift(Tensor x)
    {
        long b = x.Size(0), h = x.Size(1), t = x.Size(2), p = x.Size(3);
        var padded = Functional.Pad(x, new long[] { 1, 0 });                         // [B, h, T, P+1]
        var folded = padded.Reshape(b, h, p + 1, t);
        return folded.Slice(2, 1, null).Reshape(b, h, t, p);
    }
}
