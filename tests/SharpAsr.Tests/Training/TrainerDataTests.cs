using SharpAsr.Checkpoints;
using SharpAsr.Config;
using SharpAsr.Data;
using SharpAsr.Data.Tarred;
using SharpAsr.Features;
using SharpAsr.Training;
using Xunit;

namespace SharpAsr.Tests.Training;

/// <summary>
/// Issue 5: the trainer on weighted manifests (path:weight), with the transcript-length filter keys, and on tar
/// shards (train.is_tarred), including an exact resume from tar shards.
/// </summary>
[Collection("trainer")]
public sealed class TrainerDataTests(TrainerCorpusFixture fx)
{
    /// <summary>The fixture's training manifest cut in two (first half, second half), next to it so relative audio paths hold.</summary>
    (string A, string B) SplitManifest()
    {
        var lines = File.ReadAllLines(fx.Corpus.TrainManifest).Where(l => l.Trim().Length > 0).ToArray();
        var dir = Path.GetDirectoryName(fx.Corpus.TrainManifest)!;
        var tag = Guid.NewGuid().ToString("N")[..8];
        string a = Path.Combine(dir, $"half-a-{tag}.json"), b = Path.Combine(dir, $"half-b-{tag}.json");
        File.WriteAllLines(a, lines[..(lines.Length / 2)]);
        File.WriteAllLines(b, lines[(lines.Length / 2)..]);
        return (a, b);
    }

    Trainer NewTrainer(string outputDir, IEnumerable<string> overrides, IEnumerable<string> trainManifests, bool resume = false, List<string>? log = null)
    {
        var all = TrainerCorpusFixture.SmallModel.Concat(overrides).ToList();
        var options = new TrainOptions
        {
            ConfigPath = TrainerCorpusFixture.TinyConfig, Overrides = all, OutputDir = outputDir, Resume = resume,
            Log = line => { lock (log ?? new List<string>()) log?.Add(line); },
        };
        options.TrainManifests.AddRange(trainManifests);
        return new Trainer(AsrConfig.Load(TrainerCorpusFixture.TinyConfig, all), options);
    }

    [Fact]
    public void WeightedManifestsAreTrainedOnInProportion()
    {
        var (a, b) = SplitManifest();
        var log = new List<string>();
        // one bucket, batch 5: a ×2 (2 × 12) + b ×0.5 (6) = 30 utterances = 6 batches = one epoch in 6 steps
        using var t = NewTrainer(fx.NewOutputDir("weighted"), new[] { "train.steps=6", "train.batch_size=5", "train.save_every=0" },
            new[] { a + ":2", b + ":0.5" }, log: log);
        var kept = t.Data.EpochUtterances(0).SelectMany(x => x).Select(u => u.Entry.Source).Distinct().ToList();
        Assert.Equal(new[] { a, b }, kept.Order());
        Assert.Contains(log, l => l.Contains("weighted mix") && l.Contains("×2") && l.Contains("×0.5"));

        var seen = new List<Utterance>();
        t.BatchHook = batch => seen.AddRange(batch.Items);
        t.Run();
        Assert.Equal(6, t.State.Step);
        Assert.Equal(30, seen.Count);
        // every utterance of a exactly twice, a distinct half of b once
        var fromA = seen.Where(u => u.Entry.Source == a).GroupBy(u => u.Entry.Line).ToList();
        Assert.Equal(12, fromA.Count);
        Assert.All(fromA, g => Assert.Equal(2, g.Count()));
        var fromB = seen.Where(u => u.Entry.Source == b).Select(u => u.Entry.Line).ToList();
        Assert.Equal(6, fromB.Count);
        Assert.Equal(6, fromB.Distinct().Count());
        // what the trainer saw is the sampler's epoch 0, in order; epoch 1 draws another half of b
        Assert.Equal(t.Data.EpochUtterances(0).SelectMany(x => x).Select(u => u.Entry.Where), seen.Select(u => u.Entry.Where));
        var nextB = t.Data.EpochUtterances(1).SelectMany(x => x).Where(u => u.Entry.Source == b).Select(u => u.Entry.Line).Order().ToList();
        Assert.Equal(6, nextB.Count);
        Assert.NotEqual(fromB.Order().ToList(), nextB);
    }

