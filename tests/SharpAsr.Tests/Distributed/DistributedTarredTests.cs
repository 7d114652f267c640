using System.Text.Json;
using SharpAsr.Data.Tarred;
using SharpAsr.Demo;
using SharpAsr.Tests.Training;
using Xunit;

namespace SharpAsr.Tests.Distributed;

/// <summary>
/// The distributed tests start two worker processes each; run one class at a time (not beside each other) so
/// their ranks do not compete for the cores and run into the collectives' timeout.
/// </summary>
[CollectionDefinition(Name)]
public sealed class DistributedCollection
{
    public const string Name = "distributed";
}

/// <summary>24 espeak-ng utterances written as 4 tar shards of 6 by the converter behind <c>sharpasr manifest tar</c>.</summary>
public sealed class TarredCorpusFixture : IDisposable
{
    public string Dir { get; } = Directory.CreateTempSubdirectory("sharpasr-dist-tarred").FullName;
    public DemoCorpus.Result Corpus { get; }
    public string TarredManifest { get; }
    /// <summary>Every utterance of the shards: its name inside the tars (the tarred manifest's audio_filepath) → shard_id.</summary>
    public Dictionary<string, int> ShardOf { get; }

    public TarredCorpusFixture()
    {
        Corpus = DemoCorpus.Generate(Path.Combine(Dir, "corpus"),
            new DemoCorpusOptions { TrainUtterances = 24, DevUtterances = 2, TestUtterances = 1, Parallelism = 2 });
        var shards = Path.Combine(Dir, "shards");
        var summary = TarredDatasetWriter.Write(Corpus.TrainManifest, shards, 4);
        Assert.Equal((4, 24), (summary.Shards, summary.Entries));
        TarredManifest = Path.Combine(shards, TarredDatasetWriter.ManifestName);
        ShardOf = File.ReadLines(TarredManifest).Select(l => JsonDocument.Parse(l).RootElement)
            .ToDictionary(e => e.GetProperty("audio_filepath").GetString()!, e => e.GetProperty("shard_id").GetInt32());
    }

    public void Dispose() => Directory.Delete(Dir, true);
}

/// <summary>
/// Issue 5: training from tar shards on two real ranks (Gloo, tests/DistributedWorker "trainer" through LocalLauncher):
/// with shard_strategy scatter each rank trains on its own shards only, with replicate on all of them; either way the
/// gradients are averaged, so both ranks end with the same weights; scatter with fewer shards than ranks is refused.
/// </summary>
[Collection(DistributedCollection.Name)]
public sealed class DistributedTarredTests(TarredCorpusFixture fx) : IClassFixture<TarredCorpusFixture>
{
    // batch 3: a rank's 2 scattered shards (12 utterances) are one epoch of 4 batches, all 4 shards one of 8
    static string[] Overrides(string strategy, int steps, string tars = "audio_{0..3}.tar") => TrainerCorpusFixture.SmallModel.Concat(new[]
    {
        "train.is_tarred=true", $"train.tarred_audio_filepaths={tars}", "train.shuffle_n=8", $"train.shard_strategy={strategy}",
        "train.batch_size=3", $"train.steps={steps}", "train.save_every=0", "train.final_beam_size=1", "train.num_workers=0",
    }).ToArray();

    (int Code, List<string> Lines, string Weights) Train(string name, string[] overrides)
    {
        var output = Path.Combine(fx.Dir, name);
        var weights = Path.Combine(fx.Dir, name + "-weights");
        var (code, lines, _) = Workers.Launch(2, null, new[]
        {
            "trainer", Workers.RepoFile("configs/tiny.yaml"), fx.TarredManifest, fx.Corpus.DevManifest, output, weights,
        }.Concat(overrides).ToArray());
        return (code, lines, weights);
    }

    static void AssertSameWeights(string weights, string log)
    {
        var w0 = File.ReadAllBytes(weights + ".rank0");
        Assert.True(w0.Length > 1000, log);
        Assert.True(w0.AsSpan().SequenceEqual(File.ReadAllBytes(weights + ".rank1")), "the ranks' weights differ\n" + log);
    }

    static string[] Seen(Dictionary<string, string> values) => values["seen"].Split(',', StringSplitOptions.RemoveEmptyEntries);

