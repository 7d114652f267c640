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
        foreach (var p in Params)
        {
            using var inner = Torch.NewScope();
            var g = p.Tensor.Grad;
            if (g is null) continue;
            Update(p, g);
        }
    }

    protected abstract void Update(NamedParameter p, Tensor grad);

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

    protected override void Update(NamedParameter p, Tensor grad)
    {
        var m = Slot(p, "exp_avg");
        var v = Slot(p, "exp_avg_sq");
        if (p.WeightDecay != 0) p.Tensor.Mul_(1 - Lr * p.WeightDecay);
        m.Lerp_(grad, 1 - Beta1);
        v.Mul_(Beta2).Addcmul_(grad, grad, 1 - Beta2);
        double bc1 = 1 - Math.Pow(Beta1, StepCount);
        double bc2 = 1 - Math.Pow(Beta2, StepCount);
        var denom = v.Sqrt() / Math.Sqrt(bc2) + Eps;
        p.Tensor.Addcdiv_(m, denom, -Lr / bc1);
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

    protected override void Update(NamedParameter p, Tensor grad)
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
