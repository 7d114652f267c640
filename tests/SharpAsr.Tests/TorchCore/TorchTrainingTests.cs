using SharpTorch;
using SharpTorch.Nn;
using SharpTorch.Optim;
using Xunit;
using F = SharpTorch.Functional;

namespace SharpAsr.Tests.TorchCore;

/// <summary>A small encoder-like module tree: named children, a ModuleList, parameters and buffers.</summary>
sealed class TinyNet : Module
{
    public readonly ModuleList<Linear> Layers;
    public readonly BatchNorm1d Norm;
    public readonly Dropout Drop;
    public readonly Embedding Embed;

    public TinyNet(long dim = 4)
    {
        Embed = RegisterModule("embed", new Embedding(5, dim, paddingIdx: 0));
        Layers = RegisterModule("layers", new ModuleList<Linear>(new[] { new Linear(dim, dim), new Linear(dim, 2, bias: false) }));
        Norm = RegisterModule("norm", new BatchNorm1d(dim));
        Drop = RegisterModule("drop", new Dropout(0.5));
    }
}

public class TorchModuleTests
{
    [Fact]
    public void StateDictNamesAreDottedAsPyTorch()
    {
        using var scope = Torch.NewScope();
        using var net = new TinyNet();
        Assert.Equal(new[]
        {
            "embed.weight", "layers.0.weight", "layers.0.bias", "layers.1.weight", "norm.weight", "norm.bias",
        }, net.NamedParameters().Select(p => p.Name));
        Assert.Equal(new[] { "norm.running_mean", "norm.running_var", "norm.num_batches_tracked" }, net.NamedBuffers().Select(b => b.Name));
        Assert.Equal(9, net.StateDict().Count);
        Assert.Equal(5 * 4 + 4 * 4 + 4 + 4 * 2 + 4 + 4, net.ParameterCount);
        Assert.Equal(new[] { "", "embed", "layers", "layers.0", "layers.1", "norm", "drop" }, net.NamedModules().Select(m => m.Name));
    }

    [Fact]
    public void LoadStateDictReportsMissingUnexpectedAndMismatched()
    {
        using var scope = Torch.NewScope();
        using var a = new TinyNet();
        using var b = new TinyNet();
        var state = a.StateDict().Where(kv => kv.Key != "norm.bias").ToDictionary(kv => kv.Key, kv => kv.Value.Clone());
        state["layers.1.weight"] = Torch.Zeros(3, 4);
        state["decoder.weight"] = Torch.Zeros(1);
        var ex = Assert.Throws<InvalidDataException>(() => b.LoadStateDict(state));
        Assert.Contains("missing: norm.bias", ex.Message);
        Assert.Contains("unexpected: decoder.weight", ex.Message);
        Assert.Contains("layers.1.weight: checkpoint [3, 4] vs model [2, 4]", ex.Message);

        var report = b.LoadStateDict(state, strict: false);
        Assert.Equal(new[] { "norm.bias" }, report.Missing);
        Assert.Equal(new[] { "decoder.weight" }, report.Unexpected);
        Assert.Single(report.Mismatched);
        Assert.Equal(7, report.Loaded.Count);
        Assert.False(report.IsComplete);
        Assert.Equal(a.Layers[0].Weight.ToArray<float>(), b.Layers[0].Weight.ToArray<float>());
        Assert.Equal(a.StateDict()["norm.num_batches_tracked"].ToArray<long>(), b.StateDict()["norm.num_batches_tracked"].ToArray<long>());

        // a complete dict of another dtype loads with conversion
        var full = a.StateDict().ToDictionary(kv => kv.Key, kv => kv.Value.DType.IsFloatingPoint() ? kv.Value.To(DType.Float64) : kv.Value);
        Assert.True(b.LoadStateDict(full).IsComplete);
        Assert.Equal(a.Layers[1].Weight.ToArray<float>(), b.Layers[1].Weight.ToArray<float>());
    }

    [Fact]
    public void ToDTypeConvertsInPlaceAndKeepsIdentity()
    {
        using var scope = Torch.NewScope();
        using var net = new TinyNet();
        var weight = net.Layers[0].Weight;
        var before = weight.ToArray<float>();
        net.To(DType.Float64);
        Assert.Same(weight, net.Layers[0].Weight);
        Assert.Equal(DType.Float64, weight.DType);
        Assert.True(weight.RequiresGrad && weight.IsLeaf);
        Assert.Equal(before.Select(v => (double)v), weight.ToArray<double>());
        Assert.Equal(DType.Float64, net.Norm.RunningVar.DType);
        Assert.Equal(DType.Int64, net.Norm.NumBatchesTracked.DType); // integer buffers keep their type
        var y = net.Layers[0].Forward(Torch.Ones(new long[] { 2, 4 }, DType.Float64));
        Assert.Equal(DType.Float64, y.DType);
    }

