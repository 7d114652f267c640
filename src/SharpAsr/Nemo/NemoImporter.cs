using System.Text;
using SharpAsr.Checkpoints;
using SharpAsr.Config;
using SharpAsr.Models;
using SharpAsr.Text;
using SharpTorch;
using SharpTorch.Nn;
using SharpTorch.Serialization;
using YamlDotNet.RepresentationModel;

namespace SharpAsr.Nemo;

/// <summary>What an import found: how the weights fit the model the config describes, what was skipped and why, and notes on the config.</summary>
public sealed class NemoImportReport
{
    /// <summary>The NeMo weights loaded (strict: false) into the model the mapped config builds.</summary>
    public required LoadReport Load { get; init; }
    /// <summary>Checkpoint entries deliberately left out, each with the reason.</summary>
    public List<string> Skipped { get; } = new();
    /// <summary>Config settings not carried over (NeMo training-loop settings, augmentation …).</summary>
    public List<string> Notes { get; } = new();
    /// <summary>True when every model tensor was loaded and every remaining checkpoint tensor was used.</summary>
    public bool IsComplete => Load.IsComplete;

    public override string ToString()
    {
        var sb = new StringBuilder();
        sb.AppendLine(Load.ToString());
        foreach (var s in Skipped) sb.AppendLine("  skipped: " + s);
        foreach (var n in Notes) sb.AppendLine("  note: " + n);
        return sb.ToString().TrimEnd();
    }
}

/// <summary>
/// An imported <c>.nemo</c>: the mapped config, the weights under SharpASR's (= NeMo's) state-dict names, the
/// SentencePiece model (unpacked as <c>tokenizer.model</c> in the folder <see cref="AsrConfig.Tokenizer"/>.dir names)
/// and the report. Dispose frees the tensors and deletes the unpacked files.
/// </summary>
public sealed class NemoImport : IDisposable
{
    readonly NemoArchive _archive;
    public AsrConfig Config { get; }
    public Dictionary<string, Tensor> StateDict { get; }
    public string TokenizerPath { get; }
    public NemoImportReport Report { get; }

    internal NemoImport(NemoArchive archive, AsrConfig config, Dictionary<string, Tensor> stateDict, string tokenizerPath, NemoImportReport report)
    {
        _archive = archive;
        Config = config;
        StateDict = stateDict;
        TokenizerPath = tokenizerPath;
        Report = report;
    }

    public void Deconstruct(out AsrConfig config, out Dictionary<string, Tensor> stateDict, out string tokenizerPath, out NemoImportReport report) =>
        (config, stateDict, tokenizerPath, report) = (Config, StateDict, TokenizerPath, Report);

    public void Dispose()
    {
        foreach (var t in StateDict.Values) t.Dispose();
        _archive.Dispose();
    }
}

/// <summary>
/// Imports NeMo RNN-T checkpoints (<c>EncDecRNNTBPEModel</c>: Conformer or FastConformer encoder, RNNTDecoder, RNNTJoint,
/// SentencePiece BPE): the weights load one to one (NeMo's names are ours; blank is the last index in both), the
/// preprocessor's <c>window</c>/<c>fb</c> buffers are skipped (SharpASR's featurizer computes them from the config;
/// they are not model weights).
/// </summary>
public static class NemoImporter
{
    /// <summary>Prefix of NeMo's featurizer buffers (window, fb): derived from the config, not learned.</summary>
    public const string PreprocessorPrefix = "preprocessor.";

    public static NemoImport Import(string nemoPath)
    {
        var (import, model) = ImportAndBuild(nemoPath);
        model.Dispose();
        return import;
    }

    /// <summary>Writes a <c>.sasr</c> model file (config, weights as safetensors, tokenizer); refuses a checkpoint whose weights do not fit.</summary>
    public static NemoImportReport ToSasr(string nemoPath, string outPath)
    {
        var (import, model) = ImportAndBuild(nemoPath);
        using (import)
        using (model)
        {
            if (!import.Report.IsComplete)
                throw new InvalidDataException($"{nemoPath}: the weights do not fit the model its config describes:\n{import.Report}");
            var cfg = import.Config;
            var vocab = cfg.Tokenizer.VocabSize;
            cfg.Tokenizer.Dir = null;                      // the tokenizer travels inside the .sasr file
            string yaml;
            try { yaml = ConfigWriter.ToYaml(cfg); }
            finally { cfg.Tokenizer.Dir = Path.GetDirectoryName(import.TokenizerPath); }
            using var weights = new MemoryStream();
            SafeTensors.Save(model.StateDict(), weights);
            new ModelPackage
            {
                Source = nemoPath,
                ConfigYaml = yaml,
                Weights = weights.ToArray(),
                WeightsKind = "model",
                TokenizerFile = ModelPackage.SentencePieceFile,
                Tokenizer = File.ReadAllBytes(import.TokenizerPath),
            }.Write(outPath);
            return import.Report;
        }
    }

