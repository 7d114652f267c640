namespace SharpTorch;

/// <summary>
/// The CPU's instruction-set flags as /proc/cpuinfo lists them (empty where there is no such file), for choices that
/// depend on what the CPU runs natively: OpenBLAS's kernel set (<see cref="BlasCore"/>), train.precision bf16.
/// </summary>
public static class CpuFlags
{
    static readonly Lazy<IReadOnlySet<string>> s_flags = new(Read);

    public static IReadOnlySet<string> Flags => s_flags.Value;

    /// <summary>
    /// bf16 dot products in hardware (AVX-512 BF16 or AMX): oneDNN's bf16 convolutions then take about half the time
    /// of fp32 ones. Without them oneDNN emulates bf16 on AVX-512 (2.5× slower than fp32 on a Zen 4 limited to
    /// AVX512_CORE) and has no bf16 convolution below it.
    /// </summary>
    public static bool HasNativeBf16(IReadOnlySet<string> flags) => flags.Contains("avx512_bf16") || flags.Contains("amx_bf16");

    /// <summary>The flags of a cpuinfo "flags : …" line.</summary>
    public static IReadOnlySet<string> Parse(string flagsLine) =>
        flagsLine[(flagsLine.IndexOf(':') + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet();

    static IReadOnlySet<string> Read()
    {
        try
        {
            if (!OperatingSystem.IsLinux()) return new HashSet<string>();
            var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("flags", StringComparison.Ordinal));
            return line is null ? new HashSet<string>() : Parse(line);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new HashSet<string>();
        }
    }
}
