namespace SharpTorch.Nn;

/// <summary>
/// A neural-network module with named parameters, buffers and children, like torch.nn.Module.
/// State-dict names are PyTorch's dotted paths ("encoder.layers.0.linear1.weight"), so weights map one
/// to one onto checkpoints written by PyTorch code. Forward methods are defined by each subclass with
/// the signature it needs.
/// </summary>
public abstract class Module : IDisposable
{
    readonly List<(string Name, Tensor Tensor)> _parameters = new();
    readonly List<(string Name, Tensor Tensor)> _buffers = new();
    readonly List<(string Name, Module Module)> _children = new();

    public bool Training { get; private set; } = true;

    /// <summary>Registers a parameter (the module owns it; it requires grad).</summary>
    protected Tensor RegisterParameter(string name, Tensor t)
    {
        CheckName(name);
        t.DetachFromScope();
        t.RequiresGrad = true;
        _parameters.Add((name, t));
        return t;
    }

    /// <summary>Registers a buffer: state saved in the state dict but not trained (running statistics …).</summary>
    protected Tensor RegisterBuffer(string name, Tensor t)
    {
        CheckName(name);
        t.DetachFromScope();
        _buffers.Add((name, t));
        return t;
    }

    protected T RegisterModule<T>(string name, T module) where T : Module
    {
        CheckName(name);
        _children.Add((name, module));
        return module;
    }

    void CheckName(string name)
    {
        if (string.IsNullOrEmpty(name) || name.Contains('.')) throw new ArgumentException($"invalid member name '{name}'");
        if (_parameters.Any(p => p.Name == name) || _buffers.Any(b => b.Name == name) || _children.Any(c => c.Name == name))
            throw new ArgumentException($"{GetType().Name} already has a member named '{name}'");
    }

    public IEnumerable<(string Name, Module Module)> NamedChildren() => _children;

    public IEnumerable<(string Name, Module Module)> NamedModules(string prefix = "")
    {
        yield return (prefix, this);
        foreach (var (name, child) in _children)
            foreach (var m in child.NamedModules(Join(prefix, name))) yield return m;
    }

    public IEnumerable<(string Name, Tensor Parameter)> NamedParameters(string prefix = "")
    {
        foreach (var (name, p) in _parameters) yield return (Join(prefix, name), p);
        foreach (var (name, child) in _children)
            foreach (var p in child.NamedParameters(Join(prefix, name))) yield return p;
    }

    public IEnumerable<(string Name, Tensor Buffer)> NamedBuffers(string prefix = "")
    {
        foreach (var (name, b) in _buffers) yield return (Join(prefix, name), b);
        foreach (var (name, child) in _children)
            foreach (var b in child.NamedBuffers(Join(prefix, name))) yield return b;
    }

    public IEnumerable<Tensor> Parameters() => NamedParameters().Select(p => p.Parameter);

    static string Join(string prefix, string name) => prefix.Length == 0 ? name : prefix + "." + name;

    /// <summary>Number of trainable elements.</summary>
    public long ParameterCount => NamedParameters().Sum(p => p.Parameter.NumEl);

    /// <summary>Parameters and buffers by dotted name. The tensors are the module's own (not copies).</summary>
    public Dictionary<string, Tensor> StateDict()
    {
        var d = new Dictionary<string, Tensor>();
        foreach (var (n, p) in NamedParameters()) d[n] = p;
        foreach (var (n, b) in NamedBuffers()) d[n] = b;
        return d;
    }

