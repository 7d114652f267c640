using System.Diagnostics;
using System.Text.Json;
using SharpAsr.Config;
using SharpAsr.Data;
using SharpAsr.Decoding;
using SharpAsr.Features;
using SharpAsr.Losses;
using SharpAsr.Metrics;
using SharpAsr.Models;
using SharpAsr.Text;
using SharpAsr.Training.Distributed;
using SharpTorch;
using SharpTorch.Optim;

namespace SharpAsr.Training;

/// <summary>Validation result of one set.</summary>
public sealed record ValidationResult(string Set, double Wer, double Cer, double Loss, int Utterances, IReadOnlyList<(string Reference, string Hypothesis)> Samples)
{
    /// <summary>Word totals behind <see cref="Wer"/> (reference words, S, D, I) over the whole set, all ranks together.</summary>
    public ErrorTotals Words { get; init; }
    /// <summary>Utterances this process decoded: the whole set, or this rank's share in a data-parallel run.</summary>
    public int DecodedHere { get; init; }
}

/// <summary>
/// The training job: builds tokenizer, data, featurizer, model and optimizer from the config, then
/// runs steps of forward → RNN-T loss → backward (accumulated to the global batch) → clip → AdamW →
/// LR schedule, with validation, checkpoints and logs. Resumes exactly from its last checkpoint.
/// </summary>
public sealed class Trainer : IDisposable
{
    readonly AsrConfig _cfg;
    readonly TrainOptions _o;
    readonly TrainingLog _log;
    readonly CheckpointStore _checkpoints;
    // data-parallel run (null: one process): see Training/Distributed
    readonly DistributedContext? _dist;
    bool IsMain => _dist?.IsMain ?? true;

    public ITokenizer Tokenizer { get; }
    public TextNormalizer Normalizer { get; }
    public Featurizer Featurizer { get; }
    public Transducer Model { get; }
    public Optimizer Optimizer { get; }
    public TrainingState State { get; private set; } = new();
    /// <summary>Moving average of the weights (null: train.ema_decay 0); used for validation and the final evaluation.</summary>
    public WeightEma? Ema { get; }
    /// <summary>What --init-from loaded (null without it, or when resuming).</summary>
    public InitReport? InitReport { get; }
    /// <summary>Phase timings (train.profile / --profile).</summary>
    public PhaseProfiler Profiler { get; }
    /// <summary>The training batches' source: audio files, a weighted mix of manifests, or tar shards.</summary>
    public TrainingData Data { get; }
    /// <summary>Called with each training micro-batch before its forward pass (tests, tooling).</summary>
    public Action<AudioBatch>? BatchHook { get; set; }
    readonly List<(string Name, List<Utterance> Utterances)> _val = new();
    readonly RnntLossOptions _lossOptions;
    readonly JointMemoryMode _jointMode;
    readonly TranscriptEncoder _encoder;
    readonly PrunedRnntOptions? _pruned;
    readonly PrunedLossSchedule _prunedSchedule;

    /// <summary>Mean training loss at each logged step (for the demo's learning curve).</summary>
    public List<(long Step, double Loss)> LossHistory { get; } = new();

