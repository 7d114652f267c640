using System.Globalization;
using System.Text;
using SharpAsr.Config;
using SharpAsr.Text;
using SharpTorch;
using SharpTorch.Nn;

namespace SharpAsr.Models;

/// <summary>Parameters of one module: its dotted name (encoder, encoder.pre_rnn …) and depth (1 or 2).</summary>
public sealed record ModuleParameters(string Name, int Depth, long Parameters);

/// <summary>
/// <c>sharpasr model info</c>: the size of the transducer a config builds — parameters per top-level and
/// second-level module, the total — and the time one encoder frame covers.
/// </summary>
public sealed class ModelSummary
{
    public required string ConfigName { get; init; }
    public required long FeatureDim { get; init; }
    /// <summary>Tokens, blank excluded (the joint outputs VocabSize + 1).</summary>
    public required long VocabSize { get; init; }
    public required IReadOnlyList<ModuleParameters> Modules { get; init; }
    public required long Total { get; init; }
    /// <summary>window_stride × frame_subsampling × the encoder's own subsampling, in milliseconds.</summary>
    public required double EncoderFrameMs { get; init; }

    /// <summary>Builds the model of <paramref name="cfg"/> (on the CPU, then freed) and measures it.</summary>
    public static ModelSummary Describe(AsrConfig cfg)
    {
        var vocab = TokenizerFactory.VocabSize(cfg.Tokenizer);
        using var scope = Torch.NewScope();
        using var model = new Transducer(cfg.Preprocessor.OutputFeatures, vocab, cfg.Model);
        return Of(model, cfg);
    }

    public static ModelSummary Of(Transducer model, AsrConfig cfg)
    {
        var modules = new List<ModuleParameters>();
        foreach (var (name, top) in model.NamedChildren())
        {
            modules.Add(new ModuleParameters(name, 1, top.ParameterCount));
            foreach (var (childName, child) in top.NamedChildren())
                if (child.ParameterCount > 0) modules.Add(new ModuleParameters($"{name}.{childName}", 2, child.ParameterCount));
        }
        var pre = cfg.Preprocessor;
        return new ModelSummary
        {
            ConfigName = cfg.Name,
            FeatureDim = pre.OutputFeatures,
            VocabSize = model.VocabSize,
            Modules = modules,
            Total = model.ParameterCount,
            // rounded: 0.01 × 3 × 2 × 1000 is 60.000000000000007 in binary floating point
            EncoderFrameMs = Math.Round(pre.WindowStride * pre.FrameSubsampling * model.Encoder.SubsamplingFactor * 1000, 9),
        };
    }

    /// <summary>A table: module, parameters, share of the total; then the total and the frame rate.</summary>
    public string Format()
    {
        var inv = CultureInfo.InvariantCulture;
        int width = Math.Max("total".Length, Modules.Max(m => m.Name.Length + 2 * (m.Depth - 1)));
        var sb = new StringBuilder();
        sb.AppendLine(string.Create(inv, $"model {ConfigName}: {FeatureDim}-dim features, {VocabSize} tokens + blank"));
        sb.AppendLine($"{"module".PadRight(width)}  {"parameters",14}  {"share",6}");
        foreach (var m in Modules)
        {
            var name = new string(' ', 2 * (m.Depth - 1)) + m.Name;
            sb.AppendLine(string.Create(inv, $"{name.PadRight(width)}  {m.Parameters,14:N0}  {100.0 * m.Parameters / Total,5:0.0}%"));
        }
        sb.AppendLine(string.Create(inv, $"{"total".PadRight(width)}  {Total,14:N0}  ({Total / 1e6:0.0}M)"));
        sb.Append(string.Create(inv, $"encoder frame rate: {EncoderFrameMs:0.##} ms"));
        return sb.ToString();
    }
}
