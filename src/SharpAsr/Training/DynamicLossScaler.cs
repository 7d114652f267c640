using SharpTorch;

namespace SharpAsr.Training;

/// <summary>
/// fp16's dynamic loss scaling, as torch.cuda.amp.GradScaler: the loss is multiplied by <see cref="Scale"/> before
/// backward so small fp16 gradients do not flush to zero; before the optimizer step the gradients are divided by it
/// again and checked — any inf/NaN skips the step and multiplies the scale by <see cref="BackoffFactor"/>; after
/// <see cref="GrowthInterval"/> good steps in a row the scale grows by <see cref="GrowthFactor"/>.
/// </summary>
public sealed class DynamicLossScaler
{
    public double Scale { get; private set; }
    public double GrowthFactor { get; }
    public double BackoffFactor { get; }
    public int GrowthInterval { get; }
    /// <summary>Good steps since the last change of scale.</summary>
    public int GoodSteps { get; private set; }

    public DynamicLossScaler(double initialScale = 65536, double growthFactor = 2, double backoffFactor = 0.5, int growthInterval = 2000)
    {
        if (!(initialScale > 0) || !(growthFactor > 1) || !(backoffFactor > 0 && backoffFactor < 1) || growthInterval < 1)
            throw new ArgumentException($"loss scaler: need scale > 0, growth > 1, 0 < backoff < 1, interval ≥ 1 (got {initialScale}, {growthFactor}, {backoffFactor}, {growthInterval})");
        (Scale, GrowthFactor, BackoffFactor, GrowthInterval) = (initialScale, growthFactor, backoffFactor, growthInterval);
    }

    /// <summary>The loss to call Backward on.</summary>
    public Tensor ScaleLoss(Tensor loss) => loss * Scale;

    /// <summary>Divides every gradient by the scale; true when all are finite (the step may go ahead).</summary>
    public bool UnscaleAndCheck(IEnumerable<Tensor> parameters)
    {
        using var scope = Torch.NewScope();
        using var noGrad = Torch.NoGrad();
        bool finite = true;
        foreach (var p in parameters)
        {
            var g = p.Grad;
            if (g is null) continue;
            g.Mul_(1.0 / Scale);
            if (finite && g.IsFinite().All().To(DType.Int64).ItemLong() == 0) finite = false;
        }
        return finite;
    }

    /// <summary>After each step: back off on an overflow, grow after <see cref="GrowthInterval"/> good steps.</summary>
    public void Update(bool gradientsFinite)
    {
        if (!gradientsFinite)
        {
            Scale *= BackoffFactor;
            GoodSteps = 0;
            return;
        }
        if (++GoodSteps >= GrowthInterval)
        {
            Scale *= GrowthFactor;
            GoodSteps = 0;
        }
    }

    /// <summary>For checkpoints: (scale, good steps).</summary>
    public (double Scale, int GoodSteps) State => (Scale, GoodSteps);
    public void Restore(double scale, int goodSteps) => (Scale, GoodSteps) = (scale, goodSteps);
}