    public Trainer(AsrConfig cfg, TrainOptions o, DistributedContext? dist = null)
    {
        _cfg = cfg;
        _o = o;
        _dist = dist;
        if (o.TrainManifests.Count == 0 && o.TrainTarFiles.Count == 0) throw new ArgumentException("no training manifests given (--train-manifests)");
        if (o.InitFrom is null && (o.InitInclude.Count > 0 || o.InitExclude.Count > 0))
            throw new ArgumentException("--init-include / --init-exclude choose tensors of --init-from, which is not given");
        TrainingInputs.CheckExist(o);
        _pruned = cfg.Loss.Type.ToLowerInvariant() switch
        {
            "rnnt" => null,
            "pruned" => new PrunedRnntOptions { SRange = cfg.Loss.Pruned.SRange, LmScale = cfg.Loss.Pruned.LmScale, AmScale = cfg.Loss.Pruned.AmScale },
            var t => throw new ConfigException($"loss.type '{t}': use rnnt or pruned"),
        };
        // the pruned loss needs the trivial joiner's projections; recorded in the saved config so the model reloads with them
        if (_pruned != null) cfg.Model.SimpleProjections = true;
        _prunedSchedule = new PrunedLossSchedule(cfg.Loss.Pruned.SimpleScale, cfg.Loss.Pruned.WarmupSteps);
        var batchLine = TrainingPlan.ResolveBatch(cfg.Train, dist?.WorldSize ?? 1);   // before anything reads train.batch_size
        _checkpoints = new CheckpointStore(o.OutputDir);
        if (_checkpoints.Any() && !o.Resume)
            throw new InvalidOperationException($"{o.OutputDir} already holds checkpoints: pass --resume to continue that run, or choose another --output-dir");
        _log = IsMain ? new TrainingLog(o.Log, toFolder: true, o.Timestamp)
            : new TrainingLog(line => { if (line.StartsWith("warning")) o.Log(line); }, toFolder: false);  // rank ≠ 0: no files, only warnings
        foreach (var line in o.ConfigReport) _log.Write(line);
        if (batchLine != null) _log.Write(batchLine);

        Normalizer = new TextNormalizer(cfg.Text);
        Tokenizer = BuildTokenizer(cfg, o, Normalizer);
        _log.Write($"tokenizer: {cfg.Tokenizer.Type}, {Tokenizer.VocabSize} tokens + blank");
        var policy = cfg.Train.Unencodable.ToLowerInvariant() switch
        {
            "fail" => UnencodablePolicy.Fail,
            "drop_line" => UnencodablePolicy.DropLine,
            "drop_character" => UnencodablePolicy.DropCharacter,
            var p => throw new ConfigException($"train.unencodable '{p}': use fail, drop_line or drop_character"),
        };
        var encoder = _encoder = new TranscriptEncoder(Tokenizer, Normalizer, policy);
        cfg.Augment.Vtlp?.Validate(cfg.Preprocessor.SampleRate); // before any loader thread meets it
        Data = new TrainingData(cfg.Train, cfg.Augment, o, encoder, dist, ReportData);
        _log.Write($"data train: {Data.Description}");
        foreach (var line in TrainingPlan.ResolveSteps(cfg, Data.BatchesPerEpoch)) _log.Write(line);
        foreach (var m in o.ValManifests)
        {
            var (val, vs) = DatasetBuilder.Build(new[] { m }, o.DataDir, encoder, 0, double.MaxValue);
            ReportData(Path.GetFileNameWithoutExtension(m), vs);
            if (cfg.Train.MaxValUtterances > 0) val = val.Take(cfg.Train.MaxValUtterances).ToList();
            _val.Add((Path.GetFileNameWithoutExtension(m), val));
        }

        cfg.Preprocessor.Validate();
        Featurizer = new Featurizer(cfg.Preprocessor);
        Torch.ManualSeed((ulong)cfg.Train.Seed);
        Model = new Transducer(cfg.Preprocessor.OutputFeatures, Tokenizer.VocabSize, cfg.Model);
        _log.Write($"model: {Model.ParameterCount:N0} parameters");
        if (o.InitFrom != null)
        {
            // a resumed fine-tuning run continues from its own checkpoint, which already holds the initial weights
            if (o.Resume) _log.Write($"--init-from {o.InitFrom} ignored: resuming the run in {o.OutputDir}");
            else InitReport = InitFrom(o);
        }
        if (o.FreezeEncoder) FreezeEncoder();
        _log.Write(MixedPrecision.Apply(cfg.Train.Precision, Model));
        // frozen parameters stay out of the optimizer: no state for them, and nothing could move them
        Optimizer = BuildOptimizer(cfg.Optim, Model.NamedParameters().Where(p => p.Parameter.RequiresGrad));
        if (cfg.Train.EmaDecay != 0) Ema = new WeightEma(Model, cfg.Train.EmaDecay);
        Profiler = new PhaseProfiler(cfg.Train.Profile);
        _lossOptions = new RnntLossOptions
        {
            Blank = -1,
            Reduction = RnntReductions.Parse(cfg.Loss.Reduction),
            Clamp = cfg.Loss.Clamp,
            FastEmitLambda = cfg.Loss.FastemitLambda,
            DelayPenaltyLambda = cfg.Loss.DelayPenalty,
        };
        _jointMode = cfg.Loss.JointMode.ToLowerInvariant() switch
        {
            "plain" => JointMemoryMode.Plain,
            "packed" => JointMemoryMode.Packed,
            "sub_batched" => JointMemoryMode.SubBatched,
            var m => throw new ConfigException($"loss.joint_mode '{m}': use plain, packed or sub_batched"),
        };
        State.Seed = cfg.Train.Seed;
        if (o.Resume) ResumeFromLatest();
        // every input has been read and checked: only now does the output folder get anything
        if (IsMain)
        {
            Directory.CreateDirectory(o.OutputDir);
            _log.OpenFolder(o.OutputDir);
            File.WriteAllText(Path.Combine(o.OutputDir, $"training_args_{_log.Stamp}.json"), JsonSerializer.Serialize(o, new JsonSerializerOptions { WriteIndented = true }));
            // the config as this run resolved it (another toolkit's file mapped, steps from epochs): rerunnable with --config
            File.WriteAllText(Path.Combine(o.OutputDir, "config.yaml"), ConfigWriter.ToYaml(cfg));
        }
        if (dist != null)
        {
            dist.BroadcastParameters(Model.Parameters().ToList());
            _log.Write($"data-parallel: {dist.WorldSize} ranks ({dist.Group.Backend}), batch {cfg.Train.BatchSize} per rank × {dist.WorldSize} ranks × accumulation {Math.Max(1, cfg.Train.GradAccumulation)}");
        }
    }

