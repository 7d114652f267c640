namespace SharpTorch.Nn;

/// <summary>y = x·Wᵀ + b; weight [out, in] as torch.nn.Linear.</summary>
public sealed class Linear : Module
{
    public readonly Tensor Weight;
    public readonly Tensor? Bias;
    public long InFeatures { get; }
    public long OutFeatures { get; }

    public Linear(long inFeatures, long outFeatures, bool bias = true)
    {
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        var bound = Init.DefaultBound(inFeatures);
        Weight = RegisterParameter("weight", Init.Uniform(new[] { outFeatures, inFeatures }, bound));
        if (bias) Bias = RegisterParameter("bias", Init.Uniform(new[] { outFeatures }, bound));
    }

    public Tensor Forward(Tensor x) => Functional.Linear(x, Weight, Bias);
}

/// <summary>A lookup table [num, dim]; the padding row (if any) starts at zero and gets no gradient.</summary>
public sealed class Embedding : Module
{
    public readonly Tensor Weight;
    public long PaddingIdx { get; }

    public Embedding(long numEmbeddings, long dim, long paddingIdx = -1)
    {
        PaddingIdx = paddingIdx < 0 ? -1 : paddingIdx;
        var w = Init.Normal(new[] { numEmbeddings, dim });
        if (PaddingIdx >= 0)
            using (Torch.NoGrad())
            using (var row = w.Select(0, PaddingIdx))
                row.Zero_();
        Weight = RegisterParameter("weight", w);
    }

    public Tensor Forward(Tensor indices) => Functional.Embedding(Weight, indices, PaddingIdx);
}

/// <summary>Dropout with probability P in training mode.</summary>
public sealed class Dropout : Module
{
    public double P { get; }
    public Dropout(double p) => P = p;
    public Tensor Forward(Tensor x) => Functional.Dropout(x, P, Training);
}
