namespace SharpTorch;

/// <summary>
/// One argument of an operator call in any form a schema takes — tensor (or none), int, float, bool, dtype, device,
/// generator, string, int list, tensor list — made by implicit conversion, so a wrapper is one expression over the
/// operator's declaration in <see cref="Ops"/>: <c>public Tensor Gather(long dim, Tensor index) => Ops.Gather.Call(this, dim, index);</c>.
/// Small int lists (<see cref="Ints(long)"/>, <see cref="Ints(long, long)"/>) are held inline, so a call allocates nothing.
/// </summary>
public readonly struct OpArg
{
    internal enum Form : byte { Tensor, Int, Double, Bool, None, DType, Device, Generator, String, IntArray, InlineInts, TensorList }

    internal readonly Form Kind;
    internal readonly int Count;     // InlineInts: how many of I, J
    internal readonly long I, J;     // Int, Bool, DType, InlineInts; Device: type, index
    internal readonly double D;
    internal readonly object? Ref;   // Tensor, Generator, string, long[], IReadOnlyList<Tensor?>

    OpArg(Form kind, long i = 0, long j = 0, double d = 0, object? r = null, int count = 0) => (Kind, I, J, D, Ref, Count) = (kind, i, j, d, r, count);

    public static readonly OpArg None = new(Form.None);

    public static implicit operator OpArg(Tensor? t) => new(Form.Tensor, r: t);
    public static implicit operator OpArg(long i) => new(Form.Int, i);
    public static implicit operator OpArg(int i) => new(Form.Int, i);
    public static implicit operator OpArg(double d) => new(Form.Double, d: d);
    public static implicit operator OpArg(bool b) => new(Form.Bool, b ? 1 : 0);
    public static implicit operator OpArg(DType t) => new(Form.DType, (int)t);
    public static implicit operator OpArg(DType? t) => t is { } v ? v : None;
    public static implicit operator OpArg(double? d) => d is { } v ? v : None;
    public static implicit operator OpArg(long? i) => i is { } v ? v : None;
    public static implicit operator OpArg(Device d) => new(Form.Device, (int)d.Type, d.Index);
    public static implicit operator OpArg(Device? d) => d is { } v ? v : None;
    public static implicit operator OpArg(Generator? g) => g is null ? None : new(Form.Generator, r: g);
    public static implicit operator OpArg(string s) => new(Form.String, r: s);
    public static implicit operator OpArg(long[] list) => new(Form.IntArray, r: list);
    public static implicit operator OpArg(Tensor?[] list) => new(Form.TensorList, r: list);
    public static implicit operator OpArg(List<Tensor> list) => new(Form.TensorList, r: list);

    /// <summary>An int list of none, one or two values (strides, paddings, a reduced dimension), held inline.</summary>
    public static OpArg Ints() => new(Form.InlineInts, count: 0);
    public static OpArg Ints(long a) => new(Form.InlineInts, a, count: 1);
    public static OpArg Ints(long a, long b) => new(Form.InlineInts, a, b, count: 2);
    /// <summary>Any list of tensors (a c10 Tensor[] argument).</summary>
    public static OpArg Tensors(IReadOnlyList<Tensor?> list) => new(Form.TensorList, r: list);
}
