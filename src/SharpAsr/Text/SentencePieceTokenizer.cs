using System.Text;
using SharpTorch;

namespace SharpAsr.Text;

/// <summary>
/// A SentencePiece tokenizer (<c>tokenizer.model</c> of NeMo, caiman or <see cref="TokenizerTrainer"/>).
/// Ids are SentencePiece ids; the blank goes after them (index VocabSize).
/// </summary>
public sealed class SentencePieceTokenizer : ITokenizer, IDisposable
{
    readonly SentencePieceModel _model;

    public SentencePieceTokenizer(SentencePieceModel model) => _model = model;

    public static SentencePieceTokenizer Load(string modelPath) => new(SentencePieceModel.Load(modelPath));

    public SentencePieceModel Model => _model;

    public int VocabSize => _model.VocabSize;

    public int[] Encode(string text)
    {
        var ids = _model.EncodeIds(text);
        if (_model.UnknownId >= 0 && Array.IndexOf(ids, _model.UnknownId) >= 0)
        {
            var missing = UnencodableCharacters(text);
            throw new ArgumentException(
                $"characters {string.Join(", ", missing.Select(r => $"'{r}' (U+{r.Value:X4})"))} of \"{text}\" are not in the SentencePiece vocabulary (they encode to <unk>)");
        }
        return ids;
    }

    public string Decode(IReadOnlyList<int> ids)
    {
        var array = ids as int[] ?? ids.ToArray();
        foreach (var id in array)
            if ((uint)id >= (uint)VocabSize)
                throw new ArgumentOutOfRangeException(nameof(ids), $"token id {id} is outside the SentencePiece vocabulary [0, {VocabSize})");
        return _model.Decode(array);
    }

    public string IdToPiece(int id) =>
        (uint)id < (uint)VocabSize ? _model.IdToPiece(id)
            : throw new ArgumentOutOfRangeException(nameof(id), $"token id {id} is outside the SentencePiece vocabulary [0, {VocabSize})");

    public int PieceToId(string piece) => _model.PieceToId(piece);

    // A character is unencodable when it lands in an <unk> piece: SentencePiece's pieces give the
    // surface text of each <unk>, in the same segmentation as the ids. Models with byte fallback never
    // produce <unk>.
    public IReadOnlyList<Rune> UnencodableCharacters(string text)
    {
        var missing = new List<Rune>();
        if (_model.UnknownId < 0) return missing;
        var ids = _model.EncodeIds(text);
        if (Array.IndexOf(ids, _model.UnknownId) < 0) return missing;
        var pieces = _model.EncodePieces(text);
        for (int i = 0; i < ids.Length && i < pieces.Length; i++)
        {
            if (ids[i] != _model.UnknownId) continue;
            foreach (var r in pieces[i].EnumerateRunes())
                if (r.Value != '\u2581' && !missing.Contains(r)) missing.Add(r);
        }
        return missing;
    }

    public void Dispose() => _model.Dispose();
}
