using SharpTorch;
using SharpTorch.Nn;
using SharpTorch.Optim;
using SharpTorch.Serialization;
using Xunit;
using F = SharpTorch.Functional;

namespace SharpAsr.Tests.TorchCore;

/// <summary>
/// Values against PyTorch itself: data/torch/reference.safetensors holds inputs and outputs computed
/// by data/torch/make_reference.py with Debian's python3-torch through PyTorch's Python API.
/// </summary>
public class TorchReferenceTests
{
    static readonly string RefPath = Path.Combine(AppContext.BaseDirectory, "data", "torch", "reference.safetensors");

    static void Close(Tensor expected, Tensor actual, double tol = 1e-5)
    {
        Assert.Equal(expected.Shape, actual.Shape);
        var e = expected.ToDoubleArray();
        var a = actual.ToDoubleArray();
        for (int i = 0; i < e.Length; i++)
            Assert.True(Math.Abs(e[i] - a[i]) <= tol * (1 + Math.Abs(e[i])), $"element {i}: expected {e[i]:G9}, got {a[i]:G9}");
    }

    static Dictionary<string, Tensor> Case(string name)
    {
        var all = SafeTensors.Load(RefPath);
        return all.Where(kv => kv.Key.StartsWith(name + ".", StringComparison.Ordinal))
            .ToDictionary(kv => kv.Key[(name.Length + 1)..], kv => kv.Value);
    }

    [Fact]
    public void ElementwiseAndSoftmaxFamily()
    {
        using var scope = Torch.NewScope();
        var l = Case("linear");
        Close(l["y"], F.Linear(l["x"], l["weight"], l["bias"]));
        var m = Case("matmul");
        Close(m["y"], m["a"].Matmul(m["b"]));
        var s = Case("softmax");
        Close(s["softmax"], F.Softmax(s["x"], 1));
        Close(s["log_softmax"], F.LogSoftmax(s["x"], 1));
        Close(s["logsumexp"], s["x"].Logsumexp(1));
        var g = Case("glu_silu");
        Close(g["glu"], F.Glu(g["x"], -1));
        Close(g["silu"], F.Silu(g["x"]));
        Close(g["sigmoid"], F.Sigmoid(g["x"]));
        Close(g["tanh"], F.Tanh(g["x"]));
        Close(g["relu"], F.Relu(g["x"]));
        var e = Case("embedding");
        Close(e["y"], F.Embedding(e["weight"], e["indices"], 0));
        var lo = Case("losses");
        Close(lo["cross_entropy"], F.CrossEntropy(lo["logits"], lo["target"]));
        Close(lo["mse"], F.MseLoss(lo["pred"], lo["goal"]));
    }

    [Fact]
    public void LstmWithPackedLengthsAndStateMatchesNnLstm()
    {
        using var scope = Torch.NewScope();
        var r = Case("lstm");
        using var lstm = new Lstm(3, 5, numLayers: 2);
        var report = lstm.LoadStateDict(r.Where(kv => kv.Key.Contains("_l")).ToDictionary(kv => kv.Key, kv => kv.Value));
        Assert.Equal(8, report.Loaded.Count);
        var (y, h, c) = lstm.Forward(r["x"], r["lengths"], (r["h0"], r["c0"]));
        Close(r["y"], y);
        Close(r["h"], h);
        Close(r["c"], c);
    }

    [Fact]
    public void ConvolutionsMatch()
    {
        using var scope = Torch.NewScope();
        var c1 = Case("conv1d");
        Close(c1["y"], F.Conv1d(c1["x"], c1["weight"], c1["bias"], stride: 2, padding: 1, dilation: 2));
        Close(c1["depthwise"], F.Conv1d(c1["x"], c1["depthwise_weight"], null, padding: 2, groups: 4));
        var c2 = Case("conv2d");
        Close(c2["y"], F.Conv2d(c2["x"], c2["weight"], c2["bias"], (2, 1), (1, 1)));
        Close(c2["depthwise"], F.Conv2d(c2["x"], c2["depthwise_weight"], null, (1, 2), (1, 0), groups: 3));
    }

    [Fact]
    public void NormalisationsMatch()
    {
        using var scope = Torch.NewScope();
        var ln = Case("layer_norm");
        Close(ln["y"], F.LayerNorm(ln["x"], new long[] { 8 }, ln["weight"], ln["bias"]));
        var bn = Case("batch_norm");
        Close(bn["eval"], F.BatchNorm(bn["x"], bn["running_mean"], bn["running_var"], bn["weight"], bn["bias"], training: false));
        var rm = bn["running_mean"].Clone();
        var rv = bn["running_var"].Clone();
        Close(bn["train"], F.BatchNorm(bn["x"], rm, rv, bn["weight"], bn["bias"], training: true, momentum: 0.1));
        Close(bn["running_mean_after"], rm); // updated in place, unbiased variance as PyTorch
        Close(bn["running_var_after"], rv);
    }

    [Fact]
    public void StftMatches()
    {
        using var scope = Torch.NewScope();
        var s = Case("stft");
        Close(s["window"], Torch.HannWindow(64, periodic: true), 1e-7);
        Close(s["y"], F.Stft(s["x"], 64, 16, 64, s["window"]).ViewAsReal(), 1e-4);
    }

    /// <summary>Parameters in a module so AdamW sees them by name; "bias" excluded from weight decay.</summary>
    sealed class TwoParams : Module
    {
        public readonly Tensor Weight, Bias;
        public TwoParams(Tensor w, Tensor b)
        {
            Weight = RegisterParameter("weight", w.Clone());
            Bias = RegisterParameter("bias", b.Clone());
        }
    }

    [Fact]
    public void AdamWStepsMatchTorchOptim()
    {
        using var scope = Torch.NewScope();
        var r = Case("adamw");
        using var m = new TwoParams(r["weight"], r["bias"]);
        using var opt = new AdamW(m.NamedParameters(), lr: 0.01, beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0.1, noDecay: new[] { "bias$" });
        for (int i = 0; i < 3; i++)
        {
            m.Weight.Grad = r[$"grad_weight{i}"].Clone();
            m.Bias.Grad = r[$"grad_bias{i}"].Clone();
            opt.Step();
        }
        Close(r["weight_after"], m.Weight, 1e-6);
        Close(r["bias_after"], m.Bias, 1e-6);
    }
}
