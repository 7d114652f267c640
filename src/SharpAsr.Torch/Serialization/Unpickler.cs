using System.Buffers.Binary;
using System.Globalization;
using System.Numerics;
using System.Text;

namespace SharpTorch.Serialization;

/// <summary>A Python global named by a pickle (<c>module.name</c>) that the allowlist let through.</summary>
public sealed record PickleGlobal(string Module, string Name)
{
    public string FullName => Module + "." + Name;
    public override string ToString() => FullName;
}

/// <summary>A Python dict (or OrderedDict) in insertion order. Keys are strings, integers, bools, floats, None or tuples of them.</summary>
public sealed class PickleDict
{
    readonly List<KeyValuePair<object?, object?>> _items = new();
    readonly Dictionary<PickleKey, int> _index = new();

    public IReadOnlyList<KeyValuePair<object?, object?>> Items => _items;
    public int Count => _items.Count;
    /// <summary>State set by BUILD (OrderedDict's instance dict, e.g. a state dict's <c>_metadata</c>); kept, never applied.</summary>
    public object? State { get; set; }

    public void Set(object? key, object? value)
    {
        var k = new PickleKey(key);
        if (_index.TryGetValue(k, out var i)) _items[i] = new(key, value);
        else
        {
            _index[k] = _items.Count;
            _items.Add(new(key, value));
        }
    }

    public bool TryGet(object? key, out object? value)
    {
        if (_index.TryGetValue(new PickleKey(key), out var i))
        {
            value = _items[i].Value;
            return true;
        }
        value = null;
        return false;
    }

    // structural equality for tuple keys (object?[]), value equality for scalars
    readonly record struct PickleKey(object? Value)
    {
        public bool Equals(PickleKey other) => Same(Value, other.Value);
        public override int GetHashCode() => Hash(Value);

        static bool Same(object? a, object? b) => (a, b) switch
        {
            (object?[] x, object?[] y) => x.Length == y.Length && x.Zip(y).All(p => Same(p.First, p.Second)),
            (byte[] x, byte[] y) => x.AsSpan().SequenceEqual(y),
            _ => Equals(a, b),
        };

        static int Hash(object? v) => v switch
        {
            null => 0,
            object?[] t => t.Aggregate(17, (h, e) => h * 31 + Hash(e)),
            byte[] b => b.Length,
            _ => v.GetHashCode(),
        };
    }
}

/// <summary>
/// A restricted pickle reader (protocols 0–5) for PyTorch checkpoints. It never executes pickle code:
/// GLOBAL / STACK_GLOBAL / INST references are checked against <see cref="AllowedGlobals"/> the moment they are
/// read, and REDUCE / NEWOBJ only ever call the C# handler registered for an allowed global. Anything else is refused
/// with an <see cref="InvalidDataException"/> naming the global. Python values become: None → null, bool, long,
/// BigInteger (beyond 64 bits), double, string, byte[], List&lt;object?&gt; (list, set, frozenset), object?[] (tuple),
/// <see cref="PickleDict"/> (dict, OrderedDict).
/// <para>Persistent ids (torch's storages) are handed to the caller's <c>persistentLoad</c>.</para>
/// </summary>
public sealed class Unpickler
{
    /// <summary>Builds the object an allowed global produces when called with the given arguments.</summary>
    public delegate object? GlobalCall(object?[] args);

    readonly Dictionary<string, GlobalCall> _globals;
    readonly Func<object?, object?> _persistentLoad;
    readonly string _source;

    /// <param name="globals">the allowlist: "module.name" → what calling it builds</param>
    /// <param name="persistentLoad">resolves a persistent id (BINPERSID/PERSID) to an object</param>
    /// <param name="source">names the pickle in error messages</param>
    public Unpickler(IReadOnlyDictionary<string, GlobalCall> globals, Func<object?, object?> persistentLoad, string source)
    {
        _globals = new Dictionary<string, GlobalCall>(globals);
        _persistentLoad = persistentLoad;
        _source = source;
    }