    [Fact]
    public void UnitWeightsKeepTheBucketSamplerAndBadSpecsAreRefused()
    {
        var (a, b) = SplitManifest();
        var log = new List<string>();
        using (var t = NewTrainer(fx.NewOutputDir("unit"), new[] { "train.steps=1" }, new[] { a, b + ":1" }, log: log))
            Assert.Equal(24, t.Data.Count);
        Assert.Contains(log, l => l.Contains("audio files: 24 utterances"));
        var e = Assert.Throws<ArgumentException>(() => NewTrainer(fx.NewOutputDir("neg"), new[] { "train.steps=1" }, new[] { a + ":-1" }));
        Assert.Contains(a, e.Message);
        e = Assert.Throws<ArgumentException>(() => NewTrainer(fx.NewOutputDir("twice"), new[] { "train.steps=1" }, new[] { a, a + ":2" }));
        Assert.Contains("2 times", e.Message);
    }

    [Fact]
    public void TranscriptLengthKeysFilterTheTrainingSet()
    {
        var manifests = new[] { fx.Corpus.TrainManifest };
        int[] lengths;
        using (var t = NewTrainer(fx.NewOutputDir("nofilter"), new[] { "train.steps=1" }, manifests))
            lengths = t.Data.EpochUtterances(0).SelectMany(x => x).Select(u => u.Text.Length).Order().ToArray();
        int limit = lengths[lengths.Length / 2];
        int expected = lengths.Count(l => l <= limit);
        Assert.InRange(expected, 1, lengths.Length - 1);  // the limit splits the set, so the check can fail
        var log = new List<string>();
        using (var t = NewTrainer(fx.NewOutputDir("chars"), new[] { "train.steps=1", $"train.max_transcript_chars={limit}" }, manifests, log: log))
        {
            Assert.Equal(expected, t.Data.Count);
            Assert.All(t.Data.EpochUtterances(0).SelectMany(x => x), u => Assert.True(u.Text.Length <= limit));
        }
        Assert.Contains(log, l => l.Contains($"{lengths.Length - expected} (") && l.Contains("too long a transcript"));
        // the token limit: the char tokenizer's tokens, cut at their median count
        int[] tokens;
        using (var t = NewTrainer(fx.NewOutputDir("notokens"), new[] { "train.steps=1" }, manifests))
            tokens = t.Data.EpochUtterances(0).SelectMany(x => x).Select(u => u.Tokens.Length).Order().ToArray();
        int maxTokens = tokens[tokens.Length / 2];
        using (var t = NewTrainer(fx.NewOutputDir("tokens"), new[] { "train.steps=1", $"train.max_tokens={maxTokens}" }, manifests))
        {
            Assert.Equal(tokens.Count(n => n <= maxTokens), t.Data.Count);
            Assert.All(t.Data.EpochUtterances(0).SelectMany(x => x), u => Assert.True(u.Tokens.Length <= maxTokens));
        }
        var e = Assert.Throws<InvalidDataException>(() => NewTrainer(fx.NewOutputDir("none"), new[] { "train.steps=1", "train.max_tokens=1" }, manifests));
        Assert.Contains("no usable training utterances", e.Message);
    }

    [Fact]
    public void Sortagrad_TheFirstEpochTrainsShortestBatchFirst_ThenShuffled()
    {
        // 24 utterances, batches of 4: 6 a epoch, two epochs
        var run = new[] { "train.steps=12", "train.batch_size=4", "train.save_every=0", "train.sortagrad=1" };
        var longest = new List<long>();
        var log = new List<string>();
        using (var t = NewTrainer(fx.NewOutputDir("sortagrad"), run, new[] { fx.Corpus.TrainManifest }, log: log))
        {
            t.BatchHook = batch => longest.Add(batch.FeatureLengths.ToArray<long>().Max());
            t.Run();
        }
        Assert.Equal(12, longest.Count);
        Assert.Equal(longest.Take(6).Order(), longest.Take(6));
        Assert.True(longest[0] < longest[5]);
        Assert.NotEqual(longest.Skip(6).Order(), longest.Skip(6));
        Assert.Contains(log, l => l.Contains("shortest batch first (train.sortagrad)"));
    }

    // ---- tar shards ----

