using SharpAsr.Inference;
using SharpAsr.Models;
using SharpAsr.Nemo;
using SharpAsr.Tests.Models;
using SharpTorch;
using SharpTorch.Serialization;
using Xunit;

namespace SharpAsr.Tests.Nemo;

/// <summary>
/// data/nemo/small_rnnt.nemo (built by make_nemo.py with python3-torch: NeMo's archive layout, torch.save weights,
/// NeMo's names and shapes) imports, and our forward pass equals the PyTorch reference's outputs.
/// </summary>
public class NemoImportTests
{
    internal static readonly string Dir = Path.Combine(AppContext.BaseDirectory, "data", "nemo");
    internal static readonly string SmallNemo = Path.Combine(Dir, "small_rnnt.nemo");

    [Fact]
    public void ImportMapsConfigAndLoadsEveryWeight()
    {
        using var import = NemoImporter.Import(SmallNemo);
        var (cfg, state, tokenizer, report) = import;
        Assert.True(report.IsComplete, report.ToString());
        Assert.Equal(state.Count, report.Load.Loaded.Count);
        Assert.Contains(report.Skipped, s => s.StartsWith("preprocessor.featurizer.window:"));
        Assert.Contains(report.Skipped, s => s.StartsWith("preprocessor.featurizer.fb:"));
        Assert.DoesNotContain(state.Keys, k => k.StartsWith("preprocessor."));
        var e = cfg.Model.Encoder;
        Assert.Equal(("conformer", 32, 4, 2, 5, "striding", 4), (e.Type, e.DModel, e.NHeads, e.NLayers, e.ConvKernelSize, e.Subsampling, e.SubsamplingFactor));
        Assert.Equal((32, 32, 1), (cfg.Model.Predictor.Hidden, cfg.Model.Predictor.EmbedDim, cfg.Model.Predictor.Layers));
        Assert.Equal((32, "relu", 0.2), (cfg.Model.Joint.Hidden, cfg.Model.Joint.Activation, cfg.Model.Joint.Dropout));
        var p = cfg.Preprocessor;
        Assert.Equal((16, 0.025, 0.01, 512, 0, "per_feature"), (p.Features, p.WindowSize, p.WindowStride, p.FftSize, p.PadTo, p.Normalize));
        Assert.Equal("spe", cfg.Tokenizer.Type);
        Assert.Equal(Path.Combine(cfg.Tokenizer.Dir!, "tokenizer.model"), tokenizer);
        Assert.True(File.Exists(tokenizer));
        Assert.Equal(32, cfg.Tokenizer.VocabSize);
        Assert.Equal(new long[] { 33, 32 }, state["decoder.prediction.embed.weight"].Shape);   // V + blank (last)
    }

    [Fact]
    public void ForwardEqualsPyTorchReference()
    {
        using var scope = Torch.NewScope();
        using var import = NemoImporter.Import(SmallNemo);
        var reference = SafeTensors.Load(Path.Combine(Dir, "small_rnnt_reference.safetensors"));
        using var model = new Transducer(import.Config.Preprocessor.OutputFeatures, 32, import.Config.Model);
        model.LoadStateDict(import.StateDict);
        model.Eval();
        using var noGrad = Torch.NoGrad();
        var (enc, encLengths) = model.Encode(reference["features"], reference["lengths"]);
        Assert.Equal(reference["encoder_lengths"].ToLongArray(), encLengths.ToLongArray());
        Assert.True(ModelTestUtil.MaxAbsDiff(reference["encoder_output"], enc) < 1e-4);
        var targets = reference["targets"];
        var pred = model.Predictor.Forward(targets, Torch.Tensor(new long[] { targets.Size(1) }));
        Assert.True(ModelTestUtil.MaxAbsDiff(reference["predictor_output"], pred) < 1e-5);
        var logits = model.Joint.Forward(enc, pred);
        var diff = ModelTestUtil.MaxAbsDiff(reference["logits"], logits);
        Assert.True(diff < 1e-4, $"max |logit diff| {diff}");
    }

    [Fact]
    public void ToSasrWritesAModelThatLoads()
    {
        var dir = Directory.CreateTempSubdirectory("nemo-sasr-").FullName;
        try
        {
            var outPath = Path.Combine(dir, "small.sasr");
            var report = NemoImporter.ToSasr(SmallNemo, outPath);
            Assert.True(report.IsComplete);
            using var scope = Torch.NewScope();
            using var asr = AsrModel.Load(outPath);
            Assert.Equal(32, asr.Tokenizer.VocabSize);
            using var import = NemoImporter.Import(SmallNemo);
            foreach (var (name, t) in asr.Model.StateDict())
                Assert.Equal(import.StateDict[name].ToBytes(), t.ToBytes());
            // the transcription path runs end to end on a second of noise
            var samples = new float[16000];
            var rng = new Random(3);
            for (int i = 0; i < samples.Length; i++) samples[i] = (float)(rng.NextDouble() - 0.5) * 0.1f;
            Assert.Single(asr.TranscribeSamples(new[] { samples }));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void CliImportWritesSasr()
    {
        var dir = Directory.CreateTempSubdirectory("nemo-cli-").FullName;
        try
        {
            var outPath = Path.Combine(dir, "m.sasr");
            var r = SharpAsr.Tests.Cli.CliRunner.Run("import", "nemo", SmallNemo, "--out", outPath);
            Assert.Equal(0, r.ExitCode);
            Assert.True(File.Exists(outPath));
        }
        finally { Directory.Delete(dir, true); }
    }
}
