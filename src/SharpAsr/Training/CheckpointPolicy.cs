using System.Text.Json;
using SharpAsr.Checkpoints;
using SharpAsr.Config;
using SharpAsr.Text;
using SharpAsr.Training.Distributed;
using SharpTorch;
using SharpTorch.Serialization;

namespace SharpAsr.Training;

/// <summary>
/// When a run saves and how it resumes: the output folder is refused if it already holds checkpoints (unless
/// resuming), gets the run's arguments and resolved config once every input is checked, a <c>step-N</c> checkpoint
/// every save_every steps, <c>best</c> when the first validation set's WER improves and <c>last</c> at the end.
/// Rank 0 writes; every rank reaches each save, so the checkpoint keeps every rank's random generator.
/// </summary>
public sealed class CheckpointPolicy
{
    readonly CheckpointStore _store;
    readonly AsrConfig _cfg;
    readonly TrainingSetup _run;
    readonly DistributedContext? _dist;
    bool IsMain => _dist?.IsMain ?? true;

    public CheckpointPolicy(AsrConfig cfg, TrainOptions o, TrainingSetup run, DistributedContext? dist)
    {
        _store = new CheckpointStore(o.OutputDir);
        (_cfg, _run, _dist) = (cfg, run, dist);
    }

    /// <summary>A fresh run never writes over another run's checkpoints.</summary>
    public static void RefuseToOverwrite(TrainOptions o)
    {
        if (new CheckpointStore(o.OutputDir).Any() && !o.Resume)
            throw new InvalidOperationException($"{o.OutputDir} already holds checkpoints: pass --resume to continue that run, or choose another --output-dir");
    }

    /// <summary>Every input has been read and checked: only now does the output folder get anything.</summary>
    public void StartRunFolder(TrainOptions o)
    {
        if (!IsMain) return;
        Directory.CreateDirectory(o.OutputDir);
        _run.Log.OpenFolder(o.OutputDir);
        File.WriteAllText(Path.Combine(o.OutputDir, $"training_args_{_run.Log.Stamp}.json"), JsonSerializer.Serialize(o, new JsonSerializerOptions { WriteIndented = true }));
        // the config as this run resolved it (another toolkit's file mapped, steps from epochs): rerunnable with --config
        File.WriteAllText(Path.Combine(o.OutputDir, "config.yaml"), ConfigWriter.ToYaml(_cfg));
    }

    /// <summary>The state of the latest checkpoint, with model, optimizer, weight average and random stream restored.</summary>
    public TrainingState ResumeFromLatest()
    {
        var dir = _store.Latest() ?? throw new InvalidOperationException($"--resume: no checkpoint in {_store.Root}");
        var state = CheckpointStore.ReadState(dir);
        int world = _dist?.WorldSize ?? 1;
        if (state.WorldSize > 0 && state.WorldSize != world)
            throw new InvalidOperationException($"--resume: {dir} was written by a run on {state.WorldSize} rank(s) and this run has {world}: " +
                $"resume with the same world size (--nproc {state.WorldSize} or WORLD_SIZE={state.WorldSize}), since its epoch position counts each rank's share of the batches");
        using var scope = Torch.NewScope();
        _run.Model.LoadStateDict(SafeTensors.Load(Path.Combine(dir, "model.safetensors")), strict: true);
        _run.Optimizer.LoadStateDict(SafeTensors.Load(Path.Combine(dir, "optimizer.safetensors")));
        if (_run.Ema is { } ema)
        {
            var emaPath = Path.Combine(dir, CheckpointStore.EmaFile);
            if (File.Exists(emaPath)) ema.LoadStateDict(SafeTensors.Load(emaPath), emaPath, state.EmaUpdates);
            else
            {
                ema.Reset();
                _run.Log.Write($"warning: {dir} has no {CheckpointStore.EmaFile}: the weights' moving average restarts from the resumed weights");
            }
        }
        // dropout continues the random stream of the interrupted run (a checkpoint without it: a fresh stream)
        // (each rank its own stream in a data-parallel run)
        var rngState = _dist != null && state.RankTorchRngStates is { } perRank ? perRank[_dist.Rank] : state.TorchRngState;
        if (rngState is { Length: > 0 } rng) Torch.SetRngState(Convert.FromBase64String(rng));
        _run.Log.Write($"resumed from {dir}: step {state.Step}, epoch {state.Epoch}, batch {state.Position}");
        return state;
    }

    /// <summary>After an optimizer step: a <c>step-N</c> checkpoint every save_every steps.</summary>
    public void AfterStep(TrainingState state)
    {
        if (_cfg.Train.SaveEvery > 0 && state.Step % _cfg.Train.SaveEvery == 0) Save($"step-{state.Step:D6}", state);
    }

    /// <summary>After a validation: <c>best</c> when the first set's WER beats the best so far.</summary>
    public void AfterValidation(TrainingState state, IReadOnlyList<ValidationResult> results)
    {
        if (results.Count == 0 || !(results[0].Wer < state.BestWer)) return;
        state.BestWer = results[0].Wer;
        Save("best", state);
    }

    public void Save(string name, TrainingState state)
    {
        // every rank reaches each save (same step, same validation WER): the checkpoint keeps each rank's generator
        var rankRngStates = _dist?.GatherRngStates();
        if (!IsMain) return;  // rank 0 writes; the others hold the same weights
        state.TorchRngState = Convert.ToBase64String(Torch.GetRngState());
        state.WorldSize = _dist?.WorldSize ?? 1;
        state.RankTorchRngStates = rankRngStates?.Select(Convert.ToBase64String).ToList();
        state.EmaUpdates = _run.Ema?.Updates ?? 0;
        _store.Save(name, _run.Model.StateDict(), _run.Optimizer.StateDict(), state, ConfigWriter.ToYaml(_cfg), WriteTokenizer, _run.Ema?.StateDict());
        _run.Log.Write($"saved checkpoint {Path.Combine(_store.Root, name)}");
    }

    void WriteTokenizer(string dir)
    {
        switch (_run.Tokenizer)
        {
            case CharTokenizer c:
                c.Save(Path.Combine(dir, "labels.json"));
                break;
            case SentencePieceTokenizer:
                File.Copy(TokenizerFactory.SentencePieceModelPath(_cfg.Tokenizer)!, Path.Combine(dir, "tokenizer.model"), true);
                break;
        }
    }
}
