namespace SharpAsr.Config;

/// <summary>Learning-rate schedule settings (config section <c>schedule:</c>).</summary>
public sealed class ScheduleConfig
{
    /// <summary>caiman (warmup → hold → exponential decay by half-life, floored), noam, cosine, constant.</summary>
    public string Name { get; set; } = "caiman";
    /// <summary>Steps of linear warm-up to the peak rate.</summary>
    public int WarmupSteps { get; set; } = 1632;
    /// <summary>Warm-up as a fraction of the run's steps (NeMo warmup_ratio); when set it replaces warmup_steps.</summary>
    public double? WarmupRatio { get; set; }
    /// <summary>caiman: steps held at the peak rate after the warm-up.</summary>
    public int HoldSteps { get; set; } = 18000;
    /// <summary>caiman: steps over which the rate halves after the hold.</summary>
    public int HalfLifeSteps { get; set; } = 10880;
    /// <summary>Floor of the decayed rate (caiman, cosine).</summary>
    public double MinLr { get; set; } = 4e-4;
    /// <summary>Noam's model dimension (NeMo uses d_model).</summary>
    public int DModel { get; set; } = 512;
}
