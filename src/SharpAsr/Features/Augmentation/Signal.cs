namespace SharpAsr.Features.Augmentation;

/// <summary>Measures of a waveform the augmentations share.</summary>
static class Signal
{
    /// <summary>Mean square of the samples (0 for none).</summary>
    public static double Power(float[] x)
    {
        if (x.Length == 0) return 0;
        double s = 0;
        foreach (var v in x) s += (double)v * v;
        return s / x.Length;
    }
}
