using SharpTorch;
using Xunit;

namespace SharpAsr.Tests.TorchCore;

/// <summary>Tests that measure process-wide state (RSS, the global generator) run alone, after the parallel ones.</summary>
[CollectionDefinition("TorchSerial", DisableParallelization = true)]
public class TorchSerialCollection { }

/// <summary>libtorch errors become TorchException and the process goes on; disposal scopes free what they own.</summary>
public class TorchErrorTests
{
    [Fact]
    public void BadMatmulShapeRaisesAndTheProcessContinues()
    {
        using var scope = Torch.NewScope();
        var a = Torch.Zeros(2, 3);
        var ex = Assert.Throws<TorchException>(() => a.Matmul(Torch.Zeros(4, 5)));
        Assert.Contains("shapes cannot be multiplied (2x3 and 4x5)", ex.Message);
        // the same tensors and the runtime still work
        Assert.Equal(new long[] { 2, 5 }, a.Matmul(Torch.Ones(3, 5)).Shape);
        Assert.Throws<TorchException>(() => Torch.Zeros(3).View(2, 2));
        Assert.Equal(6.0, (Torch.Ones(2, 3)).Sum().Item());
    }

    [Fact]
    public void WrongDTypesRaiseWithLibtorchsMessage()
    {
        using var scope = Torch.NewScope();
        var x = Torch.Ones(2, 3);
        var w = Torch.Ones(new long[] { 4, 3 }, DType.Float64);
        var ex = Assert.Throws<TorchException>(() => Functional.Linear(x, w));
        Assert.Matches("dtype|scalar type", ex.Message);
        ex = Assert.Throws<TorchException>(() => Functional.Embedding(x, Torch.Ones(2))); // float indices
        Assert.Contains("Long", ex.Message);
        // host copies check element sizes on both sides
        Assert.Throws<ArgumentException>(() => x.ToArray<double>());
        Assert.Throws<ArgumentException>(() => Torch.FromArray<float>(new float[4], new long[] { 4 }, DType.Int64));
        var bad = Assert.Throws<TorchException>(() => Torch.FromBytes(new byte[7], new long[] { 2 }, DType.Float32));
        Assert.Contains("needs 8 bytes but 7 were given", bad.Message);
    }

    [Fact]
    public void UnknownOperatorAndBadArgumentsRaise()
    {
        using var scope = Torch.NewScope();
        var missing = new Op("aten::no_such_operator");
        var ex = Assert.Throws<TorchException>(() =>
        {
            var c = new OpCall(missing);
            c.Add(Torch.Zeros(1));
            c.ReturnTensor();
        });
        Assert.Contains("no operator aten::no_such_operator", ex.Message);
        ex = Assert.Throws<TorchException>(() => _ = new Op("aten::add", "NoSuchOverload").Schema);
        Assert.Contains("aten::add.NoSuchOverload", ex.Message);

        // a float where the schema wants an int names the argument
        ex = Assert.Throws<TorchException>(() =>
        {
            var c = new OpCall(new Op("aten::unsqueeze"));
            c.Add(Torch.Zeros(2));
            c.Add(0.5);
            c.ReturnTensor();
        });
        Assert.Contains("'dim'", ex.Message);
        // a missing argument without a default is reported with the schema
        ex = Assert.Throws<TorchException>(() =>
        {
            var c = new OpCall(new Op("aten::unsqueeze"));
            c.Add(Torch.Zeros(2));
            c.ReturnTensor();
        });
        Assert.Contains("unsqueeze(Tensor(a) self, int dim)", ex.Message);
    }

    [Fact]
    public void DisposedTensorsRefuseUse()
    {
        Tensor t;
        using (Torch.NewScope()) t = Torch.Ones(2);
        Assert.True(t.IsDisposed);
        Assert.Throws<ObjectDisposedException>(() => t.Sum());
        Assert.Equal("Tensor(disposed)", t.ToString());
    }

    [Fact]
    public void ErrorsStayOnTheirThread()
    {
        // sa_last_error is thread-local: concurrent failures and successes do not see each other's messages
        var messages = new string[4];
        Parallel.For(0, 4, i =>
        {
            using var scope = Torch.NewScope();
            for (int k = 0; k < 50; k++)
            {
                var ex = Assert.Throws<TorchException>(() => Torch.Zeros(i + 1, 2).Matmul(Torch.Zeros(3, 1)));
                messages[i] = ex.Message;
                Assert.Equal(2.0 * (i + 1), Torch.Ones(i + 1, 2).Sum().Item());
            }
        });
        for (int i = 0; i < 4; i++) Assert.Contains($"({i + 1}x2 and 3x1)", messages[i]);
    }
}

