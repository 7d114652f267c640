namespace SharpTorch;

/// <summary>
/// Frees native tensor memory deterministically. Every tensor created while a scope is current
/// belongs to it and is disposed when the scope ends, unless moved out with
/// <see cref="Tensor.MoveToOuterScope"/> or <see cref="Tensor.DetachFromScope"/>.
/// A training loop wraps each step in one: <c>using var scope = Torch.NewScope();</c>
/// </summary>
public sealed class DisposeScope : IDisposable
{
    [ThreadStatic] static DisposeScope? t_current;

    readonly DisposeScope? _parent;
    readonly List<Tensor> _owned = new();
    bool _disposed;

    internal DisposeScope()
    {
        _parent = t_current;
        t_current = this;
    }

    public static DisposeScope? Current => t_current;
    public DisposeScope? Parent => _parent;
    public int Count => _owned.Count;

    internal static void Register(Tensor t)
    {
        var s = t_current;
        if (s == null) return;
        t.Scope = s;
        s._owned.Add(t);
    }

    internal void Adopt(Tensor t)
    {
        t.Scope = this;
        _owned.Add(t);
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        // Tensors moved elsewhere have a different Scope and are skipped (removal would be O(n)).
        foreach (var t in _owned)
            if (ReferenceEquals(t.Scope, this)) t.Dispose();
        _owned.Clear();
        // Scopes nest strictly; restore the one that was current when this one began.
        t_current = _parent;
    }
}
