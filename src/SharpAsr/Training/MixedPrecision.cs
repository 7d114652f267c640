using SharpAsr.Config;
using SharpAsr.Models;
using SharpAsr.Models.ContextNet;
using SharpTorch;

namespace SharpAsr.Training;

/// <summary>
/// train.precision. Our binding has no autocast, so mixed precision is done by hand where it pays: the joint (the
/// [B, T, U+1, V+1] tensor that dominates memory and time) and a convolutional (contextnet) encoder's convolutions
/// run in bf16 with fp32 master weights, as autocast puts them; batch norms, activations, LSTMs and the predictor
/// stay fp32, and log-softmax and the RNN-T lattice stay fp32/double (the loss reads the logits back in fp32 and runs
/// its lattice in double on the host). On a CPU with AVX-512 BF16 (Zen 4, Sapphire Rapids) oneDNN's bf16
/// convolutions take half the time of fp32 ones or less (docs/training.md#precision). fp16 needs half-precision matrix products, which libtorch
/// implements on CUDA only, and this trainer runs on CPU: it is refused until then (<see cref="DynamicLossScaler"/>
/// is ready for it).
/// </summary>
public static class MixedPrecision
{
    /// <summary>
    /// Sets the model up for the configured precision; returns a line for the log. bf16 is asked for to go faster, and
    /// only a CPU with bf16 instructions (<paramref name="nativeBf16"/>: <see cref="CpuFlags.HasNativeBf16"/>) does:
    /// elsewhere libtorch emulates bf16 (oneDNN's convolutions at 2.5× fp32's time or not at all, the joint's matrix
    /// products a quarter slower a step), so the model stays fp32 and the log says why.
    /// </summary>
    public static string Apply(string precision, Transducer model, bool nativeBf16)
    {
        var convs = model.Encoder as ContextNetEncoder;
        switch (precision.ToLowerInvariant())
        {
            case "fp32":
                model.Joint.ComputeType = null;
                if (convs != null) convs.ComputeType = null;
                return "precision: fp32";
            case "bf16" when !nativeBf16:
                Apply("fp32", model, nativeBf16);
                return "precision: fp32, not bf16: this CPU has no bf16 instructions (avx512_bf16 or amx_bf16), and libtorch's emulated bf16 is slower than fp32";
            case "bf16":
                model.Joint.ComputeType = DType.BFloat16;
                if (convs == null) return "precision: bf16 joint (fp32 weights, encoder, predictor, log-softmax and loss)";
                convs.ComputeType = DType.BFloat16;
                return "precision: bf16 joint and encoder convolutions (fp32 weights, batch norms, predictor, log-softmax and loss)";
            case "fp16":
                throw new ConfigException("train.precision fp16: half-precision matrix products are CUDA-only in libtorch and this trainer runs on CPU; use bf16 (or fp32)");
            default:
                throw new ConfigException($"train.precision '{precision}': use fp32, bf16 or fp16");
        }
    }
}