    void ReportData(string name, DatasetSummary s)
    {
        _log.Write($"data {name}: {s}");
        foreach (var p in s.Problems.Take(20)) _log.Write($"  {p}");
        if (s.Problems.Count > 20) _log.Write($"  … and {s.Problems.Count - 20} more");
    }

    // char labels from the training transcripts (normalised) when the config lists none, as NeMo users often do
    static ITokenizer BuildTokenizer(AsrConfig cfg, TrainOptions o, TextNormalizer normalizer)
    {
        if (TokenizerFactory.TryCreate(cfg.Tokenizer) is { } tokenizer) return tokenizer;
        // WebDataset transcripts are inside the shards, which are read after the tokenizer is made
        if (o.TrainTarFiles.Count > 0)
            throw new ConfigException("with --train_tar_files give the tokenizer (tokenizer.labels, or a SentencePiece model): labels are built from training manifests only");
        return CharTokenizer.Build(TrainingData.Parse(o).SelectMany(m => ManifestReader.Read(m.Path, o.DataDir).Entries).Select(e => normalizer.Normalize(e.Text)));
    }

    static Optimizer BuildOptimizer(OptimConfig c, IEnumerable<(string, Tensor)> parameters) => c.Name.ToLowerInvariant() switch
    {
        "adamw" => new AdamW(parameters, c.Lr, c.Betas.Count > 0 ? c.Betas[0] : 0.9, c.Betas.Count > 1 ? c.Betas[1] : 0.999, c.Eps, c.WeightDecay, c.NoDecay),
        "sgd" => new Sgd(parameters, c.Lr, c.Momentum, c.WeightDecay, c.NoDecay),
        var n => throw new ConfigException($"optim.name '{n}': use adamw or sgd"),
    };

