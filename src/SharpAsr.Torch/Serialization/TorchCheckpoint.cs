using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace SharpTorch.Serialization;

/// <summary>
/// Reads and writes the zip format of <c>torch.save</c> (PyTorch ≥ 1.6) without Python and without executing pickle code:
/// <c>&lt;archive&gt;/data.pkl</c> (a pickle whose tensors are <c>torch._utils._rebuild_tensor_v2</c> calls on persistent ids
/// <c>('storage', torch.FloatStorage, key, location, numel)</c>), <c>&lt;archive&gt;/data/&lt;key&gt;</c> (each storage's raw bytes),
/// <c>&lt;archive&gt;/byteorder</c> (<c>little</c> or <c>big</c>; absent = little) and <c>&lt;archive&gt;/version</c>.
/// The pickle goes through <see cref="Unpickler"/> with an allowlist of globals (<see cref="AllowedGlobals"/>); any other global
/// (<c>os.system</c>, <c>builtins.eval</c>, <c>torch.storage._load_from_bytes</c>, application classes …) is refused by name.
/// </summary>
public static class TorchCheckpoint
{
    // storage types torch.save names in persistent ids, and the element type of each
    static readonly (string Name, DType DType)[] Storages =
    {
        ("FloatStorage", DType.Float32), ("HalfStorage", DType.Float16), ("BFloat16Storage", DType.BFloat16),
        ("DoubleStorage", DType.Float64), ("LongStorage", DType.Int64), ("IntStorage", DType.Int32),
        ("BoolStorage", DType.Bool), ("ByteStorage", DType.UInt8),
    };

    /// <summary>The globals a checkpoint may name: "module.name".</summary>
    public static IReadOnlyCollection<string> AllowedGlobals => Globals(_ => null!).Keys;

    /// <summary>A storage referenced by a persistent id, its bytes read from <c>data/&lt;key&gt;</c>.</summary>
    sealed record Storage(string Key, DType DType, long NumEl, byte[] Bytes);

    static Dictionary<string, Unpickler.GlobalCall> Globals(Func<object?[], object?> rebuildTensor)
    {
        var g = new Dictionary<string, Unpickler.GlobalCall>
        {
            // OrderedDict() and OrderedDict([(k, v), …]); the items usually come by SETITEMS afterwards
            ["collections.OrderedDict"] = args =>
            {
                var d = new PickleDict();
                if (args.Length > 0 && args[0] is List<object?> pairs)
                    foreach (var p in pairs)
                        if (p is object?[] { Length: 2 } kv) d.Set(kv[0], kv[1]);
                return d;
            },
            ["torch._utils._rebuild_tensor_v2"] = args => rebuildTensor(args),
            // a Parameter is its data for a state dict: requires_grad and hooks do not matter here
            ["torch._utils._rebuild_parameter"] = args => args.Length > 0 && args[0] is Tensor t ? t : throw new InvalidDataException("_rebuild_parameter without a tensor"),
        };
        // storage types are only ever named inside persistent ids; calling one is refused
        foreach (var (name, _) in Storages)
            g["torch." + name] = _ => throw new InvalidDataException($"torch.{name} may only appear in a storage's persistent id, not be called");
        return g;
    }

    // ---- reading --------------------------------------------------------------------------------------

    /// <summary>The whole unpickled object (tensors as <see cref="Tensor"/>, dicts as <see cref="PickleDict"/>); the caller owns the tensors.</summary>
    public static object? Load(string path)
    {
        using var f = File.OpenRead(path);
        return Load(f, path);
    }

