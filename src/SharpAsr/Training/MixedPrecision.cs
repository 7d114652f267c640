using SharpAsr.Config;
using SharpAsr.Models;
using SharpTorch;

namespace SharpAsr.Training;

/// <summary>
/// train.precision. Our binding has no autocast, so mixed precision is done by hand where it pays: the joint (the
/// [B, T, U+1, V+1] tensor that dominates memory and time) runs in bf16 with fp32 master weights; the encoder and
/// predictor stay fp32, and log-softmax and the RNN-T lattice stay fp32/double (the loss reads the logits back in
/// fp32 and runs its lattice in double on the host). fp16 needs half-precision matrix products, which libtorch
/// implements on CUDA only, and this trainer runs on CPU: it is refused until then (<see cref="DynamicLossScaler"/>
/// is ready for it).
/// </summary>
public static class MixedPrecision
{
    /// <summary>Sets the model up for the configured precision; returns a line for the log.</summary>
    public static string Apply(string precision, Transducer model)
    {
        switch (precision.ToLowerInvariant())
        {
            case "fp32":
                model.Joint.ComputeType = null;
                return "precision: fp32";
            case "bf16":
                model.Joint.ComputeType = DType.BFloat16;
                return "precision: bf16 joint (fp32 weights, encoder, predictor, log-softmax and loss)";
            case "fp16":
                throw new ConfigException("train.precision fp16: half-precision matrix products are CUDA-only in libtorch and this trainer runs on CPU; use bf16 (or fp32)");
            default:
                throw new ConfigException($"train.precision '{precision}': use fp32, bf16 or fp16");
        }
    }
}