    public IReadOnlyCollection<string> AllowedGlobals => _globals.Keys;

    /// <summary>Reads one pickle from <paramref name="data"/> up to STOP.</summary>
    public object? Load(ReadOnlySpan<byte> data)
    {
        try { return LoadCore(data); }
        catch (IndexOutOfRangeException) { throw new InvalidDataException($"{_source}: the pickle ends inside an opcode's argument"); }
    }

    object? LoadCore(ReadOnlySpan<byte> data)
    {
        var stack = new List<object?>();
        var marks = new Stack<int>();
        var memo = new Dictionary<long, object?>();
        int pos = 0;

        while (true)
        {
            if (pos >= data.Length) throw Error(pos, "the pickle ends without STOP");
            int at = pos;
            byte op = data[pos++];
            switch (op)
            {
                // ---- framing and protocol ----
                case 0x80: pos++; break;                                   // PROTO n
                case 0x95: pos += 8; break;                                // FRAME len (we read the whole buffer anyway)
                case (byte)'.':                                            // STOP
                    if (stack.Count != 1) throw Error(at, $"STOP with {stack.Count} values on the stack");
                    return stack[0];

                // ---- globals: checked against the allowlist as soon as they are named ----
                case (byte)'c':                                            // GLOBAL module\nname\n
                {
                    var module = ReadLine(data, ref pos, at);
                    var name = ReadLine(data, ref pos, at);
                    stack.Add(Resolve(module, name, at));
                    break;
                }
                case 0x93:                                                 // STACK_GLOBAL
                {
                    var name = Pop(stack, at) as string ?? throw Error(at, "STACK_GLOBAL name is not a string");
                    var module = Pop(stack, at) as string ?? throw Error(at, "STACK_GLOBAL module is not a string");
                    stack.Add(Resolve(module, name, at));
                    break;
                }
                case (byte)'i':                                            // INST module\nname\n: instantiates a class
                {
                    var module = ReadLine(data, ref pos, at);
                    var name = ReadLine(data, ref pos, at);
                    var g = Resolve(module, name, at);
                    var args = PopToMark(stack, marks, at).ToArray();
                    stack.Add(Call(g, args, at));
                    break;
                }
                case (byte)'o':                                            // OBJ
                {
                    var items = PopToMark(stack, marks, at);
                    if (items.Count == 0) throw Error(at, "OBJ without a class");
                    stack.Add(Call(items[0], items.Skip(1).ToArray(), at));
                    break;
                }
                case (byte)'R':                                            // REDUCE
                {
                    var args = Pop(stack, at) as object?[] ?? throw Error(at, "REDUCE arguments are not a tuple");
                    var f = Pop(stack, at);
                    stack.Add(Call(f, args, at));
                    break;
                }
                case 0x81:                                                 // NEWOBJ
                {
                    var args = Pop(stack, at) as object?[] ?? throw Error(at, "NEWOBJ arguments are not a tuple");
                    var cls = Pop(stack, at);
                    stack.Add(Call(cls, args, at));
                    break;
                }
                case 0x92:                                                 // NEWOBJ_EX
                {
                    var kwargs = Pop(stack, at);
                    var args = Pop(stack, at) as object?[] ?? throw Error(at, "NEWOBJ_EX arguments are not a tuple");
                    var cls = Pop(stack, at);
                    if (kwargs is PickleDict { Count: > 0 }) throw Error(at, $"NEWOBJ_EX with keyword arguments for {cls}");
                    stack.Add(Call(cls, args, at));
                    break;
                }
                case (byte)'b':                                            // BUILD: set state; kept on dicts, otherwise refused
                {
                    var state = Pop(stack, at);
                    var target = Peek(stack, at);
                    if (target is PickleDict d) d.State = state;
                    else throw Error(at, $"BUILD (setting object state) on {Describe(target)} is not allowed");
                    break;
                }
                case (byte)'Q':                                            // BINPERSID
                    stack.Add(_persistentLoad(Pop(stack, at)));
                    break;
                case (byte)'P':                                            // PERSID (text)
                    stack.Add(_persistentLoad(ReadLine(data, ref pos, at)));
                    break;
                case 0x82: case 0x83: case 0x84:                           // EXT1/2/4: the copyreg extension registry
                    throw Error(at, "extension-registry globals (EXT1/EXT2/EXT4) are not allowed");

                // ---- stack and memo ----
                case (byte)'(': marks.Push(stack.Count); break;            // MARK
                case (byte)'0': Pop(stack, at); break;                     // POP
                case (byte)'1': PopToMark(stack, marks, at); break;        // POP_MARK
                case (byte)'2': stack.Add(Peek(stack, at)); break;         // DUP
                case (byte)'q': memo[data[pos++]] = Peek(stack, at); break;                                          // BINPUT
                case (byte)'r': memo[BinaryPrimitives.ReadUInt32LittleEndian(Take(data, ref pos, 4, at))] = Peek(stack, at); break; // LONG_BINPUT
                case 0x94: memo[memo.Count] = Peek(stack, at); break;      // MEMOIZE
                case (byte)'p': memo[ParseLong(ReadLine(data, ref pos, at), at)] = Peek(stack, at); break;           // PUT
                case (byte)'h': stack.Add(Memo(memo, data[pos++], at)); break;                                        // BINGET
                case (byte)'j': stack.Add(Memo(memo, BinaryPrimitives.ReadUInt32LittleEndian(Take(data, ref pos, 4, at)), at)); break; // LONG_BINGET
                case (byte)'g': stack.Add(Memo(memo, ParseLong(ReadLine(data, ref pos, at), at), at)); break;         // GET

                // ---- scalars ----
                case (byte)'N': stack.Add(null); break;
                case 0x88: stack.Add(true); break;
                case 0x89: stack.Add(false); break;
                case (byte)'J': stack.Add((long)BinaryPrimitives.ReadInt32LittleEndian(Take(data, ref pos, 4, at))); break;  // BININT
                case (byte)'K': stack.Add((long)data[pos++]); break;                                                      // BININT1
                case (byte)'M': stack.Add((long)BinaryPrimitives.ReadUInt16LittleEndian(Take(data, ref pos, 2, at))); break; // BININT2
                case 0x8a: { int n = data[pos++]; stack.Add(Long(Take(data, ref pos, n, at))); break; }                  // LONG1
                case 0x8b:                                                                                              // LONG4
                {
                    int n = BinaryPrimitives.ReadInt32LittleEndian(Take(data, ref pos, 4, at));
                    if (n < 0) throw Error(at, "negative LONG4 length");
                    stack.Add(Long(Take(data, ref pos, n, at)));
                    break;
                }
                case (byte)'I':                                                                                         // INT (text; 00/01 = bools)
                {
                    var s = ReadLine(data, ref pos, at);
                    stack.Add(s switch { "00" => false, "01" => true, _ => ParseLong(s, at) });
                    break;
                }
                case (byte)'L': stack.Add(ParseLong(ReadLine(data, ref pos, at).TrimEnd('L'), at)); break;            // LONG (text)
                case (byte)'G': stack.Add(BinaryPrimitives.ReadDoubleBigEndian(Take(data, ref pos, 8, at))); break;      // BINFLOAT
                case (byte)'F': stack.Add(double.Parse(ReadLine(data, ref pos, at), CultureInfo.InvariantCulture)); break; // FLOAT (text)

                // ---- strings and bytes ----
                case (byte)'X': stack.Add(Utf8(Take(data, ref pos, checked((int)BinaryPrimitives.ReadUInt32LittleEndian(Take(data, ref pos, 4, at))), at))); break; // BINUNICODE
                case 0x8c: { int n = data[pos++]; stack.Add(Utf8(Take(data, ref pos, n, at))); break; }               // SHORT_BINUNICODE
                case 0x8d: stack.Add(Utf8(Take(data, ref pos, Len8(data, ref pos, at), at))); break;                   // BINUNICODE8
                case (byte)'V': stack.Add(ReadLine(data, ref pos, at)); break;                                       // UNICODE (raw-unicode-escape; ASCII is enough for names)
                case (byte)'T': stack.Add(Latin1(Take(data, ref pos, checked((int)BinaryPrimitives.ReadUInt32LittleEndian(Take(data, ref pos, 4, at))), at))); break; // BINSTRING
                case (byte)'U': { int n = data[pos++]; stack.Add(Latin1(Take(data, ref pos, n, at))); break; }        // SHORT_BINSTRING
                case (byte)'S': stack.Add(Unquote(ReadLine(data, ref pos, at), at)); break;                           // STRING (text, quoted)
                case (byte)'B': stack.Add(Take(data, ref pos, checked((int)BinaryPrimitives.ReadUInt32LittleEndian(Take(data, ref pos, 4, at))), at).ToArray()); break; // BINBYTES
                case (byte)'C': { int n = data[pos++]; stack.Add(Take(data, ref pos, n, at).ToArray()); break; }      // SHORT_BINBYTES
                case 0x8e: stack.Add(Take(data, ref pos, Len8(data, ref pos, at), at).ToArray()); break;              // BINBYTES8
                case 0x96: stack.Add(Take(data, ref pos, Len8(data, ref pos, at), at).ToArray()); break;              // BYTEARRAY8

                // ---- containers ----
                case (byte)')': stack.Add(Array.Empty<object?>()); break;                                             // EMPTY_TUPLE
                case (byte)'t': stack.Add(PopToMark(stack, marks, at).ToArray()); break;                              // TUPLE
                case 0x85: stack.Add(new[] { Pop(stack, at) }); break;                                                // TUPLE1
                case 0x86: { var b = Pop(stack, at); var a = Pop(stack, at); stack.Add(new[] { a, b }); break; }     // TUPLE2
                case 0x87: { var c = Pop(stack, at); var b = Pop(stack, at); var a = Pop(stack, at); stack.Add(new[] { a, b, c }); break; } // TUPLE3
                case (byte)']': stack.Add(new List<object?>()); break;                                                // EMPTY_LIST
                case (byte)'l': stack.Add(PopToMark(stack, marks, at)); break;                                        // LIST
                case (byte)'a': { var v = Pop(stack, at); AsList(Peek(stack, at), at).Add(v); break; }               // APPEND
                case (byte)'e': { var items = PopToMark(stack, marks, at); AsList(Peek(stack, at), at).AddRange(items); break; } // APPENDS
                case (byte)'}': stack.Add(new PickleDict()); break;                                                   // EMPTY_DICT
                case (byte)'d':                                                                                         // DICT
                {
                    var items = PopToMark(stack, marks, at);
                    var d = new PickleDict();
                    SetItems(d, items, at);
                    stack.Add(d);
                    break;
                }
                case (byte)'s': { var v = Pop(stack, at); var k = Pop(stack, at); AsDict(Peek(stack, at), at).Set(k, v); break; } // SETITEM
                case (byte)'u': { var items = PopToMark(stack, marks, at); SetItems(AsDict(Peek(stack, at), at), items, at); break; } // SETITEMS
                case 0x8f: stack.Add(new List<object?>()); break;                                                     // EMPTY_SET (as a list)
                case 0x90: { var items = PopToMark(stack, marks, at); AsList(Peek(stack, at), at).AddRange(items); break; } // ADDITEMS
                case 0x91: stack.Add(PopToMark(stack, marks, at)); break;                                             // FROZENSET
                case 0x97: case 0x98:                                                                                   // NEXT_BUFFER, READONLY_BUFFER
                    throw Error(at, "out-of-band buffers (pickle protocol 5) are not supported");
                default:
                    throw Error(at, $"unknown or unsupported opcode 0x{op:x2}");
            }
        }
    }

