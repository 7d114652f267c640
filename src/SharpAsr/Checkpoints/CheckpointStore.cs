using System.Text.Json;
using SharpTorch;
using SharpTorch.Serialization;

namespace SharpAsr.Checkpoints;

/// <summary>
/// Checkpoint folders under the output directory: <c>step-N/</c> every save_frequency steps, <c>best/</c>
/// (overwritten when the validation WER improves) and <c>last/</c>. Each holds model.safetensors,
/// ema.safetensors (EMA on), optimizer.safetensors, state.json, config.yaml and the tokenizer. A folder is written under a temporary
/// name, every file fsynced, then renamed into place, so a kill at any moment leaves the previous
/// checkpoint intact (at worst a stray <c>.tmp-*</c> folder, ignored and cleaned next time).
/// </summary>
public sealed class CheckpointStore
{
    public string Root { get; }

    // BestWer is +∞ until the first validation: written as "Infinity" instead of failing the save
    static readonly JsonSerializerOptions StateJson = new()
    {
        WriteIndented = true,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };
    /// <summary>The weights' moving average (same names as model.safetensors), present when EMA is on.</summary>
    public const string EmaFile = "ema.safetensors";

    public CheckpointStore(string outputDir) => Root = Path.Combine(outputDir, "checkpoints");

    public string PathOf(string name) => Path.Combine(Root, name);

    /// <summary>True when the folder already holds a complete checkpoint (the refusal rule for a fresh run).</summary>
    public bool Any() => Directory.Exists(Root) && Directory.EnumerateDirectories(Root).Any(d => File.Exists(Path.Combine(d, "state.json")));

    public void Save(string name, IReadOnlyDictionary<string, Tensor> model, IReadOnlyDictionary<string, Tensor> optimizer,
        TrainingState state, string configYaml, Action<string> writeTokenizer, IReadOnlyDictionary<string, Tensor>? ema = null)
    {
        Directory.CreateDirectory(Root);
        foreach (var stale in Directory.EnumerateDirectories(Root, ".tmp-*")) TryDelete(stale);
        var tmp = Path.Combine(Root, $".tmp-{name}-{Environment.ProcessId}");
        TryDelete(tmp);
        Directory.CreateDirectory(tmp);
        try
        {
            var meta = new Dictionary<string, string> { ["step"] = state.Step.ToString(), ["format"] = "sharpasr-checkpoint-1" };
            SafeTensors.Save(model, Path.Combine(tmp, "model.safetensors"), meta);
            SafeTensors.Save(optimizer, Path.Combine(tmp, "optimizer.safetensors"), meta);
            if (ema != null) SafeTensors.Save(ema, Path.Combine(tmp, EmaFile), meta);
            File.WriteAllText(Path.Combine(tmp, "config.yaml"), configYaml);
            writeTokenizer(tmp);
            // state.json last: its presence marks a complete checkpoint
            File.WriteAllText(Path.Combine(tmp, "state.json"), JsonSerializer.Serialize(state, StateJson));
            foreach (var f in Directory.EnumerateFiles(tmp)) FsyncFile(f);
            var target = PathOf(name);
            var old = target + ".old";
            TryDelete(old);
            if (Directory.Exists(target)) Directory.Move(target, old);
            Directory.Move(tmp, target);
            TryDelete(old);
        }
        catch (IOException e)
        {
            TryDelete(tmp);
            throw new IOException($"saving checkpoint '{name}' in {Root} failed ({e.Message}); the previous checkpoints are intact", e);
        }
    }

    /// <summary>The newest complete checkpoint folder (by step), or null.</summary>
    public string? Latest()
    {
        if (!Directory.Exists(Root)) return null;
        // a crash between the two renames of Save leaves only "name.old": it is still a complete checkpoint
        return Directory.EnumerateDirectories(Root)
            .Where(d => !Path.GetFileName(d).StartsWith(".tmp-") && File.Exists(Path.Combine(d, "state.json")))
            .Select(d => (Dir: d, State: ReadState(d)))
            .OrderByDescending(x => x.State.Step).ThenBy(x => x.Dir.EndsWith(".old") ? 1 : 0)
            .Select(x => x.Dir).FirstOrDefault();
    }

    public static TrainingState ReadState(string dir)
    {
        var path = Path.Combine(dir, "state.json");
        try
        {
            return JsonSerializer.Deserialize<TrainingState>(File.ReadAllText(path), StateJson) ?? throw new InvalidDataException($"{path}: empty");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not a training state ({e.Message})", e);
        }
    }

    static void FsyncFile(string path)
    {
        using var fs = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        fs.Flush(flushToDisk: true);
    }

    static void TryDelete(string dir)
    {
        try
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
        catch (IOException) { }
    }
}
