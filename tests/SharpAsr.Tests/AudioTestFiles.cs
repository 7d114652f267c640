using System.Diagnostics;

namespace SharpAsr.Tests;

/// <summary>Writes test audio with sox (a set-up dependency) into a per-process temporary folder.</summary>
internal static class AudioTestFiles
{
    public static readonly string Folder = Directory.CreateTempSubdirectory("sharpasr-audio-").FullName;

    /// <summary>Runs <c>sox -D -n {format} {name} synth {synth}</c> (no dither, so samples are exact) and returns the path.</summary>
    public static string Synth(string name, string format, string synth)
    {
        var path = Path.Combine(Folder, name);
        if (!File.Exists(path)) Sox($"-D -n {format} \"{path}\" synth {synth}");
        return path;
    }

    public static void Sox(string arguments)
    {
        var psi = new ProcessStartInfo("sox", arguments) { RedirectStandardError = true, UseShellExecute = false };
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("cannot start sox");
        var err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"sox {arguments} failed: {err}");
    }

    /// <summary>Frequency (Hz, 0.25 Hz grid) of the strongest DFT bin in [lo, hi]: a direct sum, fine for short signals.</summary>
    public static double PeakFrequency(float[] x, int rate, double lo, double hi)
    {
        double best = lo, bestPower = -1;
        for (double f = lo; f <= hi; f += 0.25)
        {
            double re = 0, im = 0, w = 2 * Math.PI * f / rate;
            for (int n = 0; n < x.Length; n++)
            {
                re += x[n] * Math.Cos(w * n);
                im += x[n] * Math.Sin(w * n);
            }
            double power = re * re + im * im;
            if (power > bestPower) (best, bestPower) = (f, power);
        }
        return best;
    }
}
