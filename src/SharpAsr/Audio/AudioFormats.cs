namespace SharpAsr.Audio;

/// <summary>Names libsndfile's format codes (container major type | sample encoding) for AudioInfo.Format.</summary>
internal static class AudioFormats
{
    static readonly Dictionary<int, string> Containers = new()
    {
        [0x010000] = "WAV", [0x020000] = "AIFF", [0x030000] = "AU", [0x040000] = "RAW", [0x060000] = "W64",
        [0x130000] = "WAVEX", [0x170000] = "FLAC", [0x180000] = "CAF", [0x200000] = "OGG", [0x220000] = "RF64",
        [0x230000] = "MPEG",
    };

    static readonly Dictionary<int, string> Encodings = new()
    {
        [0x0001] = "PCM_S8", [0x0002] = "PCM_16", [0x0003] = "PCM_24", [0x0004] = "PCM_32", [0x0005] = "PCM_U8",
        [0x0006] = "FLOAT", [0x0007] = "DOUBLE", [0x0010] = "ULAW", [0x0011] = "ALAW", [0x0012] = "IMA_ADPCM",
        [0x0013] = "MS_ADPCM", [0x0020] = "GSM610", [0x0060] = "VORBIS",
        [0x0064] = "OPUS", [0x0082] = "MPEG_LAYER_III",
    };

    public static string Describe(int format)
    {
        int major = format & 0x0FFF0000, sub = format & 0xFFFF;
        string c = Containers.TryGetValue(major, out var cn) ? cn : $"0x{major:X}";
        string e = Encodings.TryGetValue(sub, out var en) ? en : $"0x{sub:X}";
        return $"{c}/{e}";
    }
}
