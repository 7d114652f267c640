using System.Formats.Tar;
using SharpAsr.Config;
using SharpAsr.Data;
using SharpAsr.Data.Tarred;
using SharpAsr.Features;
using Xunit;

namespace SharpAsr.Tests.Data;

public class DataTarredTests
{
    [Fact]
    public void BraceExpansionAsNemo()
    {
        Assert.Equal(new[] { "audio_0.tar", "audio_1.tar", "audio_2.tar" }, BraceExpansion.Expand("audio_{0..2}.tar"));
        Assert.Equal(new[] { "audio_0.tar", "audio_1.tar" }, BraceExpansion.Expand("audio__OP_0..1_CL_.tar"));
        Assert.Equal(new[] { "a_08.tar", "a_09.tar", "a_10.tar" }, BraceExpansion.Expand("a_{08..10}.tar"));
        Assert.Equal(new[] { "x/3", "x/2" }, BraceExpansion.Expand("x/{3..2}"));
        Assert.Equal(new[] { "en/audio_0.tar", "en/audio_1.tar", "de/audio_0.tar", "de/audio_1.tar" }, BraceExpansion.Expand("{en,de}/audio_{0..1}.tar"));
        Assert.Equal(new[] { "a1", "a2", "b" }, BraceExpansion.Expand("{a{1,2},b}"));
        Assert.Equal(new[] { "plain.tar" }, BraceExpansion.Expand("plain.tar"));
        Assert.Equal(128, BraceExpansion.Expand("audio_{0..127}.tar").Distinct().Count());
        Assert.Throws<FormatException>(() => BraceExpansion.Expand("audio_{0..3.tar"));
        Assert.Throws<FormatException>(() => BraceExpansion.Expand("audio_{x}.tar"));
    }

    [Fact]
    public void ScatterGivesDisjointSharesWhoseUnionIsAllAndReplicateGivesAll()
    {
        var shards = BraceExpansion.Expand("audio_{0..11}.tar");
        foreach (int world in new[] { 1, 2, 3, 4, 6, 12 })
        {
            var per = Enumerable.Range(0, world).Select(r => ShardSplit.ForRank(shards, ShardStrategy.Scatter, r, world, out _)).ToList();
            Assert.All(per, p => Assert.Equal(12 / world, p.Count));
            Assert.Equal(12, per.SelectMany(p => p).Distinct().Count());                  // disjoint …
            Assert.Equal(shards.Order(), per.SelectMany(p => p).Order());                   // … and together all
        }
        var five = Enumerable.Range(0, 5).Select(r => ShardSplit.ForRank(shards, ShardStrategy.Scatter, r, 5, out int left)).ToList();
        ShardSplit.ForRank(shards, ShardStrategy.Scatter, 0, 5, out int leftOut);
        Assert.Equal(2, leftOut);                                                              // NeMo's rule: equal shares, remainder unused
        Assert.Equal(10, five.SelectMany(p => p).Distinct().Count());
        Assert.Equal(shards, ShardSplit.ForRank(shards, ShardStrategy.Replicate, 3, 4, out _));
        Assert.Throws<TarredDataException>(() => ShardSplit.ForRank(shards.Take(2).ToList(), ShardStrategy.Scatter, 0, 4, out _));
        Assert.Equal(ShardStrategy.Replicate, ShardSplit.ParseStrategy("replicate"));
    }

    [Fact]
    public void ShuffleBufferIsAPermutationDeterministicForItsSeed()
    {
        var items = Enumerable.Range(0, 200).ToList();
        var a = ShuffleBuffer.Shuffle(items, 16, new Random(5)).ToList();
        Assert.Equal(items, a.Order());
        Assert.NotEqual(items, a);
        Assert.Equal(a, ShuffleBuffer.Shuffle(items, 16, new Random(5)));
        Assert.NotEqual(a, ShuffleBuffer.Shuffle(items, 16, new Random(6)));
        Assert.Equal(items, ShuffleBuffer.Shuffle(items, 1, new Random(5)));               // shuffle_n ≤ 1: stream order
        // a buffer of n can only move an item so far forward: the first output comes from the first n inputs
        Assert.True(a[0] < 16);
    }

