using System.Text;
using SharpAsr.Data;
using SharpAsr.Data.Tarred;
using Xunit;

namespace SharpAsr.Tests.Data;

/// <summary>caiman's WebDataset shards: pairing of audio and .txt members, tar file resolution, the training stream, errors.</summary>
public sealed class DataWebDatasetTests
{
    static byte[] Text(string s) => Encoding.UTF8.GetBytes(s);
    static byte[] Wav(string dir, double seconds, int seed) => File.ReadAllBytes(DataTestFiles.Wav(Path.Combine(dir, $"w{seed}.wav"), seconds, seed));

    [Fact]
    public void AdjacentMembersWithOneKeyArePaired_DotsInTheStemBecomeUnderscores()
    {
        var dir = DataTestFiles.Dir("wds-pair");
        byte[] a = Wav(dir, 0.3, 1), b = Wav(dir, 0.2, 2);
        var tar = DataTestFiles.Tar(Path.Combine(dir, "s.tar"), new[]
        {
            ("utt1.txt", Text("hello world\n")), ("utt1.wav", a),           // transcript first is fine: adjacency is what counts
            ("spk/x.y.flac", b), ("spk/x.y.txt", Text("  second one ")),
        });
        var pairs = WebDatasetPairing.Pairs(TarShardReader.Read(tar)).ToList();
        Assert.Equal(new[] { "utt1", "spk/x_y" }, pairs.Select(p => p.Key));
        Assert.Equal(new[] { "hello world", "second one" }, pairs.Select(p => p.Transcript));
        Assert.Equal(new[] { 1, 2 }, pairs.Select(p => p.Position));
        Assert.Equal(a, pairs[0].Audio);
        Assert.Equal($"{tar}:spk/x.y.flac", pairs[1].Where);
        Assert.Equal(("a/b_c", ".wav"), WebDatasetPairing.Split("a/b.c.WAV"));
    }

