using SharpAsr.Checkpoints;
using SharpAsr.Config;
using SharpAsr.Models;
using SharpAsr.Nemo;
using SharpAsr.Text;
using SharpAsr.Training;
using SharpTorch;
using SharpTorch.Serialization;
using Xunit;

namespace SharpAsr.Tests.Training;

/// <summary>Issue 8 item 6: --init-from with include/exclude and a report, a new vocabulary, --freeze-encoder.</summary>
[Collection("trainer")]
public sealed class TrainerFineTuneTests(TrainerCorpusFixture fx)
{
    static readonly string[] OneStep = { "train.steps=1", "train.batch_size=8", "train.save_every=0" };

    /// <summary>
    /// A checkpoint trained for 2 steps (every tensor has moved away from its init). Its EMA (decay 0.5, far from the
    /// weights) is what --init-from takes, as export does.
    /// </summary>
    string Pretrained()
    {
        var dir = fx.NewOutputDir("pretrained");
        using (var t = fx.NewTrainer(dir, new[] { "train.steps=2", "train.batch_size=8", "train.save_every=0", "train.ema_decay=0.5" })) t.Run();
        return Path.Combine(dir, "checkpoints", "last");
    }

    Trainer NewTrainer(string outputDir, IEnumerable<string> overrides, string? initFrom = null, List<string>? include = null,
        List<string>? exclude = null, bool freeze = false, List<string>? labels = null, List<string>? log = null)
    {
        var all = TrainerCorpusFixture.SmallModel.Concat(overrides).ToList();
        var cfg = AsrConfig.Load(TrainerCorpusFixture.TinyConfig, all);
        if (labels != null) cfg.Tokenizer.Labels = labels;
        return new Trainer(cfg, new TrainOptions
        {
            ConfigPath = TrainerCorpusFixture.TinyConfig, Overrides = all, OutputDir = outputDir,
            TrainManifests = { fx.Corpus.TrainManifest },
            InitFrom = initFrom, InitInclude = include ?? new(), InitExclude = exclude ?? new(), FreezeEncoder = freeze,
            Log = line => log?.Add(line),
        });
    }

    static Dictionary<string, float[]> Snapshot(Trainer t) => t.Model.StateDict().ToDictionary(kv => kv.Key, kv => kv.Value.ToArray<float>());

    [Fact]
    public void NewVocabularyRecreatesEmbeddingAndJointOutputAndKeepsTheEncoder()
    {
        var ckpt = Pretrained();
        var source = TrainerCorpusFixture.Weights(ckpt, CheckpointStore.EmaFile);
        var cfg = AsrConfig.Load(TrainerCorpusFixture.TinyConfig, Array.Empty<string>());
        Assert.Equal(28, cfg.Tokenizer.Labels!.Count);
        var labels = cfg.Tokenizer.Labels.Concat(new[] { "-", "0" }).ToList();   // 28 → 30 labels (+ blank: 31 outputs)
        var log = new List<string>();
        using var t = NewTrainer(fx.NewOutputDir("new-vocab"), OneStep, initFrom: ckpt, labels: labels, log: log);
        var r = t.InitReport!;
        Assert.True(r.VocabularyChanged);
        Assert.Equal("ema", r.WeightsKind);
        // tiny trains the pruned loss: its simple-loss projections are vocabulary-sized too
        string[] vocabTensors = { "decoder.prediction.embed.weight", "joint.joint_net.2.weight", "joint.joint_net.2.bias",
            "simple_am_proj.weight", "simple_am_proj.bias", "simple_lm_proj.weight", "simple_lm_proj.bias" };
        Assert.Equal(vocabTensors.OrderBy(n => n), r.ShapeMismatched.Select(m => m[..m.IndexOf(':')]).OrderBy(n => n));
        Assert.Contains(r.ShapeMismatched, m => m.StartsWith("decoder.prediction.embed.weight: checkpoint [29, 16] vs model [31, 16]"));
        Assert.Empty(r.Missing);
        Assert.Empty(r.Unexpected);
        Assert.Empty(r.Skipped);
        var now = Snapshot(t);
        Assert.Equal(new long[] { 31, 32 }, t.Model.StateDict()["joint.joint_net.2.weight"].Shape);
        // every encoder tensor (and every other that fits) is the checkpoint's, bit for bit
        foreach (var name in source.Keys.Where(n => !vocabTensors.Contains(n)))
        {
            Assert.Contains(name, r.Loaded);
            Assert.True(source[name].AsSpan().SequenceEqual(now[name]), $"{name} not loaded");
        }
        Assert.Contains(log, l => l.Contains("init from") && l.Contains("shape-mismatched 7") && l.Contains("vocabulary changed"));
        Assert.Contains(log, l => l.Contains("shape-mismatched (fresh init kept): joint.joint_net.2.bias"));
        t.Run();   // and it trains with the new output layer
        Assert.Equal(1, t.State.Step);
        Assert.Equal(1, t.Optimizer.StepCount);   // a fresh optimizer, not the checkpoint's (2 steps)
    }