    void ResumeFromLatest()
    {
        var dir = _checkpoints.Latest() ?? throw new InvalidOperationException($"--resume: no checkpoint in {_checkpoints.Root}");
        State = CheckpointStore.ReadState(dir);
        int world = _dist?.WorldSize ?? 1;
        if (State.WorldSize > 0 && State.WorldSize != world)
            throw new InvalidOperationException($"--resume: {dir} was written by a run on {State.WorldSize} rank(s) and this run has {world}: " +
                $"resume with the same world size (--nproc {State.WorldSize} or WORLD_SIZE={State.WorldSize}), since its epoch position counts each rank's share of the batches");
        using var scope = Torch.NewScope();
        var weights = SharpTorch.Serialization.SafeTensors.Load(Path.Combine(dir, "model.safetensors"));
        Model.LoadStateDict(weights, strict: true);
        Optimizer.LoadStateDict(SharpTorch.Serialization.SafeTensors.Load(Path.Combine(dir, "optimizer.safetensors")));
        if (Ema != null)
        {
            var emaPath = Path.Combine(dir, CheckpointStore.EmaFile);
            if (File.Exists(emaPath)) Ema.LoadStateDict(SharpTorch.Serialization.SafeTensors.Load(emaPath), emaPath, State.EmaUpdates);
            else
            {
                Ema.Reset();
                _log.Write($"warning: {dir} has no {CheckpointStore.EmaFile}: the weights' moving average restarts from the resumed weights");
            }
        }
        // dropout continues the random stream of the interrupted run (a checkpoint without it: a fresh stream)
        // (each rank its own stream in a data-parallel run)
        var rngState = _dist != null && State.RankTorchRngStates is { } perRank ? perRank[_dist.Rank] : State.TorchRngState;
        if (rngState is { Length: > 0 } rng) Torch.SetRngState(Convert.FromBase64String(rng));
        _log.Write($"resumed from {dir}: step {State.Step}, epoch {State.Epoch}, batch {State.Position}");
    }

    InitReport InitFrom(TrainOptions o)
    {
        var report = FineTuneInit.Apply(Model, Tokenizer, o.InitFrom!, o.InitInclude, o.InitExclude);
        foreach (var line in FineTuneInit.Describe(report, o.InitFrom!)) _log.Write(line);
        return report;
    }

    void FreezeEncoder()
    {
        int n = 0;
        foreach (var (name, p) in Model.NamedParameters())
            if (name.StartsWith("encoder."))
            {
                p.RequiresGrad = false;
                n++;
            }
        _log.Write($"encoder frozen: {n} parameter tensors not trained");
    }

