using System.Text;

namespace SharpAsr.Data.Tarred;

/// <summary>One utterance of a WebDataset shard: an audio member and its transcript member, which share a key.</summary>
/// <param name="Position">1-based number of the utterance in its tar (for messages: the tar's "line").</param>
public sealed record WebDatasetPair(string Tar, string Key, int Position, string AudioMember, byte[] Audio, string TranscriptMember, string Transcript)
{
    public string Where => $"{Tar}:{AudioMember}";
}

/// <summary>
/// Groups a tar's members into WebDataset samples as caiman reads its <c>--train_tar_files</c>: a sample is a run of
/// adjacent members with the same key, the key being the member's path without its extension, after any further
/// dots in the file name are turned into '_' (caiman's rule, since WebDataset would otherwise cut the key at the first
/// dot: <c>a.b.flac</c> and <c>a.b.txt</c> are the sample <c>a_b</c>). Each sample must hold exactly one audio member
/// and one <c>.txt</c> transcript (UTF-8); anything else — a lone audio or transcript (often a pair written apart:
/// the tar must hold them next to each other), two audio files under one key, a member of another type — stops the
/// read with a message naming the tar and the member, as caiman refuses them too.
/// </summary>
public static class WebDatasetPairing
{
    /// <summary>caiman reads .flac and .wav; the others are what libsndfile decodes as well.</summary>
    public static readonly IReadOnlySet<string> AudioExtensions = new HashSet<string> { ".flac", ".wav", ".ogg", ".opus", ".mp3" };
    public const string TranscriptExtension = ".txt";

    /// <summary>(key, extension) of a member name: "dir/a.b.FLAC" → ("dir/a_b", ".flac").</summary>
    public static (string Key, string Extension) Split(string member)
    {
        int slash = member.LastIndexOf('/');
        string dir = member[..(slash + 1)], file = member[(slash + 1)..];
        int dot = file.LastIndexOf('.');
        if (dot <= 0) return (dir + file, "");
        return (dir + file[..dot].Replace('.', '_'), file[dot..].ToLowerInvariant());
    }

    public static IEnumerable<WebDatasetPair> Pairs(IEnumerable<TarMember> members)
    {
        var group = new List<TarMember>();
        string? key = null;
        int position = 0;
        foreach (var m in members)
        {
            var (k, _) = Split(m.Name);
            if (key is not null && k != key)
            {
                yield return Pair(group, key, ++position);
                group.Clear();
            }
            key = k;
            group.Add(m);
        }
        if (key is not null) yield return Pair(group, key, ++position);
    }

    static WebDatasetPair Pair(List<TarMember> group, string key, int position)
    {
        var tar = group[0].Tar;
        TarMember? audio = null, transcript = null;
        foreach (var m in group)
        {
            var ext = Split(m.Name).Extension;
            if (ext == TranscriptExtension)
            {
                if (transcript is not null) throw new TarredDataException($"{tar}: '{m.Name}' and '{transcript.Name}' are two transcripts of the sample '{key}'");
                transcript = m;
            }
            else if (AudioExtensions.Contains(ext))
            {
                if (audio is not null) throw new TarredDataException($"{tar}: '{m.Name}' and '{audio.Name}' are two audio files of the sample '{key}'; keep one");
                audio = m;
            }
            else
                throw new TarredDataException($"{tar}: member '{m.Name}' is neither audio ({string.Join(", ", AudioExtensions)}) nor a {TranscriptExtension} transcript");
        }
        if (audio is null)
            throw new TarredDataException($"{tar}: transcript '{transcript!.Name}' has no audio member with the key '{key}' next to it " +
                "(each audio file and its .txt must be adjacent in the tar; list the order with: tar tf FILE)");
        if (transcript is null)
            throw new TarredDataException($"{tar}: audio '{audio.Name}' has no transcript '{key}{TranscriptExtension}' next to it " +
                "(each audio file and its .txt must be adjacent in the tar; list the order with: tar tf FILE)");
        string text;
        try { text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(transcript.Data); }
        catch (DecoderFallbackException) { throw new TarredDataException($"{tar}: transcript '{transcript.Name}' is not UTF-8 text"); }
        return new WebDatasetPair(tar, key, position, audio.Name, audio.Data, transcript.Name, text.Trim());
    }
}
