using SharpTorch;
using SharpTorch.Nn;

namespace SharpAsr.Training;

/// <summary>
/// Exponential moving average of a model's weights (caiman's and NeMo's EMA): after every optimizer step,
/// <c>ema ← decay·ema + (1 − decay)·weights</c> for each parameter; buffers (running statistics) are copied as
/// they are. The average starts as a copy of the weights when training starts (after any --init-from). It never
/// feeds back into training: validation, the final evaluation and export swap it in with <see cref="SwapIn"/>.
/// Saved as <c>ema.safetensors</c> (same names as model.safetensors) in every checkpoint.
/// </summary>
public sealed class WeightEma : IDisposable
{
    readonly Module _model;
    // name → (the model's own tensor, its average); fp32 like the weights they track
    readonly List<(string Name, Tensor Weight, Tensor Average, bool IsParameter)> _entries = new();

    public double Decay { get; }
    /// <summary>Updates applied so far (restored on resume with the average itself).</summary>
    public long Updates { get; private set; }

    public WeightEma(Module model, double decay)
    {
        if (!(decay > 0 && decay < 1)) throw new ArgumentOutOfRangeException(nameof(decay), $"train.ema_decay must be in (0, 1) (0 switches EMA off), got {decay}");
        _model = model;
        Decay = decay;
        using var noGrad = Torch.NoGrad();
        foreach (var (name, p) in model.NamedParameters()) _entries.Add((name, p, p.Detach().Clone().DetachFromScope(), true));
        foreach (var (name, b) in model.NamedBuffers()) _entries.Add((name, b, b.Detach().Clone().DetachFromScope(), false));
    }

    /// <summary>One update after an optimizer step.</summary>
    public void Update()
    {
        using var scope = Torch.NewScope();
        using var noGrad = Torch.NoGrad();
        foreach (var (_, w, avg, isParameter) in _entries)
        {
            // lerp: avg + (1−decay)·(w − avg) = decay·avg + (1−decay)·w
            if (isParameter && w.DType.IsFloatingPoint()) avg.Lerp_(w, 1 - Decay);
            else avg.Copy_(w);
        }
        Updates++;
    }

    /// <summary>Starts the average again from the model's current weights (a resumed checkpoint without an EMA).</summary>
    public void Reset()
    {
        using var noGrad = Torch.NoGrad();
        foreach (var (_, w, avg, _) in _entries) avg.CopyDataFrom(w);
        Updates = 0;
    }

    /// <summary>The averaged weights by state-dict name (the tensors are this object's own, not copies).</summary>
    public Dictionary<string, Tensor> StateDict() => _entries.ToDictionary(e => e.Name, e => e.Average);

    /// <summary>Restores the average from a checkpoint's ema.safetensors (names and shapes must match the model).</summary>
    public void LoadStateDict(IReadOnlyDictionary<string, Tensor> state, string source, long updates)
    {
        using var noGrad = Torch.NoGrad();
        foreach (var (name, _, avg, _) in _entries)
        {
            if (!state.TryGetValue(name, out var src)) throw new InvalidDataException($"{source}: no tensor '{name}' (the EMA does not match the model)");
            if (!src.Shape.SequenceEqual(avg.Shape))
                throw new InvalidDataException($"{source}: '{name}' has shape [{string.Join(", ", src.Shape)}], the model [{string.Join(", ", avg.Shape)}]");
            avg.CopyDataFrom(src);
        }
        Updates = updates;
    }

    /// <summary>
    /// Puts the averaged weights into the model until the returned object is disposed, which puts the trained
    /// weights back bit for bit (validation with the EMA must not disturb training or exact resume).
    /// </summary>
    public IDisposable SwapIn()
    {
        var saved = new List<(Tensor Weight, Tensor Copy)>();
        using (Torch.NoGrad())
            foreach (var (_, w, avg, _) in _entries)
            {
                saved.Add((w, w.Detach().Clone().DetachFromScope()));
                w.CopyDataFrom(avg);
            }
        return new Restore(saved);
    }

    sealed class Restore(List<(Tensor Weight, Tensor Copy)> saved) : IDisposable
    {
        public void Dispose()
        {
            using var noGrad = Torch.NoGrad();
            foreach (var (w, copy) in saved)
            {
                w.CopyDataFrom(copy);
                copy.Dispose();
            }
            saved.Clear();
        }
    }

    public void Dispose()
    {
        foreach (var e in _entries) e.Average.Dispose();
        _entries.Clear();
    }
}