    [Fact]
    public void TarRoundTripGivesBackEverySampleBitExact()
    {
        var dir = DataTestFiles.Dir("tar");
        var (manifest, rows) = DataTestFiles.Corpus(dir, 14);
        // a file cut into two segments (offsets) shares one tar member
        File.AppendAllLines(manifest, new[] { """{"audio_filepath": "audio/sub0/utt000.wav", "duration": 0.1, "offset": 0.05, "text": "segment", "speaker": 7}""" });
        var outDir = Path.Combine(dir, "tarred");
        var summary = TarredDatasetWriter.Write(manifest, outDir, numShards: 4);
        Assert.Equal(15, summary.Entries);
        Assert.Equal(15, summary.AudioFiles);   // each file once per shard that uses it: utt000 is in shards 0 and 3
        Assert.Empty(summary.Problems);
        for (int s = 0; s < 4; s++)
        {
            Assert.True(File.Exists(Path.Combine(outDir, $"audio_{s}.tar")));
            Assert.True(File.Exists(Path.Combine(outDir, "sharded_manifests", $"manifest_{s}.json")));
        }
        Assert.Equal(new[] { 4, 4, 4, 3 }, Enumerable.Range(0, 4).Select(s => File.ReadAllLines(Path.Combine(outDir, "sharded_manifests", $"manifest_{s}.json")).Length));
        Assert.Equal("audio_sub0_utt000.wav", TarredDatasetWriter.FlattenedName("audio/sub0/utt000.wav"));
        Assert.Equal("_data_x_y_z.flac", TarredDatasetWriter.FlattenedName("/data/x.y/z.flac"));

        // every member's bytes are the source file's bytes
        var byName = rows.ToDictionary(r => TarredDatasetWriter.FlattenedName(Path.GetRelativePath(dir, r.Audio)), r => r.Audio);
        var members = Enumerable.Range(0, 4).SelectMany(s => TarShardReader.Read(Path.Combine(outDir, $"audio_{s}.tar"))).ToList();
        Assert.Equal(byName.Keys.Order(), members.Select(m => m.Name).Distinct().Order());
        Assert.All(members, m => Assert.Equal(File.ReadAllBytes(byName[m.Name]), m.Data));

        // reading the data set back: every manifest entry once, text, offset and extra fields intact
        var ds = TarredDataset.Open(summary.Manifest, new TarredDatasetOptions { TarPaths = "audio_{0..3}.tar", ShuffleN = 5, Seed = 3 },
            DataTestFiles.Encoder(), new DatasetFilter(), out var ds0);
        Assert.Empty(ds0.Problems);
        Assert.Equal(15, ds.Count);
        var samples = ds.Samples(0).ToList();
        Assert.Equal(15, samples.Count);
        var expected = rows.Select(r => r.Text).Append("segment").Order();
        Assert.Equal(expected, samples.Select(s => s.Utterance.Text).Order());
        var seg = samples.Single(s => s.Utterance.Text == "segment");
        Assert.Equal(0.05, seg.Utterance.Entry.Offset);
        Assert.Equal(7, seg.Utterance.Entry.Extra["speaker"].GetInt32());
        Assert.Equal("audio_sub0_utt000.wav", seg.Member);
        foreach (var s in samples.Where(s => s.Utterance.Text != "segment"))
            Assert.Equal(File.ReadAllBytes(byName[s.Member]), s.Audio);

        // deterministic for (seed, epoch); another epoch, another order; ranks split the utterances
        Assert.Equal(samples.Select(s => s.Utterance.Entry.Line), ds.Samples(0).Select(s => s.Utterance.Entry.Line));
        Assert.NotEqual(samples.Select(s => s.Utterance.Entry.Line), ds.Samples(1).Select(s => s.Utterance.Entry.Line));
        var ranks = Enumerable.Range(0, 2).Select(r => TarredDataset.Open(summary.Manifest,
            new TarredDatasetOptions { TarPaths = "audio_{0..3}.tar", Rank = r, WorldSize = 2 }, DataTestFiles.Encoder(), new DatasetFilter(), out _)).ToList();
        var lines = ranks.Select(r => r.Samples(0).Select(s => s.Utterance.Entry.Line).ToList()).ToList();
        Assert.Empty(lines[0].Intersect(lines[1]));
        Assert.Equal(samples.Select(s => s.Utterance.Entry.Line).Order(), lines[0].Concat(lines[1]).Order());
        Assert.Equal(ranks.Select(r => r.Count), lines.Select(l => l.Count));
    }

