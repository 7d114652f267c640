using SharpAsr.Config;

namespace SharpAsr.Text;

/// <summary>
/// What a config's tokenizer section yields without any training data: a char tokenizer from its
/// labels, a SentencePiece tokenizer from its folder, or nothing (char labels are then built from the
/// training text, and any text is encodable by construction).
/// </summary>
public static class TokenizerFactory
{
    /// <summary>The tokenizer the section names, or null for char without labels; errors name the key.</summary>
    public static ITokenizer? TryCreate(TokenizerConfig cfg)
    {
        switch (cfg.Type.ToLowerInvariant())
        {
            case "char":
                return cfg.Labels is { Count: > 0 } labels ? new CharTokenizer(labels) : null;
            case "spe":
                var model = SentencePieceModelPath(cfg) ?? throw new ConfigException("tokenizer.dir must name the SentencePiece folder (holding tokenizer.model)");
                if (!File.Exists(model)) throw new ConfigException($"tokenizer.{(cfg.ModelPath is null ? "dir" : "model_path")}: {model} not found");
                return SentencePieceTokenizer.Load(model);
            default:
                throw new ConfigException($"tokenizer.type '{cfg.Type}': use char or spe");
        }
    }

    /// <summary>
    /// Tokens (blank excluded) for sizing a model: the labels, else the SentencePiece model in
    /// tokenizer.dir when it exists, else tokenizer.vocab_size.
    /// </summary>
    public static int VocabSize(TokenizerConfig cfg)
    {
        var type = cfg.Type.ToLowerInvariant();
        if (type == "char" && cfg.Labels is { Count: > 0 } labels) return new CharTokenizer(labels).VocabSize;
        if (type == "spe" && SentencePieceModelPath(cfg) is { } model && File.Exists(model))
        {
            using var spe = SentencePieceTokenizer.Load(model);
            return spe.VocabSize;
        }
        if (type is not ("char" or "spe")) throw new ConfigException($"tokenizer.type '{cfg.Type}': use char or spe");
        return cfg.VocabSize is { } n
            ? n >= 1 ? n : throw new ConfigException($"tokenizer.vocab_size must be at least 1, got {n}")
            : throw new ConfigException(type == "char"
                ? "tokenizer: the vocabulary size is unknown; give tokenizer.labels or tokenizer.vocab_size"
                : "tokenizer: the vocabulary size is unknown; give tokenizer.dir (holding tokenizer.model) or tokenizer.vocab_size");
    }

    /// <summary>The SentencePiece model file: tokenizer.model_path, else tokenizer.model in tokenizer.dir.</summary>
    public static string? SentencePieceModelPath(TokenizerConfig cfg) => cfg.ModelPath ?? (cfg.Dir is null ? null : Path.Combine(cfg.Dir, "tokenizer.model"));
}
