using SharpAsr.Config;
using SharpAsr.Features;
using SharpAsr.Models;
using SharpTorch;
using SharpTorch.Nn;

namespace SharpAsr.Inference;

/// <summary>
/// Streaming recognition for LSTM-encoder models: push audio chunks of any size, read the partial text at any time,
/// and <see cref="Finish"/> for the final text, which equals offline greedy decoding of the whole utterance.
/// <para>
/// Features: each chunk is featurized with the model's own <see cref="Featurizer"/> over a slice that starts enough
/// hops before the first new frame that no new frame sees the slice's edge, and frames are released only once every
/// sample their window (and the frames stacked with them) needs has arrived; at the end the tail is featurized with
/// the same zero padding offline decoding uses. Because of this, normalisation must not depend on the whole
/// utterance: <c>per_feature</c> and <c>all_features</c> (NeMo's, caiman's defaults) are refused. Use
/// <c>normalize: fixed</c> with dataset statistics (<see cref="FeatureStatistics"/>; load the model with overrides
/// <c>preprocessor.normalize=fixed preprocessor.fixed_mean=[…] preprocessor.fixed_std=[…]</c>) or <c>none</c>.
/// </para>
/// <para>Encoder: the pre-stacking and post-stacking LSTMs carry their state across chunks; time stacking waits for
/// complete groups (the last, partial group is zero-padded at the end, as offline). Search: greedy, frame by frame,
/// with the predictor state carried.</para>
/// </summary>
public sealed class StreamingRecognizer : IDisposable
{
    readonly AsrModel _model;
    readonly FeaturizerConfig _fc;
    readonly Lstm _pre, _post;
    readonly int _stackTime, _maxSymbols;
    readonly List<float> _audio = new();
    readonly List<Tensor> _pending = new();                    // pre-LSTM outputs [1, H] waiting for a full stack group
    (Tensor H, Tensor C)? _preState, _postState;
    PredictorState? _predState;
    Tensor? _predProj;
    long _nextFeatureFrame, _encoderFrames;
    readonly List<int> _tokens = new(), _frames = new();
    double _score;
    bool _finished;

    public StreamingRecognizer(AsrModel model, int maxSymbolsPerFrame = 5)
    {
        _model = model;
        _fc = model.Config.Preprocessor;
        if (_fc.Normalize is not ("fixed" or "none"))
            throw new ArgumentException($"streaming needs feature normalisation that does not look at the whole utterance: preprocessor.normalize is '{_fc.Normalize}'; " +
                                        "load the model with preprocessor.normalize=fixed and dataset statistics (fixed_mean, fixed_std), or none");
        if (model.Model.Encoder is not LstmEncoder encoder)
            throw new ArgumentException($"streaming needs an LSTM encoder (this model's is {model.Model.Encoder.GetType().Name})");
        if (model.Config.Model.Encoder.Bidirectional)
            throw new ArgumentException("streaming needs a unidirectional encoder: this model's LSTM encoder is bidirectional (model.encoder.bidirectional), it reads each utterance from its end");
        var modules = model.Model.NamedModules().ToDictionary(m => m.Name, m => m.Module);
        _pre = (Lstm)modules["encoder.pre_rnn"];
        _post = (Lstm)modules["encoder.post_rnn"];
        _stackTime = encoder.StackTimeFactor;
        _maxSymbols = maxSymbolsPerFrame;
        using var noGrad = Torch.NoGrad();
        var (o, s) = model.Model.Predictor.Step(Torch.Tensor(new[] { model.Model.Blank }).To(model.Device), null);
        _predProj = model.Model.Joint.ProjectPredictor(o).DetachFromScope();
        _predState = Keep(s);
    }

    /// <summary>Tokens so far, as text.</summary>
    public string PartialText => _model.Tokenizer.Decode(_tokens);

    /// <summary>Adds samples (mono, the model's sample rate) and decodes every frame they complete.</summary>
    public void AcceptAudio(ReadOnlySpan<float> samples)
    {
        if (_finished) throw new InvalidOperationException("the stream is finished");
        foreach (var x in samples) _audio.Add(x);
        Process(final: false);
    }

    /// <summary>Ends the stream: decodes the tail and returns the final transcription.</summary>
    public Transcription Finish()
    {
        if (!_finished)
        {
            Process(final: true);
            _finished = true;
        }
        var times = _frames.Select((f, k) => new TokenTiming(_tokens[k], _model.Tokenizer.IdToPiece(_tokens[k]), f, f * _model.FrameSeconds)).ToArray();
        return new Transcription(PartialText, _score, times) { Duration = (double)_audio.Count / _fc.SampleRate };
    }