    /// <summary>
    /// Copies values from <paramref name="state"/> into this module's tensors (dtype and device converted).
    /// Returns what was loaded, missing, unexpected and shape-mismatched; with <paramref name="strict"/>
    /// any missing, unexpected or mismatched name throws, listing them all.
    /// </summary>
    public LoadReport LoadStateDict(IReadOnlyDictionary<string, Tensor> state, bool strict = true)
    {
        var report = new LoadReport();
        var own = StateDict();
        using (Torch.NoGrad())
        {
            foreach (var (name, target) in own)
            {
                if (!state.TryGetValue(name, out var src))
                {
                    report.Missing.Add(name);
                    continue;
                }
                var ts = target.Shape;
                var ss = src.Shape;
                if (!ts.SequenceEqual(ss))
                {
                    report.Mismatched.Add($"{name}: checkpoint [{string.Join(", ", ss)}] vs model [{string.Join(", ", ts)}]");
                    continue;
                }
                using var scope = Torch.NewScope();
                target.CopyDataFrom(src);
                report.Loaded.Add(name);
            }
        }
        foreach (var name in state.Keys)
            if (!own.ContainsKey(name)) report.Unexpected.Add(name);
        if (strict && !report.IsComplete) throw new InvalidDataException("state dict does not match the model:\n" + report);
        return report;
    }

    /// <summary>Sets training mode on this module and every child (dropout, batch-norm statistics).</summary>
    public virtual Module Train(bool on = true)
    {
        Training = on;
        foreach (var (_, c) in _children) c.Train(on);
        return this;
    }

    public Module Eval() => Train(false);

    /// <summary>Moves (or casts) every parameter and buffer in place; tensors keep their identity, so optimizers stay valid.</summary>
    public Module To(Device device)
    {
        using var scope = Torch.NewScope();
        foreach (var (_, t) in NamedParameters().Concat(NamedBuffers()))
            if (t.Device != device) t.SetData(t.To(device));
        return this;
    }

    public Module To(DType dtype)
    {
        using var scope = Torch.NewScope();
        foreach (var (_, t) in NamedParameters().Concat(NamedBuffers()))
            if (t.DType.IsFloatingPoint() && t.DType != dtype) t.SetData(t.To(dtype));
        return this;
    }

    /// <summary>Sets every parameter's gradient to none.</summary>
    public void ZeroGrad()
    {
        foreach (var p in Parameters()) p.Grad = null;
    }

    public virtual void Dispose()
    {
        foreach (var (_, p) in _parameters) p.Dispose();
        foreach (var (_, b) in _buffers) b.Dispose();
        foreach (var (_, c) in _children) c.Dispose();
        GC.SuppressFinalize(this);
    }
}

/// <summary>What <see cref="Module.LoadStateDict"/> did with each name.</summary>
public sealed class LoadReport
{
    public List<string> Loaded { get; } = new();
    public List<string> Missing { get; } = new();
    public List<string> Unexpected { get; } = new();
    public List<string> Mismatched { get; } = new();
    public bool IsComplete => Missing.Count == 0 && Unexpected.Count == 0 && Mismatched.Count == 0;

    public override string ToString()
    {
        var sb = new System.Text.StringBuilder();
        sb.AppendLine($"loaded {Loaded.Count}, missing {Missing.Count}, unexpected {Unexpected.Count}, shape-mismatched {Mismatched.Count}");
        foreach (var m in Missing) sb.AppendLine("  missing: " + m);
        foreach (var u in Unexpected) sb.AppendLine("  unexpected: " + u);
        foreach (var m in Mismatched) sb.AppendLine("  shape mismatch: " + m);
        return sb.ToString().TrimEnd();
    }
}

/// <summary>An indexed list of child modules, named "0", "1", … as torch.nn.ModuleList.</summary>
public sealed class ModuleList<T> : Module where T : Module
{
    readonly List<T> _items = new();

    public ModuleList(IEnumerable<T> items)
    {
        foreach (var m in items) Add(m);
    }

    public void Add(T m)
    {
        RegisterModule(_items.Count.ToString(), m);
        _items.Add(m);
    }

    public int Count => _items.Count;
    public T this[int i] => _items[i];
    public IEnumerator<T> GetEnumerator() => _items.GetEnumerator();
}
