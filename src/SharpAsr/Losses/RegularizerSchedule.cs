namespace SharpAsr.Losses;

/// <summary>
/// When a loss regulariser (FastEmit λ, delay-penalty λ) is on and how strong: constant, from a step on
/// ("step"), or from the first validation whose WER is below a threshold on ("wer", caiman switches the delay
/// penalty on once dev WER &lt; 0.3). A WER trigger is sticky: once on it stays on.
/// </summary>
public sealed class RegularizerSchedule
{
    public enum Kind { Constant, Step, WerTriggered }

    public Kind Type { get; }
    public double Lambda { get; }
    /// <summary>First training step at which a <see cref="Kind.Step"/> schedule is on.</summary>
    public long StartStep { get; }
    /// <summary>A validation WER strictly below this switches a <see cref="Kind.WerTriggered"/> schedule on.</summary>
    public double WerThreshold { get; }
    /// <summary>Whether the WER trigger has fired (saved in checkpoints so a resumed run keeps it).</summary>
    public bool Triggered { get; set; }

    RegularizerSchedule(Kind type, double lambda, long startStep, double werThreshold)
    {
        if (lambda < 0 || double.IsNaN(lambda)) throw new ArgumentException($"regulariser λ must be ≥ 0, got {lambda}");
        (Type, Lambda, StartStep, WerThreshold) = (type, lambda, startStep, werThreshold);
    }

    public static RegularizerSchedule Constant(double lambda) => new(Kind.Constant, lambda, 0, 0);
    public static RegularizerSchedule FromStep(double lambda, long startStep) => new(Kind.Step, lambda, startStep, 0);
    public static RegularizerSchedule WerBelow(double lambda, double werThreshold) => new(Kind.WerTriggered, lambda, 0, werThreshold);

    /// <summary>Parses the config value: "constant", "step:N" or "wer:X" (with λ given separately).</summary>
    public static RegularizerSchedule Parse(string spec, double lambda)
    {
        var parts = spec.Trim().ToLowerInvariant().Split(':', 2);
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        return parts[0] switch
        {
            "constant" when parts.Length == 1 => Constant(lambda),
            "step" when parts.Length == 2 && long.TryParse(parts[1], inv, out var s) && s >= 0 => FromStep(lambda, s),
            "wer" when parts.Length == 2 && double.TryParse(parts[1], inv, out var w) && w > 0 => WerBelow(lambda, w),
            _ => throw new ArgumentException($"regulariser schedule '{spec}' is not one of: constant, step:N (N ≥ 0), wer:X (X > 0)"),
        };
    }

    /// <summary>Feeds a validation WER (a fraction) to the trigger.</summary>
    public void ObserveWer(double wer)
    {
        if (Type == Kind.WerTriggered && wer < WerThreshold) Triggered = true;
    }

    /// <summary>λ at a training step.</summary>
    public double At(long step) => Type switch
    {
        Kind.Constant => Lambda,
        Kind.Step => step >= StartStep ? Lambda : 0,
        _ => Triggered ? Lambda : 0,
    };
}
