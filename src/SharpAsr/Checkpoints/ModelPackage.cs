using System.IO.Compression;
using System.Text.Json;
using SharpAsr.Text;
using SharpTorch;
using SharpTorch.Serialization;

namespace SharpAsr.Checkpoints;

/// <summary>
/// The files a model is made of, wherever they come from: a training checkpoint folder (model.safetensors,
/// optional ema.safetensors, config.yaml, labels.json or tokenizer.model) or an exported <c>.sasr</c> file.
/// <para>
/// <c>.sasr</c> is a zip archive holding <c>sasr.json</c> (format name, which weights, source checkpoint and step),
/// <c>model.safetensors</c> (the EMA weights when the checkpoint has them, else the model weights), <c>config.yaml</c>
/// (the training config: featurizer settings under <c>preprocessor</c>, model shape, text normalisation) and the
/// tokenizer file (<c>labels.json</c> or <c>tokenizer.model</c>) under its usual name.
/// </para>
/// </summary>
public sealed class ModelPackage
{
    public const string Format = "sharpasr-model-1";
    public const string WeightsFile = "model.safetensors", EmaFile = "ema.safetensors", ConfigFile = "config.yaml",
        LabelsFile = "labels.json", SentencePieceFile = "tokenizer.model", InfoFile = "sasr.json";

    public required string Source { get; init; }
    public required string ConfigYaml { get; init; }
    public required byte[] Weights { get; init; }
    /// <summary>"ema" or "model": which weights <see cref="Weights"/> holds.</summary>
    public required string WeightsKind { get; init; }
    public required string TokenizerFile { get; init; }
    public required byte[] Tokenizer { get; init; }
    public long Step { get; init; }

    /// <summary>Reads a checkpoint folder or a .sasr file.</summary>
    public static ModelPackage Read(string path)
    {
        if (Directory.Exists(path)) return FromCheckpoint(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no such model file or checkpoint folder", path);
        return FromArchive(path);
    }

    static ModelPackage FromCheckpoint(string dir)
    {
        string Need(string name)
        {
            var p = Path.Combine(dir, name);
            if (!File.Exists(p)) throw new InvalidDataException($"{dir}: not a checkpoint folder ({name} is missing)");
            return p;
        }
        var ema = Path.Combine(dir, EmaFile);
        var useEma = File.Exists(ema);
        var tokenizer = File.Exists(Path.Combine(dir, LabelsFile)) ? LabelsFile
            : File.Exists(Path.Combine(dir, SentencePieceFile)) ? SentencePieceFile
            : throw new InvalidDataException($"{dir}: no tokenizer ({LabelsFile} or {SentencePieceFile})");
        long step = 0;
        if (File.Exists(Path.Combine(dir, "state.json"))) step = CheckpointStore.ReadState(dir).Step;
        return new ModelPackage
        {
            Source = dir,
            ConfigYaml = File.ReadAllText(Need(ConfigFile)),
            Weights = File.ReadAllBytes(useEma ? ema : Need(WeightsFile)),
            WeightsKind = useEma ? "ema" : "model",
            TokenizerFile = tokenizer,
            Tokenizer = File.ReadAllBytes(Path.Combine(dir, tokenizer)),
            Step = step,
        };
    }

    static ModelPackage FromArchive(string path)
    {
        ZipArchive zip;
        try { zip = ZipFile.OpenRead(path); }
        catch (InvalidDataException e) { throw new InvalidDataException($"{path}: not a .sasr model file (not a zip archive: {e.Message})", e); }
        using (zip)
        {
            byte[] Entry(string name, bool required = true)
            {
                var e = zip.GetEntry(name);
                if (e is null)
                {
                    if (required) throw new InvalidDataException($"{path}: not a complete .sasr model file ({name} is missing)");
                    return Array.Empty<byte>();
                }
                using var s = e.Open();
                using var m = new MemoryStream();
                s.CopyTo(m);
                return m.ToArray();
            }
            var info = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(Entry(InfoFile))
                       ?? throw new InvalidDataException($"{path}: {InfoFile} is empty");
            var format = info.TryGetValue("format", out var f) ? f.GetString() : null;
            if (format != Format) throw new InvalidDataException($"{path}: format '{format}' is not {Format}");
            var tokenizer = zip.GetEntry(LabelsFile) != null ? LabelsFile : SentencePieceFile;
            return new ModelPackage
            {
                Source = path,
                ConfigYaml = System.Text.Encoding.UTF8.GetString(Entry(ConfigFile)),
                Weights = Entry(WeightsFile),
                WeightsKind = info.TryGetValue("weights", out var w) ? w.GetString() ?? "model" : "model",
                TokenizerFile = tokenizer,
                Tokenizer = Entry(tokenizer),
                Step = info.TryGetValue("step", out var s) ? s.GetInt64() : 0,
            };
        }
    }

    /// <summary>Writes the .sasr archive (to a temporary name first, so a failure never leaves half a file).</summary>
    public void Write(string outPath)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(outPath))!;
        Directory.CreateDirectory(dir);
        var tmp = outPath + ".tmp";
        using (var zip = ZipFile.Open(tmp, ZipArchiveMode.Create))
        {
            void Add(string name, byte[] bytes, CompressionLevel level = CompressionLevel.Optimal)
            {
                using var s = zip.CreateEntry(name, level).Open();
                s.Write(bytes);
            }
            var info = new Dictionary<string, object> { ["format"] = Format, ["weights"] = WeightsKind, ["source"] = Path.GetFullPath(Source), ["step"] = Step };
            Add(InfoFile, JsonSerializer.SerializeToUtf8Bytes(info, new JsonSerializerOptions { WriteIndented = true }));
            Add(ConfigFile, System.Text.Encoding.UTF8.GetBytes(ConfigYaml));
            Add(WeightsFile, Weights, CompressionLevel.NoCompression);   // float weights barely compress; keep loading fast
            Add(TokenizerFile, Tokenizer);
        }
        File.Move(tmp, outPath, overwrite: true);
    }

    /// <summary>The weights as tensors (caller owns them).</summary>
    public Dictionary<string, Tensor> LoadWeights()
    {
        using var m = new MemoryStream(Weights, writable: false);
        return SafeTensors.Read(m, $"{Source}:{WeightsFile}").Tensors;
    }

    public ITokenizer LoadTokenizer()
    {
        if (TokenizerFile == SentencePieceFile) return new SentencePieceTokenizer(SentencePieceModel.FromBytes(Tokenizer));
        try
        {
            var labels = JsonSerializer.Deserialize<string[]>(Tokenizer) ?? throw new InvalidDataException("expected a JSON array of labels");
            return new CharTokenizer(labels);
        }
        catch (Exception e) when (e is JsonException or ArgumentException)
        {
            throw new InvalidDataException($"{Source}: {LabelsFile}: {e.Message}", e);
        }
    }
}
