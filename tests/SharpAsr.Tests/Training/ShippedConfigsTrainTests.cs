using System.Globalization;
using System.Text.RegularExpressions;
using SharpAsr.Config;
using SharpAsr.Tests.Cli;
using Xunit;

namespace SharpAsr.Tests.Training;

/// <summary>
/// Every file in configs/ trains through <c>sharpasr train</c> on the small espeak-ng corpus: 3 steps with the config's
/// own optimiser, schedule, loss and gradient clipping; each step's loss and gradient norm finite, no step skipped, a
/// checkpoint written. A new config is covered by being there. Sizes are shrunk by overrides chosen from the encoder
/// and predictor type, so the configs' structure (subsampling, frame stacking, SentencePiece, joint mode) is kept.
/// </summary>
[Collection("trainer")]
public sealed class ShippedConfigsTrainTests(TrainerCorpusFixture fx)
{
    const int Steps = 3;
    static string? s_sentencePiece;   // trained once for all configs (the collection runs its tests one at a time)

    public static TheoryData<string> Configs()
    {
        var data = new TheoryData<string>();
        foreach (var path in Directory.GetFiles(Path.Combine(TrainerCorpusFixture.RepoRoot, "configs"), "*.yaml").Order())
            data.Add(Path.GetFileName(path));
        return data;
    }

    [Theory]
    [MemberData(nameof(Configs))]
    public void TrainsThroughTheCli(string config)
    {
        var path = Path.Combine(TrainerCorpusFixture.RepoRoot, "configs", config);
        var output = fx.NewOutputDir(Path.GetFileNameWithoutExtension(config));
        var args = new List<string> { "train", "--config", path, "--train-manifests", fx.Corpus.TrainManifest, "--output-dir", output };
        var cfg = AsrConfig.Load(path);
        if (cfg.Tokenizer.Type == "spe") args.Add($"tokenizer.dir={s_sentencePiece ??= TrainTokenizer(fx)}");
        args.AddRange(Shrink(cfg));
        var r = CliRunner.Run(args.ToArray());
        Assert.True(r.ExitCode == 0, $"{config}: {r.Error}");

        var log = File.ReadAllLines(Directory.GetFiles(output, "training_log_*.txt").Single());
        Assert.DoesNotContain(log, l => l.Contains("warning: non-finite"));
        var steps = log.Select(l => Regex.Match(l, @"step (\d+)/\d+  loss (\S+) .* grad-norm (\S+)")).Where(m => m.Success).ToList();
        Assert.Equal(Enumerable.Range(1, Steps).Select(i => i.ToString()), steps.Select(m => m.Groups[1].Value));
        foreach (var m in steps)
        {
            Assert.True(double.TryParse(m.Groups[2].Value, CultureInfo.InvariantCulture, out var loss) && double.IsFinite(loss) && loss > 0, $"{config}: {m.Value}");
            Assert.True(double.TryParse(m.Groups[3].Value, CultureInfo.InvariantCulture, out var norm) && double.IsFinite(norm) && norm > 0, $"{config}: {m.Value}");
        }
        Assert.True(File.Exists(Path.Combine(output, "checkpoints", "last", "model.safetensors")), $"{config}: no checkpoint");
    }

    /// <summary>Overrides that make a config test-sized: a few steps on small batches, and small layers of its own types.</summary>
    static IEnumerable<string> Shrink(AsrConfig cfg)
    {
        yield return $"train.steps={Steps}";
        foreach (var o in new[] { "train.batch_size=4", "train.grad_accumulation=1", "train.log_every=1", "train.val_every=0", "train.save_every=0" })
            yield return o;
        var encoder = cfg.Model.Encoder.Type switch
        {
            "lstm" => new[] { "hidden=32", "pre_layers=1", "post_layers=1" },
            "conformer" => new[] { "d_model=32", "n_heads=4", "n_layers=2", "conv_kernel_size=5", "subsampling_conv_channels=8" },
            "contextnet" => new[] { "jasper=[{filters: 16, repeat: 1, kernel: 5, stride: 2, residual: false}, {filters: 16, repeat: 2, kernel: 5, stride: 2, residual: true}]" },
            var t => throw new InvalidOperationException($"encoder type {t}: add its shrinking overrides here"),
        };
        foreach (var o in encoder) yield return "model.encoder." + o;
        var predictor = cfg.Model.Predictor.Type switch
        {
            "lstm" => new[] { "embed_dim=16", "hidden=32", "layers=1" },
            "stateless" => new[] { "embed_dim=16" },
            var t => throw new InvalidOperationException($"predictor type {t}: add its shrinking overrides here"),
        };
        foreach (var o in predictor) yield return "model.predictor." + o;
        yield return "model.joint.hidden=32";
    }

    /// <summary>A small BPE tokenizer from the corpus, trained once through <c>sharpasr tokenizer train</c>.</summary>
    static string TrainTokenizer(TrainerCorpusFixture fx)
    {
        var dir = fx.NewOutputDir("tokenizer");
        var r = CliRunner.Run("tokenizer", "train", "--manifest", fx.Corpus.TrainManifest, "--vocab-size", "48", "--type", "bpe", "--out", dir);
        Assert.True(r.ExitCode == 0, r.Error);
        return Path.Combine(dir, "tokenizer_spe_bpe_v48");
    }
}