    [Fact]
    public void TrainAndEvalReachEveryChild()
    {
        using var scope = Torch.NewScope();
        using var net = new TinyNet();
        Assert.True(net.Drop.Training && net.Norm.Training);
        var x = Torch.Randn(new long[] { 8, 4 }) * 3 + 2;
        var dropped = net.Drop.Forward(Torch.Ones(1000));
        Assert.InRange(dropped.Eq(0).To(DType.Float32).Mean().Item(), 0.4, 0.6);
        _ = net.Norm.Forward(x);
        Assert.Equal(1L, net.Norm.NumBatchesTracked.ItemLong());
        var runningMean = net.Norm.RunningMean.ToArray<float>();
        Assert.NotEqual(new float[4], runningMean);

        net.Eval();
        Assert.False(net.Drop.Training || net.Norm.Training || net.Layers[0].Training);
        Assert.Equal(new float[] { 1, 1, 1 }, net.Drop.Forward(Torch.Ones(3)).ToArray<float>());
        var y = net.Norm.Forward(x);
        Assert.Equal(runningMean, net.Norm.RunningMean.ToArray<float>()); // statistics frozen
        Assert.Equal(1L, net.Norm.NumBatchesTracked.ItemLong());
        // eval normalises with the running statistics
        var expected = (x - net.Norm.RunningMean) / (net.Norm.RunningVar + 1e-5).Sqrt();
        Assert.True((y - expected).Abs().Max().Item() < 1e-5);
        net.Train();
        Assert.True(net.Layers[1].Training);
    }
}

public class TorchOptimizerTests
{
    sealed class Params : Module
    {
        public readonly Tensor A, B;
        public Params(double[] a, double[] b)
        {
            A = RegisterParameter("weight", Torch.Tensor(a));
            B = RegisterParameter("bias", Torch.Tensor(b));
        }
    }

    [Fact]
    public void SgdMomentumMatchesHandComputedUpdate()
    {
        using var scope = Torch.NewScope();
        using var m = new Params(new[] { 1.0, -2.0 }, new[] { 0.5 });
        const double lr = 0.1, mu = 0.9, wd = 0.01;
        using var opt = new Sgd(m.NamedParameters(), lr, momentum: mu, weightDecay: wd, noDecay: new[] { "bias$" });
        double[] g1 = { 0.3, -0.4 }, g2 = { -1.0, 2.0 };
        double[] p = { 1.0, -2.0 }, buf = new double[2];
        foreach (var (g, step) in new[] { (g1, 1), (g2, 2) })
        {
            m.A.Grad = Torch.Tensor(g);
            m.B.Grad = Torch.Tensor(new[] { 1.0 });
            opt.Step();
            for (int i = 0; i < 2; i++)
            {
                double d = g[i] + wd * p[i];                       // coupled weight decay
                buf[i] = step == 1 ? d : mu * buf[i] + d;           // buffer starts as the first gradient
                p[i] -= lr * buf[i];
            }
        }
        var got = m.A.ToArray<double>();
        for (int i = 0; i < 2; i++) Assert.Equal(p[i], got[i], 12);
        Assert.Equal(0.5 - 0.1 * 1 - 0.1 * (0.9 * 1 + 1), m.B.ToArray<double>()[0], 12); // no decay on the bias
        Assert.Equal(2, opt.StepCount);
    }

    [Fact]
    public void WeightDecayExclusionByNamePattern()
    {
        using var scope = Torch.NewScope();
        using var net = new TinyNet();
        using var opt = new AdamW(net.NamedParameters(), lr: 0.1, weightDecay: 0.5, noDecay: new[] { @"\.bias$", @"^norm\.", @"^embed\." });
        var decay = opt.Parameters.ToDictionary(p => p.Name, p => p.WeightDecay);
        Assert.Equal(0.5, decay["layers.0.weight"]);
        Assert.Equal(0.5, decay["layers.1.weight"]);
        Assert.Equal(0, decay["layers.0.bias"]);
        Assert.Equal(0, decay["norm.weight"]);
        Assert.Equal(0, decay["embed.weight"]);

        // with zero gradients AdamW's adaptive step is exactly 0: only decoupled decay moves parameters
        var before = net.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter.ToArray<float>());
        foreach (var p in net.Parameters()) p.Grad = Torch.ZerosLike(p);
        opt.Step();
        foreach (var (name, t) in net.NamedParameters())
        {
            float factor = decay[name] > 0 ? 1 - 0.1f * 0.5f : 1;
            var after = t.ToArray<float>();
            for (int i = 0; i < after.Length; i++) Assert.Equal(before[name][i] * factor, after[i], 6);
        }
    }

    [Fact]
    public void ClipGradNormMatchesHandComputation()
    {
        using var scope = Torch.NewScope();
        using var m = new Params(new[] { 0.0, 0.0 }, new[] { 0.0 });
        m.A.Grad = Torch.Tensor(new[] { 3.0, -4.0 });
        m.B.Grad = Torch.Tensor(new[] { 12.0 });
        double norm = GradClip.ClipGradNorm(m.Parameters(), 6.5);
        Assert.Equal(13.0, norm, 5); // sqrt(9 + 16 + 144)
        double scale = 6.5 / (13.0 + 1e-6);
        Assert.Equal(new[] { 3 * scale, -4 * scale }, m.A.Grad!.ToArray<double>(), new ToleranceComparer(1e-6));
        Assert.Equal(12 * scale, m.B.Grad!.Item(), 6);
        // under the bound nothing changes
        double again = GradClip.ClipGradNorm(m.Parameters(), 100);
        Assert.Equal(6.5, again, 4);
        Assert.Equal(12 * scale, m.B.Grad!.Item(), 6);
    }

    sealed class ToleranceComparer(double tol) : IEqualityComparer<double>
    {
        public bool Equals(double a, double b) => Math.Abs(a - b) <= tol;
        public int GetHashCode(double v) => 0;
    }
}

