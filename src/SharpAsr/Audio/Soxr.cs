using System.Runtime.InteropServices;

namespace SharpAsr.Audio;

/// <summary>libsoxr's one-shot resampler (libsoxr.so.0), at its "high quality" (20-bit) recipe.</summary>
internal static partial class Soxr
{
    const string Lib = "libsoxr.so.0";
    const ulong RecipeHighQuality = 4; // SOXR_HQ = SOXR_20_BITQ; soxr_oneshot's own default is the low-quality recipe

    [StructLayout(LayoutKind.Sequential)]
    public struct QualitySpec
    {
        public double Precision, PhaseResponse, PassbandEnd, StopbandBegin;
        public IntPtr E;
        public nuint Flags;
    }

    [LibraryImport(Lib, EntryPoint = "soxr_quality_spec")]
    public static partial QualitySpec QualitySpecFor(nuint recipe, nuint flags);

    [LibraryImport(Lib, EntryPoint = "soxr_oneshot")]
    private static unsafe partial IntPtr OneShot(double inputRate, double outputRate, uint channels,
        float* input, nuint inputLength, nuint* inputDone, float* output, nuint outputLength, nuint* outputDone,
        IntPtr ioSpec, QualitySpec* quality, IntPtr runtimeSpec);

    /// <summary>Resamples mono float samples from <paramref name="inputRate"/> to <paramref name="outputRate"/> Hz.</summary>
    public static unsafe float[] Resample(ReadOnlySpan<float> input, double inputRate, double outputRate)
    {
        if (inputRate <= 0 || outputRate <= 0) throw new ArgumentException($"sample rates must be positive (got {inputRate} -> {outputRate})");
        // soxr's own length rule for a whole signal: round(ilen * ratio)
        long outLength = (long)Math.Round(input.Length * outputRate / inputRate);
        var output = new float[outLength];
        if (input.Length == 0 || outLength == 0) return output;
        var quality = QualitySpecFor((nuint)RecipeHighQuality, 0);
        nuint done = 0;
        fixed (float* src = input)
        fixed (float* dst = output)
        {
            var err = OneShot(inputRate, outputRate, 1, src, (nuint)input.Length, null, dst, (nuint)outLength, &done,
                IntPtr.Zero, &quality, IntPtr.Zero);
            if (err != IntPtr.Zero)
                throw new InvalidOperationException($"libsoxr: {Marshal.PtrToStringUTF8(err)} ({inputRate} Hz -> {outputRate} Hz)");
        }
        return (long)done == outLength ? output : output.AsSpan(0, (int)done).ToArray();
    }
}
