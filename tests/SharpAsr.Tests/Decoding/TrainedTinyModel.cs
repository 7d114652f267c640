using SharpAsr.Config;
using SharpAsr.Data;
using SharpAsr.Demo;
using SharpAsr.Training;
using Xunit;

namespace SharpAsr.Tests.Decoding;

/// <summary>
/// A tiny model trained for a few steps on a few espeak utterances (shared by the inference, CLI and streaming
/// tests): its "last" checkpoint, the test manifest and audio. Training this briefly does not make it accurate,
/// but it makes a real checkpoint with a model whose outputs are not empty.
/// </summary>
public sealed class TrainedTinyModel : IDisposable
{
    public string Root { get; }
    public string Checkpoint { get; }
    public string TestManifest { get; }
    public string[] TestAudio { get; }

    public TrainedTinyModel()
    {
        Root = Path.Combine(Path.GetTempPath(), $"sharpasr-decoding-{Guid.NewGuid():N}");
        var corpus = DemoCorpus.Generate(Path.Combine(Root, "corpus"),
            new DemoCorpusOptions { TrainUtterances = 24, DevUtterances = 4, TestUtterances = 4, Parallelism = 2 });
        TestManifest = corpus.TestManifest;
        TestAudio = ManifestReader.Read(corpus.TestManifest).Entries.Select(e => e.AudioPath).ToArray();
        var configPath = FindConfig("tiny.yaml");
        var overrides = new List<string>
        {
            "train.steps=6", "train.batch_size=8", "train.val_every=3", "train.save_every=3", "train.log_every=3",
            "model.encoder.hidden=48", "model.predictor.embed_dim=16", "model.predictor.hidden=32", "model.joint.hidden=32",
            "optim.lr=1e-6", "schedule.min_lr=1e-7", "schedule.warmup_steps=1",
            // no EMA: the checkpoint's model.safetensors is what export ships (ExportPrefersEmaWeights covers the EMA case)
            "train.ema_decay=0",
        };
        var cfg = AsrConfig.Load(configPath, overrides);
        var options = new TrainOptions
        {
            ConfigPath = configPath, Overrides = overrides, TrainManifests = new() { corpus.TrainManifest },
            // validation sets best_wer; without it state.json cannot be written (best_wer = +inf is not JSON)
            ValManifests = new() { corpus.DevManifest },
            OutputDir = Path.Combine(Root, "run"), Log = _ => { },
        };
        using (var trainer = new Trainer(cfg, options)) trainer.Run();
        Checkpoint = Path.Combine(Root, "run", "checkpoints", "last");
    }

    public static string FindConfig(string name)
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d != null; d = d.Parent)
        {
            var p = Path.Combine(d.FullName, "configs", name);
            if (File.Exists(p)) return p;
        }
        throw new FileNotFoundException($"configs/{name} not found above {AppContext.BaseDirectory}");
    }

    public void Dispose()
    {
        try { Directory.Delete(Root, true); } catch (IOException) { }
    }
}

[CollectionDefinition(Name)]
public sealed class TrainedTinyModelCollection : ICollectionFixture<TrainedTinyModel>
{
    public const string Name = "trained tiny model";
}