    [Fact]
    public void SameSizeButReorderedLabelsStillRecreateTheVocabularyTensors()
    {
        var ckpt = Pretrained();
        var cfg = AsrConfig.Load(TrainerCorpusFixture.TinyConfig, Array.Empty<string>());
        var labels = cfg.Tokenizer.Labels!.ToList();
        (labels[1], labels[2]) = (labels[2], labels[1]);   // 'a' and 'b' swap ids: the rows mean other tokens now
        using var t = NewTrainer(fx.NewOutputDir("reordered"), OneStep, initFrom: ckpt, labels: labels);
        var r = t.InitReport!;
        Assert.True(r.VocabularyChanged);
        Assert.Empty(r.ShapeMismatched);
        // embedding, joint output weight and bias, and the pruned loss's two simple projections (weight and bias)
        Assert.Equal(7, r.Skipped.Count(s => s.EndsWith("(new vocabulary: re-created)")));
        Assert.DoesNotContain("joint.joint_net.2.weight", r.Loaded);
        Assert.DoesNotContain("simple_lm_proj.weight", r.Loaded);
        Assert.Contains("joint.enc.weight", r.Loaded);
    }

    [Fact]
    public void IncludeAndExcludeChooseTheTensorsAndTheRestKeepTheirFreshInit()
    {
        var ckpt = Pretrained();
        var source = TrainerCorpusFixture.Weights(ckpt, CheckpointStore.EmaFile);
        Dictionary<string, float[]> fresh;
        using (var f = NewTrainer(fx.NewOutputDir("fresh"), OneStep)) fresh = Snapshot(f);   // same seed: the init the others get
        // include by substring; exclude by regular expression (the post-stack LSTM's biases)
        using var t = NewTrainer(fx.NewOutputDir("include"), OneStep, initFrom: ckpt,
            include: new() { "encoder.", "joint.enc" }, exclude: new() { @"^encoder\.post_rnn\..*bias" });
        var r = t.InitReport!;
        var now = Snapshot(t);
        bool Taken(string n) => (n.Contains("encoder.") || n.Contains("joint.enc")) && !System.Text.RegularExpressions.Regex.IsMatch(n, @"^encoder\.post_rnn\..*bias");
        Assert.Contains(source.Keys, n => n.StartsWith("encoder.post_rnn.") && n.Contains("bias"));
        Assert.False(r.VocabularyChanged);
        Assert.Empty(r.ShapeMismatched);
        Assert.Equal(source.Keys.Where(Taken).OrderBy(n => n), r.Loaded.OrderBy(n => n));
        Assert.Equal(source.Keys.Where(n => !Taken(n)).OrderBy(n => n), r.Skipped.OrderBy(n => n));
        foreach (var name in source.Keys)
        {
            var expected = Taken(name) ? source[name] : fresh[name];
            Assert.True(expected.AsSpan().SequenceEqual(now[name]), $"{name}: expected the {(Taken(name) ? "checkpoint's" : "fresh")} values");
        }
        Assert.Throws<ArgumentException>(() => NewTrainer(fx.NewOutputDir("no-init"), OneStep, include: new() { "encoder." }));
    }

    [Fact]
    public void FreezeEncoderKeepsEncoderWeightsBitIdentical()
    {
        var dir = fx.NewOutputDir("freeze");
        Dictionary<string, float[]> before;
        using (var t = NewTrainer(dir, new[] { "train.steps=3", "train.batch_size=8", "train.save_every=0" }, freeze: true))
        {
            before = Snapshot(t);
            Assert.DoesNotContain(t.Optimizer.Parameters, p => p.Name.StartsWith("encoder."));
            Assert.Contains(t.Optimizer.Parameters, p => p.Name.StartsWith("decoder."));
            t.Run();
        }
        var after = TrainerCorpusFixture.Weights(Path.Combine(dir, "checkpoints", "last"));
        foreach (var (name, w) in before.Where(kv => kv.Key.StartsWith("encoder.")))
            Assert.True(w.AsSpan().SequenceEqual(after[name]), $"{name} moved although the encoder is frozen");
        Assert.Contains(before, kv => !kv.Key.StartsWith("encoder.") && !kv.Value.AsSpan().SequenceEqual(after[kv.Key]));
        var optimizer = SafeTensors.Load(Path.Combine(dir, "checkpoints", "last", "optimizer.safetensors"));
        try { Assert.DoesNotContain(optimizer.Keys, k => k.StartsWith("encoder.")); }
        finally { foreach (var v in optimizer.Values) v.Dispose(); }
    }

    [Fact]
    public void NemoFilesInitThroughTheImporter()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "data", "nemo", "small_rnnt.nemo");
        using var imported = NemoImporter.Import(path);
        using var tokenizer = SentencePieceTokenizer.Load(imported.TokenizerPath);
        using var model = new Transducer(imported.Config.Preprocessor.OutputFeatures, tokenizer.VocabSize, imported.Config.Model);
        var report = FineTuneInit.Apply(model, tokenizer, path, new List<string>(), new List<string> { "decoder." });
        Assert.Contains("joint.enc.weight", report.Loaded);
        Assert.NotEmpty(report.Skipped);
        Assert.All(report.Skipped, s => Assert.StartsWith("decoder.", s));
        const string name = "encoder.layers.0.self_attn.linear_q.weight";
        Assert.Equal(imported.StateDict[name].ToFloatArray(), model.StateDict()[name].ToFloatArray());
    }
}
