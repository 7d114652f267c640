namespace SharpAsr.Data;

/// <summary>
/// Combines integers into a seed that is the same in every process (SplitMix64 finaliser). Not
/// <see cref="HashCode.Combine{T1,T2}"/>: that is randomised per process, so a resumed run would see another
/// batch order and other dither noise than the run it continues.
/// </summary>
public static class SeedMix
{
    public static int Combine(params long[] values)
    {
        ulong h = 0x9E3779B97F4A7C15UL;
        foreach (var v in values) h = Mix(h ^ (ulong)v);
        return (int)(h & 0x7fffffff);
    }

    static ulong Mix(ulong z)
    {
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
