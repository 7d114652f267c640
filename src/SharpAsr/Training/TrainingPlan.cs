using SharpAsr.Config;

namespace SharpAsr.Training;

/// <summary>
/// Turns the config's run sizes into what each rank does: the global batch into a per-rank micro-batch, and the
/// settings counted in epochs (NeMo's max_epochs, a fractional val_check_interval, warmup_ratio) into steps.
/// </summary>
public static class TrainingPlan
{
    /// <summary>
    /// train.global_batch_size (when set) → train.batch_size = global ÷ (ranks × accumulation), as caiman's
    /// --global_batch_size; a global batch that does not divide is refused. Returns the line to log, or null.
    /// </summary>
    public static string? ResolveBatch(TrainConfig t, int ranks)
    {
        int accumulation = Math.Max(1, t.GradAccumulation);
        if (t.GlobalBatchSize <= 0) return null;
        int parts = ranks * accumulation;
        if (t.GlobalBatchSize % parts != 0)
            throw new ConfigException($"global batch {t.GlobalBatchSize} does not divide into {ranks} rank(s) × {accumulation} accumulated micro-batch(es) = {parts} equal micro-batches: " +
                $"choose a global batch that is a multiple of {parts}, or another --grad-accumulation-batches");
        t.BatchSize = t.GlobalBatchSize / parts;
        return $"global batch {t.GlobalBatchSize} = {ranks} rank(s) × {t.BatchSize} utterances × accumulation {accumulation}";
    }

    /// <summary>Settings counted in epochs, turned into steps for <paramref name="batchesPerEpoch"/> micro-batches per rank and epoch.</summary>
    public static List<string> ResolveSteps(AsrConfig cfg, int batchesPerEpoch)
    {
        var t = cfg.Train;
        var lines = new List<string>();
        int stepsPerEpoch = Math.Max(1, batchesPerEpoch / Math.Max(1, t.GradAccumulation));
        if (t.MaxEpochs > 0)
        {
            int byEpochs = (int)Math.Min(int.MaxValue, (long)stepsPerEpoch * t.MaxEpochs);
            if (t.Steps <= 0 || byEpochs < t.Steps)
            {
                t.Steps = byEpochs;
                lines.Add($"train.steps {t.Steps}: max_epochs {t.MaxEpochs} × {stepsPerEpoch} steps per epoch");
            }
        }
        if (t.Steps <= 0) throw new ConfigException("train.steps is 0 and train.max_epochs is not set: give the number of steps (train.steps, --training-steps, NeMo trainer.max_steps)");
        if (t.ValEveryEpochs > 0)
        {
            t.ValEvery = Math.Max(1, (int)Math.Round(t.ValEveryEpochs * stepsPerEpoch));
            lines.Add($"train.val_every {t.ValEvery}: every {t.ValEveryEpochs:0.###} epoch(s) of {stepsPerEpoch} steps");
        }
        if (cfg.Schedule.WarmupRatio is { } ratio)
        {
            cfg.Schedule.WarmupSteps = (int)Math.Round(ratio * t.Steps);
            lines.Add($"schedule.warmup_steps {cfg.Schedule.WarmupSteps}: warmup_ratio {ratio} of {t.Steps} steps");
        }
        return lines;
    }
}