    object Resolve(string module, string name, int at)
    {
        var full = module + "." + name;
        if (!_globals.ContainsKey(full))
            throw new InvalidDataException($"{_source}: refused global '{full}' at byte {at}: only {string.Join(", ", _globals.Keys.Order())} may appear in a checkpoint (nothing was executed)");
        return new PickleGlobal(module, name);
    }

    object? Call(object? f, object?[] args, int at)
    {
        if (f is not PickleGlobal g) throw Error(at, $"call of {Describe(f)}: only allowlisted globals can be called");
        return _globals[g.FullName](args);
    }

    static void SetItems(PickleDict d, List<object?> items, int at)
    {
        if (items.Count % 2 != 0) throw new InvalidDataException($"SETITEMS/DICT at byte {at} with an odd number of items");
        for (int i = 0; i < items.Count; i += 2) d.Set(items[i], items[i + 1]);
    }

    List<object?> AsList(object? o, int at) => o as List<object?> ?? throw Error(at, $"APPEND to {Describe(o)}, not a list");
    PickleDict AsDict(object? o, int at) => o as PickleDict ?? throw Error(at, $"SETITEM on {Describe(o)}, not a dict");

    static string Describe(object? o) => o switch
    {
        null => "None",
        PickleGlobal g => g.FullName,
        _ => o.GetType().Name,
    };

