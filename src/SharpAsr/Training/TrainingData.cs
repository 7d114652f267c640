using SharpAsr.Config;
using SharpAsr.Data;
using SharpAsr.Data.Tarred;
using SharpAsr.Features;
using SharpAsr.Features.Augmentation;
using SharpAsr.Text;
using SharpAsr.Training.Distributed;

namespace SharpAsr.Training;

/// <summary>
/// Where the trainer's batches come from, chosen by the config and <c>--train-manifests</c>:
/// audio files batched by <see cref="BucketBatchSampler"/>; audio files of several manifests mixed by weight
/// (<c>a.json:2 b.json:0.5</c>, any weight ≠ 1) by <see cref="WeightedMixSampler"/>, which buckets the mix the same
/// way; or tar shards streamed by <see cref="TarredDataset"/> (NeMo's layout, <c>train.is_tarred</c>) or by
/// <see cref="WebDataset"/> (caiman's <c>--train_tar_files</c>). Every source is deterministic
/// for (seed, epoch, rank), so a run resumes at a saved (epoch, position), and splits its data over the ranks of
/// <see cref="DistributedContext"/> so that all ranks take the same number of batches per epoch.
/// </summary>
public sealed class TrainingData
{
    readonly TrainConfig _t;
    readonly AugmentConfig _augment;
    readonly List<Utterance>? _files;
    readonly BucketBatchSampler? _bucket;
    readonly WeightedMixSampler? _mix;
    readonly ITarredSamples? _tarred;
    // tar shards: the epoch ends after this many batches on every rank (the fewest any rank's shards fill)
    readonly int _tarredBatches = int.MaxValue;

    /// <summary>Utterances this rank draws from (tar shards: those its shards hold, as the manifest lists them).</summary>
    public int Count { get; }
    /// <summary>The training manifests with their weights, as given.</summary>
    public IReadOnlyList<WeightedManifest> Manifests { get; }
    /// <summary>One line for the log: which source and how it is split.</summary>
    public string Description { get; }

    /// <summary>--train-manifests entries ("path" or "path:weight") parsed.</summary>
    public static List<WeightedManifest> Parse(TrainOptions o) => WeightedManifest.ParseAll(o.TrainManifests);