    [Fact]
    public void BatchesAreBucketedByTheLengthsSilenceAndSpeedPerturbationWillGive()
    {
        // 24 utterances of 1–3 s, up to 4 s of silence added to half of them, speed 0.9–1.1; one bucket per batch of 4:
        // a sampler blind to the augmentation would mix 1 s and 7 s in one batch, which is then 7 s long for all four
        var padded = new[] { "train.steps=6", "train.batch_size=4", "train.num_buckets=6", "train.save_every=0",
            "augment.audio.silence.prob=0.5", "augment.audio.silence.max_start_silence_secs=2", "augment.audio.silence.max_end_silence_secs=2",
            "augment.audio.speed_perturb.min_speed_rate=0.9", "augment.audio.speed_perturb.max_speed_rate=1.1" };
        var batches = new List<long[]>();
        using (var t = NewTrainer(fx.NewOutputDir("planned-lengths"), padded, new[] { fx.Corpus.TrainManifest }))
        {
            t.BatchHook = batch => batches.Add(batch.FeatureLengths.ToArray<long>());
            t.Run();
        }
        Assert.Equal(6, batches.Count);
        // the buckets do not overlap: the frames of each batch lie above the longest of the batch before it
        var byLength = batches.OrderBy(b => b.Min()).ToList();
        for (int k = 1; k < byLength.Count; k++)
            Assert.True(byLength[k].Min() + 1 >= byLength[k - 1].Max(),
                $"batch [{string.Join(", ", byLength[k])}] frames overlap the batch before it, [{string.Join(", ", byLength[k - 1])}]");
        Assert.True(byLength[^1].Max() > 2 * byLength[0].Max(), "the silence made some utterances much longer than others");
    }

    /// <summary>The fixture's training set as 3 tar shards; returns the tarred manifest.</summary>
    string WriteShards()
    {
        var dir = fx.NewOutputDir("shards");
        var summary = TarredDatasetWriter.Write(fx.Corpus.TrainManifest, dir, 3);
        Assert.Equal(24, summary.Entries);
        return summary.Manifest;
    }

    static readonly string[] Tarred = { "train.is_tarred=true", "train.tarred_audio_filepaths=audio_{0..2}.tar", "train.shuffle_n=8" };
    // as TrainerResumeTests: 24 utterances, batch 5 → 5 batches per epoch; step 4's checkpoint sits at epoch 1, batch 3;
    // SpecAugment on, so the augmentation of the tar path is checked too
    static readonly string[] Run = Tarred.Concat(new[] { "train.steps=8", "train.batch_size=5", "train.grad_accumulation=2", "train.save_every=4",
        "augment.spec_augment.freq_masks=1", "augment.spec_augment.time_masks=1" }).ToArray();

    [Fact]
    public void TrainsFromTarShardsAndResumesToTheBit()
    {
        var manifest = WriteShards();
        var straight = fx.NewOutputDir("tar-straight");
        var seen = new List<Utterance>();
        var log = new List<string>();
        using (var t = NewTrainer(straight, Run, new[] { manifest }, log: log))
        {
            Assert.Equal(24, t.Data.Count);
            // one epoch: every utterance once, in the shuffled stream's order
            var epoch0 = t.Data.EpochUtterances(0).ToList();
            Assert.Equal(5, epoch0.Count);
            Assert.Equal(24, epoch0.SelectMany(x => x).Select(u => u.Entry.Line).Distinct().Count());
            int batches = 0;
            t.BatchHook = batch => { seen.AddRange(batch.Items); batches++; };
            t.Run();
            Assert.Equal(16, batches);
            // 8 steps × 2 micro-batches = 16 batches: epochs 0–2 whole, one batch of epoch 3
            var expected = Enumerable.Range(0, 4).SelectMany(e => t.Data.EpochUtterances(e).Take(e < 3 ? 5 : 1)).SelectMany(x => x);
            Assert.Equal(expected.Select(u => u.Entry.Where), seen.Select(u => u.Entry.Where));
            // the shuffle differs between epochs
            Assert.NotEqual(epoch0.SelectMany(x => x).Select(u => u.Entry.Line), t.Data.EpochUtterances(1).SelectMany(x => x).Select(u => u.Entry.Line));
        }
        Assert.Contains(log, l => l.Contains("tar shards: 3 of 3") && l.Contains("shuffle_n 8"));
        Assert.All(seen, u => Assert.Equal(manifest, u.Entry.Source));

        var resumed = fx.NewOutputDir("tar-resumed");
        var ckpt = Path.Combine(resumed, "checkpoints", "step-000004");
        Directory.CreateDirectory(ckpt);
        foreach (var f in Directory.GetFiles(Path.Combine(straight, "checkpoints", "step-000004"))) File.Copy(f, Path.Combine(ckpt, Path.GetFileName(f)));
        var mid = CheckpointStore.ReadState(ckpt);
        Assert.Equal((1, 3), (mid.Epoch, mid.Position));
        SharpTorch.Torch.ManualSeed(987654321);
        using (var t = NewTrainer(resumed, Run, new[] { manifest }, resume: true)) t.Run();

        var a = TrainerCorpusFixture.Weights(Path.Combine(straight, "checkpoints", "last"));
        var b = TrainerCorpusFixture.Weights(Path.Combine(resumed, "checkpoints", "last"));
        Assert.Equal(a.Keys.Order(), b.Keys.Order());
        foreach (var (name, w) in a) Assert.True(w.AsSpan().SequenceEqual(b[name]), $"{name} differs after resuming from tar shards");
        var w4 = TrainerCorpusFixture.Weights(ckpt);
        Assert.Contains(a, kv => !kv.Value.AsSpan().SequenceEqual(w4[kv.Key]));
    }

