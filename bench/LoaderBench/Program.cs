// Loader throughput: utterances and audio-seconds per second through decode + resample + features (training mode,
// dither on), with 1 and 2 background workers, from WAV files (BatchLoader) and from tar shards (TarredBatchLoader),
// and from WAV files with the tiny config's speed perturbation plus SpecAugment (2 × 15 bins, 2 × 5 % of frames).
// Usage: LoaderBench [corpus dir] [train utterances]
using System.Diagnostics;
using SharpAsr.Config;
using SharpAsr.Data;
using SharpAsr.Data.Tarred;
using SharpAsr.Demo;
using SharpAsr.Features;
using SharpAsr.Features.Augmentation;
using SharpAsr.Text;

var dir = args.Length > 0 ? args[0] : Path.Combine(Path.GetTempPath(), "sharpasr-loaderbench");
int n = args.Length > 1 ? int.Parse(args[1]) : 400;
var corpus = DemoCorpus.Generate(dir, new DemoCorpusOptions { TrainUtterances = n, DevUtterances = 10, TestUtterances = 10 }, Console.WriteLine);
var normalizer = new TextNormalizer();
var (entries, _) = ManifestReader.Read(corpus.TrainManifest);
var tokenizer = CharTokenizer.Build(entries.Select(e => normalizer.Normalize(e.Text)));
var encoder = new TranscriptEncoder(tokenizer, normalizer, UnencodablePolicy.DropLine);
var (utts, summary) = DatasetBuilder.Build(new[] { corpus.TrainManifest }, null, encoder, new DatasetFilter());
Console.WriteLine($"corpus: {summary}");
var tarDir = Path.Combine(dir, "tarred");
if (!File.Exists(Path.Combine(tarDir, TarredDatasetWriter.ManifestName)))
    Console.WriteLine(TarredDatasetWriter.Write(corpus.TrainManifest, tarDir, numShards: 8));
var featurizer = new Featurizer(new FeaturizerConfig());
const int batchSize = 16;
Console.WriteLine($"cores {Environment.ProcessorCount}, batch {batchSize}, features {featurizer.Config.Features}, training mode (dither)");

void Measure(string name, Func<int, IEnumerable<AudioBatch>> epoch)
{
    foreach (var b in epoch(0).Take(2)) b.Dispose(); // warm-up: JIT, libtorch, page cache
    var sw = Stopwatch.StartNew();
    int utterances = 0;
    double seconds = 0;
    foreach (var b in epoch(1))
    {
        utterances += b.Items.Length;
        seconds += b.AudioSeconds;
        b.Dispose();
    }
    double t = sw.Elapsed.TotalSeconds;
    Console.WriteLine($"{name,-28} {utterances / t,8:F1} utt/s {seconds / t,9:F1} audio-s/s  ({utterances} utt, {seconds:F0} s audio in {t:F2} s)");
}

foreach (int workers in new[] { 1, 2 })
{
    var sampler = new BucketBatchSampler(utts.Select(u => u.Entry.Duration).ToList(), batchSize, seed: 1);
    var loader = new BatchLoader(utts, featurizer, training: true, workers, prefetch: 4, seed: 1);
    Measure($"files, {workers} worker(s)", e => loader.Load(sampler.Epoch(e), e));
    var ds = TarredDataset.Open(Path.Combine(tarDir, TarredDatasetWriter.ManifestName),
        new TarredDatasetOptions { TarPaths = "audio_{0..7}.tar", ShuffleN = 256, Seed = 1 }, encoder, new DatasetFilter(), out _);
    var tarred = new TarredBatchLoader(ds, featurizer, training: true, batchSize, workers, prefetch: 4, seed: 1);
    Measure($"tar shards, {workers} worker(s)", e => tarred.Load(e));
    var augment = new AugmentConfig
    {
        Audio = new() { Speed = new() { MinRate = 0.9, MaxRate = 1.1, Probability = 0.6 } },
        SpecAugment = new() { FreqMasks = 2, FreqWidth = 15, TimeMasks = 2, TimeWidth = 0.05 },
    };
    var augmented = new BatchLoader(utts, featurizer, training: true, workers, prefetch: 4, seed: 1, augment);
    Measure($"files + augment, {workers} w.", e => augmented.Load(sampler.Epoch(e), e));
}
