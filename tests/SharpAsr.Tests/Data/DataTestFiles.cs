using System.Text;
using SharpAsr.Data;
using SharpAsr.Demo;
using SharpAsr.Text;

namespace SharpAsr.Tests.Data;

/// <summary>Small WAV files, manifests and hand-made tars for the data tests, in a per-process temporary folder.</summary>
internal static class DataTestFiles
{
    public static readonly string Folder = Directory.CreateTempSubdirectory("sharpasr-data-").FullName;

    public static readonly CharTokenizer Tokenizer = new(" abcdefghijklmnopqrstuvwxyz'".Select(c => c.ToString()));

    public static TranscriptEncoder Encoder(UnencodablePolicy policy = UnencodablePolicy.DropLine) => new(Tokenizer, new TextNormalizer(), policy);

    /// <summary>A fresh folder under the test folder.</summary>
    public static string Dir(string name)
    {
        var d = Path.Combine(Folder, name + "-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(d);
        return d;
    }

    /// <summary>16 kHz mono 16-bit WAV of <paramref name="seconds"/> of seeded noise + tone (distinct per seed).</summary>
    public static string Wav(string path, double seconds, int seed)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var rng = new Random(seed);
        var x = new float[(int)(seconds * 16000)];
        for (int i = 0; i < x.Length; i++) x[i] = (float)(0.3 * Math.Sin(2 * Math.PI * (200 + 10 * seed) * i / 16000) + 0.05 * (rng.NextDouble() - 0.5));
        WavWriter.WriteMono16(path, x, 16000);
        return path;
    }

    /// <summary>A manifest of <paramref name="n"/> WAVs in <paramref name="dir"/>/audio/sub{i%2}/ (relative paths), durations 0.2–0.5 s.</summary>
    public static (string Manifest, List<(string Audio, double Duration, string Text)> Rows) Corpus(string dir, int n, int seed = 0)
    {
        var rows = new List<(string, double, string)>();
        var words = new[] { "alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel" };
        for (int i = 0; i < n; i++)
        {
            double d = 0.2 + 0.3 * ((i * 7 + seed) % 10) / 10.0;
            var audio = Wav(Path.Combine(dir, "audio", $"sub{i % 2}", $"utt{i:D3}.wav"), d, seed * 1000 + i);
            rows.Add((audio, d, $"{words[i % 8]} {words[(i * 3 + 1) % 8]}"));
        }
        var manifest = Path.Combine(dir, "train.json");
        ManifestReader.Write(manifest, rows);
        return (manifest, rows);
    }

    /// <summary>A POSIX ustar archive built byte by byte (so a test can put in it what no well-behaved tool writes).</summary>
    public static byte[] Ustar(params (string Name, byte[] Data, char Type)[] members)
    {
        var ms = new MemoryStream();
        foreach (var (name, data, type) in members)
        {
            var h = new byte[512];
            void Put(int offset, string s) => Encoding.ASCII.GetBytes(s).CopyTo(h, offset);
            Put(0, name);
            Put(100, "0000644\0");
            Put(108, "0000000\0");
            Put(116, "0000000\0");
            Put(124, Convert.ToString(data.Length, 8).PadLeft(11, '0') + "\0");
            Put(136, "00000000000\0");
            h[156] = (byte)type;
            Put(257, "ustar\0");
            Put(263, "00");
            for (int i = 148; i < 156; i++) h[i] = (byte)' ';
            int sum = h.Sum(b => b);
            Put(148, Convert.ToString(sum, 8).PadLeft(6, '0') + "\0 ");
            ms.Write(h);
            ms.Write(data);
            ms.Write(new byte[(512 - data.Length % 512) % 512]);
        }
        ms.Write(new byte[1024]);
        return ms.ToArray();
    }

    /// <summary>A tar of the members in the given order (a WebDataset shard when audio and .txt alternate), written as GNU tar writes it.</summary>
    public static string Tar(string path, IEnumerable<(string Name, byte[] Data)> members)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        using var stream = File.Create(path);
        using var tar = new System.Formats.Tar.TarWriter(stream, System.Formats.Tar.TarEntryFormat.Gnu);
        foreach (var (name, data) in members)
            tar.WriteEntry(new System.Formats.Tar.GnuTarEntry(System.Formats.Tar.TarEntryType.RegularFile, name) { DataStream = new MemoryStream(data) });
        return path;
    }

    /// <summary>WebDataset members of manifest rows: KEY.ext (the audio file's name) then KEY.txt (its transcript).</summary>
    public static IEnumerable<(string Name, byte[] Data)> Pairs(IEnumerable<(string Audio, string Text)> rows) =>
        rows.SelectMany(r => new[]
        {
            (Path.GetFileName(r.Audio), File.ReadAllBytes(r.Audio)),
            (Path.GetFileNameWithoutExtension(r.Audio) + ".txt", Encoding.UTF8.GetBytes(r.Text + "\n")),
        });
}