    /// <summary>Runs until train.steps (or cancellation, which saves a last checkpoint first).</summary>
    public void Run(CancellationToken cancel = default)
    {
        var t = _cfg.Train;
        int accumulation = Math.Max(1, t.GradAccumulation);
        // data-parallel: a signal reaches the ranks at different moments; they stop together at a step
        // boundary once any has seen it (checked below), or the others would wait in a collective
        var signalled = cancel;
        using var agreedStop = _dist != null ? new CancellationTokenSource() : null;
        if (agreedStop != null) cancel = agreedStop.Token;
        var clock = Stopwatch.StartNew();
        long startStep = State.Step;
        double audioSeconds = 0, lossSum = 0;
        int lossCount = 0, badInARow = 0, micro = 0;
        // State.Position (saved in checkpoints) only moves at step boundaries: a stop in the middle of an
        // accumulated step resumes at that step's first micro-batch, whose gradients were not kept
        int epochOfNext = State.Epoch, positionOfNext = State.Position;
        Model.Train();
        Optimizer.ZeroGrad();
        // libtorch's thread count is OpenMP's, kept per calling thread: set it on the thread that runs the steps
        Torch.NumThreads = TrainingThreads.Resolve(t.NumThreads);
        // per-thread CPU mode: set on the thread that runs the steps (and libtorch's pool)
        bool flushed = t.FlushDenormal && Torch.SetFlushDenormal(true);
        _log.Write($"cpu: {Torch.NumThreads} libtorch thread(s), OpenBLAS kernels {BlasCore.Describe()}, denormals {(flushed ? "flushed to zero" : "kept")}");
        _log.Write($"training to step {t.Steps}: batch {t.BatchSize} × accumulation {accumulation}, {Data.Count} utterances");

        while (State.Step < t.Steps && !cancel.IsCancellationRequested)
        {
            foreach (var batch in Profiler.TimeEnumeration(Data.Load(Featurizer, epochOfNext, positionOfNext, cancel)))
            {
                using (batch)
                {
                    BatchHook?.Invoke(batch);
                    double loss = ForwardBackward(batch, accumulation);
                    positionOfNext = batch.Position + 1;
                    bool bad = !double.IsFinite(loss);
                    if (_dist != null) bad = _dist.AnyRank(bad);  // a NaN on any rank skips the step on all
                    if (bad)
                    {
                        SkipStep(ref badInARow, $"non-finite loss at step {State.Step} (batch {batch.Position} of epoch {epochOfNext}: {string.Join(", ", batch.Items.Take(3).Select(i => i.Entry.Where))}…)");
                        micro = 0;
                        continue;
                    }
                    lossSum += loss;
                    lossCount++;
                    audioSeconds += batch.AudioSeconds;
                    if (++micro < accumulation) continue;
                    micro = 0;
                }

                double lr = LrSchedule.At(_cfg.Schedule, _cfg.Optim.Lr, State.Step, t.Steps);
                double gradNorm;
                using (Profiler.Time(PhaseProfiler.Optimizer))
                {
                    var trained = Optimizer.Parameters.Select(p => p.Tensor).ToList();
                    if (_dist != null) _dist.AverageGradients(trained);  // before clipping: the global batch's gradient
                    Optimizer.Lr = lr;
                    // measured with clipping off too: the log shows it, and a non-finite one must not reach the weights
                    // (after the average every rank holds the same gradients, so all ranks skip together)
                    gradNorm = _cfg.Optim.ClipNorm > 0 ? GradClip.ClipGradNorm(trained, _cfg.Optim.ClipNorm) : GradClip.GradNorm(trained);
                    if (!double.IsFinite(gradNorm))
                    {
                        SkipStep(ref badInARow, $"non-finite gradient norm at step {State.Step}");
                        continue;
                    }
                    Optimizer.Step();
                    badInARow = 0;
                    Optimizer.ZeroGrad();
                    Ema?.Update();
                }
                State.Step++;
                Profiler.StepDone();
                (State.Epoch, State.Position) = (epochOfNext, positionOfNext);
                if (agreedStop != null && _dist!.AnyRank(signalled.IsCancellationRequested)) agreedStop.Cancel();

                if (State.Step % t.LogEvery == 0 || State.Step == t.Steps)
                {
                    double jobAudioSeconds = audioSeconds;
                    if (_dist != null) (lossSum, lossCount, jobAudioSeconds) = SumOverRanks(lossSum, lossCount, audioSeconds);
                    double elapsed = clock.Elapsed.TotalSeconds;
                    double perStep = elapsed / Math.Max(1, State.Step - startStep);
                    var eta = TimeSpan.FromSeconds(perStep * (t.Steps - State.Step));
                    double meanLoss = lossSum / Math.Max(1, lossCount);
                    _log.Write($"step {State.Step}/{t.Steps}  loss {meanLoss:F4}  lr {lr:E2}  grad-norm {gradNorm:F3}  {jobAudioSeconds / elapsed:F1} audio-s/s  ETA {eta:hh\\:mm\\:ss}");
                    if (Profiler.WindowLine() is { } profileLine) _log.Write(profileLine);
                    LossHistory.Add((State.Step, meanLoss));
                    _log.Scalars(State.Step, ("train/loss", meanLoss), ("train/lr", lr), ("train/grad_norm", gradNorm), ("train/audio_seconds_per_second", jobAudioSeconds / elapsed));
                    lossSum = 0;
                    lossCount = 0;
                }
                if (_val.Count > 0 && t.ValEvery > 0 && State.Step % t.ValEvery == 0)
                    using (Profiler.Time(PhaseProfiler.Validation)) ValidateAndKeepBest();
                if (t.SaveEvery > 0 && State.Step % t.SaveEvery == 0) Save($"step-{State.Step:D6}");
                if (State.Step >= t.Steps || cancel.IsCancellationRequested) break;
            }
            if (State.Step >= t.Steps || cancel.IsCancellationRequested) break;
            // the next epoch; a step whose micro-batches straddle the boundary records it when it completes
            epochOfNext++;
            positionOfNext = 0;
            if (micro == 0) (State.Epoch, State.Position) = (epochOfNext, 0);
        }
        Save("last");
        if (cancel.IsCancellationRequested) _log.Write($"interrupted: saved checkpoint 'last' at step {State.Step}");
        else if (_val.Count > 0) FinalEvaluation();  // every rank decodes its share
        if (Profiler.Table() is { } table) _log.Write(table);
    }

