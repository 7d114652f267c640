using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace SharpTorch.Serialization;

/// <summary>A safetensors file's content: tensors by name and the optional <c>__metadata__</c> string map.</summary>
public sealed record SafeTensorsContent(Dictionary<string, Tensor> Tensors, Dictionary<string, string> Metadata);

/// <summary>
/// Reads and writes state dicts in the safetensors format (https://github.com/huggingface/safetensors):
/// an 8-byte little-endian header length N, N bytes of JSON header
/// (<c>{"__metadata__":{..},"name":{"dtype":"F32","shape":[..],"data_offsets":[begin,end]},..}</c>)
/// padded with spaces to a multiple of 8, then the raw little-endian tensor bytes.
/// The writer produces the bytes Python's safetensors writes: compact JSON, tensors laid out by
/// dtype (widest alignment first, in the Rust crate's Dtype order) then by name, the header
/// padded with spaces. Metadata keys are written in ordinal order (the Rust writer's order for
/// several keys is a HashMap's, i.e. unspecified; with one key both agree).
/// </summary>
public static class SafeTensors
{
    const long MaxHeader = 100_000_000; // as the Rust crate: refuse absurd headers rather than allocate them

    // The Rust crate's Dtype enum order (derive(Ord)): the writer sorts tensors by it, descending.
    static readonly (string Name, DType DType, int Rank)[] Codes =
    {
        ("BOOL", DType.Bool, 0), ("U8", DType.UInt8, 1), ("I8", DType.Int8, 2), ("I16", DType.Int16, 5),
        ("F16", DType.Float16, 7), ("BF16", DType.BFloat16, 8), ("I32", DType.Int32, 9), ("F32", DType.Float32, 11),
        ("F64", DType.Float64, 12), ("I64", DType.Int64, 13),
    };

    public static string CodeOf(DType t)
    {
        foreach (var c in Codes)
            if (c.DType == t) return c.Name;
        throw new NotSupportedException($"safetensors has no code for dtype {t.TorchName()}");
    }

    static (DType DType, int Rank) Parse(string code, string where)
    {
        foreach (var c in Codes)
            if (c.Name == code) return (c.DType, c.Rank);
        throw new InvalidDataException($"{where}: unsupported dtype '{code}' (supported: {string.Join(", ", Codes.Select(c => c.Name))})");
    }

    static int RankOf(DType t) => Parse(CodeOf(t), "").Rank;

    // ---- writing --------------------------------------------------------------------------------

    /// <summary>Writes <paramref name="tensors"/> (any device, any strides) to <paramref name="path"/>.</summary>
    public static void Save(IReadOnlyDictionary<string, Tensor> tensors, string path, IReadOnlyDictionary<string, string>? metadata = null)
    {
        using var f = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        Save(tensors, f, metadata);
    }

    public static void Save(IReadOnlyDictionary<string, Tensor> tensors, Stream stream, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var order = tensors.Select(kv => (Name: kv.Key, Tensor: kv.Value, DType: kv.Value.DType))
            .OrderByDescending(e => RankOf(e.DType)).ThenBy(e => e.Name, StringComparer.Ordinal).ToList();

        var json = new StringBuilder();
        json.Append('{');
        bool first = true;
        if (metadata is not null && metadata.Count > 0)
        {
            json.Append("\"__metadata__\":{");
            bool firstKey = true;
            foreach (var (k, v) in metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                if (!firstKey) json.Append(',');
                firstKey = false;
                AppendString(json, k);
                json.Append(':');
                AppendString(json, v);
            }
            json.Append('}');
            first = false;
        }
        long offset = 0;
        foreach (var e in order)
        {
            if (e.Name == "__metadata__") throw new ArgumentException("a tensor cannot be named __metadata__");
            var shape = e.Tensor.Shape;
            long bytes = e.Tensor.NumEl * e.DType.ElementSize();
            if (!first) json.Append(',');
            first = false;
            AppendString(json, e.Name);
            json.Append(":{\"dtype\":\"").Append(CodeOf(e.DType)).Append("\",\"shape\":[");
            json.Append(string.Join(",", shape.Select(s => s.ToString(CultureInfo.InvariantCulture))));
            json.Append("],\"data_offsets\":[").Append(offset.ToString(CultureInfo.InvariantCulture)).Append(',');
            offset += bytes;
            json.Append(offset.ToString(CultureInfo.InvariantCulture)).Append("]}");
        }
        json.Append('}');

        var header = Encoding.UTF8.GetBytes(json.ToString());
        int pad = (8 - header.Length % 8) % 8; // the data starts 8-byte aligned, as the Rust writer pads
        Span<byte> len = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(len, (ulong)(header.Length + pad));
        stream.Write(len);
        stream.Write(header);
        for (int i = 0; i < pad; i++) stream.WriteByte((byte)' ');
        foreach (var e in order) stream.Write(e.Tensor.ToBytes());
        stream.Flush();
    }

