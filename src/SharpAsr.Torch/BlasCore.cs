using System.Runtime.InteropServices;

namespace SharpTorch;

/// <summary>
/// Picks OpenBLAS's kernel set from the CPU's instruction-set flags before libtorch (and with it OpenBLAS) loads.
/// Why: OpenBLAS chooses kernels by CPU model, and a build older than the CPU falls back to its generic SSE3
/// "Prescott" kernels — Debian 12's OpenBLAS 0.3.21 does so on Sapphire Rapids, making every sgemm ~5× and a
/// tiny training step 2× slower. The flags say what the CPU can run whatever its model, so we name the matching
/// kernel set (what OpenBLAS would pick on a model it knows). A user's own OPENBLAS_CORETYPE always wins;
/// SHARPASR_OPENBLAS_CORETYPE=off leaves OpenBLAS to its own detection.
/// </summary>
public static class BlasCore
{
    /// <summary>The kernel set chosen here (null when left to OpenBLAS), for logs.</summary>
    public static string? Chosen { get; private set; }

    /// <summary>The kernel set in force, for logs: chosen here, the user's OPENBLAS_CORETYPE, or OpenBLAS's own detection.</summary>
    public static string Describe() =>
        Chosen ?? (Marshal.PtrToStringUTF8(getenv("OPENBLAS_CORETYPE")) is { Length: > 0 } own ? $"{own} (OPENBLAS_CORETYPE)" : "as OpenBLAS detects");

    /// <summary>OpenBLAS's core name for a set of /proc/cpuinfo flags: Cooperlake, SkylakeX, Haswell or null.</summary>
    public static string? ForFlags(IReadOnlySet<string> flags)
    {
        bool avx512 = flags.Contains("avx512f") && flags.Contains("avx512bw") && flags.Contains("avx512vl") && flags.Contains("avx512dq");
        if (avx512 && flags.Contains("avx512_bf16")) return "Cooperlake";
        if (avx512) return "SkylakeX";
        if (flags.Contains("avx2") && flags.Contains("fma")) return "Haswell";
        return null;
    }

    /// <summary>Sets OPENBLAS_CORETYPE in the process environment (the C one that OpenBLAS reads) if nobody has.</summary>
    internal static void Configure()
    {
        if (!OperatingSystem.IsLinux()) return;
        try
        {
            var mode = Environment.GetEnvironmentVariable("SHARPASR_OPENBLAS_CORETYPE");
            if (string.Equals(mode, "off", StringComparison.OrdinalIgnoreCase)) return;
            if (!string.IsNullOrEmpty(Marshal.PtrToStringUTF8(getenv("OPENBLAS_CORETYPE")))) return;
            var core = ForFlags(CpuFlags.Flags);
            // .NET keeps its own copy of the environment on Unix; only libc's setenv reaches OpenBLAS's getenv.
            if (core != null && setenv("OPENBLAS_CORETYPE", core, 0) == 0) Chosen = core;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // no libc symbols: OpenBLAS detects the CPU itself, as it always would
        }
    }

    [DllImport("libc", CharSet = CharSet.Ansi)] static extern IntPtr getenv(string name);
    [DllImport("libc", CharSet = CharSet.Ansi)] static extern int setenv(string name, string value, int overwrite);
}