    /// <summary>Drops the gradients gathered for this step; stops after train.max_bad_steps such steps in a row.</summary>
    void SkipStep(ref int badInARow, string what)
    {
        State.SkippedSteps++;
        badInARow++;
        Optimizer.ZeroGrad();
        _log.Write($"warning: {what}; step skipped ({badInARow} in a row)");
        if (badInARow >= _cfg.Train.MaxBadSteps)
            throw new InvalidOperationException($"{badInARow} steps in a row skipped (non-finite loss or gradient norm): stopping (lower the learning rate or check the data)");
    }

    /// <summary>
    /// After training: each validation set decoded greedily and with beam search (train.final_beam_size, final_beam_strategy),
    /// with the EMA weights when EMA is on; logged side by side and written to TensorBoard (final/SET/wer_*).
    /// </summary>
    public List<(string Set, double GreedyWer, double BeamWer)> FinalEvaluation()
    {
        var results = new List<(string, double, double)>();
        int beam = _cfg.Train.FinalBeamSize;
        var greedy = new DecodingOptions { Strategy = "greedy", MaxSymbolsPerFrame = _cfg.Train.MaxSymbolsPerFrame };
        var beamSearch = BeamOptions(beam);
        using var swap = Ema?.SwapIn();
        Model.Eval();
        try
        {
            foreach (var (name, utts) in _val)
            {
                double g = Evaluate(name, utts, greedy).Wer;
                double b = beam > 1 ? Evaluate(name, utts, beamSearch).Wer : g;
                _log.Write($"final evaluation {name} ({WeightsName}, {utts.Count} utterances): WER greedy {g:P2}{(beam > 1 ? $"  beam {beam} {b:P2}" : "")}");
                _log.Scalars(State.Step, ($"final/{name}/wer_greedy", g), ($"final/{name}/wer_beam", b));
                results.Add((name, g, b));
            }
        }
        finally
        {
            Model.Train();
        }
        return results;
    }

    string WeightsName => Ema != null ? $"EMA {Ema.Decay} weights" : "model weights";

    // every rank reaches the log line at the same step; the line reports the whole job
    (double, int, double) SumOverRanks(double lossSum, int lossCount, double audioSeconds)
    {
        var s = _dist!.Sum(lossSum, lossCount, audioSeconds);
        return (s[0], (int)s[1], s[2]);
    }

    /// <summary>Forward, loss and backward of one micro-batch (loss scaled for accumulation); returns the loss value.</summary>
    double ForwardBackward(AudioBatch batch, int accumulation)
    {
        using var scope = Torch.NewScope();
        var loss = Loss(batch, Profiler);
        double value;
        using (Profiler.Time(PhaseProfiler.PredictorJointLoss)) value = loss.Item();
        if (!double.IsFinite(value)) return value;
        using (Profiler.Time(PhaseProfiler.Backward)) (accumulation == 1 ? loss : loss / accumulation).Backward();
        return value;
    }

