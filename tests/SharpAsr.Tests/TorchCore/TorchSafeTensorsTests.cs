using System.Diagnostics;
using System.Text.Json;
using SharpTorch;
using SharpTorch.Serialization;
using Xunit;

namespace SharpAsr.Tests.TorchCore;

/// <summary>
/// safetensors compatibility with Python: the fixture made by data/torch/safetensors_format.py loads
/// with exact values and re-serializes to the same bytes; a file written here passes that script's
/// checked parser and comes back byte-identical; every dtype round-trips bit-exactly.
/// </summary>
public class TorchSafeTensorsTests
{
    const string Python = "/usr/bin/python3";
    static readonly string DataDir = Path.Combine(AppContext.BaseDirectory, "data", "torch");
    static string FixturePath => Path.Combine(DataDir, "fixture.safetensors");

    // float → bfloat16 bits with round-to-nearest-even, as torch converts
    static ushort Bf16Bits(float f)
    {
        uint bits = BitConverter.SingleToUInt32Bits(f);
        return (ushort)((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16);
    }

    [Fact]
    public void LoadsPythonFixtureWithExactValues()
    {
        using var scope = Torch.NewScope();
        var (t, meta) = SafeTensors.Read(FixturePath);
        Assert.Equal("pt", meta["format"]);
        Assert.Equal("made by safetensors_format.py \"fixture\"", meta["note"]);
        Assert.Equal(11, t.Count);

        // torch.randn(3, 4, generator=Generator().manual_seed(7)) in Python: the same CPU generator here
        using var g = new Generator(7);
        var expectedWeight = Torch.Randn(new long[] { 3, 4 }, g);
        Assert.Equal(new long[] { 3, 4 }, t["encoder.weight"].Shape);
        Assert.Equal(expectedWeight.ToArray<float>(), t["encoder.weight"].ToArray<float>());
        Assert.Equal(new[] { 0.5f, -1.25f, 3.0e-8f, 65504f }, t["encoder.bias"].ToArray<float>());

        Assert.Equal(DType.Float16, t["half"].DType);
        Assert.Equal(new long[] { 2, 2 }, t["half"].Shape);
        Assert.Equal(new[] { 1f, -2.5f, MathF.Pow(2, -14), 65504f }, t["half"].ToFloatArray());
        Assert.Equal(new[] { (Half)1, (Half)(-2.5), (Half)Math.Pow(2, -14), Half.MaxValue }, t["half"].ToArray<Half>());

        Assert.Equal(DType.BFloat16, t["brain"].DType);
        Assert.Equal(new[] { 1f, -2.5f, 3.140625f, 1e30f }.Select(Bf16Bits).ToArray(), t["brain"].ToArray<ushort>());

        Assert.Equal(new[] { 1.0 / 3.0, -1e-300, Math.Pow(2, 60) }, t["double"].ToArray<double>());
        Assert.Equal(new[] { 0L, -1, 1L << 62, -(1L << 62) }, t["steps"].ToArray<long>());
        Assert.Equal(DType.Int32, t["lengths"].DType);
        Assert.Equal(new long[] { 1, 3 }, t["lengths"].Shape);
        Assert.Equal(new[] { 7, -8, int.MaxValue }, t["lengths"].ToArray<int>());
        Assert.Equal(DType.Bool, t["mask"].DType);
        Assert.Equal(new byte[] { 1, 0, 0, 1, 1 }, t["mask"].ToArray<byte>());
        Assert.Equal(DType.UInt8, t["bytes"].DType);
        Assert.Equal(new byte[] { 0, 1, 127, 255 }, t["bytes"].ToArray<byte>());
        Assert.Empty(t["scalar"].Shape);
        Assert.Equal(2.75, t["scalar"].Item());
        Assert.Equal(new long[] { 0, 3 }, t["empty"].Shape);
    }

    [Fact]
    public void RewritingPythonFixtureGivesTheSameBytes()
    {
        using var scope = Torch.NewScope();
        var original = File.ReadAllBytes(FixturePath);
        var (t, meta) = SafeTensors.Read(new MemoryStream(original));
        var ms = new MemoryStream();
        SafeTensors.Save(t, ms, meta);
        Assert.Equal(original, ms.ToArray());
    }

    /// <summary>One tensor of every dtype with arbitrary bit patterns (NaN payloads, subnormals included).</summary>
    static Dictionary<string, Tensor> EveryDType()
    {
        var rng = new Random(11);
        Tensor Bits(DType dt, params long[] shape)
        {
            long n = shape.Aggregate(1L, (a, b) => a * b);
            var bytes = new byte[n * dt.ElementSize()];
            rng.NextBytes(bytes);
            if (dt == DType.Bool) for (int i = 0; i < bytes.Length; i++) bytes[i] &= 1;
            return Torch.FromBytes(bytes, shape, dt);
        }
        return new Dictionary<string, Tensor>
        {
            ["model.f32"] = Bits(DType.Float32, 3, 5),
            ["model.f16"] = Bits(DType.Float16, 7),
            ["model.bf16"] = Bits(DType.BFloat16, 2, 3),
            ["model.f64"] = Bits(DType.Float64, 4),
            ["opt.i64"] = Bits(DType.Int64, 2, 2),
            ["opt.i32"] = Bits(DType.Int32, 5),
            ["opt.i16"] = Bits(DType.Int16, 3),
            ["opt.i8"] = Bits(DType.Int8, 3),
            ["mask"] = Bits(DType.Bool, 9),
            ["bytes"] = Bits(DType.UInt8, 1, 13),
            ["scalar"] = Bits(DType.Float32),
            ["empty"] = Bits(DType.Float16, 0, 4),
            ["ünïcode \"quoted\"\n"] = Bits(DType.Float32, 1),
            // a non-contiguous view is written as its logical (contiguous) contents
        };
    }

    [Fact]
    public void EveryDTypeRoundTripsBitExactly()
    {
        using var scope = Torch.NewScope();
        var tensors = EveryDType();
        var transposed = Torch.Arange(0, 12, 1, DType.Float32).View(3, 4).T();
        tensors["transposed"] = transposed;
        var meta = new Dictionary<string, string> { ["b"] = "2", ["a"] = "é\t\u0001" };
        var ms = new MemoryStream();
        SafeTensors.Save(tensors, ms, meta);
        var bytes = ms.ToArray();
        Assert.Equal(0, (BitConverter.ToInt64(bytes, 0) + 8) % 8); // data starts 8-byte aligned

        var (back, backMeta) = SafeTensors.Read(new MemoryStream(bytes));
        Assert.Equal(meta, backMeta);
        Assert.Equal(tensors.Keys.OrderBy(k => k), back.Keys.OrderBy(k => k));
        foreach (var (name, t) in tensors)
        {
            Assert.Equal(t.DType, back[name].DType);
            Assert.Equal(t.Shape, back[name].Shape);
            Assert.Equal(t.ToBytes(), back[name].ToBytes());
        }
        Assert.Equal(new float[] { 0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11 }, back["transposed"].ToArray<float>());
        var again = new MemoryStream();
        SafeTensors.Save(back, again, backMeta);
        Assert.Equal(bytes, again.ToArray());
    }

    [Fact]
    public void FileWrittenHereParsesInPython()
    {
        if (!File.Exists(Python)) return; // the reference interpreter is part of set-up; without it this check cannot run
        using var scope = Torch.NewScope();
        var tensors = EveryDType();
        tensors.Remove("opt.i16"); // the Python script's JSON dump covers the dtypes a checkpoint uses
        var dir = Directory.CreateTempSubdirectory("sharptorch-st-");
        try
        {
            var mine = Path.Combine(dir.FullName, "mine.safetensors");
            var theirs = Path.Combine(dir.FullName, "theirs.safetensors");
            var meta = new Dictionary<string, string> { ["format"] = "pt" };
            SafeTensors.Save(tensors, mine, meta);
            var psi = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in new[] { Path.Combine(DataDir, "safetensors_format.py"), "roundtrip", mine, theirs }) psi.ArgumentList.Add(a);
            using var p = Process.Start(psi)!;
            var stdout = p.StandardOutput.ReadToEnd();
            var stderr = p.StandardError.ReadToEnd();
            p.WaitForExit();
            Assert.True(p.ExitCode == 0, "python parser rejected the file: " + stderr);
            Assert.Equal(File.ReadAllBytes(mine), File.ReadAllBytes(theirs));

            using var doc = JsonDocument.Parse(stdout);
            Assert.Equal("pt", doc.RootElement.GetProperty("metadata").GetProperty("format").GetString());
            var parsed = doc.RootElement.GetProperty("tensors");
            foreach (var (name, t) in tensors)
            {
                var e = parsed.GetProperty(name);
                Assert.Equal(SafeTensors.CodeOf(t.DType), e.GetProperty("dtype").GetString());
                Assert.Equal(t.Shape, e.GetProperty("shape").EnumerateArray().Select(x => x.GetInt64()));
                // floats come as the bits of their float64 value (JSON has no NaN)
                var values = e.GetProperty("values").EnumerateArray().Select(v => v.GetInt64());
                var expected = t.DType.IsFloatingPoint() ? t.ToDoubleArray().Select(BitConverter.DoubleToInt64Bits).ToArray() : t.ToLongArray();
                Assert.Equal(expected, values);
            }
        }
        finally { dir.Delete(true); }
    }

    [Fact]
    public void CorruptFilesRaiseErrorsNamingTheProblem()
    {
        using var scope = Torch.NewScope();
        var good = File.ReadAllBytes(FixturePath);
        var truncated = good.AsSpan(0, good.Length - 3).ToArray();
        var ex = Assert.Throws<InvalidDataException>(() => SafeTensors.Read(new MemoryStream(truncated), "model.safetensors"));
        Assert.Contains("model.safetensors", ex.Message);

        var badDtype = (byte[])good.Clone();
        var text = System.Text.Encoding.UTF8.GetString(badDtype);
        int at = text.IndexOf("\"BF16\"", StringComparison.Ordinal);
        System.Text.Encoding.UTF8.GetBytes("\"XF16\"").CopyTo(badDtype, at);
        ex = Assert.Throws<InvalidDataException>(() => SafeTensors.Read(new MemoryStream(badDtype), "x.safetensors"));
        Assert.Contains("'brain'", ex.Message);
        Assert.Contains("XF16", ex.Message);

        ex = Assert.Throws<InvalidDataException>(() => SafeTensors.Read(new MemoryStream(new byte[] { 1, 2, 3 }), "tiny"));
        Assert.Contains("tiny", ex.Message);
    }
}