    object? Pop(List<object?> stack, int at)
    {
        if (stack.Count == 0) throw Error(at, "stack underflow");
        var v = stack[^1];
        stack.RemoveAt(stack.Count - 1);
        return v;
    }

    object? Peek(List<object?> stack, int at) => stack.Count > 0 ? stack[^1] : throw Error(at, "stack underflow");

    List<object?> PopToMark(List<object?> stack, Stack<int> marks, int at)
    {
        if (marks.Count == 0) throw Error(at, "no MARK to pop to");
        int m = marks.Pop();
        if (m > stack.Count) throw Error(at, "MARK beyond the stack");
        var items = stack.GetRange(m, stack.Count - m);
        stack.RemoveRange(m, stack.Count - m);
        return items;
    }

    object? Memo(Dictionary<long, object?> memo, long key, int at) =>
        memo.TryGetValue(key, out var v) ? v : throw Error(at, $"memo key {key} was never stored");

    ReadOnlySpan<byte> Take(ReadOnlySpan<byte> data, ref int pos, int n, int at)
    {
        if (n < 0 || pos + n > data.Length) throw Error(at, "the pickle ends inside an argument");
        var s = data.Slice(pos, n);
        pos += n;
        return s;
    }

    int Len8(ReadOnlySpan<byte> data, ref int pos, int at)
    {
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(Take(data, ref pos, 8, at));
        return n <= int.MaxValue ? (int)n : throw Error(at, $"8-byte length {n} is too large");
    }

