using System.Buffers.Binary;
using System.Text;

namespace SharpAsr.Training;

/// <summary>
/// Writes TensorBoard event files (tfevents): length-prefixed records with masked CRC32C checksums,
/// each an Event protobuf (wall_time, step, and a Summary of tag → simple_value scalars). Encoded
/// by hand: three small messages do not justify a protobuf dependency.
/// </summary>
public sealed class TensorBoardWriter : IDisposable
{
    readonly FileStream _file;
    public string Path { get; }

    public TensorBoardWriter(string dir)
    {
        Directory.CreateDirectory(dir);
        long seconds = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        Path = System.IO.Path.Combine(dir, $"events.out.tfevents.{seconds}.{Environment.MachineName}.{Environment.ProcessId}");
        _file = new FileStream(Path, FileMode.Append, FileAccess.Write, FileShare.Read);
        // first record: the file version, as TensorFlow's writer does
        var e = new ProtoWriter();
        e.Double(1, NowSeconds());
        e.String(3, "brain.Event:2");
        WriteRecord(e.ToArray());
    }

    static double NowSeconds() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;

    public void Scalar(string tag, double value, long step)
    {
        var v = new ProtoWriter();
        v.String(1, tag);
        v.Float(2, (float)value);
        var summary = new ProtoWriter();
        summary.Message(1, v.ToArray());
        var e = new ProtoWriter();
        e.Double(1, NowSeconds());
        e.Varint(2, (ulong)step);
        e.Message(5, summary.ToArray());
        WriteRecord(e.ToArray());
    }

    void WriteRecord(byte[] data)
    {
        Span<byte> header = stackalloc byte[12];
        BinaryPrimitives.WriteUInt64LittleEndian(header, (ulong)data.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(header[8..], Crc32C.Masked(header[..8]));
        _file.Write(header);
        _file.Write(data);
        Span<byte> footer = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(footer, Crc32C.Masked(data));
        _file.Write(footer);
    }

    public void Flush() => _file.Flush();
    public void Dispose() => _file.Dispose();
}

/// <summary>The few protobuf encodings an Event needs.</summary>
internal sealed class ProtoWriter
{
    readonly MemoryStream _s = new();

    void Tag(int field, int wireType) => Raw((ulong)((field << 3) | wireType));

    void Raw(ulong v)
    {
        while (v >= 0x80)
        {
            _s.WriteByte((byte)(v | 0x80));
            v >>= 7;
        }
        _s.WriteByte((byte)v);
    }

    public void Varint(int field, ulong v)
    {
        Tag(field, 0);
        Raw(v);
    }

    public void Double(int field, double v)
    {
        Tag(field, 1);
        Span<byte> b = stackalloc byte[8];
        BinaryPrimitives.WriteDoubleLittleEndian(b, v);
        _s.Write(b);
    }

    public void Float(int field, float v)
    {
        Tag(field, 5);
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteSingleLittleEndian(b, v);
        _s.Write(b);
    }

    public void String(int field, string s) => Message(field, Encoding.UTF8.GetBytes(s));

    public void Message(int field, byte[] bytes)
    {
        Tag(field, 2);
        Raw((ulong)bytes.Length);
        _s.Write(bytes);
    }

    public byte[] ToArray() => _s.ToArray();
}

/// <summary>CRC-32C (Castagnoli), and TensorFlow's masking of it for record framing.</summary>
public static class Crc32C
{
    static readonly uint[] Table = Enumerable.Range(0, 256).Select(i =>
    {
        uint c = (uint)i;
        for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0x82F63B78u ^ (c >> 1) : c >> 1;
        return c;
    }).ToArray();

    public static uint Compute(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFFu;
        foreach (var b in data) crc = Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        return crc ^ 0xFFFFFFFFu;
    }

    public static uint Masked(ReadOnlySpan<byte> data)
    {
        uint crc = Compute(data);
        return ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
    }
}
