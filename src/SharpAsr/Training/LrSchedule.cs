using SharpAsr.Config;

namespace SharpAsr.Training;

/// <summary>The learning rate at a step (0-based), given the peak rate.</summary>
public static class LrSchedule
{
    public static double At(ScheduleConfig s, double peakLr, long step, long totalSteps)
    {
        switch (s.Name.ToLowerInvariant())
        {
            case "caiman":
            {
                // caiman: linear warmup (s+1)/(w+1), hold, then 0.5^((s−w−h)/half_life), floored at min_lr
                if (step < s.WarmupSteps) return peakLr * (step + 1) / (s.WarmupSteps + 1);
                if (step < s.WarmupSteps + s.HoldSteps) return peakLr;
                double decayed = peakLr * Math.Pow(0.5, (step - s.WarmupSteps - s.HoldSteps) / (double)Math.Max(1, s.HalfLifeSteps));
                return Math.Max(s.MinLr, decayed);
            }
            case "noam":
            {
                // NeMo's Noam: lr · d^-0.5 · min(s^-0.5, s · w^-1.5), s counted from 1
                double n = step + 1;
                double v = peakLr * Math.Pow(s.DModel, -0.5) * Math.Min(Math.Pow(n, -0.5), n * Math.Pow(Math.Max(1, s.WarmupSteps), -1.5));
                return Math.Max(s.MinLr, v);
            }
            case "cosine":
            {
                if (step < s.WarmupSteps) return peakLr * (step + 1) / (s.WarmupSteps + 1);
                double progress = Math.Clamp((step - s.WarmupSteps) / (double)Math.Max(1, totalSteps - s.WarmupSteps), 0, 1);
                return s.MinLr + 0.5 * (peakLr - s.MinLr) * (1 + Math.Cos(Math.PI * progress));
            }
            case "constant":
                return peakLr;
            default:
                throw new ArgumentException($"schedule.name '{s.Name}' is not known (caiman, noam, cosine, constant)");
        }
    }
}
