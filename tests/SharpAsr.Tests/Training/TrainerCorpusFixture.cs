using SharpAsr.Config;
using SharpAsr.Demo;
using SharpAsr.Training;
using SharpTorch.Serialization;
using Xunit;

namespace SharpAsr.Tests.Training;

/// <summary>One tiny espeak-ng corpus (24 training utterances) shared by every trainer test.</summary>
public sealed class TrainerCorpusFixture
{
    public string Folder { get; } = Directory.CreateTempSubdirectory("sharpasr-trainer-").FullName;
    public DemoCorpus.Result Corpus { get; }
    public static string RepoRoot { get; } = FindRoot();
    public static string TinyConfig => Path.Combine(RepoRoot, "configs", "tiny.yaml");

    public TrainerCorpusFixture()
    {
        Corpus = DemoCorpus.Generate(Path.Combine(Folder, "corpus"),
            new DemoCorpusOptions { TrainUtterances = 24, DevUtterances = 4, TestUtterances = 4, Parallelism = 2 });
    }

    static string FindRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "SharpAsr.slnx"))) return d.FullName;
        throw new InvalidOperationException("repository root (SharpAsr.slnx) not found above " + AppContext.BaseDirectory);
    }

    /// <summary>A very small model (hidden 32) so a step takes milliseconds; dropout stays on (0.1) to exercise the RNG.</summary>
    public static readonly string[] SmallModel =
    {
        "model.encoder.hidden=32", "model.predictor.embed_dim=16", "model.predictor.hidden=32", "model.joint.hidden=32",
        "train.val_every=0", "train.log_every=1", "train.num_workers=1", "train.prefetch=2", "train.num_buckets=1",
        "schedule.warmup_steps=2", "schedule.hold_steps=2", "schedule.half_life_steps=4",
    };

    /// <summary>The loss of each "step N/M  loss X …" line of a training log.</summary>
    public static List<double> StepLosses(IEnumerable<string> log) =>
        log.Where(l => l.StartsWith("step ")).Select(l => double.Parse(l.Split("loss ")[1].Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture)).ToList();

    public string NewOutputDir(string name) => Path.Combine(Folder, name + "-" + Guid.NewGuid().ToString("N")[..8]);

    /// <summary>
    /// Trains 8 steps of 4 utterances with <paramref name="overrides"/> into a new folder (no EMA, only the last
    /// checkpoint); <paramref name="before"/> inspects the built model first. Asserts 8 finite, positive losses that
    /// fall from the first step to the last. Returns the run's folder.
    /// </summary>
    public string TrainEightSteps(string name, IEnumerable<string> overrides, Action<Trainer>? before = null)
    {
        var dir = NewOutputDir(name);
        var log = new List<string>();
        using (var t = NewTrainer(dir, overrides.Concat(["train.steps=8", "train.batch_size=4", "train.save_every=0", "train.ema_decay=0"]), log: log))
        {
            before?.Invoke(t);
            t.Run();
        }
        var losses = StepLosses(log);
        Assert.Equal(8, losses.Count);
        Assert.All(losses, l => Assert.True(double.IsFinite(l) && l > 0));
        Assert.True(losses[^1] < losses[0], $"loss should fall: {string.Join(", ", losses)}");
        return dir;
    }

    public Trainer NewTrainer(string outputDir, IEnumerable<string> overrides, bool resume = false, string? trainManifest = null, List<string>? log = null)
    {
        var all = SmallModel.Concat(overrides).ToList();
        var cfg = AsrConfig.Load(TinyConfig, all);
        return new Trainer(cfg, new TrainOptions
        {
            ConfigPath = TinyConfig, Overrides = all, OutputDir = outputDir, Resume = resume,
            TrainManifests = { trainManifest ?? Corpus.TrainManifest },
            Log = line => { lock (log ?? new List<string>()) log?.Add(line); },
        });
    }

    public static Dictionary<string, float[]> Weights(string checkpointDir, string file = "model.safetensors")
    {
        var tensors = SafeTensors.Load(Path.Combine(checkpointDir, file));
        try { return tensors.ToDictionary(kv => kv.Key, kv => kv.Value.ToArray<float>()); }
        finally { foreach (var t in tensors.Values) t.Dispose(); }
    }
}

// Alone, not beside other collections: exact-resume checks need the process-wide libtorch RNG to themselves.
[CollectionDefinition("trainer", DisableParallelization = true)]
public sealed class TrainerCollection : ICollectionFixture<TrainerCorpusFixture> { }