    static readonly PhaseProfiler NoProfiler = new(false);

    Tensor Loss(AudioBatch batch, PhaseProfiler? profiler = null)
    {
        profiler ??= NoProfiler;
        Tensor enc, encLengths;
        using (profiler.Time(PhaseProfiler.Encoder)) (enc, encLengths) = Model.Encode(batch.Features, batch.FeatureLengths);
        using (profiler.Time(PhaseProfiler.PredictorJointLoss))
        {
            var pred = Model.Predictor.Forward(batch.Targets, batch.TargetLengths);
            var encProj = Model.Joint.ProjectEncoder(enc);
            var predProj = Model.Joint.ProjectPredictor(pred);
            if (_pruned != null)
            {
                var (simple, pruned) = PrunedRnntLoss.Compute(encProj, predProj, Model.SimpleAm!.Forward(enc), Model.SimpleLm!.Forward(pred),
                    Model.Joint.Combine, batch.Targets, encLengths, batch.TargetLengths, _lossOptions, _pruned,
                    _jointMode == JointMemoryMode.SubBatched ? _cfg.Loss.SubBatch : 0, Model.Joint.Parameters());
                return _prunedSchedule.Mix(simple, pruned, State.Step);
            }
            return TransducerJointLoss.Compute(_jointMode, encProj, predProj, Model.Joint.Combine,
                batch.Targets, encLengths, batch.TargetLengths, _lossOptions, _cfg.Loss.SubBatch);
        }
    }

    /// <summary>Greedy WER (and loss) on every validation set; saves "best" when the first set's WER improves.</summary>
    public List<ValidationResult> ValidateAndKeepBest()
    {
        var results = Validate();
        foreach (var r in results)
        {
            _log.Write($"validation {r.Set}: WER {r.Wer:P2}  CER {r.Cer:P2}  loss {r.Loss:F4}  ({r.Utterances} utterances)");
            foreach (var (reference, hyp) in r.Samples.Take(2)) _log.Write($"    ref: {reference}\n    hyp: {hyp}");
            _log.Scalars(State.Step, ($"val/{r.Set}/wer", r.Wer), ($"val/{r.Set}/loss", r.Loss));
        }
        if (results.Count > 0 && results[0].Wer < State.BestWer)
        {
            State.BestWer = results[0].Wer;
            Save("best");
        }
        return results;
    }

    /// <summary>Greedy WER and loss on every validation set (with the EMA weights when EMA is on).</summary>
    public List<ValidationResult> Validate()
    {
        var results = new List<ValidationResult>();
        using var swap = Ema?.SwapIn();
        Model.Eval();
        try
        {
            foreach (var (name, utts) in _val)
                results.Add(Evaluate(name, utts, GreedyOptions));
        }
        finally
        {
            Model.Train();
        }
        return results;
    }

    /// <summary>Greedy WER of the current model on another manifest (e.g. the held-out test set).</summary>
    public ValidationResult EvaluateManifest(string manifest, DecodingOptions? decoding = null)
    {
        var (utts, summary) = DatasetBuilder.Build(new[] { manifest }, _o.DataDir, _encoder, 0, double.MaxValue);
        ReportData(Path.GetFileNameWithoutExtension(manifest), summary);
        using var swap = Ema?.SwapIn();
        Model.Eval();
        try { return Evaluate(Path.GetFileNameWithoutExtension(manifest), utts, decoding ?? GreedyOptions); }
        finally { Model.Train(); }
    }

    DecodingOptions GreedyOptions => new() { Strategy = "greedy", MaxSymbolsPerFrame = _cfg.Train.MaxSymbolsPerFrame };

