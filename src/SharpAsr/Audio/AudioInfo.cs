namespace SharpAsr.Audio;

/// <summary>What a file holds, from its header: rate, channels, frames (samples per channel) and duration in seconds.</summary>
public sealed record AudioInfo(string Path, int SampleRate, int Channels, long Frames, string Format)
{
    public double Duration => SampleRate > 0 ? (double)Frames / SampleRate : 0;
}