    [Theory]
    [InlineData("lone audio", "'a.wav' has no transcript 'a.txt' next to it")]
    [InlineData("lone transcript", "transcript 'b.txt' has no audio member with the key 'b'")]
    [InlineData("pair written apart", "'a.wav' has no transcript 'a.txt' next to it")]
    [InlineData("other member", "member 'a.json' is neither audio")]
    [InlineData("two audio", "'a.flac' and 'a.wav' are two audio files of the sample 'a'")]
    [InlineData("not utf-8", "transcript 'a.txt' is not UTF-8 text")]
    public void BadPairsAreRefusedNamingTarAndMember(string kind, string message)
    {
        var dir = DataTestFiles.Dir("wds-bad");
        var wav = Wav(dir, 0.2, 3);
        (string, byte[])[] members = kind switch
        {
            "lone audio" => [("a.wav", wav), ("b.wav", wav), ("b.txt", Text("b"))],
            "lone transcript" => [("a.wav", wav), ("a.txt", Text("a")), ("b.txt", Text("b"))],
            "pair written apart" => [("a.wav", wav), ("b.wav", wav), ("a.txt", Text("a")), ("b.txt", Text("b"))],
            "other member" => [("a.wav", wav), ("a.txt", Text("a")), ("a.json", Text("{}"))],
            "two audio" => [("a.wav", wav), ("a.flac", wav), ("a.txt", Text("a"))],
            _ => [("a.wav", wav), ("a.txt", new byte[] { 0x61, 0xff, 0xfe })],
        };
        var tar = DataTestFiles.Tar(Path.Combine(dir, "bad.tar"), members);
        var e = Assert.Throws<TarredDataException>(() => WebDatasetPairing.Pairs(TarShardReader.Read(tar)).ToList());
        Assert.StartsWith(tar + ": ", e.Message);
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void CorruptAudioIsRefusedWhenTheShardsAreOpened_NamingTarAndMember()
    {
        var dir = DataTestFiles.Dir("wds-corrupt");
        var tar = DataTestFiles.Tar(Path.Combine(dir, "train_0.tar"), new[]
        {
            ("good.wav", Wav(dir, 0.2, 4)), ("good.txt", Text("good")),
            ("bad.flac", Enumerable.Repeat((byte)7, 3000).ToArray()), ("bad.txt", Text("bad")),
        });
        var e = Assert.Throws<TarredDataException>(() => new WebDataset([tar], DataTestFiles.Encoder(), new DatasetFilter(), new DatasetSummary()));
        Assert.StartsWith($"{tar}:bad.flac: unreadable audio", e.Message);
    }

    [Fact]
    public void TarFilesResolveAsCaimanDoes()
    {
        var dir = DataTestFiles.Dir("wds-files");
        foreach (var f in new[] { "train_1.tar", "train_0.tar", "dev_0.tar", "notes.txt", "sub/train_9.tar", "sub/deeper/train_8.tar" })
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(dir, f))!);
            File.WriteAllText(Path.Combine(dir, f), "");
        }
        string P(string f) => Path.Combine(dir, f);
        // --data_dir D: names and globs of files directly in D, each glob sorted, a file named twice read once
        Assert.Equal(new[] { P("train_0.tar"), P("train_1.tar"), P("dev_0.tar") },
            WebDatasetFiles.Resolve(dir, ["train_*.tar", "dev_0.tar", "train_[0-1].tar"], "--train_tar_files"));
        Assert.Contains("no file in --data_dir", Assert.Throws<FileNotFoundException>(() => WebDatasetFiles.Resolve(dir, ["test_*.tar"], "--val_tar_files")).Message);
        Assert.Contains("directly in that folder", Assert.Throws<ArgumentException>(() => WebDatasetFiles.Resolve(dir, ["sub/train_9.tar"], "--train_tar_files")).Message);
        // no --data_dir, or /: paths; a folder gives its .tar files recursively; a leftover glob is expanded (** crosses folders)
        Assert.Equal(new[] { P("sub/deeper/train_8.tar"), P("sub/train_9.tar") }, WebDatasetFiles.Resolve(null, [P("sub")], "--train_tar_files"));
        Assert.Equal(new[] { P("sub/deeper/train_8.tar"), P("sub/train_9.tar") }, WebDatasetFiles.Resolve("/", [P("sub/**")], "--train_tar_files"));
        Assert.Equal(new[] { P("dev_0.tar") }, WebDatasetFiles.Resolve("/", [P("d?v_*.tar")], "--val_tar_files"));
        Assert.Contains("no such tar file or folder", Assert.Throws<FileNotFoundException>(() => WebDatasetFiles.Resolve(null, [P("nope.tar")], "--train_tar_files")).Message);
        // caiman keeps training and validation names apart
        Assert.Contains("both match", Assert.Throws<ArgumentException>(() => WebDatasetFiles.CheckDisjoint([P("dev_0.tar")], [P("dev_0.tar")])).Message);
    }

    [Fact]
    public void AnEpochStreamsEveryKeptPairOnce_DeterministicPerSeed_SplitOverRanks_AndFiltered()
    {
        var dir = DataTestFiles.Dir("wds-stream");
        var (_, rows) = DataTestFiles.Corpus(dir, 12);
        var tars = Enumerable.Range(0, 4).Select(s => DataTestFiles.Tar(Path.Combine(dir, $"train_{s}.tar"),
            DataTestFiles.Pairs(rows.Where((_, i) => i % 4 == s).Select(r => (r.Audio, r.Text))))).ToList();
        var summary = new DatasetSummary();
        var ds = new WebDataset(tars, DataTestFiles.Encoder(), new DatasetFilter(MaxDuration: 0.45), summary, shuffleN: 5, seed: 3);
        var kept = rows.Where(r => r.Duration <= 0.45).ToList();
        Assert.True(kept.Count is > 0 and < 12);
        Assert.Equal(kept.Count, ds.Count);
        Assert.Equal(12 - kept.Count, summary.DroppedByDuration);
        var samples = ds.Samples(0).ToList();
        Assert.Equal(kept.Select(r => r.Text).Order(), samples.Select(s => s.Utterance.Text).Order());
        var byName = rows.ToDictionary(r => Path.GetFileName(r.Audio), r => r.Audio);
        Assert.All(samples, s => Assert.Equal(File.ReadAllBytes(byName[s.Member]), s.Audio));
        Assert.All(samples, s => Assert.Equal(s.Utterance.Entry.Duration, kept.Single(r => Path.GetFileName(r.Audio) == s.Member).Duration, 3));
        Assert.Equal(samples.Select(s => s.Where), ds.Samples(0).Select(s => s.Where));
        Assert.NotEqual(samples.Select(s => s.Where), ds.Samples(1).Select(s => s.Where));
        // scatter: two ranks read disjoint shards that together hold everything
        var ranks = Enumerable.Range(0, 2).Select(r => new WebDataset(tars, DataTestFiles.Encoder(), new DatasetFilter(MaxDuration: 0.45), new DatasetSummary(), rank: r, worldSize: 2)).ToList();
        Assert.Empty(ranks[0].Shards.Intersect(ranks[1].Shards));
        Assert.Equal(samples.Select(s => s.Where).Order(), ranks.SelectMany(r => r.Samples(0)).Select(s => s.Where).Order());
    }

    [Fact]
    public void ValidationShardsUnpackIntoAManifest()
    {
        var dir = DataTestFiles.Dir("wds-val");
        var (_, rows) = DataTestFiles.Corpus(dir, 4);
        var tar = DataTestFiles.Tar(Path.Combine(dir, "dev_0.tar"), DataTestFiles.Pairs(rows.Select(r => (r.Audio, r.Text))));
        var (manifest, count) = WebDatasetExtract.ToManifest([tar], Path.Combine(dir, "val"));
        Assert.Equal(4, count);
        var (entries, problems) = ManifestReader.Read(manifest);
        Assert.Empty(problems);
        Assert.Equal(rows.Select(r => r.Text), entries.Select(e => e.Text));
        Assert.Equal(rows.Select(r => File.ReadAllBytes(r.Audio)), entries.Select(e => File.ReadAllBytes(e.AudioPath)));
        Assert.Equal(rows.Select(r => r.Duration), entries.Select(e => e.Duration), (x, y) => Math.Abs(x - y) < 1e-3);
    }
}
