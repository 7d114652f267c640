using SharpTorch;
using SharpTorch.Nn;

namespace SharpAsr.Models;

internal static class LstmInit
{
    /// <summary>
    /// caiman's LSTM initialisation: PyTorch's uniform weights scaled by <paramref name="weightScale"/>,
    /// and the forget-gate bias (gate order i, f, g, o) set so the sum of both biases is <paramref name="forgetBias"/>.
    /// </summary>
    public static void Apply(Lstm lstm, double weightScale, double forgetBias)
    {
        long h = lstm.HiddenSize;
        using var scope = Torch.NewScope();
        using var noGrad = Torch.NoGrad();
        for (int l = 0; l < lstm.NumLayers; l++)
        for (int d = 0; d < (lstm.Bidirectional ? 2 : 1); d++)
        {
            var (wih, whh, bih, bhh) = lstm.Layer(l, d);
            wih.Mul_(weightScale);
            whh.Mul_(weightScale);
            bih.Narrow(0, h, h).Fill_(forgetBias);
            bhh.Narrow(0, h, h).Fill_(0);
        }
    }
}