    /// <summary>The configured beam search (greedy for beam size 1).</summary>
    public DecodingOptions BeamOptions(int beamSize)
    {
        var o = new DecodingOptions
        {
            Strategy = beamSize > 1 ? _cfg.Train.FinalBeamStrategy : "greedy",
            BeamSize = Math.Max(1, beamSize),
            MaxSymbolsPerFrame = _cfg.Train.MaxSymbolsPerFrame,
        };
        o.Validate();
        return o;
    }

    ValidationResult Evaluate(string name, List<Utterance> utts, DecodingOptions decoding)
    {
        var t = _cfg.Train;
        var loader = new BatchLoader(utts, Featurizer, training: false, t.NumWorkers, t.Prefetch, t.Seed);
        var order = Enumerable.Range(0, utts.Count).OrderBy(i => utts[i].Entry.Duration).ToArray();
        var batches = order.Chunk(Math.Max(1, t.ValBatchSize > 0 ? t.ValBatchSize : t.BatchSize)).ToList();
        if (_dist != null) batches = _dist.Share(batches).ToList();  // the counts are summed over the ranks below
        var wer = new ErrorRateCalculator(Normalizer);
        var samples = new List<(string, string)>();
        double lossSum = 0;
        using var noGrad = Torch.NoGrad();
        foreach (var batch in loader.Load(batches, 0))
        {
            using (batch)
            using (var scope = Torch.NewScope())
            {
                lossSum += Loss(batch).Item() * batch.Items.Length;
                var (enc, encLengths) = Model.Encode(batch.Features, batch.FeatureLengths);
                var hyps = TransducerDecoding.Decode(Model, enc, encLengths, decoding);
                for (int b = 0; b < hyps.Length; b++)
                {
                    var text = Tokenizer.Decode(hyps[b][0].Tokens);
                    wer.Add(batch.Items[b].Text, text, batch.Items[b].Entry.Where);
                    if (samples.Count < 4) samples.Add((batch.Items[b].Text, text));
                }
            }
        }
        var (words, chars) = (wer.WordTotals, wer.CharTotals);
        if (_dist != null) (words, chars, lossSum) = _dist.SumEvaluation(words, chars, lossSum);
        return new ValidationResult(name, words.Rate, chars.Rate, lossSum / Math.Max(1, utts.Count), utts.Count, samples)
            { Words = words, DecodedHere = wer.Utterances.Count };
    }

    void Save(string name)
    {
        // every rank reaches each save (same step, same validation WER): the checkpoint keeps each rank's generator
        var rankRngStates = _dist?.GatherRngStates();
        if (!IsMain) return;  // rank 0 writes; the others hold the same weights
        State.TorchRngState = Convert.ToBase64String(Torch.GetRngState());
        State.WorldSize = _dist?.WorldSize ?? 1;
        State.RankTorchRngStates = rankRngStates?.Select(Convert.ToBase64String).ToList();
        State.EmaUpdates = Ema?.Updates ?? 0;
        _checkpoints.Save(name, Model.StateDict(), Optimizer.StateDict(), State, ConfigWriter.ToYaml(_cfg), WriteTokenizer, Ema?.StateDict());
        _log.Write($"saved checkpoint {Path.Combine(_checkpoints.Root, name)}");
    }

    void WriteTokenizer(string dir)
    {
        switch (Tokenizer)
        {
            case CharTokenizer c:
                c.Save(Path.Combine(dir, "labels.json"));
                break;
            case SentencePieceTokenizer:
                File.Copy(TokenizerFactory.SentencePieceModelPath(_cfg.Tokenizer)!, Path.Combine(dir, "tokenizer.model"), true);
                break;
        }
    }

    public void Dispose()
    {
        Model.Dispose();
        Ema?.Dispose();
        Optimizer.Dispose();
        Featurizer.Dispose();
        (Tokenizer as IDisposable)?.Dispose();
        _log.Dispose();
    }
}