/// <summary>End-to-end: small models learn with AdamW (seeded; they run alone, so the global generator is ours).</summary>
[Collection("TorchSerial")]
public class TorchEndToEndTests
{
    sealed class Mlp : Module
    {
        readonly Linear _l1, _l2;
        public Mlp()
        {
            _l1 = RegisterModule("l1", new Linear(2, 32));
            _l2 = RegisterModule("l2", new Linear(32, 1));
        }
        public Tensor Forward(Tensor x) => _l2.Forward(F.Tanh(_l1.Forward(x)));
    }

    [Fact]
    public void MlpLearnsASmoothFunction()
    {
        Torch.ManualSeed(3);
        using var scope = Torch.NewScope();
        using var g = new Generator(4);
        var x = Torch.Rand(new long[] { 256, 2 }, g) * 4 - 2;
        var target = (x.Select(1, 0).Sin() + x.Select(1, 1) * x.Select(1, 1) * 0.5).Unsqueeze(1);
        using var net = new Mlp();
        using var opt = new AdamW(net.NamedParameters(), lr: 0.02, weightDecay: 1e-4, noDecay: new[] { "bias$" });
        double first = 0, last = 0;
        for (int step = 0; step < 300; step++)
        {
            using var s = Torch.NewScope();
            var loss = F.MseLoss(net.Forward(x), target);
            if (step == 0) first = loss.Item();
            last = loss.Item();
            opt.ZeroGrad();
            loss.Backward();
            opt.Step();
        }
        Assert.True(last < 0.01 && last < first / 50, $"MSE {first:F4} -> {last:F4}");
    }

    sealed class SeqRegressor : Module
    {
        readonly Lstm _lstm;
        readonly Linear _out;
        public SeqRegressor()
        {
            _lstm = RegisterModule("lstm", new Lstm(1, 16));
            _out = RegisterModule("out", new Linear(16, 1));
        }
        public Tensor Forward(Tensor x, Tensor lengths) => _out.Forward(_lstm.Forward(x, lengths).Output);
    }

    [Fact]
    public void LstmLearnsARunningMeanOverPaddedSequences()
    {
        Torch.ManualSeed(5);
        using var scope = Torch.NewScope();
        using var g = new Generator(6);
        const int batch = 16, time = 12;
        var x = Torch.Randn(new long[] { batch, time, 1 }, g);
        var lengths = Torch.Randint(4, time + 1, new long[] { batch }, g);
        // target: the running mean of the input up to each frame; zero (and masked) past each length
        var steps = Torch.Arange(1, time + 1, 1, DType.Float32).View(1, time, 1);
        var mask = Torch.Arange(time).View(1, time).Lt(lengths.Unsqueeze(1)).Unsqueeze(2).To(DType.Float32);
        var target = x.Cumsum(1) / steps * mask;
        using var net = new SeqRegressor();
        using var opt = new AdamW(net.NamedParameters(), lr: 0.02, weightDecay: 0);
        double first = 0, last = 0;
        for (int step = 0; step < 200; step++)
        {
            using var s = Torch.NewScope();
            var err = (net.Forward(x, lengths) - target) * mask;
            var loss = (err * err).Sum() / mask.Sum();
            if (step == 0) first = loss.Item();
            last = loss.Item();
            opt.ZeroGrad();
            loss.Backward();
            GradClip.ClipGradNorm(net.Parameters(), 5);
            opt.Step();
        }
        Assert.True(last < 0.02 && last < first / 10, $"masked MSE {first:F4} -> {last:F4}");
    }
}
