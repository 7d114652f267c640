using SharpAsr.Checkpoints;
using SharpAsr.Inference;
using SharpTorch;
using SharpTorch.Serialization;
using Xunit;

namespace SharpAsr.Tests.Decoding;

public class InferenceAverageTests
{
    static string MakeCheckpoint(string root, int step, float[] w, long counter)
    {
        var dir = Path.Combine(root, $"step-{step:D6}");
        Directory.CreateDirectory(dir);
        using var scope = Torch.NewScope();
        SafeTensors.Save(new Dictionary<string, Tensor>
        {
            ["layer.weight"] = Torch.Tensor(w, 2, 3),
            ["norm.num_batches_tracked"] = Torch.Tensor(new[] { counter }),
        }, Path.Combine(dir, "model.safetensors"));
        File.WriteAllText(Path.Combine(dir, "config.yaml"), $"name: step{step}\n");
        File.WriteAllText(Path.Combine(dir, "labels.json"), "[\"a\"]\n");
        File.WriteAllText(Path.Combine(dir, "state.json"), $"{{\"Step\": {step}}}");
        return dir;
    }

    [Fact]
    public void AverageIsTheElementWiseMean()
    {
        var root = Path.Combine(Path.GetTempPath(), $"sharpasr-avg-{Guid.NewGuid():N}");
        try
        {
            var rng = new Random(5);
            var weights = Enumerable.Range(0, 4).Select(_ => Enumerable.Range(0, 6).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray()).ToArray();
            for (int i = 0; i < 4; i++) MakeCheckpoint(Path.Combine(root, "checkpoints"), (i + 1) * 100, weights[i], 10 * (i + 1));
            var last3 = CheckpointAverager.LastCheckpoints(root, 3);
            Assert.Equal(new[] { "step-000200", "step-000300", "step-000400" }, last3.Select(Path.GetFileName));
            var outDir = Path.Combine(root, "avg");
            CheckpointAverager.Average(last3.AsEnumerable().Reverse().ToList(), outDir);

            using var scope = Torch.NewScope();
            var avg = SafeTensors.Load(Path.Combine(outDir, "model.safetensors"));
            var expected = Enumerable.Range(0, 6).Select(k => (float)((weights[1][k] + (double)weights[2][k] + weights[3][k]) / 3)).ToArray();
            var got = avg["layer.weight"].ToFloatArray();
            for (int k = 0; k < 6; k++) Assert.Equal(expected[k], got[k], 6);
            Assert.Equal(DType.Float32, avg["layer.weight"].DType);
            Assert.Equal(new long[] { 40 }, avg["norm.num_batches_tracked"].ToLongArray());   // from the newest
            Assert.Equal("name: step400\n", File.ReadAllText(Path.Combine(outDir, "config.yaml")));
            Assert.True(File.Exists(Path.Combine(outDir, "labels.json")));
        }
        finally
        {
            Directory.Delete(root, true);
        }
    }

    [Fact]
    public void MismatchedCheckpointsAreRefusedWithNames()
    {
        var root = Path.Combine(Path.GetTempPath(), $"sharpasr-avg-{Guid.NewGuid():N}");
        try
        {
            var a = MakeCheckpoint(root, 1, new float[6], 1);
            var b = Path.Combine(root, "other");
            Directory.CreateDirectory(b);
            using (var scope = Torch.NewScope())
                SafeTensors.Save(new Dictionary<string, Tensor> { ["layer.weight"] = Torch.Zeros(3, 2), ["norm.num_batches_tracked"] = Torch.Tensor(new[] { 1L }) },
                    Path.Combine(b, "model.safetensors"));
            var e = Assert.Throws<InvalidDataException>(() => CheckpointAverager.Average(new[] { a, b }, Path.Combine(root, "out")));
            Assert.Contains("layer.weight", e.Message);
            Assert.Contains("other", e.Message);
            Assert.Throws<InvalidDataException>(() => CheckpointAverager.LastCheckpoints(root, 5));
        }
        finally
        {
            Directory.Delete(root, true);
        }
    }
}
