using System.CommandLine;
using SharpAsr.Decoding;
using SharpAsr.Inference;
using SharpAsr.Text;

namespace SharpAsr.Cli;

/// <summary>The decoding options shared by evaluate and transcribe.</summary>
internal sealed class DecodingFlags
{
    public readonly Option<string> Model = new("--model") { Description = "a .sasr model file or a checkpoint folder", Required = true };
    readonly Option<int> _beam = new("--beam") { Description = "beam size (1 = greedy)", DefaultValueFactory = _ => 1 };
    readonly Option<string> _strategy = new("--strategy") { Description = "beam strategy: beam (Graves/NeMo: several symbols per frame, right for character models) or modified_beam (icefall: one symbol per frame, faster, for subword models)", DefaultValueFactory = _ => "beam" };
    readonly Option<int> _maxSymbols = new("--max-symbols") { Description = "most symbols per encoder frame (greedy, beam)", DefaultValueFactory = _ => 5 };
    readonly Option<bool> _lengthNorm = new("--length-norm") { Description = "rank beam hypotheses by score per token" };
    readonly Option<int> _batch = new("--batch-size") { Description = "utterances per batch (inputs are sorted by length)", DefaultValueFactory = _ => 8 };
    readonly Option<string?> _lm = new("--lm") { Description = "an ARPA n-gram language model over the model's tokens (sharpasr lm build), fused into beam search" };
    readonly Option<double> _lmAlpha = new("--lm-alpha") { Description = "weight of the LM's log-probabilities (NeMo's ngram_lm_alpha)", DefaultValueFactory = _ => LmFusionDefaults.Alpha };
    readonly Option<double> _ilmWeight = new("--ilm-weight") { Description = "with --lm: weight of the predictor's own LM subtracted per token (internal LM estimation; NeMo's hat_ilm_weight)", DefaultValueFactory = _ => LmFusionDefaults.IlmWeight };
    readonly Option<string?> _lexicon = new("--lexicon") { Description = "with --lm: a text file of the words hypotheses may spell (e.g. the LM's training text); other words pay --lexicon-penalty" };
    readonly Option<double> _lexiconPenalty = new("--lexicon-penalty") { Description = "with --lexicon: log-probability lost per word not in the lexicon (1e9 forbids them)", DefaultValueFactory = _ => LmFusionDefaults.LexiconPenalty };
    readonly Option<string> _speeds = new("--speeds") { Description = "test-time augmentation: decode the audio at each of these speeds too (comma-separated, e.g. 0.9,1,1.1; resampled as training's speed perturbation) and keep the hypothesis all of them score best; about as many times the decoding time as speeds", DefaultValueFactory = _ => "1" };
    readonly Option<double> _lmBeta = new("--lm-beta") { Description = "bonus per token with the LM, against its pull to short outputs", DefaultValueFactory = _ => LmFusionDefaults.Beta };

    public void AddTo(Command cmd)
    {
        foreach (var o in new Option[] { Model, _beam, _strategy, _maxSymbols, _lengthNorm, _batch, _lm, _lmAlpha, _lmBeta, _ilmWeight, _lexicon, _lexiconPenalty, _speeds }) cmd.Options.Add(o);
    }

    /// <summary>Loads --lm (over the loaded model's tokens) into the options; nothing without --lm.</summary>
    public void AddLanguageModel(ParseResult p, TranscribeOptions options, AsrModel model)
    {
        var lexiconPath = p.GetValue(_lexicon);
        if (p.GetValue(_lm) is not { } path)
        {
            if (lexiconPath != null) throw new ArgumentException("--lexicon is fused into beam search with an LM: give --lm too");
            return;
        }
        if (options.BeamSize < 2) throw new ArgumentException("--lm is fused into beam search: give --beam 2 or more");
        var lexicon = lexiconPath is null ? null : Lexicon.Load(lexiconPath,
            model.Tokenizer.Pieces(), p.GetValue(_lexiconPenalty), model.Normalizer.Normalize);
        options.Lm = new LmFusion(LanguageModelFiles.Load(path, model.Tokenizer), p.GetValue(_lmAlpha), p.GetValue(_lmBeta), p.GetValue(_ilmWeight), lexicon);
    }

    public TranscribeOptions Options(ParseResult p, bool timestamps = false)
    {
        var o = new TranscribeOptions
        {
            BeamSize = p.GetValue(_beam), Strategy = p.GetValue(_strategy)!, MaxSymbolsPerFrame = p.GetValue(_maxSymbols),
            LengthNormalization = p.GetValue(_lengthNorm), BatchSize = p.GetValue(_batch), Timestamps = timestamps,
        };
        o.Speeds = ParseSpeeds("--speeds", p.GetValue(_speeds)!);
        if (o.BeamSize < 1) throw new ArgumentException($"--beam must be at least 1 (got {o.BeamSize})");
        o.ToDecoding().Validate();
        if (o.BatchSize < 1) throw new ArgumentException($"--batch-size must be at least 1 (got {o.BatchSize})");
        return o;
    }

    /// <summary>Comma-separated speeds (e.g. 0.9,1,1.1), checked as <see cref="TranscribeOptions.ValidateSpeeds"/> checks them.</summary>
    public static double[] ParseSpeeds(string flag, string text)
    {
        var speeds = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(part => double.TryParse(part, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var s)
                ? s : throw new ArgumentException($"{flag} {text}: '{part}' is not a number (give speeds such as 0.9,1,1.1)"))
            .ToArray();
        new TranscribeOptions { Speeds = speeds }.ValidateSpeeds();
        return speeds;
    }
}
