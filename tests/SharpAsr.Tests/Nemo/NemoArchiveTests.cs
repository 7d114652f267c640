using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using SharpAsr.Nemo;
using Xunit;

namespace SharpAsr.Tests.Nemo;

/// <summary>.nemo archives: gzipped ones read; traversal, absolute and link entries are refused by name; unsupported configs name their key.</summary>
public class NemoArchiveTests
{
    static string Temp(string name) => Path.Combine(Path.GetTempPath(), $"{Guid.NewGuid():N}-{name}");

    static void WriteTar(string path, params (string Name, byte[] Data)[] files)
    {
        using var f = File.Create(path);
        using var tar = new TarWriter(f, TarEntryFormat.Gnu);
        foreach (var (name, data) in files)
            tar.WriteEntry(new GnuTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(data) });
    }

    [Fact]
    public void GzippedNemoImports()
    {
        var path = Temp("small.nemo");
        try
        {
            using (var src = File.OpenRead(NemoImportTests.SmallNemo))
            using (var dst = new GZipStream(File.Create(path), CompressionLevel.Fastest)) src.CopyTo(dst);
            using var import = NemoImporter.Import(path);
            Assert.True(import.Report.IsComplete, import.Report.ToString());
        }
        finally { File.Delete(path); }
    }

    [Theory]
    [InlineData("../evil.txt", "'..'")]
    [InlineData("./a/../../evil.txt", "'..'")]
    [InlineData("/etc/evil.txt", "absolute path")]
    public void EscapingEntriesAreRefused(string entry, string why)
    {
        var path = Temp("evil.nemo");
        try
        {
            WriteTar(path, ("./model_config.yaml", Encoding.UTF8.GetBytes("a: 1\n")), (entry, Encoding.UTF8.GetBytes("x")));
            var e = Assert.Throws<InvalidDataException>(() => NemoArchive.Open(path));
            Assert.Contains(path, e.Message);
            Assert.Contains($"'{entry}'", e.Message);
            Assert.Contains(why, e.Message);
            Assert.False(File.Exists(Path.Combine(Path.GetTempPath(), "evil.txt")));
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void LinkEntriesAreRefused()
    {
        var path = Temp("link.nemo");
        try
        {
            using (var f = File.Create(path))
            using (var tar = new TarWriter(f, TarEntryFormat.Gnu))
                tar.WriteEntry(new GnuTarEntry(TarEntryType.SymbolicLink, "./model_weights.ckpt") { LinkName = "/etc/passwd" });
            var e = Assert.Throws<InvalidDataException>(() => NemoArchive.Open(path));
            Assert.Contains("SymbolicLink", e.Message);
        }
        finally { File.Delete(path); }
    }

    [Theory]
    [InlineData("att_context_size: [-1, -1]", "att_context_size: [70, 13]", "encoder.att_context_size")]
    [InlineData("conv_norm_type: batch_norm", "conv_norm_type: layer_norm", "encoder.conv_norm_type")]
    [InlineData("frame_splicing: 1", "frame_splicing: 3", "preprocessor.frame_splicing")]
    [InlineData("activation: relu", "activation: sigmoid", "joint.jointnet.activation")]
    [InlineData("vocab_size: 32", "vocab_size: 64", "decoder.vocab_size")]
    public void UnsupportedConfigNamesTheKey(string from, string to, string key)
    {
        var path = Temp("changed.nemo");
        try
        {
            using (var archive = NemoArchive.Open(NemoImportTests.SmallNemo))
            {
                var files = archive.Files.Select(kv => ("./" + kv.Key, File.ReadAllBytes(kv.Value))).ToArray();
                for (int i = 0; i < files.Length; i++)
                    if (files[i].Item1.EndsWith(NemoArchive.ConfigName))
                    {
                        var text = Encoding.UTF8.GetString(files[i].Item2);
                        Assert.Contains(from, text);
                        files[i].Item2 = Encoding.UTF8.GetBytes(text.Replace(from, to));
                    }
                WriteTar(path, files);
            }
            var e = Assert.Throws<InvalidDataException>(() => NemoImporter.Import(path));
            Assert.Contains(key, e.Message);
            Assert.Contains(path, e.Message);
        }
        finally { File.Delete(path); }
    }
}