    [Fact]
    public void TarredBatchesEqualFileBatchesAndResumeAtTheirPosition()
    {
        var dir = DataTestFiles.Dir("tarbatch");
        var (manifest, _) = DataTestFiles.Corpus(dir, 10);
        var summary = TarredDatasetWriter.Write(manifest, Path.Combine(dir, "t"), numShards: 2);
        var ds = TarredDataset.Open(summary.Manifest, new TarredDatasetOptions { TarPaths = "audio__OP_0..1_CL_.tar", ShuffleN = 4, Seed = 1 },
            DataTestFiles.Encoder(), new DatasetFilter(), out _);
        var featurizer = new Featurizer(new FeaturizerConfig());
        var tarred = new TarredBatchLoader(ds, featurizer, training: true, batchSize: 3, workers: 2, prefetch: 2, seed: 9);
        var all = tarred.Load(epoch: 0).ToList();
        Assert.Equal(new[] { 3, 3, 3, 1 }, all.Select(b => b.Items.Length));
        Assert.Equal(new[] { 0, 1, 2, 3 }, all.Select(b => b.Position));

        // the same utterances through the file loader give identical features (same assembly, same dither seed)
        var (utts, _) = DatasetBuilder.Build(new[] { manifest }, null, DataTestFiles.Encoder(), new DatasetFilter());
        var files = new BatchLoader(utts, featurizer, training: true, workers: 1, prefetch: 1, seed: 9);
        var b1 = all[1];
        var indices = b1.Items.Select(u => utts.FindIndex(x => x.Text == u.Text && Math.Abs(x.Entry.Duration - u.Entry.Duration) < 1e-9)).ToArray();
        using (var fromFiles = files.Make(indices, 0, 1))
        {
            Assert.Equal(fromFiles.Features.ToArray<float>(), b1.Features.ToArray<float>());
            Assert.Equal(fromFiles.Targets.ToArray<long>(), b1.Targets.ToArray<long>());
            Assert.Equal(fromFiles.FeatureLengths.ToArray<long>(), b1.FeatureLengths.ToArray<long>());
        }

        // resuming at position 2 gives batches 2 and 3 again, bit for bit
        var resumed = tarred.Load(epoch: 0, start: 2).ToList();
        Assert.Equal(new[] { 2, 3 }, resumed.Select(b => b.Position));
        for (int k = 0; k < 2; k++)
        {
            Assert.Equal(all[k + 2].Items.Select(u => u.Entry.Line), resumed[k].Items.Select(u => u.Entry.Line));
            Assert.Equal(all[k + 2].Features.ToArray<float>(), resumed[k].Features.ToArray<float>());
        }
        foreach (var b in all.Concat(resumed)) b.Dispose();
    }

    [Fact]
    public void FileLoaderResumesAtThePosition()
    {
        var dir = DataTestFiles.Dir("resume");
        var (manifest, _) = DataTestFiles.Corpus(dir, 9);
        var (utts, _) = DatasetBuilder.Build(new[] { manifest }, null, DataTestFiles.Encoder(), new DatasetFilter());
        var sampler = new BucketBatchSampler(utts.Select(u => u.Entry.Duration).ToList(), 2, seed: 4, numBuckets: 2);
        var loader = new BatchLoader(utts, new Featurizer(new FeaturizerConfig()), training: true, workers: 2, prefetch: 3, seed: 4);
        var batches = sampler.Epoch(1);
        var full = loader.Load(batches, 1).ToList();
        var resumed = loader.Load(batches, 1, start: 3).ToList();
        Assert.Equal(Enumerable.Range(3, batches.Count - 3), resumed.Select(b => b.Position));
        for (int k = 0; k < resumed.Count; k++)
            Assert.Equal(full[k + 3].Features.ToArray<float>(), resumed[k].Features.ToArray<float>());
        Assert.Equal(batches, new BucketBatchSampler(utts.Select(u => u.Entry.Duration).ToList(), 2, seed: 4, numBuckets: 2).Epoch(1));
        foreach (var b in full.Concat(resumed)) b.Dispose();
    }

    [Theory]
    [InlineData("../../etc/evil.wav", "contains '..' (path traversal)")]
    [InlineData("ok/../../evil.wav", "contains '..' (path traversal)")]
    [InlineData("/etc/evil.wav", "has an absolute path")]
    public void TarWithATraversalEntryIsRefusedNamingTarAndEntry(string entry, string reason)
    {
        var dir = DataTestFiles.Dir("evil");
        var tar = Path.Combine(dir, "audio_0.tar");
        File.WriteAllBytes(tar, DataTestFiles.Ustar(("good.wav", new byte[] { 1, 2, 3 }, '0'), (entry, new byte[] { 4, 5 }, '0')));
        var members = new List<TarMember>();
        var e = Assert.Throws<TarredDataException>(() => { foreach (var m in TarShardReader.Read(tar)) members.Add(m); });
        Assert.Equal($"{tar}: entry '{entry}' {reason}; refusing the shard", e.Message.Replace(" (entries must be plain relative names)", ""));
        Assert.Single(members); // the good member before it was read, nothing after
    }

    [Fact]
    public void TarWithALinkEntryOrGarbageIsRefused()
    {
        var dir = DataTestFiles.Dir("link");
        var tar = Path.Combine(dir, "audio_0.tar");
        File.WriteAllBytes(tar, DataTestFiles.Ustar(("link.wav", Array.Empty<byte>(), '2')));
        var e = Assert.Throws<TarredDataException>(() => TarShardReader.Read(tar).ToList());
        Assert.Contains("'link.wav' is a SymbolicLink", e.Message);
        var junk = Path.Combine(dir, "junk.tar");
        File.WriteAllBytes(junk, Enumerable.Repeat((byte)'x', 1024).ToArray());
        Assert.StartsWith($"{junk}: not a readable tar archive", Assert.Throws<TarredDataException>(() => TarShardReader.Read(junk).ToList()).Message);
    }
}
