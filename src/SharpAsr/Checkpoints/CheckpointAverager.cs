using SharpTorch;
using SharpTorch.Serialization;

namespace SharpAsr.Checkpoints;

/// <summary>
/// caiman's checkpoint averaging: the element-wise mean of the model weights of several checkpoints (and of their
/// EMA weights when every one has them), written as a new checkpoint folder that export, evaluate and transcribe
/// load like any other. Floating-point tensors are averaged in float64 and stored in their own dtype; integer
/// tensors (counters such as num_batches_tracked) are taken from the newest checkpoint. Config, tokenizer and
/// state come from the newest checkpoint (the one with the highest step).
/// </summary>
public static class CheckpointAverager
{
    /// <summary>The <paramref name="count"/> newest <c>step-*</c> checkpoints of a run (its folder or its checkpoints/ folder).</summary>
    public static List<string> LastCheckpoints(string runDir, int count)
    {
        if (count < 1) throw new ArgumentException($"--last must be at least 1 (got {count})");
        var root = Directory.Exists(Path.Combine(runDir, "checkpoints")) ? Path.Combine(runDir, "checkpoints") : runDir;
        if (!Directory.Exists(root)) throw new DirectoryNotFoundException($"{runDir}: no such run folder");
        var steps = Directory.EnumerateDirectories(root, "step-*")
            .Where(d => File.Exists(Path.Combine(d, "state.json")))
            .Select(d => (Dir: d, Step: CheckpointStore.ReadState(d).Step))
            .OrderBy(x => x.Step).Select(x => x.Dir).ToList();
        if (steps.Count < count)
            throw new InvalidDataException($"{root}: asked for the last {count} checkpoints but only {steps.Count} step-* checkpoint(s) exist");
        return steps.Skip(steps.Count - count).ToList();
    }

    public static void Average(IReadOnlyList<string> checkpoints, string outDir)
    {
        if (checkpoints.Count == 0) throw new ArgumentException("no checkpoints to average");
        foreach (var c in checkpoints)
            if (!File.Exists(Path.Combine(c, ModelPackage.WeightsFile)))
                throw new InvalidDataException($"{c}: not a checkpoint folder ({ModelPackage.WeightsFile} is missing)");
        if (checkpoints.Select(Path.GetFullPath).Contains(Path.GetFullPath(outDir)))
            throw new ArgumentException($"--out {outDir} is one of the checkpoints being averaged");
        // oldest first, so integer tensors and the copied files come from the newest
        checkpoints = checkpoints.OrderBy(c => File.Exists(Path.Combine(c, "state.json")) ? CheckpointStore.ReadState(c).Step : 0).ToList();
        var newest = checkpoints[^1];

        Directory.CreateDirectory(outDir);
        var meta = new Dictionary<string, string>
        {
            ["format"] = "sharpasr-checkpoint-1",
            ["averaged_from"] = string.Join(";", checkpoints.Select(Path.GetFullPath)),
        };
        AverageFile(checkpoints, ModelPackage.WeightsFile, Path.Combine(outDir, ModelPackage.WeightsFile), meta);
        if (checkpoints.All(c => File.Exists(Path.Combine(c, ModelPackage.EmaFile))))
            AverageFile(checkpoints, ModelPackage.EmaFile, Path.Combine(outDir, ModelPackage.EmaFile), meta);
        foreach (var name in new[] { ModelPackage.ConfigFile, ModelPackage.LabelsFile, ModelPackage.SentencePieceFile, "state.json" })
        {
            var src = Path.Combine(newest, name);
            if (File.Exists(src)) File.Copy(src, Path.Combine(outDir, name), overwrite: true);
        }
    }

    static void AverageFile(IReadOnlyList<string> checkpoints, string file, string outPath, Dictionary<string, string> meta)
    {
        using var scope = Torch.NewScope();
        using var noGrad = Torch.NoGrad();
        var first = SafeTensors.Load(Path.Combine(checkpoints[0], file));
        var sums = first.ToDictionary(kv => kv.Key, kv => kv.Value.DType.IsFloatingPoint() ? kv.Value.To(DType.Float64) : kv.Value);
        for (int i = 1; i < checkpoints.Count; i++)
        {
            using var inner = Torch.NewScope();
            var path = Path.Combine(checkpoints[i], file);
            var next = SafeTensors.Load(path);
            var missing = sums.Keys.Except(next.Keys).ToList();
            var extra = next.Keys.Except(sums.Keys).ToList();
            if (missing.Count > 0 || extra.Count > 0)
                throw new InvalidDataException($"{path}: tensors differ from {Path.Combine(checkpoints[0], file)}" +
                    (missing.Count > 0 ? $"; missing: {string.Join(", ", missing.Take(5))}" : "") + (extra.Count > 0 ? $"; extra: {string.Join(", ", extra.Take(5))}" : ""));
            foreach (var (name, t) in next)
            {
                if (!t.Shape.SequenceEqual(sums[name].Shape))
                    throw new InvalidDataException($"{path}: {name} has shape [{string.Join(", ", t.Shape)}], [{string.Join(", ", sums[name].Shape)}] in {checkpoints[0]}");
                sums[name] = (sums[name].DType.IsFloatingPoint() ? sums[name] + t.To(DType.Float64) : t).MoveToOuterScope();
            }
        }
        var mean = sums.ToDictionary(kv => kv.Key, kv => first[kv.Key].DType.IsFloatingPoint() ? (kv.Value / (double)checkpoints.Count).To(first[kv.Key].DType) : kv.Value);
        SafeTensors.Save(mean, outPath, meta);
    }
}
