using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace SharpTorch;

/// <summary>An ATen operator found by schema name through the dispatcher, e.g. <c>new Op("aten::add", "Tensor")</c>.</summary>
public sealed class Op
{
    public readonly string Name;
    public readonly string Overload;
    IntPtr _handle;

    public Op(string name, string overload = "")
    {
        Name = name;
        Overload = overload;
    }

    /// <summary>The native handle, looked up on first use (so a missing op fails where it is used).</summary>
    public IntPtr Handle
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get
        {
            if (_handle == IntPtr.Zero)
            {
                Native.EnsureLoaded();
                _handle = Native.Check(Native.sa_op_find(Name, Overload));
            }
            return _handle;
        }
    }

    public string Schema => Marshal.PtrToStringUTF8(Native.sa_op_schema(Handle)) ?? "";

    // The four result shapes of the operators SharpTorch binds; arguments in schema order, trailing defaults left out.
    /// <summary>Calls an operator that returns one tensor.</summary>
    public Tensor Call(params ReadOnlySpan<OpArg> args) => Build(args).ReturnTensor();
    /// <summary>Calls an operator that returns a tuple of tensors.</summary>
    public Tensor[] CallTuple(params ReadOnlySpan<OpArg> args) => Build(args).ReturnTensors();
    /// <summary>Calls an operator that returns Tensor[].</summary>
    public Tensor[] CallList(params ReadOnlySpan<OpArg> args) => Build(args).ReturnTensorList();
    /// <summary>Calls an in-place operator on <paramref name="self"/> and returns it.</summary>
    public Tensor InPlace(Tensor self, params ReadOnlySpan<OpArg> args)
    {
        var c = new OpCall(this);
        c.Add(self);
        foreach (ref readonly var a in args) c.Add(in a);
        c.ReturnInPlace();
        return self;
    }

    OpCall Build(ReadOnlySpan<OpArg> args)
    {
        var c = new OpCall(this);
        foreach (ref readonly var a in args) c.Add(in a);
        return c;
    }
    public override string ToString() => Overload.Length == 0 ? Name : $"{Name}.{Overload}";
}

[InlineArray(16)] internal struct ValueBuffer { SaValue _e; }
[InlineArray(16)] internal struct RefBuffer { object? _e; }
[InlineArray(64)] internal struct LongBuffer { long _e; }
[InlineArray(64)] internal struct PtrBuffer { IntPtr _e; }

