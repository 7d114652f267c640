using System.Buffers.Binary;
using System.Text;
using SharpAsr.Training;
using Xunit;

namespace SharpAsr.Tests.Training;

/// <summary>Reads TensorBoardWriter's tfevents file with an independent decoder (bitwise CRC32C, hand protobuf parsing).</summary>
public sealed class TensorBoardWriterTests
{
    [Fact]
    public void Crc32CKnownVector()
    {
        Assert.Equal(0xE3069283u, Crc32C.Compute(Encoding.ASCII.GetBytes("123456789")));
        Assert.Equal(0xE3069283u, BitwiseCrc32C(Encoding.ASCII.GetBytes("123456789")));
    }

    [Fact]
    public void EventsFileDecodesToTheWrittenScalars()
    {
        var dir = Directory.CreateTempSubdirectory("sharpasr-tb-").FullName;
        string path;
        using (var w = new TensorBoardWriter(dir))
        {
            w.Scalar("train/loss", 2.5, 10);
            w.Scalar("val/dev/wer", 0.125, 20);
            path = w.Path;
        }
        Assert.StartsWith("events.out.tfevents.", Path.GetFileName(path));
        var events = ReadEvents(File.ReadAllBytes(path));
        Assert.Equal(3, events.Count);
        Assert.Equal("brain.Event:2", events[0].FileVersion);
        Assert.Equal(("train/loss", 2.5f, 10L), (events[1].Tag, events[1].Value, events[1].Step));
        Assert.Equal(("val/dev/wer", 0.125f, 20L), (events[2].Tag, events[2].Value, events[2].Step));
        Assert.All(events, e => Assert.InRange(e.WallTime, 1.6e9, 4e9));
    }

    internal sealed record Event(double WallTime, long Step, string? FileVersion, string? Tag, float Value);

    internal static List<Event> ReadEvents(byte[] file)
    {
        var list = new List<Event>();
        int pos = 0;
        while (pos < file.Length)
        {
            ulong len = BinaryPrimitives.ReadUInt64LittleEndian(file.AsSpan(pos));
            Assert.Equal(Masked(file.AsSpan(pos, 8)), BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(pos + 8)));
            var data = file.AsSpan(pos + 12, (int)len);
            Assert.Equal(Masked(data), BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(pos + 12 + (int)len)));
            list.Add(DecodeEvent(data.ToArray()));
            pos += 12 + (int)len + 4;
        }
        return list;
    }

    static Event DecodeEvent(byte[] b)
    {
        double wall = 0; long step = 0; string? version = null, tag = null; float value = float.NaN;
        foreach (var (field, wire, v, bytes) in Fields(b))
        {
            if (field == 1 && wire == 1) wall = BitConverter.Int64BitsToDouble((long)v);
            else if (field == 2 && wire == 0) step = (long)v;
            else if (field == 3 && wire == 2) version = Encoding.UTF8.GetString(bytes!);
            else if (field == 5 && wire == 2)
                foreach (var (sf, sw, _, sv) in Fields(bytes!))           // Summary.value (repeated)
                {
                    Assert.Equal((1, 2), (sf, sw));
                    foreach (var (vf, vw, vv, vb) in Fields(sv!))           // Summary.Value: tag = 1, simple_value = 2
                        if (vf == 1 && vw == 2) tag = Encoding.UTF8.GetString(vb!);
                        else if (vf == 2 && vw == 5) value = BitConverter.Int32BitsToSingle((int)vv);
                }
            else Assert.Fail($"unexpected Event field {field} (wire {wire})");
        }
        return new Event(wall, step, version, tag, value);
    }

    static IEnumerable<(int Field, int Wire, ulong Value, byte[]? Bytes)> Fields(byte[] b)
    {
        int p = 0;
        ulong Varint()
        {
            ulong r = 0; int shift = 0;
            while (true) { byte x = b[p++]; r |= (ulong)(x & 0x7f) << shift; if (x < 0x80) return r; shift += 7; }
        }
        var result = new List<(int, int, ulong, byte[]?)>();
        while (p < b.Length)
        {
            ulong key = Varint();
            int field = (int)(key >> 3), wire = (int)(key & 7);
            switch (wire)
            {
                case 0: result.Add((field, wire, Varint(), null)); break;
                case 1: result.Add((field, wire, BinaryPrimitives.ReadUInt64LittleEndian(b.AsSpan(p)), null)); p += 8; break;
                case 5: result.Add((field, wire, BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(p)), null)); p += 4; break;
                case 2: int n = (int)Varint(); result.Add((field, wire, 0, b.AsSpan(p, n).ToArray())); p += n; break;
                default: throw new InvalidDataException($"wire type {wire}");
            }
        }
        return result;
    }

    static uint Masked(ReadOnlySpan<byte> data)
    {
        uint c = BitwiseCrc32C(data);
        return ((c >> 15) | (c << 17)) + 0xa282ead8u;
    }

    /// <summary>CRC-32C bit by bit (reflected polynomial 0x82F63B78), independent of the writer's table.</summary>
    static uint BitwiseCrc32C(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (var x in data)
        {
            crc ^= x;
            for (int k = 0; k < 8; k++) crc = (crc >> 1) ^ (0x82F63B78u & (uint)-(int)(crc & 1));
        }
        return ~crc;
    }
}
