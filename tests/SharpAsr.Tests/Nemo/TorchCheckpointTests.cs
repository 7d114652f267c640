using SharpTorch;
using SharpTorch.Serialization;
using Xunit;

namespace SharpAsr.Tests.Nemo;

/// <summary>torch.save files written by python3-torch read back exactly; ours read back bit for bit and load in torch.load.</summary>
public class TorchCheckpointTests
{
    [Fact]
    public void LightningCheckpointYieldsItsStateDictExactly()
    {
        using var scope = Torch.NewScope();
        var state = TorchCheckpoint.LoadStateDict(Path.Combine(NemoImportTests.Dir, "lightning.ckpt"));
        var expected = SafeTensors.Load(Path.Combine(NemoImportTests.Dir, "lightning_expected.safetensors"));
        Assert.Equal(expected.Keys.Order(), state.Keys.Order());
        foreach (var (name, t) in expected)
        {
            Assert.Equal(t.DType, state[name].DType);
            Assert.Equal(t.Shape, state[name].Shape);
            Assert.Equal(t.ToBytes(), state[name].ToBytes());   // transposed views, shared storages, fp16/bf16/bool/int
        }
        // the rest of the Lightning checkpoint is plain data
        var root = Assert.IsType<PickleDict>(TorchCheckpoint.Load(Path.Combine(NemoImportTests.Dir, "lightning.ckpt")));
        Assert.True(root.TryGet("epoch", out var epoch));
        Assert.Equal(3L, epoch);
        Assert.True(root.TryGet("callbacks", out var cb));
        Assert.True(((PickleDict)cb!).TryGet("big", out var big));
        Assert.Equal(System.Numerics.BigInteger.Pow(2, 70), big);
    }

    [Fact]
    public void SaveThenLoadIsBitExact()
    {
        using var scope = Torch.NewScope();
        var path = Path.GetTempFileName();
        try
        {
            var state = new List<KeyValuePair<string, Tensor>>
            {
                new("a.weight", Torch.Randn(new long[] { 3, 4 })),
                new("a.half", Torch.Randn(new long[] { 5 }).To(DType.Float16)),
                new("n", Torch.Tensor(new long[] { 300000000000L }, Array.Empty<long>())),
                new("t", Torch.Randn(new long[] { 4, 3 }).Transpose(0, 1)),
                new("empty", Torch.Zeros(0L, 3L)),
            };
            TorchCheckpoint.Save(state, path);
            var back = TorchCheckpoint.LoadStateDict(path);
            Assert.Equal(state.Select(kv => kv.Key), back.Keys);       // order kept
            foreach (var (k, t) in state)
            {
                Assert.Equal(t.Shape, back[k].Shape);
                Assert.Equal(t.DType, back[k].DType);
                Assert.Equal(t.ToBytes(), back[k].ToBytes());
            }
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void PythonTorchLoadsOurCheckpoint()
    {
        using var scope = Torch.NewScope();
        var path = Path.GetTempFileName();
        try
        {
            var w = Torch.Tensor(new float[] { 1.5f, -2.25f, 3, 4, 5, 6 }, 2, 3);
            TorchCheckpoint.Save(new Dictionary<string, Tensor> { ["layer.weight"] = w, ["steps"] = Torch.Tensor(new long[] { 7 }, Array.Empty<long>()) }, path);
            var script = "import sys, torch\n" +
                         "sd = torch.load(sys.argv[1], map_location='cpu')\n" +
                         "print(type(sd).__name__, list(sd.keys()), sd['layer.weight'].dtype, tuple(sd['layer.weight'].shape), sd['layer.weight'].sum().item(), sd['steps'].item())\n";
            var output = PythonTorch.Run(script, path);
            if (output is null) return;
            Assert.Equal("OrderedDict ['layer.weight', 'steps'] torch.float32 (2, 3) 17.25 7", output.Trim());
        }
        finally { File.Delete(path); }
    }
}
