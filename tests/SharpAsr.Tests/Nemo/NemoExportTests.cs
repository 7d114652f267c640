using System.Formats.Tar;
using SharpAsr.Config;
using SharpAsr.Models;
using SharpAsr.Nemo;
using SharpAsr.Tests.Models;
using SharpTorch;
using Xunit;

namespace SharpAsr.Tests.Nemo;

/// <summary>SharpASR → .nemo → SharpASR keeps every tensor bit for bit; the archive has NeMo's layout and torch.load reads its weights.</summary>
public class NemoExportTests
{
    static readonly string Tokenizer = Path.Combine(AppContext.BaseDirectory, "data", "text", "spm_bpe.model");

    static AsrConfig SmallConfig(bool untie)
    {
        var cfg = new AsrConfig();
        cfg.Preprocessor.WindowSize = 0.025;
        cfg.Preprocessor.Features = 16;
        cfg.Preprocessor.NFft = 512;
        cfg.Model.Encoder = ModelTestUtil.SmallConformer("dw_striding", 8, 8);
        cfg.Model.Encoder.UntieBiases = untie;
        cfg.Model.Predictor = new PredictorConfig { Type = "lstm", EmbedDim = 24, Hidden = 24, Layers = 2, Dropout = 0.1 };
        cfg.Model.Joint = new JointConfig { Hidden = 20, Activation = "tanh", Dropout = 0.1 };
        cfg.Tokenizer = new TokenizerConfig { Type = "spe", Dir = Path.GetDirectoryName(Tokenizer) };
        return cfg;
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void RoundTripIsBitExact(bool untie)
    {
        var dir = Directory.CreateTempSubdirectory("nemo-export-").FullName;
        try
        {
            using var scope = Torch.NewScope();
            var cfg = SmallConfig(untie);
            using var model = new Transducer(16, 150, cfg.Model);
            using (Torch.NoGrad())
                foreach (var (name, t) in model.StateDict())   // non-default buffers too, so every tensor is checked
                    if (t.DType == DType.Float32) t.CopyDataFrom(Torch.Randn(t.Shape));
            var path = Path.Combine(dir, "m.nemo");
            NemoExporter.Export(model, cfg, Tokenizer, path);

            using var import = NemoImporter.Import(path);
            Assert.True(import.Report.IsComplete, import.Report.ToString());
            var original = model.StateDict();
            Assert.Equal(original.Keys.Order(), import.StateDict.Keys.Order());
            foreach (var (name, t) in original)
            {
                Assert.Equal(t.DType, import.StateDict[name].DType);
                Assert.Equal(t.Shape, import.StateDict[name].Shape);
                Assert.True(t.ToBytes().AsSpan().SequenceEqual(import.StateDict[name].ToBytes()), name);
            }
            var e = import.Config.Model.Encoder;
            Assert.Equal(("dw_striding", 8, 8, untie), (e.Subsampling, e.SubsamplingFactor, e.SubsamplingConvChannels, e.UntieBiases));
            Assert.Equal((24, 2, 20, "tanh"), (import.Config.Model.Predictor.Hidden, import.Config.Model.Predictor.Layers, import.Config.Model.Joint.Hidden, import.Config.Model.Joint.Activation));
            Assert.Equal(File.ReadAllBytes(Tokenizer), File.ReadAllBytes(import.TokenizerPath));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void ArchiveHasNemoLayoutAndTorchLoadsTheWeights()
    {
        var dir = Directory.CreateTempSubdirectory("nemo-layout-").FullName;
        try
        {
            using var scope = Torch.NewScope();
            var cfg = SmallConfig(true);
            using var model = new Transducer(16, 150, cfg.Model);
            var path = Path.Combine(dir, "m.nemo");
            NemoExporter.Export(model, cfg, Tokenizer, path);
            var names = new List<string>();
            using (var tar = new TarReader(File.OpenRead(path)))
                while (tar.GetNextEntry(copyData: true) is { } entry)
                {
                    names.Add(entry.Name);
                    if (entry.Name == "./model_weights.ckpt")
                        using (var f = File.Create(Path.Combine(dir, "model_weights.ckpt"))) entry.DataStream!.CopyTo(f);
                    if (entry.Name == "./model_config.yaml")
                    {
                        var yaml = new StreamReader(entry.DataStream!).ReadToEnd();
                        Assert.Matches(@"model_path: nemo:[0-9a-f]{32}_tokenizer\.model", yaml);
                        Assert.Contains("_target_: nemo.collections.asr.modules.ConformerEncoder", yaml);
                        Assert.Contains("target: nemo.collections.asr.models.rnnt_bpe_models.EncDecRNNTBPEModel", yaml);
                    }
                }
            Assert.Equal(5, names.Count);
            Assert.Equal(new[] { "./model_config.yaml", "./model_weights.ckpt" }, names.Take(2));
            Assert.All(names.Skip(2), n => Assert.Matches(@"^\./[0-9a-f]{32}_(tokenizer\.model|tokenizer\.vocab|vocab\.txt)$", n));

            var script = "import sys, torch\n" +
                         "sd = torch.load(sys.argv[1], map_location='cpu')\n" +
                         "print(len(sd), tuple(sd['preprocessor.featurizer.fb'].shape), tuple(sd['decoder.prediction.embed.weight'].shape), " +
                         "'%.6f' % sd['joint.joint_net.2.weight'].double().sum().item(), sd['encoder.layers.0.conv.batch_norm.num_batches_tracked'].dtype)\n";
            var output = PythonTorch.Run(script, Path.Combine(dir, "model_weights.ckpt"));
            if (output is null) return;
            var joint = model.StateDict()["joint.joint_net.2.weight"].To(DType.Float64).Sum().Item();
            var expected = $"{model.StateDict().Count + 2} (1, 16, 257) (151, 24) {joint.ToString("F6", System.Globalization.CultureInfo.InvariantCulture)} torch.int64";
            Assert.Equal(expected, output.Trim());
        }
        finally { Directory.Delete(dir, true); }
    }
}