    public static object? Load(Stream stream, string source)
    {
        ZipArchive zip;
        try { zip = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true); }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{source}: not a PyTorch zip checkpoint ({e.Message}); files saved with _use_new_zipfile_serialization=False (before PyTorch 1.6) are not supported", e);
        }
        using (zip)
        {
            var pkl = zip.Entries.FirstOrDefault(e => e.FullName.EndsWith("data.pkl", StringComparison.Ordinal) && e.FullName.Count(c => c == '/') == 1)
                      ?? throw new InvalidDataException($"{source}: no <archive>/data.pkl entry: not a torch.save file");
            var prefix = pkl.FullName[..(pkl.FullName.IndexOf('/') + 1)];
            bool bigEndian = false;
            if (zip.GetEntry(prefix + "byteorder") is { } bo)
            {
                var order = Encoding.ASCII.GetString(ReadEntry(bo, source)).Trim();
                bigEndian = order switch
                {
                    "little" => false,
                    "big" => true,
                    _ => throw new InvalidDataException($"{source}: {prefix}byteorder says '{order}', expected little or big"),
                };
            }

            var storages = new Dictionary<string, Storage>();
            object? PersistentLoad(object? pid)
            {
                if (pid is not object?[] { Length: 5 } t || t[0] is not string kind || kind != "storage")
                    throw new InvalidDataException($"{source}: persistent id is not ('storage', type, key, location, numel)");
                var type = t[1] as PickleGlobal ?? throw new InvalidDataException($"{source}: storage type is not a global");
                var key = t[2] as string ?? throw new InvalidDataException($"{source}: storage key is not a string");
                var numel = t[4] is long n ? n : throw new InvalidDataException($"{source}: storage numel is not an integer");
                var dtype = Storages.FirstOrDefault(s => type.Module == "torch" && s.Name == type.Name).DType;
                if (type.Module != "torch" || !Storages.Any(s => s.Name == type.Name))
                    throw new InvalidDataException($"{source}: storage type {type} is not supported");
                if (storages.TryGetValue(key, out var known)) return known;
                var entry = zip.GetEntry($"{prefix}data/{key}") ?? throw new InvalidDataException($"{source}: storage {prefix}data/{key} is missing");
                var bytes = ReadEntry(entry, source);
                long expected = checked(numel * dtype.ElementSize());
                if (bytes.LongLength != expected)
                    throw new InvalidDataException($"{source}: storage {key} holds {bytes.LongLength} bytes, its {numel} {dtype.TorchName()} elements need {expected}");
                if (bigEndian) SwapBytes(bytes, dtype.ElementSize());
                return storages[key] = new Storage(key, dtype, numel, bytes);
            }

            var data = ReadEntry(pkl, source);
            var unpickler = new Unpickler(Globals(args => Rebuild(args, $"{source}:{pkl.FullName}")), PersistentLoad, $"{source}:{pkl.FullName}");
            return unpickler.Load(data);
        }
    }

    /// <summary>
    /// The state dict of a checkpoint: a plain state dict (name → tensor), or a Lightning/NeMo training checkpoint
    /// holding one under <c>state_dict</c>. Entries that are not tensors are refused with their name.
    /// </summary>
    public static Dictionary<string, Tensor> LoadStateDict(string path)
    {
        using var f = File.OpenRead(path);
        return LoadStateDict(f, path);
    }

    public static Dictionary<string, Tensor> LoadStateDict(Stream stream, string source) => StateDictOf(Load(stream, source), source);

    /// <summary>The state dict inside an unpickled checkpoint object (see <see cref="LoadStateDict(string)"/>).</summary>
    public static Dictionary<string, Tensor> StateDictOf(object? root, string source)
    {
        if (root is not PickleDict top) throw new InvalidDataException($"{source}: the checkpoint holds a {root?.GetType().Name ?? "None"}, not a dict");
        var dict = top;
        if (top.TryGet("state_dict", out var inner))
            dict = inner as PickleDict ?? throw new InvalidDataException($"{source}: 'state_dict' is not a dict");
        var result = new Dictionary<string, Tensor>();
        foreach (var (k, v) in dict.Items)
        {
            var name = k as string ?? throw new InvalidDataException($"{source}: state dict key {k} is not a string");
            result[name] = v as Tensor ?? throw new InvalidDataException(
                $"{source}: '{name}' is a {v?.GetType().Name ?? "None"}, not a tensor (a training checkpoint keeps its weights under 'state_dict')");
        }
        return result;
    }

    static Tensor Rebuild(object?[] args, string source)
    {
        // _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
        if (args.Length < 4 || args[0] is not Storage storage || args[1] is not long offset)
            throw new InvalidDataException($"{source}: _rebuild_tensor_v2 called without (storage, offset, size, stride)");
        var size = Longs(args[2], "size", source);
        var stride = Longs(args[3], "stride", source);
        if (size.Length != stride.Length) throw new InvalidDataException($"{source}: tensor size and stride differ in length");
        long numel = 1, last = offset;
        foreach (var (s, st) in size.Zip(stride))
        {
            if (s < 0 || st < 0) throw new InvalidDataException($"{source}: negative size or stride");
            numel = checked(numel * s);
            if (s > 0) last = checked(last + (s - 1) * st);
        }
        int es = storage.DType.ElementSize();
        if (numel == 0) return Torch.FromBytes(ReadOnlySpan<byte>.Empty, size, storage.DType);
        if (offset < 0 || last >= storage.NumEl)
            throw new InvalidDataException($"{source}: tensor [{string.Join(", ", size)}] at offset {offset} reaches beyond storage {storage.Key} of {storage.NumEl} elements");

        if (IsContiguous(size, stride))
            return Torch.FromBytes(storage.Bytes.AsSpan(checked((int)(offset * es)), checked((int)(numel * es))), size, storage.DType);
        // strided view (a slice or transpose saved as such): gather its elements in row-major order
        var dst = new byte[numel * es];
        var index = new long[size.Length];
        for (long i = 0; i < numel; i++)
        {
            long src = offset;
            for (int d = 0; d < size.Length; d++) src += index[d] * stride[d];
            Buffer.BlockCopy(storage.Bytes, (int)(src * es), dst, (int)(i * es), es);
            for (int d = size.Length - 1; d >= 0; d--)
            {
                if (++index[d] < size[d]) break;
                index[d] = 0;
            }
        }
        return Torch.FromBytes(dst, size, storage.DType);
    }

    static bool IsContiguous(long[] size, long[] stride)
    {
        long expected = 1;
        for (int d = size.Length - 1; d >= 0; d--)
        {
            if (size[d] != 1 && stride[d] != expected) return false;
            expected *= size[d];
        }
        return true;
    }

    static long[] Longs(object? o, string what, string source) => o switch
    {
        object?[] t => t.Select(v => v is long l ? l : throw new InvalidDataException($"{source}: tensor {what} holds a non-integer")).ToArray(),
        _ => throw new InvalidDataException($"{source}: tensor {what} is not a tuple"),
    };

    static byte[] ReadEntry(ZipArchiveEntry e, string source)
    {
        if (e.Length > Array.MaxLength) throw new InvalidDataException($"{source}: {e.FullName} is too large to read ({e.Length} bytes)");
        var buf = new byte[e.Length];
        using var s = e.Open();
        s.ReadExactly(buf);
        return buf;
    }

    static void SwapBytes(byte[] b, int size)
    {
        if (size == 1) return;
        for (int i = 0; i + size <= b.Length; i += size) b.AsSpan(i, size).Reverse();
    }

    // ---- writing --------------------------------------------------------------------------------------

    /// <summary>
    /// Writes <paramref name="stateDict"/> (in its order) as <c>torch.save</c> of an OrderedDict does: a protocol-2 pickle of
    /// <c>_rebuild_tensor_v2</c> calls, one little-endian storage per tensor, <c>byteorder</c> and <c>version</c> 3, entries
    /// stored uncompressed with their data 64-byte aligned (as PyTorch's writer). <c>torch.load</c> reads it.
    /// </summary>
    public static void Save(IEnumerable<KeyValuePair<string, Tensor>> stateDict, string path, string archiveName = "archive")
    {
        using var f = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        Save(stateDict, f, archiveName);
    }

    public static void Save(IEnumerable<KeyValuePair<string, Tensor>> stateDict, Stream stream, string archiveName = "archive")
    {
        var entries = stateDict.ToList();
        var pickle = new PickleWriter();
        pickle.Proto(2);
        pickle.Global("collections", "OrderedDict");
        pickle.EmptyTuple();
        pickle.Reduce();
        pickle.Mark();
        for (int i = 0; i < entries.Count; i++)
        {
            var (name, t) = entries[i];
            var storageName = Storages.FirstOrDefault(s => s.DType == t.DType).Name
                              ?? throw new NotSupportedException($"'{name}': dtype {t.DType.TorchName()} has no torch storage type here");
            pickle.Unicode(name);
            pickle.Global("torch._utils", "_rebuild_tensor_v2");
            pickle.Mark();
            {
                pickle.Mark();                                  // persistent id ('storage', type, key, location, numel)
                pickle.Unicode("storage");
                pickle.Global("torch", storageName);
                pickle.Unicode(i.ToString(System.Globalization.CultureInfo.InvariantCulture));
                pickle.Unicode("cpu");
                pickle.Int(t.NumEl);
                pickle.Tuple();
                pickle.BinPersId();
                pickle.Int(0);                                  // storage offset
                var shape = t.Shape;
                pickle.Mark();
                foreach (var s in shape) pickle.Int(s);
                pickle.Tuple();
                pickle.Mark();                                  // contiguous strides
                long stride = 1;
                var strides = new long[shape.Length];
                for (int d = shape.Length - 1; d >= 0; d--) { strides[d] = stride; stride *= shape[d]; }
                foreach (var s in strides) pickle.Int(s);
                pickle.Tuple();
                pickle.Bool(false);                             // requires_grad
                pickle.Global("collections", "OrderedDict");   // backward hooks: OrderedDict()
                pickle.EmptyTuple();
                pickle.Reduce();
            }
            pickle.Tuple();
            pickle.Reduce();
        }
        pickle.SetItems();
        pickle.Stop();

        using var zip = new StoredZipWriter(stream);
        zip.Add($"{archiveName}/data.pkl", pickle.ToArray());
        zip.Add($"{archiveName}/byteorder", Encoding.ASCII.GetBytes("little"));
        for (int i = 0; i < entries.Count; i++)
        {
            var bytes = entries[i].Value.ToBytes();
            if (!BitConverter.IsLittleEndian) SwapBytes(bytes, entries[i].Value.DType.ElementSize());
            zip.Add($"{archiveName}/data/{i}", bytes);
        }
        zip.Add($"{archiveName}/version", Encoding.ASCII.GetBytes("3\n"));
    }

    /// <summary>Writes the few pickle opcodes a state dict needs (protocol 2).</summary>
    sealed class PickleWriter
    {
        readonly MemoryStream _m = new();
        public void Proto(byte v) { _m.WriteByte(0x80); _m.WriteByte(v); }
        public void Global(string module, string name) { _m.WriteByte((byte)'c'); var b = Encoding.ASCII.GetBytes($"{module}\n{name}\n"); _m.Write(b); }
        public void EmptyTuple() => _m.WriteByte((byte)')');
        public void Mark() => _m.WriteByte((byte)'(');
        public void Tuple() => _m.WriteByte((byte)'t');
        public void Reduce() => _m.WriteByte((byte)'R');
        public void SetItems() => _m.WriteByte((byte)'u');
        public void BinPersId() => _m.WriteByte((byte)'Q');
        public void Stop() => _m.WriteByte((byte)'.');
        public void Bool(bool v) => _m.WriteByte(v ? (byte)0x88 : (byte)0x89);

        public void Unicode(string s)
        {
            var b = Encoding.UTF8.GetBytes(s);
            _m.WriteByte((byte)'X');
            Span<byte> n = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32LittleEndian(n, (uint)b.Length);
            _m.Write(n);
            _m.Write(b);
        }

        public void Int(long v)
        {
            if (v is >= 0 and < 256) { _m.WriteByte((byte)'K'); _m.WriteByte((byte)v); return; }
            Span<byte> b = stackalloc byte[8];
            if (v is >= int.MinValue and <= int.MaxValue)
            {
                _m.WriteByte((byte)'J');
                BinaryPrimitives.WriteInt32LittleEndian(b, (int)v);
                _m.Write(b[..4]);
                return;
            }
            _m.WriteByte(0x8a);                                 // LONG1, 8 bytes two's complement
            _m.WriteByte(8);
            BinaryPrimitives.WriteInt64LittleEndian(b, v);
            _m.Write(b);
        }

        public byte[] ToArray() => _m.ToArray();
    }
}
