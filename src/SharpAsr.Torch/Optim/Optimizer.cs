using System.Text.RegularExpressions;

namespace SharpTorch.Optim;

/// <summary>One trainable tensor with its name (for weight-decay exclusion and state saving).</summary>
public sealed record NamedParameter(string Name, Tensor Tensor, double WeightDecay);

/// <summary>
/// Base of the optimizers: named parameters, a learning rate the schedule sets each step, per-parameter
/// state tensors saved by name (so a checkpoint's optimizer state is a plain state dict).
/// </summary>
public abstract class Optimizer : IDisposable
{
    protected readonly List<NamedParameter> Params;
    protected readonly Dictionary<string, Tensor> State = new();

    public double Lr { get; set; }
    public long StepCount { get; protected set; }

    /// <param name="noDecay">regular expressions; parameters whose name matches any get no weight decay (biases, norms, embeddings …)</param>
    protected Optimizer(IEnumerable<(string Name, Tensor Parameter)> parameters, double lr, double weightDecay, IEnumerable<string>? noDecay)
    {
        Lr = lr;
        var patterns = (noDecay ?? Array.Empty<string>()).Select(p => new Regex(p, RegexOptions.Compiled)).ToList();
        Params = parameters.Select(p => new NamedParameter(p.Name, p.Parameter, patterns.Any(r => r.IsMatch(p.Name)) ? 0 : weightDecay)).ToList();
    }

    public IReadOnlyList<NamedParameter> Parameters => Params;

    /// <summary>Updates every parameter that has a gradient.</summary>
    public void Step()
    {
        StepCount++;
        using var scope = Torch.NewScope();
        using var noGrad = Torch.NoGrad();
        var withGradients = new List<(NamedParameter, Tensor)>(Params.Count);
        foreach (var p in Params)
            if (p.Tensor.Grad is { } g) withGradients.Add((p, g));
        Update(withGradients);
    }

    /// <summary>One step's update of the parameters that have a gradient (in a no-grad scope the step disposes).</summary>
    protected abstract void Update(IReadOnlyList<(NamedParameter Parameter, Tensor Gradient)> withGradients);

    /// <summary>The state tensor <paramref name="slot"/> of parameter <paramref name="p"/>, created as zeros on first use.</summary>
    protected Tensor Slot(NamedParameter p, string slot)
    {
        var key = p.Name + "." + slot;
        if (!State.TryGetValue(key, out var t))
        {
            t = Torch.ZerosLike(p.Tensor).Detach().DetachFromScope();
            State[key] = t;
        }
        return t;
    }

    public void ZeroGrad()
    {
        foreach (var p in Params) p.Tensor.Grad = null;
    }

    /// <summary>State tensors by "param.slot" name plus the step count, for checkpoints.</summary>
    public Dictionary<string, Tensor> StateDict()
    {
        var d = new Dictionary<string, Tensor>(State);
        d["__step__"] = Torch.Tensor(new long[] { StepCount }).DetachFromScope();
        return d;
    }

    public void LoadStateDict(IReadOnlyDictionary<string, Tensor> state)
    {
        foreach (var (k, v) in state)
        {
            if (k == "__step__")
            {
                StepCount = v.ItemLong();
                continue;
            }
            var name = k[..k.LastIndexOf('.')];
            var p = Params.FirstOrDefault(x => x.Name == name)
                ?? throw new InvalidDataException($"optimizer state names parameter '{name}' that this model does not have");
            Slot(p, k[(name.Length + 1)..]).CopyDataFrom(v);
        }
    }

    public void Dispose()
    {
        foreach (var t in State.Values) t.Dispose();
        State.Clear();
        GC.SuppressFinalize(this);
    }
}

/// <summary>AdamW (decoupled weight decay, Loshchilov &amp; Hutter), as torch.optim.AdamW.</summary>
public sealed class AdamW : Optimizer
{
    public double Beta1 { get; }
    public double Beta2 { get; }
    public double Eps { get; }

    public AdamW(IEnumerable<(string Name, Tensor Parameter)> parameters, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999,
        double eps = 1e-8, double weightDecay = 1e-2, IEnumerable<string>? noDecay = null)
        : base(parameters, lr, weightDecay, noDecay)
    {
        (Beta1, Beta2, Eps) = (beta1, beta2, eps);
    }

    /// <summary>
    /// All parameters in one call to the shim (native/src/optim.cpp): contiguous float32 CPU tensors in one fused pass
    /// each, where the composite form (weight decay, lerp, mul, addcmul, sqrt, div, add, addcdiv) takes eight aten
    /// ops; others (CUDA) with those ops. Both agree with torch.optim.AdamW to rounding.
    /// </summary>
    protected override unsafe void Update(IReadOnlyList<(NamedParameter Parameter, Tensor Gradient)> withGradients)
    {
        int n = withGradients.Count;
        var handles = new IntPtr[4 * n];
        var weightDecays = new double[n];
        for (int i = 0; i < n; i++)
        {
            var (p, g) = withGradients[i];
            handles[i] = p.Tensor.Handle;
            handles[n + i] = g.Handle;
            handles[2 * n + i] = Slot(p, "exp_avg").Handle;
            handles[3 * n + i] = Slot(p, "exp_avg_sq").Handle;
            weightDecays[i] = p.WeightDecay;
        }
        fixed (IntPtr* h = handles)
        fixed (double* wd = weightDecays)
            Native.Check(Native.sa_adamw_step(h, h + n, h + 2 * n, h + 3 * n, wd, n, Lr, Beta1, Beta2, Eps, StepCount));
        GC.KeepAlive(withGradients);
        GC.KeepAlive(State);
    }
}

/// <summary>SGD with momentum and (coupled) weight decay, as torch.optim.SGD.</summary>
public sealed class Sgd : Optimizer
{
    public double Momentum { get; }

    public Sgd(IEnumerable<(string Name, Tensor Parameter)> parameters, double lr, double momentum = 0, double weightDecay = 0, IEnumerable<string>? noDecay = null)
        : base(parameters, lr, weightDecay, noDecay)
    {
        Momentum = momentum;
    }

    protected override void Update(IReadOnlyList<(NamedParameter Parameter, Tensor Gradient)> withGradients)
    {
        foreach (var (p, grad) in withGradients)
        {
            using var inner = Torch.NewScope();
            Update(p, grad);
        }
    }

    void Update(NamedParameter p, Tensor grad)
    {
        var g = p.WeightDecay != 0 ? grad.Add(p.Tensor, p.WeightDecay) : grad;
        if (Momentum != 0)
        {
            // torch initialises the buffer with the first gradient, then buf = momentum·buf + g
            bool fresh = !State.ContainsKey(p.Name + ".momentum_buffer");
            var buf = Slot(p, "momentum_buffer");
            if (fresh) buf.Copy_(g);
            else buf.Mul_(Momentum).Add_(g);
            g = buf;
        }
        p.Tensor.Add_(g, -Lr);
    }
}
