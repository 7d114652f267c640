using System.Globalization;
using System.Text;
using System.Text.Json;
using SharpAsr.Config;
using SharpTorch;

namespace SharpAsr.Text;

public enum SentencePieceType { Unigram, Bpe, Char, Word }

/// <summary>
/// Options of <c>sharpasr tokenizer train</c>, the equivalent of NeMo's process_asr_text_tokenizer
/// (--vocab_size, --spe_type, --spe_character_coverage, lowercase, --spe_max_sentencepiece_length,
/// --spe_user_defined_symbols, --spe_control_symbols, --spe_split_digits, --spe_byte_fallback).
/// </summary>
public sealed class TokenizerTrainOptions
{
    /// <summary>Manifests (JSON lines with a "text" field) to read transcripts from; used by <see cref="TokenizerTrainer.Run"/>.</summary>
    public List<string> Manifests { get; set; } = new();
    /// <summary>The folder that receives <c>tokenizer_spe_{type}_v{N}</c> (NeMo's --data_root).</summary>
    public string OutDir { get; set; } = ".";
    public int VocabSize { get; set; } = 1024;
    public SentencePieceType Type { get; set; } = SentencePieceType.Unigram;
    public double CharacterCoverage { get; set; } = 1.0;
    /// <summary>Case-folds inside the model (SentencePiece rule nmt_nfkc_cf), as NeMo's default --no_lower_case=False does.</summary>
    public bool Lowercase { get; set; } = true;
    /// <summary>Longest piece in characters; -1 keeps SentencePiece's default (16).</summary>
    public int MaxPieceLength { get; set; } = -1;
    public List<string> UserDefinedSymbols { get; set; } = new();
    public List<string> ControlSymbols { get; set; } = new();
    public bool SplitDigits { get; set; }
    public bool ByteFallback { get; set; }
    /// <summary>At most this many sentences are sampled for training (SentencePiece input_sentence_size); 0 = all.</summary>
    public int SampleSize { get; set; }
    /// <summary>Trainer threads. Results are reproducible only for a fixed count.</summary>
    public int Threads { get; set; } = Environment.ProcessorCount;
    /// <summary>Normalises transcripts with SharpASR's normaliser before training; null trains on the text as is (NeMo's way).</summary>
    public TextNormalizerOptions? Normalize { get; set; }
    /// <summary>Replace a tokenizer already in the output folder instead of refusing.</summary>
    public bool Overwrite { get; set; }
}

/// <summary>Where a trained tokenizer went.</summary>
public sealed record TokenizerTrainResult(string Directory, string ModelPath, string VocabPath, string VocabTxtPath, int VocabSize, int Sentences);

/// <summary>Trains SentencePiece tokenizers the way NeMo's process_asr_text_tokenizer does.</summary>
public static class TokenizerTrainer
{
    /// <summary>NeMo's folder name: <c>tokenizer_spe_{type}_v{vocab size}</c>.</summary>
    public static string FolderName(TokenizerTrainOptions o) => $"tokenizer_spe_{TypeName(o.Type)}_v{o.VocabSize}";

    /// <summary>The CLI entry: trains from <see cref="TokenizerTrainOptions.Manifests"/> into <see cref="TokenizerTrainOptions.OutDir"/>.</summary>
    public static TokenizerTrainResult Run(TokenizerTrainOptions options)
    {
        if (options.Manifests.Count == 0) throw new ArgumentException("tokenizer training needs at least one manifest");
        return Train(options.Manifests.SelectMany(ReadManifestTexts), options, options.OutDir);
    }

    /// <summary>Trains on transcripts; writes tokenizer.model, tokenizer.vocab and vocab.txt into outDir/tokenizer_spe_{type}_v{N}.</summary>
    public static TokenizerTrainResult Train(IEnumerable<string> texts, TokenizerTrainOptions options, string outDir)
    {
        Validate(options);
        var dir = Path.Combine(outDir, FolderName(options));
        var model = Path.Combine(dir, "tokenizer.model");
        if (File.Exists(model) && !options.Overwrite)
            throw new IOException($"{model} already exists; delete it, choose another output folder or set overwrite");
        Directory.CreateDirectory(dir);

        var normalizer = options.Normalize is null ? null : new TextNormalizer(options.Normalize);
        var corpus = Path.Combine(dir, $"document.{Environment.ProcessId}.txt");
        int sentences = 0;
        try
        {
            using (var w = new StreamWriter(corpus, false, new UTF8Encoding(false)))
            {
                foreach (var raw in texts)
                {
                    // One sentence per line: a transcript's own line breaks would split it.
                    var text = (normalizer?.Normalize(raw) ?? raw).Replace('\n', ' ').Replace('\r', ' ').Trim();
                    if (text.Length == 0) continue;
                    w.Write(text);
                    w.Write('\n');
                    sentences++;
                }
            }
            if (sentences == 0) throw new ArgumentException("tokenizer training got no non-empty transcript");
            SentencePieceModel.Train(Flags(options, corpus, Path.Combine(dir, "tokenizer")));
        }
        finally { File.Delete(corpus); }

        var vocab = Path.Combine(dir, "tokenizer.vocab");
        var vocabTxt = Path.Combine(dir, "vocab.txt");
        File.WriteAllLines(vocabTxt, ReadableVocabulary(vocab, options), new UTF8Encoding(false));
        using var trained = SentencePieceModel.Load(model);
        return new TokenizerTrainResult(dir, model, vocab, vocabTxt, trained.VocabSize, sentences);
    }