    // serde_json's escaping: quote, backslash and control characters only; other text as UTF-8.
    static void AppendString(StringBuilder sb, string s)
    {
        sb.Append('"');
        foreach (char ch in s)
        {
            switch (ch)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                default:
                    if (ch < 0x20) sb.Append("\\u").Append(((int)ch).ToString("x4", CultureInfo.InvariantCulture));
                    else sb.Append(ch);
                    break;
            }
        }
        sb.Append('"');
    }

    // ---- reading --------------------------------------------------------------------------------

    /// <summary>The tensors of a file (CPU, owned by the current scope if any).</summary>
    public static Dictionary<string, Tensor> Load(string path) => Read(path).Tensors;

    public static SafeTensorsContent Read(string path)
    {
        using var f = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        return Read(f, path);
    }

    /// <param name="source">names the stream in error messages (a file path)</param>
    public static SafeTensorsContent Read(Stream stream, string source = "safetensors stream")
    {
        Span<byte> lenBytes = stackalloc byte[8];
        try { stream.ReadExactly(lenBytes); }
        catch (EndOfStreamException) { throw new InvalidDataException($"{source}: shorter than the 8-byte header length"); }
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(lenBytes);
        if (n > MaxHeader) throw new InvalidDataException($"{source}: header length {n} is not plausible (not a safetensors file?)");
        var header = new byte[n];
        try { stream.ReadExactly(header); }
        catch (EndOfStreamException) { throw new InvalidDataException($"{source}: file ends inside the {n}-byte header"); }

        var entries = new List<(string Name, DType DType, long[] Shape, long Begin, long End)>();
        var metadata = new Dictionary<string, string>();
        JsonDocument doc;
        try { doc = JsonDocument.Parse(header); }
        catch (JsonException e) { throw new InvalidDataException($"{source}: header is not valid JSON: {e.Message}"); }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new InvalidDataException($"{source}: header is not a JSON object");
            foreach (var prop in doc.RootElement.EnumerateObject())
            {
                if (prop.Name == "__metadata__")
                {
                    if (prop.Value.ValueKind != JsonValueKind.Object) throw new InvalidDataException($"{source}: __metadata__ is not an object");
                    foreach (var m in prop.Value.EnumerateObject())
                    {
                        if (m.Value.ValueKind != JsonValueKind.String)
                            throw new InvalidDataException($"{source}: __metadata__ value '{m.Name}' is not a string");
                        metadata[m.Name] = m.Value.GetString()!;
                    }
                    continue;
                }
                entries.Add(ParseEntry(prop, source));
            }
        }

        // Tensors must tile the data area exactly, in some order, with no gaps or overlaps.
        var byOffset = entries.OrderBy(e => e.Begin).ThenBy(e => e.End).ToList();
        long expected = 0;
        foreach (var e in byOffset)
        {
            if (e.Begin != expected)
                throw new InvalidDataException($"{source}: tensor '{e.Name}' starts at byte {e.Begin} of the data, expected {expected} (gap or overlap)");
            expected = e.End;
        }
        long dataStart = 8 + (long)n;
        if (stream.CanSeek && stream.Length - dataStart != expected)
            throw new InvalidDataException($"{source}: data area is {stream.Length - dataStart} bytes but the header describes {expected}");

        var tensors = new Dictionary<string, Tensor>();
        var buffer = Array.Empty<byte>();
        foreach (var e in byOffset)
        {
            long size = e.End - e.Begin;
            if (size > Array.MaxLength) throw new InvalidDataException($"{source}: tensor '{e.Name}' of {size} bytes is too large to read");
            if (buffer.Length < size) buffer = new byte[size];
            try { stream.ReadExactly(buffer, 0, (int)size); }
            catch (EndOfStreamException) { throw new InvalidDataException($"{source}: file ends inside tensor '{e.Name}'"); }
            tensors[e.Name] = Torch.FromBytes(buffer.AsSpan(0, (int)size), e.Shape, e.DType);
        }
        return new SafeTensorsContent(tensors, metadata);
    }

    static (string Name, DType DType, long[] Shape, long Begin, long End) ParseEntry(JsonProperty prop, string source)
    {
        string where = $"{source}: tensor '{prop.Name}'";
        var v = prop.Value;
        if (v.ValueKind != JsonValueKind.Object) throw new InvalidDataException($"{where}: entry is not an object");
        if (!v.TryGetProperty("dtype", out var dt) || dt.ValueKind != JsonValueKind.String)
            throw new InvalidDataException($"{where}: missing string field 'dtype'");
        var (dtype, _) = Parse(dt.GetString()!, where);
        var shape = LongArray(v, "shape", where);
        var offsets = LongArray(v, "data_offsets", where);
        if (offsets.Length != 2 || offsets[0] < 0 || offsets[1] < offsets[0])
            throw new InvalidDataException($"{where}: data_offsets must be [begin, end] with 0 <= begin <= end");
        long numel = 1;
        foreach (var s in shape)
        {
            if (s < 0) throw new InvalidDataException($"{where}: negative dimension in shape");
            numel = checked(numel * s);
        }
        long bytes = checked(numel * dtype.ElementSize());
        if (offsets[1] - offsets[0] != bytes)
            throw new InvalidDataException($"{where}: shape [{string.Join(", ", shape)}] of {CodeOf(dtype)} needs {bytes} bytes but data_offsets span {offsets[1] - offsets[0]}");
        return (prop.Name, dtype, shape, offsets[0], offsets[1]);
    }

    static long[] LongArray(JsonElement v, string field, string where)
    {
        if (!v.TryGetProperty(field, out var a) || a.ValueKind != JsonValueKind.Array)
            throw new InvalidDataException($"{where}: missing array field '{field}'");
        var res = new long[a.GetArrayLength()];
        int i = 0;
        foreach (var x in a.EnumerateArray())
        {
            if (x.ValueKind != JsonValueKind.Number || !x.TryGetInt64(out res[i]))
                throw new InvalidDataException($"{where}: '{field}' holds a non-integer");
            i++;
        }
        return res;
    }
}
