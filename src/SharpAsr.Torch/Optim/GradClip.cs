namespace SharpTorch.Optim;

/// <summary>
/// libtorch's <c>clip_grad_norm_</c>: one L2 norm over all gradients (each tensor's norm in one fused
/// <c>_foreach_norm</c>, then the norm of those), and every gradient scaled by max_norm / (norm + 1e-6) when
/// that is below 1. Any number of parameter tensors. A non-finite norm leaves the gradients as they are and
/// is returned, for the caller to skip the step (libtorch would scale every gradient to NaN).
/// </summary>
public static class GradClip
{
    /// <summary>Clips the gradients of <paramref name="parameters"/> to a global norm of at most <paramref name="maxNorm"/>; returns the norm before clipping.</summary>
    public static double ClipGradNorm(IEnumerable<Tensor> parameters, double maxNorm)
    {
        using var scope = Torch.NewScope();
        var grads = Gradients(parameters);
        double total = GlobalNorm(grads);
        double coefficient = maxNorm / (total + 1e-6);
        if (double.IsFinite(total) && coefficient < 1)
            using (Torch.NoGrad()) Torch.ForeachMul_(grads, coefficient);
        return total;
    }

    /// <summary>The global L2 norm of the gradients of <paramref name="parameters"/> (0 when none has one); nothing is changed.</summary>
    public static double GradNorm(IEnumerable<Tensor> parameters)
    {
        using var scope = Torch.NewScope();
        return GlobalNorm(Gradients(parameters));
    }

    static List<Tensor> Gradients(IEnumerable<Tensor> parameters) => parameters.Select(p => p.Grad).OfType<Tensor>().ToList();

    static double GlobalNorm(List<Tensor> grads)
    {
        if (grads.Count == 0) return 0;
        using var noGrad = Torch.NoGrad();
        return Torch.Stack(Torch.ForeachNorm(grads)).Norm(2).Item();
    }
}