    string ReadLine(ReadOnlySpan<byte> data, ref int pos, int at)
    {
        int nl = data[pos..].IndexOf((byte)'\n');
        if (nl < 0) throw Error(at, "a text argument has no end of line");
        var s = Encoding.UTF8.GetString(data.Slice(pos, nl));
        pos += nl + 1;
        return s;
    }

    static string Utf8(ReadOnlySpan<byte> b) => Encoding.UTF8.GetString(b);
    static string Latin1(ReadOnlySpan<byte> b) => Encoding.Latin1.GetString(b);

    string Unquote(string s, int at)
    {
        if (s.Length >= 2 && (s[0] == '\'' || s[0] == '"') && s[^1] == s[0]) return s[1..^1];
        throw Error(at, "STRING argument is not quoted");
    }

    long ParseLong(string s, int at) =>
        long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : throw Error(at, $"'{s}' is not an integer");

    /// <summary>Two's-complement little-endian integer (LONG1/LONG4): a long when it fits, else a BigInteger.</summary>
    static object Long(ReadOnlySpan<byte> b)
    {
        if (b.Length == 0) return 0L;
        var big = new BigInteger(b, isUnsigned: false, isBigEndian: false);
        return big >= long.MinValue && big <= long.MaxValue ? (long)big : big;
    }

    InvalidDataException Error(int at, string what) => new($"{_source}: byte {at}: {what}");
}