public class TorchScopeTests
{
    [Fact]
    public void ScopeFreesWhatItOwns()
    {
        Tensor a, b;
        using (var scope = Torch.NewScope())
        {
            a = Torch.Ones(3);
            b = a * 2;
            Assert.Equal(2, scope.Count);
            Assert.Same(scope, DisposeScope.Current);
        }
        Assert.True(a.IsDisposed);
        Assert.True(b.IsDisposed);
    }

    [Fact]
    public void NestedScopesAndMoveToOuterScope()
    {
        var outer = Torch.NewScope();
        Tensor kept, dropped, later;
        using (var inner = Torch.NewScope())
        {
            Assert.Same(outer, inner.Parent);
            dropped = Torch.Ones(2);
            kept = (dropped + 1).MoveToOuterScope();
        }
        Assert.Same(outer, DisposeScope.Current); // the inner scope restored the outer one
        Assert.True(dropped.IsDisposed);
        Assert.False(kept.IsDisposed);
        Assert.Equal(new float[] { 2, 2 }, kept.ToArray<float>());
        later = Torch.Zeros(1); // owned by the outer scope again
        outer.Dispose();
        Assert.True(kept.IsDisposed);
        Assert.True(later.IsDisposed);
        Assert.Null(DisposeScope.Current);
    }

    [Fact]
    public void MovingOutOfTheOutermostScopeHandsOwnershipToTheCaller()
    {
        Tensor t;
        using (Torch.NewScope()) t = Torch.Ones(2).MoveToOuterScope();
        Assert.False(t.IsDisposed);
        t.Dispose();
        Assert.True(t.IsDisposed);
    }

    [Fact]
    public void DetachFromScopeSurvivesEveryScope()
    {
        Tensor t;
        using (Torch.NewScope())
        using (Torch.NewScope())
            t = Torch.Full(new long[] { 2 }, 3).DetachFromScope();
        Assert.False(t.IsDisposed);
        Assert.Equal(6.0, t.Sum().Item());
        t.Dispose();
    }

    [Fact]
    public void OutputsOfAFunctionWithItsOwnScopeReachTheCaller()
    {
        // Functional.Lstm works inside its own scope and moves its results out: they belong to ours
        using var scope = Torch.NewScope();
        var x = Torch.Ones(1, 2, 3);
        var w = new[] { Torch.Ones(8, 3), Torch.Ones(8, 2), Torch.Zeros(8), Torch.Zeros(8) };
        var lengths = Torch.Tensor(new long[] { 2 });
        int before = scope.Count;
        var (y, h, c) = Functional.Lstm(x, lengths, w, 1, null, null, 0, false);
        Assert.Equal(before + 3, scope.Count);
        Assert.False(y.IsDisposed || h.IsDisposed || c.IsDisposed);
        Assert.Equal(new long[] { 1, 2, 2 }, y.Shape);
    }
}

[Collection("TorchSerial")]
public class TorchLeakTests
{
    static long RssKb()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                return long.Parse(line.AsSpan(6).Trim().TrimEnd("kB").Trim());
        throw new InvalidOperationException("no VmRSS in /proc/self/status");
    }

    static void Iteration(Tensor w)
    {
        using var scope = Torch.NewScope();
        // 64x64 float tensors: a leak of even one per iteration would add ~160 MB over the run
        var x = Torch.Ones(64, 64);
        var y = Functional.Tanh(x.Matmul(w) + 1).Sum(1);
        var loss = (y * y).Mean();
        var g = Autograd.Grad(new[] { loss }, new[] { w })[0]!;
        _ = (g * 0.5).Sum().Item();
        _ = w.Grad; // a null read inside the scope
    }

    [Fact]
    public void TenThousandScopedIterationsKeepRssFlat()
    {
        if (!File.Exists("/proc/self/status")) return; // RSS is read from Linux's /proc
        using var w = Torch.Full(new long[] { 64, 64 }, 0.01).DetachFromScope().RequiresGrad_();
        for (int i = 0; i < 1000; i++) Iteration(w); // warm-up: allocator pools, op caches, JIT
        GC.Collect();
        long before = RssKb();
        for (int i = 0; i < 10_000; i++) Iteration(w);
        GC.Collect();
        long grown = RssKb() - before;
        Assert.True(grown < 50 * 1024, $"RSS grew {grown / 1024.0:F1} MB over 10,000 iterations");
    }
}