    [Fact]
    public void TarBatchEqualsFileBatchWithAugmentation()
    {
        var manifest = WriteShards();
        var cfg = AsrConfig.Load(TrainerCorpusFixture.TinyConfig, Run);
        using var featurizer = new Featurizer(cfg.Preprocessor);
        using var t = NewTrainer(fx.NewOutputDir("tar-batch"), Run, new[] { manifest });
        var tarred = t.Data.Load(featurizer, 0, 0, default).First();
        // the same utterances from their audio files, through the file loader at the same (epoch, position)
        var (files, _) = DatasetBuilder.Build(new[] { fx.Corpus.TrainManifest }, null, new SharpAsr.Text.TranscriptEncoder(t.Tokenizer, t.Normalizer, SharpAsr.Text.UnencodablePolicy.Fail), new DatasetFilter());
        var byName = files.ToDictionary(u => TarredDatasetWriter.FlattenedName(u.Entry.RawAudioPath));
        var same = tarred.Items.Select(u => byName[u.Entry.RawAudioPath]).ToList();
        using var plain = new BatchLoader(same, featurizer, training: true, 1, 1, cfg.Train.Seed, cfg.Augment).Make(Enumerable.Range(0, same.Count).ToArray(), 0, 0);
        using var unaugmented = new BatchLoader(same, featurizer, training: true, 1, 1, cfg.Train.Seed).Make(Enumerable.Range(0, same.Count).ToArray(), 0, 0);
        using (tarred)
        {
            Assert.Equal(plain.Features.ToArray<float>(), tarred.Features.ToArray<float>());
            Assert.Equal(plain.Targets.ToArray<long>(), tarred.Targets.ToArray<long>());
            Assert.NotEqual(unaugmented.Features.ToArray<float>(), tarred.Features.ToArray<float>());
        }
    }

    [Fact]
    public void TarredConfigMistakesNameTheKey()
    {
        var manifest = WriteShards();
        var e = Assert.Throws<ConfigException>(() => NewTrainer(fx.NewOutputDir("no-paths"), new[] { "train.is_tarred=true" }, new[] { manifest }));
        Assert.Contains("train.tarred_audio_filepaths", e.Message);
        e = Assert.Throws<ConfigException>(() => NewTrainer(fx.NewOutputDir("strategy"), Tarred.Append("train.shard_strategy=spread"), new[] { manifest }));
        Assert.Contains("train.shard_strategy 'spread'", e.Message);
        e = Assert.Throws<ConfigException>(() => NewTrainer(fx.NewOutputDir("two"), Tarred, new[] { manifest, fx.Corpus.TrainManifest }));
        Assert.Contains("exactly one", e.Message);
        e = Assert.Throws<ConfigException>(() => NewTrainer(fx.NewOutputDir("sorted"), Tarred.Append("train.sortagrad=1"), new[] { manifest }));
        Assert.Contains("train.sortagrad 1", e.Message);
    }
}