/// <summary>
/// Builds the argument list of one operator call on the stack and calls it. Arguments are given in
/// schema order; trailing ones left out take the schema's defaults. Lists are copied into inline
/// buffers of this stack-only struct, so the usual call pins and allocates nothing; a list that does
/// not fit (e.g. one tensor per parameter of a large model) goes to an array on the pinned object heap,
/// so list length has no cap.
/// Use: <c>var c = new OpCall(op); c.Add(a); c.Add(2.0); return c.ReturnTensor();</c>
/// </summary>
public unsafe ref struct OpCall
{
    readonly Op _op;
    ValueBuffer _values;
    RefBuffer _refs;      // keeps argument tensors alive until the call returns
    LongBuffer _longs;    // storage of int lists
    PtrBuffer _ptrs;      // storage of tensor lists
    int _n, _nLongs, _nPtrs;
    List<Array>? _spilled; // lists too long for the inline buffers, on the pinned object heap
    const int InlineListRoom = 64;

    public OpCall(Op op)
    {
        _op = op;
        _n = 0;
        _nLongs = 0;
        _nPtrs = 0;
        _spilled = null;
    }

    [System.Diagnostics.CodeAnalysis.UnscopedRef]
    ref SaValue Next(int kind)
    {
        if (_n >= 16) throw new InvalidOperationException($"{_op}: more than 16 arguments");
        ref var v = ref _values[_n++];
        v.Kind = kind;
        return ref v;
    }

    public void Add(Tensor? t)
    {
        _refs[_n] = t;
        ref var v = ref Next(ValueKind.Tensor);
        v.P = t is null ? IntPtr.Zero : t.Handle;
    }

    public void Add(long i) => Next(ValueKind.Int).I = i;
    public void Add(int i) => Next(ValueKind.Int).I = i;
    public void Add(double d) => Next(ValueKind.Double).D = d;
    public void Add(bool b) => Next(ValueKind.Bool).I = b ? 1 : 0;
    public void Add(DType t) => Next(ValueKind.DType).I = (int)t;
    public void AddNone() => Next(ValueKind.None);

    public void Add(Device d)
    {
        ref var v = ref Next(ValueKind.Device);
        v.I = (int)d.Type;
        v.Len = d.Index;
    }

    public void Add(DType? t)
    {
        if (t is null) AddNone();
        else Add(t.Value);
    }

    public void Add(double? d)
    {
        if (d is null) AddNone();
        else Add(d.Value);
    }

    public void Add(long? i)
    {
        if (i is null) AddNone();
        else Add(i.Value);
    }

    public void Add(Generator? g)
    {
        _refs[_n] = g;
        if (g is null) AddNone();
        else Next(ValueKind.Generator).P = g.Handle;
    }

    public void Add(scoped ReadOnlySpan<long> list)
    {
        if (_nLongs + list.Length <= InlineListRoom)
        {
            int start = _nLongs;
            for (int k = 0; k < list.Length; k++) _longs[_nLongs++] = list[k];
            ref var v = ref Next(ValueKind.IntList);
            v.I = start; // turned into a pointer in Invoke, once the struct no longer moves
            v.Len = list.Length;
            return;
        }
        var spilled = GC.AllocateUninitializedArray<long>(list.Length, pinned: true);
        list.CopyTo(spilled);
        AddSpilled(ValueKind.IntList, spilled, list.Length);
    }

    public void AddBools(scoped ReadOnlySpan<bool> list)
    {
        Span<long> tmp = stackalloc long[list.Length];
        for (int k = 0; k < list.Length; k++) tmp[k] = list[k] ? 1 : 0;
        Add(tmp);
        _values[_n - 1].Kind = ValueKind.BoolList;
    }

    public void Add(IReadOnlyList<Tensor?> list)
    {
        _refs[_n] = list; // keeps the listed tensors, whose handles are copied below, alive
        if (_nPtrs + list.Count <= InlineListRoom)
        {
            int start = _nPtrs;
            for (int k = 0; k < list.Count; k++) _ptrs[_nPtrs++] = list[k]?.Handle ?? IntPtr.Zero;
            ref var v = ref Next(ValueKind.TensorList);
            v.I = start;
            v.Len = list.Count;
            return;
        }
        var spilled = GC.AllocateUninitializedArray<IntPtr>(list.Count, pinned: true);
        for (int k = 0; k < list.Count; k++) spilled[k] = list[k]?.Handle ?? IntPtr.Zero;
        AddSpilled(ValueKind.TensorList, spilled, list.Count);
    }

    /// <summary>A list in its own pinned array: its address is final now, so Invoke leaves it as is (I = −1).</summary>
    void AddSpilled(int kind, Array pinned, int length)
    {
        (_spilled ??= new List<Array>()).Add(pinned);
        ref var v = ref Next(kind);
        v.P = Marshal.UnsafeAddrOfPinnedArrayElement(pinned, 0);
        v.I = -1;
        v.Len = length;
    }

    public void Add(in OpArg a)
    {
        switch (a.Kind)
        {
            case OpArg.Form.Tensor: Add((Tensor?)a.Ref); break;
            case OpArg.Form.Int: Add(a.I); break;
            case OpArg.Form.Double: Add(a.D); break;
            case OpArg.Form.Bool: Add(a.I != 0); break;
            case OpArg.Form.None: AddNone(); break;
            case OpArg.Form.DType: Add((DType)a.I); break;
            case OpArg.Form.Device: Add(new Device((DeviceType)a.I, (int)a.J)); break;
            case OpArg.Form.Generator: Add((Generator?)a.Ref); break;
            case OpArg.Form.String: Add((string)a.Ref!); break;
            case OpArg.Form.IntArray: Add((long[])a.Ref!); break;
            case OpArg.Form.InlineInts: Add(a.Count == 0 ? ReadOnlySpan<long>.Empty : a.Count == 1 ? new ReadOnlySpan<long>(in a.I) : stackalloc long[] { a.I, a.J }); break;
            case OpArg.Form.TensorList: Add((IReadOnlyList<Tensor?>)a.Ref!); break;
        }
    }

    public void Add(string s)
    {
        Next(ValueKind.String).P = Utf8Constants.Get(s);
    }

    /// <summary>Calls the operator; results land in <paramref name="outs"/>; returns how many.</summary>
    public int Invoke(scoped Span<SaValue> outs)
    {
        var handle = _op.Handle;
        fixed (SaValue* args = &_values[0])
        fixed (long* longs = &_longs[0])
        fixed (IntPtr* ptrs = &_ptrs[0])
        fixed (SaValue* o = outs)
        {
            for (int k = 0; k < _n; k++)
            {
                ref var v = ref args[k];
                bool inline = v.I >= 0; // a spilled list already points into its pinned array
                if ((v.Kind == ValueKind.IntList || v.Kind == ValueKind.BoolList) && inline) v.P = (IntPtr)(longs + v.I);
                else if (v.Kind == ValueKind.TensorList && inline) v.P = (IntPtr)(ptrs + v.I);
            }
            int n = Native.sa_op_call(handle, args, _n, o, outs.Length);
            GC.KeepAlive(_refs[0]); // the whole buffer stays reachable through this struct until here
            for (int k = 1; k < _n; k++) GC.KeepAlive(_refs[k]);
            GC.KeepAlive(_spilled);
            if (n < 0) throw new TorchException(Native.LastError());
            return n;
        }
    }

    /// <summary>Calls an operator that returns one tensor.</summary>
    public Tensor ReturnTensor()
    {
        Span<SaValue> outs = stackalloc SaValue[1];
        Invoke(outs);
        return Tensor.FromOutput(outs[0]);
    }

    /// <summary>Calls an operator that returns several tensors (a tuple).</summary>
    public Tensor[] ReturnTensors()
    {
        Span<SaValue> outs = stackalloc SaValue[8];
        int n = Invoke(outs);
        var res = new Tensor[n];
        for (int k = 0; k < n; k++) res[k] = Tensor.FromOutput(outs[k]);
        return res;
    }

    /// <summary>Calls an operator that returns Tensor[].</summary>
    public Tensor[] ReturnTensorList()
    {
        Span<SaValue> outs = stackalloc SaValue[1];
        Invoke(outs);
        return Tensor.FromListOutput(outs[0]);
    }

    /// <summary>Calls an in-place operator and discards the returned alias of its argument.</summary>
    public void ReturnInPlace()
    {
        Span<SaValue> outs = stackalloc SaValue[1];
        Invoke(outs);
        if (outs[0].Kind == ValueKind.Tensor && outs[0].P != IntPtr.Zero) Native.sa_tensor_free(outs[0].P);
    }

    public double ReturnDouble()
    {
        Span<SaValue> outs = stackalloc SaValue[1];
        Invoke(outs);
        return outs[0].Kind == ValueKind.Double ? outs[0].D : outs[0].I;
    }

    public long ReturnLong()
    {
        Span<SaValue> outs = stackalloc SaValue[1];
        Invoke(outs);
        return outs[0].Kind == ValueKind.Double ? (long)outs[0].D : outs[0].I;
    }
}

/// <summary>UTF-8 copies of the few string constants operators take ("constant", "reflect" …), made once.</summary>
internal static class Utf8Constants
{
    static readonly System.Collections.Concurrent.ConcurrentDictionary<string, IntPtr> s_cache = new();
    public static IntPtr Get(string s) => s_cache.GetOrAdd(s, x => Marshal.StringToCoTaskMemUTF8(x));
}
