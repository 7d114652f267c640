using SharpAsr.Audio;
using SharpAsr.Checkpoints;
using SharpAsr.Config;
using SharpAsr.Decoding;
using SharpAsr.Features;
using SharpAsr.Features.Augmentation;
using SharpAsr.Models;
using SharpAsr.Text;
using SharpTorch;

namespace SharpAsr.Inference;

/// <summary>
/// A trained recognizer for .NET code: <c>using var model = AsrModel.Load("model.sasr"); string text = model.Transcribe("a.wav");</c>.
/// Loads an exported <c>.sasr</c> file or a training checkpoint folder, and runs featurizer → encoder → search →
/// tokenizer, in eval mode without gradients. Not thread-safe: use one instance per thread.
/// </summary>
public sealed class AsrModel : IDisposable
{
    public AsrConfig Config { get; }
    public Transducer Model { get; }
    public ITokenizer Tokenizer { get; }
    public Featurizer Featurizer { get; }
    public TextNormalizer Normalizer { get; }
    public Device Device { get; }
    /// <summary>Defaults used when a call passes no options.</summary>
    public TranscribeOptions Options { get; set; } = new();
    /// <summary>"ema" or "model": the weights loaded.</summary>
    public string WeightsKind { get; }

    /// <summary>Seconds per encoder frame: hop × feature subsampling × encoder subsampling (token timestamps use it).</summary>
    public double FrameSeconds =>
        (double)Config.Preprocessor.HopLength / Config.Preprocessor.SampleRate * Config.Preprocessor.FrameSubsampling * Model.Encoder.SubsamplingFactor;

    AsrModel(AsrConfig config, Transducer model, ITokenizer tokenizer, Device device, string weightsKind)
    {
        Config = config;
        Model = model;
        Tokenizer = tokenizer;
        Device = device;
        WeightsKind = weightsKind;
        Normalizer = new TextNormalizer(config.Text);
        Featurizer = new Featurizer(config.Preprocessor, device);
        Model.Eval();
    }

    /// <summary>
    /// Loads a <c>.sasr</c> file or a checkpoint folder (EMA weights when it has them). <paramref name="overrides"/> are
    /// dotted config overrides applied to the stored config, e.g. <c>preprocessor.normalize=fixed</c> with
    /// <c>preprocessor.fixed_mean=[…]</c> and <c>preprocessor.fixed_std=[…]</c> for streaming.
    /// </summary>
    public static AsrModel Load(string path, Device? device = null, IEnumerable<string>? overrides = null) =>
        FromPackage(ModelPackage.Read(path), device, overrides);

    static AsrModel FromPackage(ModelPackage package, Device? device, IEnumerable<string>? overrides = null)
    {
        var config = ConfigLoader.LoadSaved<AsrConfig>(package.ConfigYaml, overrides, source: $"{package.Source}:{ModelPackage.ConfigFile}");
        var tokenizer = package.LoadTokenizer();
        var model = new Transducer(config.Preprocessor.OutputFeatures, tokenizer.VocabSize, config.Model);
        using (var scope = Torch.NewScope())
        {
            var report = model.LoadStateDict(package.LoadWeights(), strict: false);
            if (!report.IsComplete)
                throw new InvalidDataException($"{package.Source}: the weights do not fit the model its config describes:\n{report}");
        }
        var d = device ?? Device.CPU;
        if (!d.Equals(Device.CPU)) model.To(d);
        return new AsrModel(config, model, tokenizer, d, package.WeightsKind);
    }

    /// <summary>Writes a self-contained <c>.sasr</c> file from a checkpoint folder.</summary>
    public static void Export(string checkpointDir, string outPath)
    {
        if (!Directory.Exists(checkpointDir)) throw new DirectoryNotFoundException($"{checkpointDir}: checkpoint folder not found");
        var package = ModelPackage.Read(checkpointDir);
        // load once before writing: a package that cannot be loaded is never exported
        using (FromPackage(package, Device.CPU)) { }
        package.Write(outPath);
    }

    public string Transcribe(string path) => TranscribeBatch(new[] { new AudioInput(path) })[0].Text;

    public Transcription Transcribe(string path, TranscribeOptions options) => TranscribeBatch(new[] { new AudioInput(path) }, options)[0];

    public IReadOnlyList<Transcription> TranscribeBatch(IEnumerable<string> paths, TranscribeOptions? options = null) =>
        TranscribeBatch(paths.Select(p => new AudioInput(p)).ToList(), options);

