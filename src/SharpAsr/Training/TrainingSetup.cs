using SharpAsr.Config;
using SharpAsr.Data;
using SharpAsr.Features;
using SharpAsr.Losses;
using SharpAsr.Models;
using SharpAsr.Text;
using SharpAsr.Training.Distributed;
using SharpTorch;
using SharpTorch.Optim;

namespace SharpAsr.Training;

/// <summary>
/// What a training run is made of, built from the config: log, tokenizer, data (training and validation), featurizer,
/// model (with --init-from, --freeze-encoder and the precision applied), optimizer, weight average, loss and profiler.
/// Every input is read and checked here, in an order that keeps runs reproducible (the seed is set just before the
/// model's weights are drawn); nothing is written to the output folder yet.
/// </summary>
public sealed class TrainingSetup
{
    public required TrainingLog Log { get; init; }
    public required TextNormalizer Normalizer { get; init; }
    public required ITokenizer Tokenizer { get; init; }
    public required TranscriptEncoder Transcripts { get; init; }
    public required TrainingData Data { get; init; }
    public required IReadOnlyList<(string Name, List<Utterance> Utterances)> ValidationSets { get; init; }
    public required Featurizer Featurizer { get; init; }
    public required Transducer Model { get; init; }
    public InitReport? InitReport { get; init; }
    public required Optimizer Optimizer { get; init; }
    public WeightEma? Ema { get; init; }
    public required TransducerLoss Loss { get; init; }
    public required PhaseProfiler Profiler { get; init; }

    public static TrainingSetup Build(AsrConfig cfg, TrainOptions o, DistributedContext? dist)
    {
        if (o.TrainManifests.Count == 0 && o.TrainTarFiles.Count == 0) throw new ArgumentException("no training manifests given (--train-manifests)");
        if (o.InitFrom is null && (o.InitInclude.Count > 0 || o.InitExclude.Count > 0))
            throw new ArgumentException("--init-include / --init-exclude choose tensors of --init-from, which is not given");
        TrainingInputs.CheckExist(o);
        var loss = new TransducerLoss(cfg.Loss);
        // the pruned loss needs the trivial joiner's projections; recorded in the saved config so the model reloads with them
        if (loss.NeedsSimpleProjections) cfg.Model.SimpleProjections = true;
        if (loss.NeedsCtcHead) cfg.Model.CtcHead = true;
        var batchLine = TrainingPlan.ResolveBatch(cfg.Train, dist?.WorldSize ?? 1);   // before anything reads train.batch_size
        CheckpointPolicy.RefuseToOverwrite(o);
        bool main = dist?.IsMain ?? true;
        var log = main ? new TrainingLog(o.Log, toFolder: true, o.Timestamp)
            : new TrainingLog(line => { if (line.StartsWith("warning")) o.Log(line); }, toFolder: false);  // rank ≠ 0: no files, only warnings
        foreach (var line in o.ConfigReport) log.Write(line);
        if (batchLine != null) log.Write(batchLine);

        var normalizer = new TextNormalizer(cfg.Text);
        var tokenizer = BuildTokenizer(cfg, o, normalizer);
        log.Write($"tokenizer: {cfg.Tokenizer.Type}, {tokenizer.VocabSize} tokens + blank");
        var transcripts = new TranscriptEncoder(tokenizer, normalizer, UnencodablePolicyOf(cfg.Train));
        cfg.Augment.Vtlp?.Validate(cfg.Preprocessor.SampleRate); // before any loader thread meets it
        void ReportData(string name, DatasetSummary s) => log.DataSummary(name, s);
        var data = new TrainingData(cfg.Train, cfg.Augment, o, transcripts, dist, ReportData);
        log.Write($"data train: {data.Description}");
        foreach (var line in TrainingPlan.ResolveSteps(cfg, data.BatchesPerEpoch)) log.Write(line);
        var validation = new List<(string, List<Utterance>)>();
        foreach (var m in o.ValManifests)
        {
            var (val, vs) = DatasetBuilder.Build(new[] { m }, o.DataDir, transcripts, 0, double.MaxValue);
            ReportData(Path.GetFileNameWithoutExtension(m), vs);
            if (cfg.Train.MaxValUtterances > 0) val = val.Take(cfg.Train.MaxValUtterances).ToList();
            validation.Add((Path.GetFileNameWithoutExtension(m), val));
        }

        cfg.Preprocessor.Validate();
        var featurizer = new Featurizer(cfg.Preprocessor);
        Torch.ManualSeed((ulong)cfg.Train.Seed);
        var model = new Transducer(cfg.Preprocessor.OutputFeatures, tokenizer.VocabSize, cfg.Model);
        log.Write($"model: {model.ParameterCount:N0} parameters");
        InitReport? init = null;
        if (o.InitFrom != null)
        {
            // a resumed fine-tuning run continues from its own checkpoint, which already holds the initial weights
            if (o.Resume) log.Write($"--init-from {o.InitFrom} ignored: resuming the run in {o.OutputDir}");
            else init = InitFrom(model, tokenizer, o, log);
        }
        if (o.FreezeEncoder) FreezeEncoder(model, log);
        // Every rank builds the model from the same seed (rank 0's weights are broadcast anyway); then each rank > 0
        // gets its own stream for dropout, whose masks are a hash of one number drawn per call: on a shared stream
        // every rank would drop the same positions of its batch. Rank 0 keeps the stream a single process has.
        if (dist is { Rank: > 0 }) Torch.ManualSeed(RankSeed(cfg.Train.Seed, dist.Rank));
        log.Write(MixedPrecision.Apply(cfg.Train.Precision, model, CpuFlags.HasNativeBf16(CpuFlags.Flags)));
        return new TrainingSetup
        {
            Log = log, Normalizer = normalizer, Tokenizer = tokenizer, Transcripts = transcripts, Data = data, ValidationSets = validation,
            Featurizer = featurizer, Model = model, InitReport = init, Loss = loss,
            // frozen parameters stay out of the optimizer: no state for them, and nothing could move them
            Optimizer = BuildOptimizer(cfg.Optim, model.NamedParameters().Where(p => p.Parameter.RequiresGrad)),
            Ema = cfg.Train.EmaDecay != 0 ? new WeightEma(model, cfg.Train.EmaDecay) : null,
            Profiler = new PhaseProfiler(cfg.Train.Profile),
        };
    }