    /// <param name="report">called with each data set's summary (name, summary) for the log</param>
    public TrainingData(TrainConfig t, AugmentConfig augment, TrainOptions o, TranscriptEncoder encoder, DistributedContext? dist,
        Action<string, DatasetSummary> report)
    {
        _t = t;
        _augment = augment;
        Manifests = Parse(o);
        if (Manifests.GroupBy(m => Path.GetFullPath(m.Path)).FirstOrDefault(g => g.Count() > 1) is { } twice)
            throw new ArgumentException($"--train-manifests names {twice.First().Path} {twice.Count()} times; give it once with the weight you want (path:weight)");
        var filter = new DatasetFilter(t.MinDuration, t.MaxDuration, t.MaxTranscriptChars, t.MaxTokens);
        int rank = dist?.Rank ?? 0, world = dist?.WorldSize ?? 1;
        if (o.TrainTarFiles.Count > 0 && (t.IsTarred || Manifests.Count > 0))
            throw new ArgumentException("--train_tar_files replaces the training manifests: give either tar files or --train-manifests (with train.is_tarred), not both");
        if (t.IsTarred || o.TrainTarFiles.Count > 0)
        {
            if (t.Sortagrad > 0)
                throw new ConfigException($"train.sortagrad {t.Sortagrad}: tar shards are streamed through a shuffle buffer and cannot be ordered by length; use audio-file manifests or train.sortagrad 0");
            _tarred = t.IsTarred ? OpenTarred(t, Manifests, filter, encoder, rank, world, report) : OpenWebDataset(t, o.TrainTarFiles, filter, encoder, rank, world, report);
            Count = _tarred.Count;
            int batches = (Count + Math.Max(1, t.BatchSize) - 1) / Math.Max(1, t.BatchSize);
            var empty = new List<int>();
            if (dist != null)
            {
                // scatter gives ranks shards of unequal size: all stop where the smallest runs out, or the others would wait forever
                var perRank = new double[world];
                perRank[rank] = batches;
                var all = dist.Sum(perRank);
                batches = (int)all.Min();
                empty = Enumerable.Range(0, world).Where(r => all[r] == 0).ToList();
            }
            // agreed first, then every rank stops: a rank that stopped alone would leave the others a bare c10d error
            if (Count == 0) throw new InvalidDataException($"no usable training utterances in this rank's tar shards ({string.Join(", ", _tarred.Shards.Select(Path.GetFileName))})");
            if (empty.Count > 0)
                throw new InvalidDataException($"rank {string.Join(", ", empty)} {(empty.Count == 1 ? "has" : "have")} no usable training utterances in its tar shards (see its error); every rank needs some");
            _tarredBatches = batches;
            Description = $"tar shards: {_tarred.Shards.Count} of {_tarred.AllShards.Count} on this rank ({t.ShardStrategy}" +
                (_tarred.ShardsLeftOut > 0 ? $", {_tarred.ShardsLeftOut} left out" : "") + $"), shuffle_n {t.ShuffleN}, {batches} batches per epoch";
            return;
        }

        (_files, var summary) = DatasetBuilder.Build(Manifests.Select(m => m.Path), o.DataDir, encoder, filter);
        report("train", summary);
        if (_files.Count == 0) throw new InvalidDataException("no usable training utterances (see the problems above)");
        Count = _files.Count;
        if (Manifests.Any(m => m.Weight != 1))
        {
            _mix = new WeightedMixSampler(_files, Manifests, t.BatchSize, t.Seed, t.NumBuckets, rank: rank, worldSize: world, accumulation: t.GradAccumulation, sortagradEpochs: t.Sortagrad);
            var perEpoch = _mix.Mix(0).GroupBy(i => _files[i].Entry.Source).ToDictionary(g => g.Key, g => g.Count());
            var kept = _files.GroupBy(u => u.Entry.Source).ToDictionary(g => g.Key, g => g.Count());
            Description = "weighted mix: " + string.Join(", ", Manifests.Select(m =>
                $"{m.Path} ×{m.Weight:0.###} ({kept.GetValueOrDefault(m.Path)} utterances, {perEpoch.GetValueOrDefault(m.Path)} per epoch)"));
        }
        else
        {
            _bucket = new BucketBatchSampler(_files.Select(u => u.Entry.Duration).ToList(), t.BatchSize, t.Seed, t.NumBuckets, rank: rank, worldSize: world, accumulation: t.GradAccumulation, sortagradEpochs: t.Sortagrad);
            Description = $"audio files: {_files.Count} utterances in {Math.Max(1, t.NumBuckets)} duration buckets";
        }
        if (t.Sortagrad > 0) Description += $"; the first {t.Sortagrad} epoch(s) shortest batch first (train.sortagrad)";
        // the trainer would wait forever for a batch
        if (BatchesPerEpoch == 0)
            throw new InvalidDataException($"{_files.Count} training utterances make no batch for this rank: a step needs at least {world} rank(s) × {Math.Max(1, t.GradAccumulation)} micro-batch(es) of utterances");
    }

    // NeMo's tarred layout: the manifest lists every utterance with its member name and shard_id; the audio is in the shards
    static TarredDataset OpenTarred(TrainConfig t, IReadOnlyList<WeightedManifest> manifests, DatasetFilter filter, TranscriptEncoder encoder,
        int rank, int world, Action<string, DatasetSummary> report)
    {
        if (manifests.Count != 1 || manifests[0].Weight != 1)
            throw new ConfigException($"train.is_tarred: give exactly one --train-manifests, the shards' tarred_audio_manifest.json, without a weight (got {string.Join(" ", manifests.Select(m => m.Weight == 1 ? m.Path : $"{m.Path}:{m.Weight}"))})");
        if (string.IsNullOrWhiteSpace(t.TarredAudioFilepaths))
            throw new ConfigException("train.is_tarred needs train.tarred_audio_filepaths (the shards, e.g. audio_{0..127}.tar)");
        ShardStrategy strategy;
        try { strategy = ShardSplit.ParseStrategy(t.ShardStrategy); }
        catch (ArgumentException e) { throw new ConfigException($"train.{e.Message}"); }
        var options = new TarredDatasetOptions
        {
            TarPaths = t.TarredAudioFilepaths, ShuffleN = t.ShuffleN, Strategy = strategy, Rank = rank, WorldSize = world, Seed = t.Seed,
        };
        var dataset = TarredDataset.Open(manifests[0].Path, options, encoder, filter, out var summary);
        report("train", summary);
        return dataset;
    }

