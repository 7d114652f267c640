using SharpAsr.Checkpoints;
using SharpAsr.Config;
using SharpAsr.Data;
using SharpAsr.Decoding;
using SharpAsr.Features;
using SharpAsr.Models;
using SharpAsr.Text;
using SharpAsr.Training.Distributed;
using SharpTorch;
using SharpTorch.Optim;

namespace SharpAsr.Training;

/// <summary>
/// The training job. <see cref="TrainingSetup"/> builds it from the config; this class runs the steps — forward →
/// loss → backward (accumulated to the global batch) → gradients averaged over ranks → clip → optimizer → LR schedule —
/// and hands validation to the <see cref="Validator"/> and saving to the <see cref="CheckpointPolicy"/>.
/// Resumes exactly from its last checkpoint.
/// </summary>
public sealed class Trainer : IDisposable
{
    readonly AsrConfig _cfg;
    readonly TrainingSetup _run;
    readonly Validator _validator;
    readonly TrainOptions _options;
    readonly CheckpointPolicy _checkpoints;
    readonly DistributedContext? _dist;  // data-parallel run (null: one process): see Training/Distributed
    readonly TrainingLog _log;

    public ITokenizer Tokenizer => _run.Tokenizer;
    public TextNormalizer Normalizer => _run.Normalizer;
    public Featurizer Featurizer => _run.Featurizer;
    public Transducer Model => _run.Model;
    public Optimizer Optimizer => _run.Optimizer;
    public TrainingState State { get; private set; } = new();
    /// <summary>Moving average of the weights (null: train.ema_decay 0); used for validation and the final evaluation.</summary>
    public WeightEma? Ema => _run.Ema;
    /// <summary>What --init-from loaded (null without it, or when resuming).</summary>
    public InitReport? InitReport => _run.InitReport;
    /// <summary>Phase timings (train.profile / --profile).</summary>
    public PhaseProfiler Profiler => _run.Profiler;
    /// <summary>The training batches' source: audio files, a weighted mix of manifests, or tar shards.</summary>
    public TrainingData Data => _run.Data;
    /// <summary>Called with each training micro-batch before its forward pass (tests, tooling).</summary>
    public Action<AudioBatch>? BatchHook { get; set; }
    /// <summary>Mean training loss at each logged step (for the demo's learning curve).</summary>
    public List<(long Step, double Loss)> LossHistory { get; } = new();

    public Trainer(AsrConfig cfg, TrainOptions o, DistributedContext? dist = null)
    {
        (_cfg, _dist) = (cfg, dist);
        _run = TrainingSetup.Build(cfg, o, dist);
        _log = _run.Log;
        _options = o;
        _validator = new Validator(cfg, o, _run, dist);
        _checkpoints = new CheckpointPolicy(cfg, o, _run, dist);
        State.Seed = cfg.Train.Seed;
        if (o.Resume) State = _checkpoints.ResumeFromLatest();
        _checkpoints.StartRunFolder(o);
        if (dist != null)
        {
            dist.BroadcastParameters(Model.Parameters().ToList());
            _log.Write($"data-parallel: {dist.WorldSize} ranks ({dist.Group.Backend}), batch {cfg.Train.BatchSize} per rank × {dist.WorldSize} ranks × accumulation {Math.Max(1, cfg.Train.GradAccumulation)}");
        }
    }

    /// <summary>Runs until train.steps (or cancellation, which saves a last checkpoint first).</summary>
    public void Run(CancellationToken cancel = default)
    {
        // train.num_threads sets the calling thread's libtorch thread count: give it back as it was for what runs next
        int threadsBefore = Torch.NumThreads;
        try { RunSteps(cancel); }
        finally { Torch.NumThreads = threadsBefore; }
    }

    void RunSteps(CancellationToken cancel)
    {
        var t = _cfg.Train;
        int accumulation = Math.Max(1, t.GradAccumulation);
        // data-parallel: a signal reaches the ranks at different moments; they stop together at a step
        // boundary once any has seen it (checked below), or the others would wait in a collective
        var signalled = cancel;
        using var agreedStop = _dist != null ? new CancellationTokenSource() : null;
        if (agreedStop != null) cancel = agreedStop.Token;
        var window = new StepWindow(State.Step);
        int badInARow = 0, micro = 0;
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
                    window.Add(loss, batch.AudioSeconds);
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
                    LossHistory.Add((State.Step, window.Report(_log, Profiler, _dist, State.Step, t.Steps, lr, gradNorm)));
                if (_validator.HasSets && t.ValEvery > 0 && State.Step % t.ValEvery == 0)
                    using (Profiler.Time(PhaseProfiler.Validation)) ValidateAndKeepBest();
                _checkpoints.AfterStep(State);
                if (State.Step >= t.Steps || cancel.IsCancellationRequested) break;
            }
            if (State.Step >= t.Steps || cancel.IsCancellationRequested) break;
            // the next epoch; a step whose micro-batches straddle the boundary records it when it completes
            epochOfNext++;
            positionOfNext = 0;
            if (micro == 0) (State.Epoch, State.Position) = (epochOfNext, 0);
        }
        _checkpoints.Save("last", State);
        if (cancel.IsCancellationRequested) _log.Write($"interrupted: saved checkpoint 'last' at step {State.Step}");
        else if (_validator.HasSets) FinalEvaluation();  // every rank decodes its share
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

    /// <summary>Forward, loss and backward of one micro-batch (loss scaled for accumulation); returns the loss value.</summary>
    double ForwardBackward(AudioBatch batch, int accumulation)
    {
        using var scope = Torch.NewScope();
        Tensor encoded, encodedLengths, loss;
        using (Profiler.Time(PhaseProfiler.Encoder)) (encoded, encodedLengths) = Model.Encode(batch.Features, batch.FeatureLengths);
        using (Profiler.Time(PhaseProfiler.PredictorJointLoss))
            loss = _run.Loss.Compute(Model, encoded, encodedLengths, batch.Targets, batch.TargetLengths, State.Step);
        double value;
        using (Profiler.Time(PhaseProfiler.PredictorJointLoss)) value = loss.Item();
        if (!double.IsFinite(value)) return value;
        using (Profiler.Time(PhaseProfiler.Backward)) (accumulation == 1 ? loss : loss / accumulation).Backward();
        return value;
    }

    /// <summary>Greedy WER (and loss) on every validation set, logged; saves "best" when the first set's WER improves.</summary>
    public List<ValidationResult> ValidateAndKeepBest()
    {
        var results = _validator.ValidateAndLog(State.Step);
        _checkpoints.AfterValidation(State, results);
        return results;
    }

    public List<ValidationResult> Validate() => _validator.Validate(State.Step);
    public List<(string Set, double GreedyWer, double BeamWer)> FinalEvaluation() => _validator.FinalEvaluation(State.Step);
    public ValidationResult EvaluateManifest(string manifest, DecodingOptions? decoding = null) => _validator.EvaluateManifest(manifest, decoding, State.Step);

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
