using SharpAsr.Demo;
using Xunit;

namespace SharpAsr.Tests.Demo;

/// <summary>The demo corpus is the same bytes every time it is made: demo runs are then comparable run to run.</summary>
public class DemoCorpusTests
{
    [Fact]
    public void TwoSynthesesGiveIdenticalAudioAndManifests()
    {
        var root = Directory.CreateTempSubdirectory("sharpasr-corpus-").FullName;
        try
        {
            var options = new DemoCorpusOptions { TrainUtterances = 6, DevUtterances = 1, TestUtterances = 1, Parallelism = 2 };
            var a = DemoCorpus.Generate(Path.Combine(root, "a"), options);
            var b = DemoCorpus.Generate(Path.Combine(root, "b"), options);
            Assert.False(a.Cached);
            Assert.Equal(File.ReadAllText(a.TrainManifest), File.ReadAllText(b.TrainManifest));
            var files = Directory.GetFiles(Path.Combine(root, "a", "audio"), "*.wav", SearchOption.AllDirectories);
            Assert.Equal(8, files.Length);
            foreach (var file in files)
            {
                var twin = Path.Combine(root, "b", Path.GetRelativePath(Path.Combine(root, "a"), file));
                Assert.True(File.ReadAllBytes(file).AsSpan().SequenceEqual(File.ReadAllBytes(twin)), $"{Path.GetFileName(file)} differs between syntheses");
            }
            Assert.True(DemoCorpus.Generate(Path.Combine(root, "a"), options).Cached);
        }
        finally { Directory.Delete(root, true); }
    }
}