    [Fact]
    public void Scatter_EachRankTrainsOnItsOwnShards_TogetherAllOfThem_SameWeights()
    {
        var (code, lines, weights) = Train("scatter", Overrides("scatter", steps: 4));
        var log = string.Join("\n", lines);
        Assert.True(code == 0, log);
        AssertSameWeights(weights, log);
        var mine = new[] { new[] { 0, 1 }, new[] { 2, 3 } };  // contiguous halves, as NeMo scatters
        for (int rank = 0; rank < 2; rank++)
        {
            var v = Workers.Values(lines, rank);
            Assert.Equal("4", v["step"]);
            Assert.Equal("tar shards: 2 of 4 on this rank (scatter), shuffle_n 8, 4 batches per epoch", v["data"]);
            Assert.Equal(string.Join(",", mine[rank]), v["shards_seen"]);
            // one epoch: exactly the utterances of this rank's shards, each once
            var expected = fx.ShardOf.Where(kv => mine[rank].Contains(kv.Value)).Select(kv => kv.Key).Order(StringComparer.Ordinal);
            Assert.Equal(expected, Seen(v));
        }
        Assert.Empty(Seen(Workers.Values(lines, 0)).Intersect(Seen(Workers.Values(lines, 1))));
    }

    [Fact]
    public void Replicate_EachRankTrainsOnEveryShard_SameWeights()
    {
        var (code, lines, weights) = Train("replicate", Overrides("replicate", steps: 8));
        var log = string.Join("\n", lines);
        Assert.True(code == 0, log);
        AssertSameWeights(weights, log);
        for (int rank = 0; rank < 2; rank++)
        {
            var v = Workers.Values(lines, rank);
            Assert.Equal("8", v["step"]);
            Assert.Equal("tar shards: 4 of 4 on this rank (replicate), shuffle_n 8, 8 batches per epoch", v["data"]);
            Assert.Equal("0,1,2,3", v["shards_seen"]);
            Assert.Equal(fx.ShardOf.Keys.Order(StringComparer.Ordinal), Seen(v));
        }
        // each rank reads the shards in its own order: the same batch on both would only double the batch size
        Assert.NotEqual(Workers.Values(lines, 0)["first_batch"], Workers.Values(lines, 1)["first_batch"]);
    }

    [Fact]
    public void Scatter_FewerShardsThanRanks_FailsNamingBothNumbers()
    {
        var (code, lines, _) = Train("too-few", Overrides("scatter", steps: 2, tars: "audio_0.tar"));
        var log = string.Join("\n", lines);
        Assert.True(code == 1, log);
        // each rank stops on its own before any collective; the first to exit ends the other, so at least one says why
        Assert.Contains(lines, l => l.StartsWith("[rank ") &&
            l.EndsWith("error: 1 tar shards cannot be scattered over 2 ranks; write at least 2 shards or use shard_strategy replicate"));
        Assert.DoesNotContain(lines, l => l.Contains("step="));
    }

    [Fact]
    public void Scatter_ARankWithoutUsableUtterances_StopsEveryRankWithTheReason()
    {
        // the manifest lists only shards 0 and 1: under scatter, rank 1's shards (2, 3) hold nothing it can train on
        var half = Path.Combine(Path.GetDirectoryName(fx.TarredManifest)!, "first_half.json");
        File.WriteAllLines(half, File.ReadLines(fx.TarredManifest).Where(l => JsonDocument.Parse(l).RootElement.GetProperty("shard_id").GetInt32() < 2));
        // no launcher (as on two machines): it would stop rank 0 as soon as rank 1 failed, hiding what rank 0 says
        var ranks = Workers.RunRanks(2, new[]
        {
            "trainer", Workers.RepoFile("configs/tiny.yaml"), half, fx.Corpus.DevManifest, Path.Combine(fx.Dir, "half"), Path.Combine(fx.Dir, "half-weights"),
        }.Concat(Overrides("scatter", steps: 2)).ToArray());
        var log = string.Join("\n", ranks.SelectMany((r, i) => r.Lines.Select(l => $"[rank {i}] {l}")));
        Assert.True(ranks.All(r => r.Code == 1), log);
        Assert.Contains("error: no usable training utterances in this rank's tar shards (audio_2.tar, audio_3.tar)", ranks[1].Lines);
        Assert.Contains("error: rank 1 has no usable training utterances in its tar shards (see its error); every rank needs some", ranks[0].Lines);
    }
}
