using System.Text;

namespace SharpAsr.Text;

/// <summary>
/// Maps transcripts to output-token ids and back. Ids run from 0 to <see cref="VocabSize"/>-1; the
/// RNN-T blank is not a token of the tokenizer: the model adds it at index VocabSize (NeMo's
/// convention, blank = last).
/// </summary>
public interface ITokenizer
{
    /// <summary>Number of tokens, blank excluded.</summary>
    int VocabSize { get; }

    /// <summary>Token ids of a (normalised) transcript; throws when a character cannot be encoded.</summary>
    int[] Encode(string text);

    /// <summary>Text of token ids; throws on an id outside 0..VocabSize-1 (e.g. a blank left in).</summary>
    string Decode(IReadOnlyList<int> ids);

    /// <summary>The vocabulary entry of an id (a character, or a SentencePiece piece such as "▁the").</summary>
    string IdToPiece(int id);

    /// <summary>The distinct characters of <paramref name="text"/> that the tokenizer cannot encode, in order of first occurrence.</summary>
    IReadOnlyList<Rune> UnencodableCharacters(string text);
}

public static class TokenizerExtensions
{
    public static bool CanEncode(this ITokenizer tokenizer, string text) => tokenizer.UnencodableCharacters(text).Count == 0;

    /// <summary>Every token's vocabulary entry, by id (what ARPA files, word lists and vocabulary checks read tokens as).</summary>
    public static IReadOnlyList<string> Pieces(this ITokenizer tokenizer) => Enumerable.Range(0, tokenizer.VocabSize).Select(tokenizer.IdToPiece).ToList();
}
