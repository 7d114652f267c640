namespace SharpAsr.Features;

/// <summary>
/// Slaney-scale mel filters with Slaney (area) normalisation, as librosa.filters.mel(htk=False, norm="slaney") builds
/// them for NeMo: triangles between mel-spaced edge frequencies over the n_fft/2+1 linear bins, each scaled by
/// 2 / (upper edge − lower edge) so every filter has the same area. Computed in double precision.
/// </summary>
public static class MelFilterbank
{
    const double LinearStepHz = 200.0 / 3;             // below 1 kHz the Slaney scale is linear: 3 mels per 200 Hz
    const double LogStartHz = 1000, LogStartMel = LogStartHz / LinearStepHz;
    static readonly double LogStep = Math.Log(6.4) / 27; // above 1 kHz it is logarithmic: 27 mels per factor 6.4

    public static double HzToMel(double hz) =>
        hz >= LogStartHz ? LogStartMel + Math.Log(hz / LogStartHz) / LogStep : hz / LinearStepHz;

    public static double MelToHz(double mel) =>
        mel >= LogStartMel ? LogStartHz * Math.Exp(LogStep * (mel - LogStartMel)) : mel * LinearStepHz;

    /// <summary>The filters as a row-major [nMels, nFft/2+1] array.</summary>
    public static float[] Create(int sampleRate, int nFft, int nMels, double lowFreq, double highFreq)
    {
        int bins = nFft / 2 + 1;
        var edges = new double[nMels + 2];
        double melLo = HzToMel(lowFreq), melHi = HzToMel(highFreq);
        for (int i = 0; i < edges.Length; i++) edges[i] = MelToHz(melLo + (melHi - melLo) * i / (nMels + 1));

        var fb = new float[nMels * bins];
        for (int m = 0; m < nMels; m++)
        {
            double lower = edges[m], centre = edges[m + 1], upper = edges[m + 2];
            double area = 2.0 / (upper - lower);
            for (int k = 0; k < bins; k++)
            {
                double f = (double)sampleRate / 2 * k / (bins - 1);
                double rising = (f - lower) / (centre - lower), falling = (upper - f) / (upper - centre);
                fb[m * bins + k] = (float)(Math.Max(0, Math.Min(rising, falling)) * area);
            }
        }
        return fb;
    }
}