    void Process(bool final)
    {
        using var scope = Torch.NewScope();
        using var noGrad = Torch.NoGrad();
        var features = NewFeatureFrames(final);                                   // [1, n, F] or null
        if (features is not null)
        {
            var (h, hh, hc) = _pre.Forward(features, null, _preState);
            Replace(ref _preState, (hh, hc));
            for (long t = 0; t < h.Size(1); t++) _pending.Add(h.Select(1, t).DetachFromScope());
        }
        if (final && _pending.Count % _stackTime != 0)
        {
            var zero = Torch.ZerosLike(_pending[0]);
            while (_pending.Count % _stackTime != 0) _pending.Add(zero.Clone().DetachFromScope());
        }
        int groups = _pending.Count / _stackTime;
        if (groups == 0) return;
        // [1, groups, k·H]: group g concatenates frames g·k … g·k+k−1, as LstmEncoder.StackTime
        var stacked = Torch.Cat(_pending.Take(groups * _stackTime).ToList(), 1).Reshape(1, groups, -1);
        foreach (var p in _pending.Take(groups * _stackTime)) p.Dispose();
        _pending.RemoveRange(0, groups * _stackTime);
        var (enc, eh, ec) = _post.Forward(stacked, null, _postState);
        Replace(ref _postState, (eh, ec));
        var encProj = _model.Model.Joint.ProjectEncoder(enc).Select(0, 0);             // [groups, J]
        for (int t = 0; t < groups; t++) DecodeFrame(encProj.Narrow(0, t, 1), _encoderFrames++);
    }

    /// <summary>The next feature frames whose inputs are complete (all of them when <paramref name="final"/>), [1, n, F].</summary>
    Tensor? NewFeatureFrames(bool final)
    {
        int hop = _fc.HopLength, half = _fc.FftSize / 2, stack = _fc.FrameStacking, sub = _fc.FrameSubsampling;
        long n = _audio.Count;
        long ready;
        if (final) ready = (n / hop + sub - 1) / sub;                               // offline length: ceil(floor(n/hop) / sub)
        else
        {
            // mel frame j needs samples up to j·hop + n_fft/2 (and must lie before floor(n/hop)); stacked frame k needs mel frames k·sub … k·sub+stack−1
            long lastMel = Math.Min((n - half) / hop, n / hop - 1);
            ready = lastMel < stack - 1 ? 0 : (lastMel - (stack - 1)) / sub + 1;
        }
        if (ready <= _nextFeatureFrame) return null;
        // start hops before the first new mel frame (a multiple of sub, so stacked frames stay aligned), far enough that
        // neither the slice's first sample (pre-emphasis) nor its zero padding reaches a new frame's window
        long context = ((half + 1 + hop - 1) / hop + sub - 1) / sub * sub;
        long startMel = Math.Max(0, _nextFeatureFrame * sub - context);
        long start = startMel * hop;
        long end = final ? n : Math.Min(n, ((ready - 1) * sub + stack - 1) * hop + Math.Max(half, hop));
        var slice = _audio.GetRange((int)start, (int)(end - start)).ToArray();
        var (features, _) = _model.Featurizer.Forward(slice);                            // [1, F, frames]
        long first = _nextFeatureFrame - startMel / sub;
        var frames = features.Narrow(2, first, ready - _nextFeatureFrame).Transpose(1, 2).Contiguous();
        _nextFeatureFrame = ready;
        return frames;
    }

    /// <summary>Greedy search on one encoder frame (GreedyDecoder's rule for a single utterance, with state kept).</summary>
    void DecodeFrame(Tensor encT, long t)
    {
        var m = _model.Model;
        for (int s = 0; s < _maxSymbols; s++)
        {
            using var scope = Torch.NewScope();
            var logProbs = Functional.LogSoftmax(m.Joint.Combine(encT, _predProj!), -1);
            var (best, arg) = logProbs.Max(-1);
            _score += best.ToDoubleArray()[0];
            int id = (int)arg.ToLongArray()[0];
            if (id == m.Blank) return;
            _tokens.Add(id);
            _frames.Add((int)t);
            var (o, st) = m.Predictor.Step(arg, _predState);
            _predProj!.Dispose();
            _predProj = m.Joint.ProjectPredictor(o).DetachFromScope();
            _predState?.Dispose();
            _predState = Keep(st);
        }
    }

    static (Tensor H, Tensor C) Keep((Tensor H, Tensor C) s) => (s.H.DetachFromScope(), s.C.DetachFromScope());

    static PredictorState Keep(PredictorState s)
    {
        foreach (var t in s.Tensors) t.DetachFromScope();
        return s;
    }

    static void Replace(ref (Tensor H, Tensor C)? slot, (Tensor H, Tensor C) value)
    {
        if (slot is { } old)
        {
            old.H.Dispose();
            old.C.Dispose();
        }
        slot = Keep(value);
    }

    public void Dispose()
    {
        foreach (var p in _pending) p.Dispose();
        _pending.Clear();
        _predProj?.Dispose();
        foreach (var s in new[] { _preState, _postState })
            if (s is { } v) { v.H.Dispose(); v.C.Dispose(); }
        _predState?.Dispose();
    }
}
