namespace SharpAsr.Config;

/// <summary>
/// A config file read for training, whichever toolkit wrote it: SharpASR's config it maps to, the run inputs the
/// file itself names (NeMo's manifest_filepath, init_from_nemo_model), and what of the file was not used.
/// </summary>
public sealed class LoadedConfig
{
    public required AsrConfig Config { get; set; }
    /// <summary>Whose layout the file has: SharpASR, NeMo or caiman.</summary>
    public string Layout { get; init; } = "SharpASR";
    public List<string> TrainManifests { get; } = new();
    public List<string> ValManifests { get; } = new();
    /// <summary>Initial weights (NeMo init_from_nemo_model) and the tensor-name filters that go with them.</summary>
    public string? InitFrom { get; set; }
    public List<string> InitInclude { get; } = new();
    public List<string> InitExclude { get; } = new();
    /// <summary>The encoder is not trained (caiman's rnnt.enc_freeze).</summary>
    public bool FreezeEncoder { get; set; }
    /// <summary>Keys of the file that SharpASR does not use, one line per section.</summary>
    public List<string> NotUsed { get; } = new();
    /// <summary>Keys used with a different meaning or a substitute (Novograd → AdamW), one line each.</summary>
    public List<string> Notes { get; } = new();

    /// <summary>The report printed at the start of a run (empty for SharpASR's own files).</summary>
    public IEnumerable<string> Report(string path)
    {
        if (Layout == "SharpASR") yield break;
        yield return $"config {path}: {Layout} layout, mapped onto SharpASR's keys (the result is written to config.yaml in the output folder)";
        foreach (var n in Notes) yield return $"  note: {n}";
        if (NotUsed.Count == 0) yield return "  not used: nothing";
        else
        {
            yield return "  not used (no SharpASR equivalent, or SharpASR decides it itself):";
            foreach (var line in NotUsed) yield return "    " + line;
        }
    }
}