    /// <summary>The trainer flags, as create_spt_model builds them (bos/eos off, soft vocabulary limit).</summary>
    public static Dictionary<string, string> Flags(TokenizerTrainOptions o, string input, string modelPrefix)
    {
        var inv = CultureInfo.InvariantCulture;
        var f = new Dictionary<string, string>
        {
            ["input"] = input,
            ["model_prefix"] = modelPrefix,
            ["vocab_size"] = o.VocabSize.ToString(inv),
            ["shuffle_input_sentence"] = "true",
            ["hard_vocab_limit"] = "false",
            ["model_type"] = TypeName(o.Type),
            ["character_coverage"] = o.CharacterCoverage.ToString("R", inv),
            ["bos_id"] = "-1",
            ["eos_id"] = "-1",
            ["num_threads"] = o.Threads.ToString(inv),
            ["minloglevel"] = "1",  // SentencePiece's per-iteration INFO lines would flood the console
        };
        if (o.ControlSymbols.Count > 0) f["control_symbols"] = string.Join(',', o.ControlSymbols);
        if (o.UserDefinedSymbols.Count > 0) f["user_defined_symbols"] = string.Join(',', o.UserDefinedSymbols);
        if (o.Lowercase) f["normalization_rule_name"] = "nmt_nfkc_cf";
        if (o.SampleSize > 0) f["input_sentence_size"] = o.SampleSize.ToString(inv);
        if (o.MaxPieceLength >= 0) f["max_sentencepiece_length"] = o.MaxPieceLength.ToString(inv);
        if (o.SplitDigits) f["split_digits"] = "true";
        if (o.ByteFallback) f["byte_fallback"] = "true";
        return f;
    }

    /// <summary>
    /// NeMo's vocab.txt: every piece of tokenizer.vocab except the special ones, word-initial pieces
    /// without their ▁ and word-internal ones as ##piece (BERT style); a lone ▁ stays ▁.
    /// </summary>
    static IEnumerable<string> ReadableVocabulary(string vocabPath, TokenizerTrainOptions o)
    {
        var special = new HashSet<string>(new[] { "<s>", "</s>", "<pad>", "<unk>" }.Concat(o.ControlSymbols).Concat(o.UserDefinedSymbols));
        foreach (var line in File.ReadLines(vocabPath))
        {
            var piece = line.Split('\t')[0];
            if (special.Contains(piece)) continue;
            var token = piece.StartsWith('\u2581') ? piece[1..] : "##" + piece;
            yield return token.Length > 0 ? token : piece[..1];
        }
    }

    static string TypeName(SentencePieceType t) => t.ToString().ToLowerInvariant();

    static void Validate(TokenizerTrainOptions o)
    {
        if (o.VocabSize < 2) throw new ArgumentException($"vocab_size must be at least 2, got {o.VocabSize}");
        if (o.CharacterCoverage is <= 0 or > 1) throw new ArgumentException($"character_coverage must be in (0, 1], got {o.CharacterCoverage}");
        if (o.Threads < 1) throw new ArgumentException($"threads must be at least 1, got {o.Threads}");
        foreach (var s in o.UserDefinedSymbols.Concat(o.ControlSymbols))
            if (string.IsNullOrEmpty(s) || s.Contains(',') || s.Any(char.IsWhiteSpace))
                throw new ArgumentException($"symbol '{s}' must be non-empty, without commas or white space");
    }

    /// <summary>The "text" field of every line of a manifest; errors name the file and line.</summary>
    public static IEnumerable<string> ReadManifestTexts(string manifest)
    {
        if (!File.Exists(manifest)) throw new FileNotFoundException($"manifest '{manifest}' does not exist", manifest);
        int lineNumber = 0;
        foreach (var line in File.ReadLines(manifest))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            string? text;
            try
            {
                using var doc = JsonDocument.Parse(line);
                text = doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("text", out var t) &&
                       t.ValueKind == JsonValueKind.String ? t.GetString() : null;
            }
            catch (JsonException e) { throw new InvalidDataException($"{manifest}:{lineNumber}: not valid JSON: {e.Message}", e); }
            if (text is null) throw new InvalidDataException($"{manifest}:{lineNumber}: no string field \"text\"");
            yield return text;
        }
    }
}