    static (NemoImport, Transducer) ImportAndBuild(string nemoPath)
    {
        var archive = NemoArchive.Open(nemoPath);
        var state = new Dictionary<string, Tensor>();
        try
        {
            var configPath = archive.Files[NemoArchive.ConfigName];
            var root = ParseYaml(configPath, nemoPath);
            var notes = new List<string>();
            var cfg = NemoConfigMapper.ToAsrConfig(root, nemoPath, notes);

            // the SentencePiece model, as tokenizer.model in its own folder (tokenizer.dir)
            var spm = archive.Resolve(NemoConfigMapper.TokenizerModel(root, nemoPath), "tokenizer.model_path");
            var tokDir = Path.Combine(archive.Directory, "sharpasr-tokenizer");
            Directory.CreateDirectory(tokDir);
            var tokenizerPath = Path.Combine(tokDir, ModelPackage.SentencePieceFile);
            File.Copy(spm, tokenizerPath, overwrite: true);
            cfg.Tokenizer.Dir = tokDir;
            int vocab;
            using (var tok = SentencePieceTokenizer.Load(tokenizerPath)) vocab = tok.VocabSize;
            cfg.Tokenizer.VocabSize = vocab;
            CheckVocabulary(root, vocab, nemoPath);

            using (var scope = Torch.NewScope())
            {
                foreach (var (k, t) in TorchCheckpoint.LoadStateDict(archive.Files[NemoArchive.WeightsName])) state[k] = t.DetachFromScope();
            }
            var skipped = new List<string>();
            foreach (var key in state.Keys.Where(k => k.StartsWith(PreprocessorPrefix, StringComparison.Ordinal)).ToList())
            {
                state.Remove(key, out var t);
                t!.Dispose();
                skipped.Add($"{key}: the featurizer's window/filterbank, computed from the preprocessor config (not a model weight)");
            }
            if (!cfg.Model.Encoder.UntieBiases) SkipTiedBiasCopies(state, skipped, nemoPath);

            var model = new Transducer(cfg.Preprocessor.OutputFeatures, vocab, cfg.Model);
            LoadReport load;
            using (var scope = Torch.NewScope()) load = model.LoadStateDict(state, strict: false);
            var report = new NemoImportReport { Load = load };
            report.Skipped.AddRange(skipped);
            report.Notes.AddRange(notes);
            return (new NemoImport(archive, cfg, state, tokenizerPath, report), model);
        }
        catch
        {
            foreach (var t in state.Values) t.Dispose();
            archive.Dispose();
            throw;
        }
    }

    /// <summary>NeMo with untie_biases false saves the shared pos_bias_u/v again under every layer; we hold them once, at the encoder.</summary>
    static void SkipTiedBiasCopies(Dictionary<string, Tensor> state, List<string> skipped, string source)
    {
        foreach (var key in state.Keys.Where(k => System.Text.RegularExpressions.Regex.IsMatch(k, @"^encoder\.layers\.\d+\.self_attn\.pos_bias_[uv]$")).ToList())
        {
            var shared = "encoder." + key[^10..];       // encoder.pos_bias_u / _v
            if (!state.TryGetValue(shared, out var s)) continue;
            using var scope = Torch.NewScope();
            if (!state[key].Shape.SequenceEqual(s.Shape) || !state[key].ToBytes().AsSpan().SequenceEqual(s.ToBytes())) throw new InvalidDataException($"{source}: untie_biases is false but {key} differs from {shared}");
            state.Remove(key, out var t);
            t!.Dispose();
            skipped.Add($"{key}: the same tensor as {shared} (untie_biases false)");
        }
    }

    static void CheckVocabulary(YamlMappingNode root, int vocab, string source)
    {
        foreach (var (section, key) in new[] { ("decoder", "vocab_size"), ("joint", "num_classes") })
        {
            if (root.Children.TryGetValue(new YamlScalarNode(section), out var s) && s is YamlMappingNode m &&
                m.Children.TryGetValue(new YamlScalarNode(key), out var v) && v is YamlScalarNode { Value: { } text } &&
                int.TryParse(text, out var n) && n != vocab)
                throw new InvalidDataException($"{source}: {NemoArchive.ConfigName}: {section}.{key} is {n} but the tokenizer has {vocab} pieces");
        }
    }

    internal static YamlMappingNode ParseYaml(string path, string source)
    {
        var stream = new YamlStream();
        try { stream.Load(new StringReader(File.ReadAllText(path))); }
        catch (YamlDotNet.Core.YamlException e) { throw new InvalidDataException($"{source}: {NemoArchive.ConfigName}:{e.Start.Line}: {e.Message}"); }
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
            throw new InvalidDataException($"{source}: {NemoArchive.ConfigName} is not a mapping");
        return root;
    }
}
