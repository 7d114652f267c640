namespace SharpAsr.Data.Tarred;

/// <summary>Where a tarred data set is and how this process reads it (NeMo's tarred dataset keys).</summary>
public sealed record TarredDatasetOptions
{
    /// <summary><c>tarred_audio_filepaths</c>: one pattern with braces (<c>audio_{0..127}.tar</c>, <c>_OP_</c>/<c>_CL_</c>), relative to the manifest's folder unless rooted.</summary>
    public required string TarPaths { get; init; }
    /// <summary><c>shuffle_n</c>: samples held in the shuffle buffer (0 or 1 = stream order).</summary>
    public int ShuffleN { get; init; } = 2048;
    public ShardStrategy Strategy { get; init; } = ShardStrategy.Scatter;
    public int Rank { get; init; }
    public int WorldSize { get; init; } = 1;
    public int Seed { get; init; }
}

/// <summary>An utterance with its audio file's bytes, straight from a shard.</summary>
public sealed record TarredSample(Utterance Utterance, byte[] Audio, string Tar, string Member)
{
    public string Where => $"{Tar}:{Member}";
}

/// <summary>
/// Streams (utterance, audio bytes) from tar shards without extracting: this rank's shards in an order shuffled
/// per epoch, each read front to back, every member matched to its manifest entries by name (several for a file
/// cut into segments; members with none — filtered out — are skipped), through a shuffle buffer of
/// <c>shuffle_n</c> samples. Everything is deterministic for (seed, epoch, rank).
/// </summary>
public sealed class TarredDataset : ITarredSamples
{
    /// <summary>(shard_id, member name) → its utterances; entries without shard_id are under -1 and match in any shard.</summary>
    readonly Dictionary<(int Shard, string Name), List<Utterance>> _byMember;
    readonly TarredDatasetOptions _options;

    public IReadOnlyList<string> AllShards { get; }
    public IReadOnlyList<string> Shards { get; }
    /// <summary>Shards no rank reads (scatter's remainder).</summary>
    public int ShardsLeftOut { get; }
    /// <summary>Utterances of this rank's shards that the manifest lists (what one epoch yields when every member is present).</summary>
    public int Count { get; }

    /// <param name="utterances">the tarred manifest's entries, filtered and tokenized (<see cref="DatasetBuilder.FromEntries"/> with audioOnDisk false).</param>
    /// <param name="manifestDir">the folder that relative tar paths are relative to.</param>
    public TarredDataset(IReadOnlyList<Utterance> utterances, string manifestDir, TarredDatasetOptions options)
    {
        _options = options;
        AllShards = BraceExpansion.Expand(options.TarPaths).Select(p => Path.IsPathRooted(p) ? p : Path.GetFullPath(Path.Combine(manifestDir, p))).ToList();
        var missing = AllShards.Where(p => !File.Exists(p)).ToList();
        if (missing.Count > 0)
            throw new TarredDataException($"{missing.Count} of {AllShards.Count} tar shards not found (from '{options.TarPaths}'), e.g. {missing[0]}");
        Shards = ShardSplit.ForRank(AllShards, options.Strategy, options.Rank, options.WorldSize, out int leftOut);
        ShardsLeftOut = leftOut;
        _byMember = new Dictionary<(int, string), List<Utterance>>();
        foreach (var u in utterances)
        {
            var key = (EntryShard(u), u.Entry.RawAudioPath);
            if (!_byMember.TryGetValue(key, out var list)) _byMember[key] = list = new List<Utterance>();
            list.Add(u);
        }
        // shard_id (written by the converter) tells which utterances this rank will see; without it, all of them
        var mine = new HashSet<int>(Shards.Select(ShardId));
        Count = utterances.Count(u => EntryShard(u) is var k && (k < 0 || mine.Contains(k)));
    }

    static int EntryShard(Utterance u) =>
        u.Entry.Extra.TryGetValue("shard_id", out var id) && id.ValueKind == System.Text.Json.JsonValueKind.Number && id.TryGetInt32(out int k) ? k : -1;

    /// <summary>N of <c>audio_N.tar</c> (the converter's <c>shard_id</c>), or -1.</summary>
    static int ShardId(string tarPath)
    {
        var m = System.Text.RegularExpressions.Regex.Match(Path.GetFileName(tarPath), @"(\d+)\.tar$");
        return m.Success && int.TryParse(m.Groups[1].Value, out int id) ? id : -1;
    }

    /// <summary>
    /// Reads a tarred manifest (<c>tarred_audio_manifest.json</c>) and its shards: bad lines and filtered entries are
    /// in <paramref name="summary"/>.
    /// </summary>
    public static TarredDataset Open(string manifest, TarredDatasetOptions options, Text.TranscriptEncoder encoder, DatasetFilter filter, out DatasetSummary summary)
    {
        summary = new DatasetSummary();
        var (entries, problems) = ManifestReader.Read(manifest);
        summary.Problems.AddRange(problems);
        var utterances = DatasetBuilder.FromEntries(entries, encoder, filter, summary, audioOnDisk: false);
        return new TarredDataset(utterances, Path.GetDirectoryName(Path.GetFullPath(manifest))!, options);
    }

    /// <summary>The samples of one epoch for this rank, shuffled through the buffer.</summary>
    public IEnumerable<TarredSample> Samples(int epoch) =>
        ShuffleBuffer.Shuffle(StreamOrder(epoch), _options.ShuffleN, new Random(SeedMix.Combine(_options.Seed, epoch, _options.Rank, 0x7A25)));

    /// <summary>The samples in shard order (this epoch's shard permutation), before the buffer.</summary>
    public IEnumerable<TarredSample> StreamOrder(int epoch)
    {
        var order = Shards.ToArray();
        new Random(SeedMix.Combine(_options.Seed, epoch, _options.Rank, 0x54A2)).Shuffle(order);
        foreach (var shard in order)
        {
            // a file can sit in several shards (segments of it in each): take only the entries written for this one
            int id = ShardId(shard);
            foreach (var member in TarShardReader.Read(shard))
                foreach (var key in id >= 0 ? new[] { (id, member.Name), (-1, member.Name) } : new[] { (-1, member.Name) })
                    if (_byMember.TryGetValue(key, out var utterances))
                        foreach (var u in utterances) yield return new TarredSample(u, member.Data, member.Tar, member.Name);
        }
    }
}
