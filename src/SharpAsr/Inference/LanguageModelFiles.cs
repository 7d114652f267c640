using SharpAsr.Data;
using SharpAsr.Decoding;
using SharpAsr.LanguageModels;
using SharpAsr.Text;

namespace SharpAsr.Inference;

/// <summary>
/// The token n-gram language models that beam search fuses (<see cref="LmFusion"/>): built from transcripts with a
/// model's own text normaliser and tokenizer, so that the LM's words are the model's tokens, or read from an ARPA file.
/// </summary>
public static class LanguageModelFiles
{
    /// <summary>What a build read: sentences used, sentences skipped (with the first reasons), tokens.</summary>
    public sealed record Corpus(List<int[]> Sentences, int Skipped, IReadOnlyList<string> Problems, long Tokens);

    /// <summary>
    /// The sentences of <paramref name="inputs"/>, normalised and tokenized: the text of every NeMo manifest (.json),
    /// else every non-empty line of a text file. A sentence with a character the tokenizer lacks, or a bad manifest
    /// line, is skipped and reported (file:line: why), never silently.
    /// </summary>
    public static Corpus Read(IEnumerable<string> inputs, ITokenizer tokenizer, TextNormalizer normalizer)
    {
        var sentences = new List<int[]>();
        var problems = new List<string>();
        int skipped = 0;
        long tokens = 0;
        foreach (var input in inputs)
        {
            foreach (var (where, text) in Sentences(input, problems, ref skipped))
            {
                var normalized = normalizer.Normalize(text);
                if (normalized.Length == 0) continue;
                var missing = tokenizer.UnencodableCharacters(normalized);
                if (missing.Count > 0)
                {
                    skipped++;
                    if (problems.Count < 10) problems.Add($"{where}: '{string.Join("", missing)}' not in the tokenizer");
                    continue;
                }
                var ids = tokenizer.Encode(normalized);
                sentences.Add(ids);
                tokens += ids.Length;
            }
        }
        if (sentences.Count == 0)
            throw new ArgumentException($"no sentence to build a language model from in {string.Join(", ", inputs)}" +
                                        (problems.Count > 0 ? $" ({problems[0]})" : ""));
        return new Corpus(sentences, skipped, problems, tokens);
    }

    static IEnumerable<(string Where, string Text)> Sentences(string input, List<string> problems, ref int skipped)
    {
        if (!File.Exists(input)) throw new FileNotFoundException($"{input}: language-model text not found", input);
        if (!input.EndsWith(".json", StringComparison.OrdinalIgnoreCase) && !input.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase))
            return File.ReadLines(input).Select((line, i) => ($"{input}:{i + 1}", line)).Where(s => s.line.Trim().Length > 0).ToList();
        var (entries, bad) = ManifestReader.Read(input);
        skipped += bad.Count;
        problems.AddRange(bad.Take(Math.Max(0, 10 - problems.Count)).Select(p => p.ToString()));
        return entries.Select(e => (e.Where, e.Text)).ToList();
    }

    /// <summary>Builds an interpolated Kneser-Ney model of <paramref name="order"/> over the model's tokens.</summary>
    public static NGramLm Build(Corpus corpus, ITokenizer tokenizer, int order) =>
        KneserNeyEstimator.Estimate(corpus.Sentences, tokenizer.VocabSize, order);

    /// <summary>Reads an ARPA file whose words are <paramref name="tokenizer"/>'s tokens.</summary>
    public static NGramLm Load(string path, ITokenizer tokenizer) => ArpaFile.Read(path, tokenizer.Pieces());

    public static void Save(NGramLm lm, ITokenizer tokenizer, string path) => ArpaFile.Write(lm, tokenizer.Pieces(), path);

    /// <summary>Perplexity per token (&lt;/s&gt; counted as one) of the sentences under the model.</summary>
    public static double Perplexity(NGramLm lm, IEnumerable<int[]> sentences)
    {
        double logProb = 0;
        long count = 0;
        foreach (var s in sentences)
        {
            var history = new List<int> { lm.StartOfSentence };
            foreach (var w in s.Append(lm.EndOfSentence))
            {
                logProb += lm.LogProb(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(history), w);
                history.Add(w);
                count++;
            }
        }
        return Math.Exp(-logProb / count);
    }

}