    // caiman's WebDataset shards: no manifest; the shards are indexed when opened
    static WebDataset OpenWebDataset(TrainConfig t, List<string> tars, DatasetFilter filter, TranscriptEncoder encoder,
        int rank, int world, Action<string, DatasetSummary> report)
    {
        ShardStrategy strategy;
        try { strategy = ShardSplit.ParseStrategy(t.ShardStrategy); }
        catch (ArgumentException e) { throw new ConfigException($"train.{e.Message}"); }
        var summary = new DatasetSummary();
        var dataset = new WebDataset(tars, encoder, filter, summary, t.ShuffleN, strategy, rank, world, t.Seed);
        report("train", summary);
        return dataset;
    }

    /// <summary>The training batches of <paramref name="epoch"/> from <paramref name="start"/> on, loaded in the background.</summary>
    public IEnumerable<AudioBatch> Load(Featurizer featurizer, int epoch, int start, CancellationToken cancel)
    {
        if (_tarred != null)
            return new TarredBatchLoader(_tarred, featurizer, training: true, _t.BatchSize, _t.NumWorkers, _t.Prefetch, _t.Seed, _augment)
                .Load(epoch, start, cancel, _tarredBatches);
        var (places, batches) = EpochPlan(epoch);
        var loader = new BatchLoader(places, featurizer, training: true, _t.NumWorkers, _t.Prefetch, _t.Seed, _augment);
        return loader.Load(batches, epoch, start, cancel);
    }

    /// <summary>Micro-batches this rank trains on per epoch.</summary>
    public int BatchesPerEpoch => _tarred != null ? _tarredBatches : EpochPlan(0).Batches.Count;

    /// <summary>
    /// Audio files: one epoch for this rank — the list its batches index (the kept utterances, or with weights the
    /// epoch's mix, where each copy is a place of its own) and the batches, bucketed by the length each utterance
    /// will have after this epoch's silence and speed perturbation (a batch is as long as its longest utterance).
    /// </summary>
    (IReadOnlyList<Utterance> Places, List<int[]> Batches) EpochPlan(int epoch)
    {
        if (_mix != null)
        {
            var (mix, batches) = _mix.Plan(epoch, (place, u) => PlannedSeconds(epoch, place, _files![u]));
            return (mix.Select(u => _files![u]).ToList(), batches);
        }
        return (_files!, _bucket!.Epoch(epoch, _files!.Select((u, place) => PlannedSeconds(epoch, place, u)).ToList()));
    }

    // the loader seeds the utterance at a place in the list with this generator, so the draws are the ones it will make
    double PlannedSeconds(int epoch, int place, Utterance u) => _augment.Audio is { } audio
        ? audio.PlannedSeconds(u.Entry.Duration, BatchAssembler.AugmentRandom(_t.Seed, epoch, place))
        : u.Entry.Duration;

    /// <summary>
    /// The utterances of each batch of one epoch for this rank, in training order, without reading any audio
    /// (tar shards are read, not decoded): what an epoch trains on.
    /// </summary>
    public IEnumerable<Utterance[]> EpochUtterances(int epoch)
    {
        if (_tarred != null)
            return new TarredBatchLoader(_tarred, null!, true, _t.BatchSize, 1, 1, _t.Seed).Batches(epoch).Take(_tarredBatches).Select(b => b.Samples.Select(s => s.Utterance).ToArray());
        var (places, batches) = EpochPlan(epoch);
        return batches.Select(b => b.Select(i => places[i]).ToArray());
    }
}
