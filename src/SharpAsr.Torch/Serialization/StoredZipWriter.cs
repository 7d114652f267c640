using System.Buffers.Binary;
using System.Text;

namespace SharpTorch.Serialization;

/// <summary>
/// A minimal zip writer for PyTorch's checkpoint layout: entries stored (not compressed), each entry's data starting on a
/// 64-byte boundary (padding in an extra field, as PyTorch's writer does, so readers may map storages in place).
/// No ZIP64: archives up to 4 GiB and 65 535 entries.
/// </summary>
internal sealed class StoredZipWriter : IDisposable
{
    const int Alignment = 64;
    readonly Stream _out;
    readonly long _start;
    readonly List<(byte[] Name, uint Crc, uint Size, uint Offset)> _central = new();

    public StoredZipWriter(Stream output)
    {
        _out = output;
        _start = output.CanSeek ? output.Position : 0;
    }

    long Position => _out.Position - _start;

    public void Add(string name, ReadOnlySpan<byte> data)
    {
        var nameBytes = Encoding.UTF8.GetBytes(name);
        long offset = Position;
        if (offset + 30 + nameBytes.Length + Alignment + 4 + data.Length > uint.MaxValue || _central.Count == ushort.MaxValue)
            throw new NotSupportedException($"{name}: the checkpoint would exceed 4 GiB or 65535 entries (ZIP64 is not written)");
        // the extra field (id 'FB', as PyTorch) pads the header so the data starts aligned
        int headerEnd = (int)((offset + 30 + nameBytes.Length + 4) % Alignment);
        int pad = (Alignment - headerEnd) % Alignment;
        uint crc = Crc32.Compute(data);
        Span<byte> h = stackalloc byte[30];
        BinaryPrimitives.WriteUInt32LittleEndian(h, 0x04034b50);
        BinaryPrimitives.WriteUInt16LittleEndian(h[4..], 20);            // version needed
        BinaryPrimitives.WriteUInt16LittleEndian(h[6..], 0);             // flags
        BinaryPrimitives.WriteUInt16LittleEndian(h[8..], 0);             // stored
        BinaryPrimitives.WriteUInt16LittleEndian(h[10..], 0);            // time
        BinaryPrimitives.WriteUInt16LittleEndian(h[12..], 0x21);         // date 1980-01-01
        BinaryPrimitives.WriteUInt32LittleEndian(h[14..], crc);
        BinaryPrimitives.WriteUInt32LittleEndian(h[18..], (uint)data.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(h[22..], (uint)data.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(h[26..], (ushort)nameBytes.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(h[28..], (ushort)(4 + pad));
        _out.Write(h);
        _out.Write(nameBytes);
        Span<byte> extra = stackalloc byte[4];
        BinaryPrimitives.WriteUInt16LittleEndian(extra, 0x4246);         // "FB"
        BinaryPrimitives.WriteUInt16LittleEndian(extra[2..], (ushort)pad);
        _out.Write(extra);
        for (int i = 0; i < pad; i++) _out.WriteByte((byte)'Z');
        _out.Write(data);
        _central.Add((nameBytes, crc, (uint)data.Length, (uint)offset));
    }

    public void Dispose()
    {
        long cdStart = Position;
        Span<byte> c = stackalloc byte[46];
        foreach (var (name, crc, size, offset) in _central)
        {
            c.Clear();
            BinaryPrimitives.WriteUInt32LittleEndian(c, 0x02014b50);
            BinaryPrimitives.WriteUInt16LittleEndian(c[4..], 20);        // version made by
            BinaryPrimitives.WriteUInt16LittleEndian(c[6..], 20);        // version needed
            BinaryPrimitives.WriteUInt16LittleEndian(c[14..], 0x21);     // date
            BinaryPrimitives.WriteUInt32LittleEndian(c[16..], crc);
            BinaryPrimitives.WriteUInt32LittleEndian(c[20..], size);
            BinaryPrimitives.WriteUInt32LittleEndian(c[24..], size);
            BinaryPrimitives.WriteUInt16LittleEndian(c[28..], (ushort)name.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(c[42..], offset);
            _out.Write(c);
            _out.Write(name);
        }
        long cdSize = Position - cdStart;
        if (cdStart + cdSize > uint.MaxValue) throw new NotSupportedException("the checkpoint would exceed 4 GiB (ZIP64 is not written)");
        Span<byte> e = stackalloc byte[22];
        e.Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(e, 0x06054b50);
        BinaryPrimitives.WriteUInt16LittleEndian(e[8..], (ushort)_central.Count);
        BinaryPrimitives.WriteUInt16LittleEndian(e[10..], (ushort)_central.Count);
        BinaryPrimitives.WriteUInt32LittleEndian(e[12..], (uint)cdSize);
        BinaryPrimitives.WriteUInt32LittleEndian(e[16..], (uint)cdStart);
        _out.Write(e);
        _out.Flush();
    }
}

/// <summary>CRC-32 (IEEE 802.3, the zip checksum).</summary>
internal static class Crc32
{
    static readonly uint[] Table = Build();

    static uint[] Build()
    {
        var t = new uint[256];
        for (uint i = 0; i < 256; i++)
        {
            uint c = i;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            t[i] = c;
        }
        return t;
    }

    public static uint Compute(ReadOnlySpan<byte> data)
    {
        uint c = 0xFFFFFFFFu;
        foreach (var b in data) c = Table[(c ^ b) & 0xFF] ^ (c >> 8);
        return c ^ 0xFFFFFFFFu;
    }
}
