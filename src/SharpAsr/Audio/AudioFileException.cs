namespace SharpAsr.Audio;

/// <summary>An audio file could not be read; the message names the file and the reason.</summary>
public sealed class AudioFileException : IOException
{
    public string FilePath { get; }
    public string Reason { get; }

    public AudioFileException(string path, string reason, Exception? inner = null)
        : base($"{path}: {reason}", inner)
    {
        FilePath = path;
        Reason = reason;
    }
}
