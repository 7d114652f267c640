using System.Text.RegularExpressions;
using SharpAsr.Checkpoints;
using SharpAsr.Models;
using SharpAsr.Text;
using SharpTorch;

namespace SharpAsr.Training;

/// <summary>What <see cref="FineTuneInit.Apply"/> did with each tensor name.</summary>
public sealed class InitReport
{
    /// <summary>Copied from the checkpoint.</summary>
    public List<string> Loaded { get; } = new();
    /// <summary>Left out by --init-include / --init-exclude (the model keeps its fresh init).</summary>
    public List<string> Skipped { get; } = new();
    /// <summary>Same name, other shape (a changed vocabulary, another width): the model keeps its fresh init.</summary>
    public List<string> ShapeMismatched { get; } = new();
    /// <summary>In the model, not in the checkpoint: fresh init.</summary>
    public List<string> Missing { get; } = new();
    /// <summary>In the checkpoint, not in the model: ignored.</summary>
    public List<string> Unexpected { get; } = new();
    /// <summary>True when the checkpoint's tokenizer differs from this run's (NeMo's change_vocabulary case).</summary>
    public bool VocabularyChanged { get; set; }
    /// <summary>Which weights of the source were read: "ema" (a checkpoint with an EMA, or a .sasr exported from one), "model" or "nemo".</summary>
    public string WeightsKind { get; set; } = "model";

    public string Summary =>
        $"loaded {Loaded.Count}, skipped {Skipped.Count}, shape-mismatched {ShapeMismatched.Count}, missing {Missing.Count}, unexpected {Unexpected.Count}";
}

/// <summary>
/// Fine-tuning's weight initialisation (<c>--init-from CKPT</c>): copies a trained model's tensors into a freshly
/// built one, by name, with NeMo's include/exclude rule — a tensor is taken when its name matches any include
/// pattern (none given: all) and no exclude pattern. A pattern matches when the name contains it, or when it is a
/// valid regular expression found in the name (<c>^encoder\.layers\.[0-3]\.</c>). Nothing fails on a mismatch
/// (NeMo's strict=False still raises on shapes, a common complaint): every name is reported as loaded, skipped,
/// shape-mismatched, missing or unexpected. The optimizer and the LR schedule start fresh: only weights travel.
/// A checkpoint with an EMA gives its averaged weights (the ones export and evaluation use).
/// <para>
/// A new tokenizer (the config's, if it differs from the checkpoint's) is NeMo's change_vocabulary: the predictor
/// embedding and the joint output layer (and the pruned loss's simple projections) are the vocabulary's own rows, so
/// they are re-created (fresh init) even
/// when the sizes happen to agree; the encoder and everything else that fits is kept.
/// </para>
/// </summary>
public static class FineTuneInit
{
    /// <summary>Tensor names whose rows are the output vocabulary (V tokens + blank): NeMo's names, and icefall's
    /// simple-loss projections of the pruned loss.</summary>
    public static bool IsVocabularyTensor(string name) =>
        name.StartsWith("decoder.prediction.embed.") || name.StartsWith("decoder.embedding.") || name.StartsWith("joint.joint_net.2.")
        || name.StartsWith("simple_am_proj.") || name.StartsWith("simple_lm_proj.");

    public static InitReport Apply(Transducer model, ITokenizer tokenizer, string source, IReadOnlyList<string> include, IReadOnlyList<string> exclude)
    {
        var (tensors, vocabulary, kind) = Read(source);
        try
        {
            var report = new InitReport { VocabularyChanged = vocabulary != null && !vocabulary.SequenceEqual(tokenizer.Pieces()), WeightsKind = kind };
            var includes = include.Select(Pattern.Parse).ToList();
            var excludes = exclude.Select(Pattern.Parse).ToList();
            var own = model.StateDict();
            using var noGrad = Torch.NoGrad();
            foreach (var (name, target) in own)
            {
                if (!tensors.TryGetValue(name, out var src))
                {
                    report.Missing.Add(name);
                    continue;
                }
                bool wanted = (includes.Count == 0 || includes.Any(p => p.Matches(name))) && !excludes.Any(p => p.Matches(name));
                if (!wanted)
                {
                    report.Skipped.Add(name);
                    continue;
                }
                if (!src.Shape.SequenceEqual(target.Shape))
                {
                    report.ShapeMismatched.Add($"{name}: checkpoint [{string.Join(", ", src.Shape)}] vs model [{string.Join(", ", target.Shape)}]");
                    continue;
                }
                if (report.VocabularyChanged && IsVocabularyTensor(name))
                {
                    report.Skipped.Add($"{name} (new vocabulary: re-created)");
                    continue;
                }
                using var scope = Torch.NewScope();
                target.CopyDataFrom(src);
                report.Loaded.Add(name);
            }
            report.Unexpected.AddRange(tensors.Keys.Where(k => !own.ContainsKey(k)));
            return report;
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
    }

    /// <summary>A report as log lines: the summary, then every name that was not loaded and why.</summary>
    public static IEnumerable<string> Describe(InitReport r, string source)
    {
        yield return $"init from {source} ({r.WeightsKind} weights): {r.Summary}" + (r.VocabularyChanged ? " (vocabulary changed: predictor embedding, joint output and simple-loss projections re-created)" : "");
        foreach (var s in r.Skipped) yield return $"  skipped: {s}";
        foreach (var s in r.ShapeMismatched) yield return $"  shape-mismatched (fresh init kept): {s}";
        foreach (var s in r.Missing) yield return $"  missing in checkpoint (fresh init kept): {s}";
        foreach (var s in r.Unexpected) yield return $"  not in this model (ignored): {s}";
    }

    // a checkpoint's EMA weights when it has them (what export ships, and what NeMo saves in a .nemo with EMA on)
    static (Dictionary<string, Tensor> Tensors, IReadOnlyList<string>? Vocabulary, string Kind) Read(string source)
    {
        if (source.EndsWith(".nemo", StringComparison.OrdinalIgnoreCase))
        {
            // NeMo's state-dict names are ours; copies outlive the importer, which frees its tensors and unpacked files
            using var nemo = Nemo.NemoImporter.Import(source);
            using var spe = SentencePieceTokenizer.Load(nemo.TokenizerPath);
            var tensors = nemo.StateDict.ToDictionary(kv => kv.Key, kv => kv.Value.Clone().DetachFromScope());
            return (tensors, spe.Pieces(), "nemo");
        }
        var package = ModelPackage.Read(source);
        var tokenizer = package.LoadTokenizer();
        try { return (package.LoadWeights(), tokenizer.Pieces(), package.WeightsKind); }
        finally { (tokenizer as IDisposable)?.Dispose(); }
    }


    sealed class Pattern
    {
        readonly string _text;
        readonly Regex? _regex;
        Pattern(string text, Regex? regex) => (_text, _regex) = (text, regex);

        public static Pattern Parse(string p)
        {
            if (string.IsNullOrEmpty(p)) throw new ArgumentException("an empty --init-include / --init-exclude pattern matches everything: leave it out instead");
            Regex? r = null;
            try { r = new Regex(p, RegexOptions.CultureInvariant); }
            catch (ArgumentException) { }  // not a regular expression: a substring only
            return new Pattern(p, r);
        }

        public bool Matches(string name) => name.Contains(_text, StringComparison.Ordinal) || (_regex?.IsMatch(name) ?? false);
    }
}
