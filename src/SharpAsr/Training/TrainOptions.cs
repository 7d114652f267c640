namespace SharpAsr.Training;

/// <summary>What a training run is asked to do besides the config: data, output, resume / fine-tune.</summary>
public sealed class TrainOptions
{
    public required string ConfigPath { get; init; }
    /// <summary>Dotted overrides (NeMo style), applied after the config file and the flags.</summary>
    public List<string> Overrides { get; init; } = new();
    public List<string> TrainManifests { get; init; } = new();
    public List<string> ValManifests { get; init; } = new();
    /// <summary>caiman's --train_tar_files, resolved: WebDataset shards (audio + same-key .txt) to train on instead of manifests.</summary>
    public List<string> TrainTarFiles { get; init; } = new();
    /// <summary>Relative audio paths resolve here (caiman's --data-dir) instead of the manifest's folder.</summary>
    public string? DataDir { get; init; }
    public required string OutputDir { get; init; }
    public bool Resume { get; init; }
    /// <summary>Fine-tuning: initial weights from a checkpoint folder, a .sasr file or (with the NeMo importer) a .nemo file; fresh optimizer and schedule.</summary>
    public string? InitFrom { get; init; }
    /// <summary>Only tensors whose name matches one of these (substring or regular expression) are taken from <see cref="InitFrom"/>; empty: all.</summary>
    public List<string> InitInclude { get; init; } = new();
    /// <summary>Tensors whose name matches one of these are not taken from <see cref="InitFrom"/>.</summary>
    public List<string> InitExclude { get; init; } = new();
    /// <summary>Encoder parameters are not trained (requires_grad off, left out of the optimizer).</summary>
    public bool FreezeEncoder { get; init; }
    /// <summary>Lines logged first: how the config file was read (another toolkit's layout, what of it is not used).</summary>
    public List<string> ConfigReport { get; init; } = new();
    /// <summary>Names the log and arguments files (training_log_TIMESTAMP.txt, caiman's --timestamp); default: the start time.</summary>
    public string? Timestamp { get; init; }
    /// <summary>Called with each progress / log line (the console); the log file gets them too.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public Action<string> Log { get; init; } = Console.WriteLine;
}
