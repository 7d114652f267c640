using SharpAsr.Config;
using SharpTorch;

namespace SharpAsr.Features;

/// <summary>
/// Dataset-level per-band mean and standard deviation (caiman's optional normalisation statistics): feed it
/// un-normalised features (normalize = "none") batch by batch, then copy <see cref="Mean"/>/<see cref="Std"/>
/// into <see cref="FeaturizerConfig.FixedMean"/>/<see cref="FeaturizerConfig.FixedStd"/> with normalize = "fixed".
/// Sums are kept in double so long datasets do not lose precision.
/// </summary>
public sealed class FeatureStatistics
{
    readonly double[] _sum, _sumSquares;
    public long Frames { get; private set; }
    public int Bands => _sum.Length;

    public FeatureStatistics(int bands)
    {
        _sum = new double[bands];
        _sumSquares = new double[bands];
    }

    /// <summary>Adds the valid frames of features [B, bands, frames] with frame lengths [B].</summary>
    public void Add(Tensor features, Tensor lengths)
    {
        if (features.Dim != 3 || features.Size(1) != Bands)
            throw new ArgumentException($"feature statistics: expected [batch, {Bands}, frames], got [{string.Join(", ", features.Shape)}]");
        using var scope = Torch.NewScope();
        var x = features.To(DType.Float64);
        var valid = Torch.Arange(0, x.Size(2), 1, DType.Int64, x.Device).Unsqueeze(0).Lt(lengths.To(x.Device).Unsqueeze(1)).Unsqueeze(1);
        x = x.MaskedFill(valid.LogicalNot(), 0);
        var sum = x.Sum(new long[] { 0, 2 }).ToDoubleArray();
        var squares = x.Pow(2).Sum(new long[] { 0, 2 }).ToDoubleArray();
        for (int k = 0; k < Bands; k++)
        {
            _sum[k] += sum[k];
            _sumSquares[k] += squares[k];
        }
        Frames += lengths.Sum().ItemLong();
    }

    public double[] Mean => _sum.Select(s => s / Frames).ToArray();

    /// <summary>Unbiased standard deviation per band (n − 1 in the denominator).</summary>
    public double[] Std => _sum.Select((s, k) => Math.Sqrt(Math.Max(0, (_sumSquares[k] - s * s / Frames) / (Frames - 1)))).ToArray();

    /// <summary>Sets <paramref name="config"/> to normalise with these statistics.</summary>
    public void ApplyTo(FeaturizerConfig config)
    {
        if (Frames < 2) throw new InvalidOperationException("feature statistics: need at least two frames");
        config.Normalize = "fixed";
        config.FixedMean = Mean;
        config.FixedStd = Std;
    }
}
