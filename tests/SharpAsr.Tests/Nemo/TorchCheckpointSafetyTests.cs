using System.IO.Compression;
using System.Text;
using SharpTorch;
using SharpTorch.Serialization;
using Xunit;

namespace SharpAsr.Tests.Nemo;

/// <summary>
/// Malicious checkpoints are refused by the name of the global they reach for, and nothing runs: each pickle would
/// create a marker file if any of it were executed (as Python's pickle.load would do), and the marker never appears.
/// </summary>
public class TorchCheckpointSafetyTests
{
    static readonly string Marker = Path.Combine(Path.GetTempPath(), $"sharpasr-pwned-{Environment.ProcessId}");

    static byte[] B(string s) => Encoding.Latin1.GetBytes(s);

    static byte[] Cat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();

    static byte[] Utf(string s) => Cat(new byte[] { 0x8c, (byte)s.Length }, B(s));   // SHORT_BINUNICODE

    public static IEnumerable<object[]> Pickles()
    {
        var cmd = $"touch {Marker}";
        // protocol 0: GLOBAL os.system, a quoted string, TUPLE, REDUCE
        yield return new object[] { "os.system", B($"cos\nsystem\n(S'{cmd}'\ntR.") };
        // protocol 2: posix.system (what os.system pickles as on Linux), TUPLE1, REDUCE
        yield return new object[] { "posix.system", Cat(B("\u0080\u0002cposix\nsystem\n"), Utf(cmd), B("\u0085R.")) };
        // builtins.eval of Python source
        yield return new object[] { "builtins.eval", Cat(B("\u0080\u0002cbuiltins\neval\n"), Utf($"__import__('os').system('{cmd}')"), B("\u0085R.")) };
        // protocol 4: STACK_GLOBAL builds the name from strings on the stack
        yield return new object[] { "os.system", Cat(B("\u0080\u0004"), Utf("os"), Utf("system"), B("\u0093"), Utf(cmd), B("\u0085R.")) };
        // INST: instantiate subprocess.Popen with the command
        yield return new object[] { "subprocess.Popen", B($"(S'{cmd}'\nisubprocess\nPopen\n.") };
        // an unknown global inside an otherwise normal state dict
        yield return new object[] { "torch.storage._load_from_bytes",
            Cat(B("\u0080\u0002ccollections\nOrderedDict\n)R("), Utf("w"), B("ctorch.storage\n_load_from_bytes\n"), Utf("xx"), B("\u0085Ru.")) };
        yield return new object[] { "numpy.core.multiarray._reconstruct", B("\u0080\u0002cnumpy.core.multiarray\n_reconstruct\n)R.") };
    }

    [Theory]
    [MemberData(nameof(Pickles))]
    public void MaliciousPickleIsRefusedAndNothingRuns(string global, byte[] pickle)
    {
        File.Delete(Marker);
        var path = Path.Combine(Path.GetTempPath(), $"evil-{Guid.NewGuid():N}.ckpt");
        try
        {
            using (var zip = ZipFile.Open(path, ZipArchiveMode.Create))
            {
                using (var s = zip.CreateEntry("archive/data.pkl").Open()) s.Write(pickle);
                using (var s = zip.CreateEntry("archive/version").Open()) s.Write(B("3\n"));
            }
            var e = Assert.Throws<InvalidDataException>(() => TorchCheckpoint.Load(path));
            Assert.Contains($"refused global '{global}'", e.Message);
            Assert.Contains(path, e.Message);
            Assert.False(File.Exists(Marker), "a pickle's code ran");
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void BuildOnNonDictAndTruncatedPicklesAreRefused()
    {
        var u = new Unpickler(new Dictionary<string, Unpickler.GlobalCall> { ["collections.OrderedDict"] = _ => new PickleDict() }, _ => null, "test");
        // an allowed global may be called, but BUILD on anything but a dict (setting object state) is refused
        var e = Assert.Throws<InvalidDataException>(() => u.Load(B("\u0080\u0002]ccollections\nOrderedDict\n)Rb.")));
        Assert.Contains("BUILD", e.Message);
        var trunc = Assert.Throws<InvalidDataException>(() => u.Load(B("\u0080\u0002X\u00ff\u0000\u0000\u0000ab")));
        Assert.Contains("test", trunc.Message);
    }

    [Fact]
    public void PlainPickleValuesComeBackAsTheirCSharpForms()
    {
        var u = new Unpickler(new Dictionary<string, Unpickler.GlobalCall>(), _ => null, "test");
        // {'a': [1, -2, 3.5, None, True], 'b': (b'xy', 'z')} in protocol 2, with a memo get
        var bytes = Cat(B("\u0080\u0002}q\u0000("), Utf("a"), B("]q\u0001(K\u0001J\u00fe\u00ff\u00ff\u00ffG@\u000c\u0000\u0000\u0000\u0000\u0000\u0000N\u0088e"),
            Utf("b"), B("C\u0002xy"), Utf("z"), B("\u0086u."));
        var d = Assert.IsType<PickleDict>(u.Load(bytes));
        Assert.True(d.TryGet("a", out var a));
        Assert.Equal(new object?[] { 1L, -2L, 3.5, null, true }, Assert.IsType<List<object?>>(a));
        Assert.True(d.TryGet("b", out var b));
        var t = Assert.IsType<object?[]>(b);
        Assert.Equal(B("xy"), t[0]);
        Assert.Equal("z", t[1]);
    }
}