    /// <summary>The default generator's seed on rank <paramref name="rank"/> &gt; 0: the run's seed mixed with the rank.</summary>
    static ulong RankSeed(int seed, int rank) => unchecked((ulong)seed ^ (0x9e3779b97f4a7c15UL * (ulong)rank));

    // char labels from the training transcripts (normalised) when the config lists none, as NeMo users often do
    static ITokenizer BuildTokenizer(AsrConfig cfg, TrainOptions o, TextNormalizer normalizer)
    {
        if (TokenizerFactory.TryCreate(cfg.Tokenizer) is { } tokenizer) return tokenizer;
        // WebDataset transcripts are inside the shards, which are read after the tokenizer is made
        if (o.TrainTarFiles.Count > 0)
            throw new ConfigException("with --train_tar_files give the tokenizer (tokenizer.labels, or a SentencePiece model): labels are built from training manifests only");
        return CharTokenizer.Build(TrainingData.Parse(o).SelectMany(m => ManifestReader.Read(m.Path, o.DataDir).Entries).Select(e => normalizer.Normalize(e.Text)));
    }

    static UnencodablePolicy UnencodablePolicyOf(TrainConfig t) => t.Unencodable.ToLowerInvariant() switch
    {
        "fail" => UnencodablePolicy.Fail,
        "drop_line" => UnencodablePolicy.DropLine,
        "drop_character" => UnencodablePolicy.DropCharacter,
        var p => throw new ConfigException($"train.unencodable '{p}': use fail, drop_line or drop_character"),
    };

    static Optimizer BuildOptimizer(OptimConfig c, IEnumerable<(string, Tensor)> parameters) => c.Name.ToLowerInvariant() switch
    {
        "adamw" => new AdamW(parameters, c.Lr, c.Betas.Count > 0 ? c.Betas[0] : 0.9, c.Betas.Count > 1 ? c.Betas[1] : 0.999, c.Eps, c.WeightDecay, c.NoDecay),
        "sgd" => new Sgd(parameters, c.Lr, c.Momentum, c.WeightDecay, c.NoDecay),
        var n => throw new ConfigException($"optim.name '{n}': use adamw or sgd"),
    };

    static InitReport InitFrom(Transducer model, ITokenizer tokenizer, TrainOptions o, TrainingLog log)
    {
        var report = FineTuneInit.Apply(model, tokenizer, o.InitFrom!, o.InitInclude, o.InitExclude);
        foreach (var line in FineTuneInit.Describe(report, o.InitFrom!)) log.Write(line);
        return report;
    }

    static void FreezeEncoder(Transducer model, TrainingLog log)
    {
        int n = 0;
        foreach (var (name, p) in model.NamedParameters())
            if (name.StartsWith("encoder."))
            {
                p.RequiresGrad = false;
                n++;
            }
        log.Write($"encoder frozen: {n} parameter tensors not trained");
    }
}
