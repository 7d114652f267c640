using SharpTorch;

namespace SharpAsr.Models;

/// <summary>An acoustic encoder: features [B, T, F] + lengths → encoded frames [B, T', D] + lengths.</summary>
public interface IEncoder
{
    long OutputDim { get; }
    /// <summary>Feature frames per encoder frame (the encoder's own subsampling).</summary>
    int SubsamplingFactor { get; }
    (Tensor Output, Tensor Lengths) Forward(Tensor features, Tensor lengths);
}