    /// <summary>Files or segments, decoded in batches of similar length; results in input order.</summary>
    public IReadOnlyList<Transcription> TranscribeBatch(IReadOnlyList<AudioInput> inputs, TranscribeOptions? options = null)
    {
        var o = options ?? Options;
        var batches = LengthBatches.Plan(inputs.Select(Duration).ToArray(), o.BatchSize);
        var results = new Transcription[inputs.Count];
        foreach (var (batch, texts) in batches.Zip(TranscribeInBatches(inputs, batches, o)))
            for (int j = 0; j < batch.Length; j++) results[batch[j]] = texts[j];
        return results;
    }

    /// <summary>The given batches of <paramref name="inputs"/> (indices), decoded one batch at a time, in order.</summary>
    public IEnumerable<IReadOnlyList<Transcription>> TranscribeInBatches(IReadOnlyList<AudioInput> inputs, IReadOnlyList<int[]> batches, TranscribeOptions o)
    {
        var progress = o.ProgressLabel is { } label ? new JobProgress(label, batches.Sum(b => b.Length), "utterances") : null;
        foreach (var batch in batches)
        {
            var audio = batch.Select(i => AudioReader.Read(inputs[i].Path, Config.Preprocessor.SampleRate, inputs[i].Offset, inputs[i].Duration)).ToArray();
            yield return TranscribeSamples(audio, o);
            progress?.Advance(batch.Length);
        }
        progress?.Finish();
    }

    /// <summary>The input's duration in seconds: given, or read from the file's header.</summary>
    internal static double Duration(AudioInput input)
    {
        if (input.Duration is { } d) return d;
        var info = AudioReader.Probe(input.Path);
        return (double)info.Frames / info.SampleRate - input.Offset;
    }

    /// <summary>Mono samples at the model's sample rate, one array per utterance, decoded as one batch.</summary>
    public IReadOnlyList<Transcription> TranscribeSamples(IReadOnlyList<float[]> audio, TranscribeOptions? options = null)
    {
        var o = options ?? Options;
        if (audio.Count == 0) return Array.Empty<Transcription>();
        using var scope = Torch.NewScope();
        using var noGrad = Torch.NoGrad();
        var decoding = o.ToDecoding();
        Hypothesis[][] nbest;
        if (o.Speeds is [1.0])
        {
            var (enc, encLengths) = Encode(audio);
            nbest = TransducerDecoding.Decode(Model, enc, encLengths, decoding);
        }
        else
        {
            o.ValidateSpeeds();
            // each speed resampled exactly as training's speed perturbation resamples
            var views = o.Speeds.Select(s => Encode(audio.Select(a => SpeedPerturbation.ApplyRate(a, Config.Preprocessor.SampleRate, s)).ToArray())).ToArray();
            nbest = SpeedEnsemble.Decode(Model, views, o.Speeds, decoding);
        }
        return nbest.Select((list, b) => ToTranscription(list, o) with { Duration = (double)audio[b].Length / Config.Preprocessor.SampleRate }).ToArray();
    }

    /// <summary>The encoder output [B, T, D] and valid frames [B] of a batch of mono samples.</summary>
    (Tensor Encoded, Tensor Lengths) Encode(IReadOnlyList<float[]> audio)
    {
        int max = audio.Max(a => a.Length);
        var flat = new float[audio.Count * max];
        for (int b = 0; b < audio.Count; b++) audio[b].CopyTo(flat, b * max);
        var samples = Torch.FromArray<float>(flat, new long[] { audio.Count, max }, DType.Float32, Device);
        var (features, frames) = Featurizer.Forward(samples, Torch.Tensor(audio.Select(a => (long)a.Length).ToArray()));
        return Model.Encode(features.Transpose(1, 2).Contiguous(), frames.To(Device));
    }

    /// <summary>Text, timings and alternatives of an n-best list (best first).</summary>
    public Transcription ToTranscription(IReadOnlyList<Hypothesis> nbest, TranscribeOptions o)
    {
        var best = nbest[0];
        var tokens = o.Timestamps
            ? best.Tokens.Select((id, k) => new TokenTiming(id, Tokenizer.IdToPiece(id), best.Frames[k], best.Frames[k] * FrameSeconds)).ToArray()
            : null;
        var alternatives = o.NBest > 0 ? nbest.Take(o.NBest).Select(h => (Tokenizer.Decode(h.Tokens), h.Score)).ToArray() : null;
        return new Transcription(Tokenizer.Decode(best.Tokens), best.Score, tokens, alternatives);
    }

    public void Dispose()
    {
        Model.Dispose();
        Featurizer.Dispose();
        (Tokenizer as IDisposable)?.Dispose();
    }
}
