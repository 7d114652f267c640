using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace SharpTorch;

internal sealed class SentencePieceHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public SentencePieceHandle() : base(true) { }
    public SentencePieceHandle(IntPtr p) : base(true) { SetHandle(p); }
    protected override bool ReleaseHandle()
    {
        Native.sa_spm_free(handle);
        return true;
    }
}

/// <summary>
/// A SentencePiece model (<c>tokenizer.model</c>) loaded in the native shim: encode text to ids or
/// pieces, decode ids, piece&lt;-&gt;id, and training. Thread-safe for encoding and decoding.
/// Errors (a missing or corrupt file, an id outside the vocabulary) raise <see cref="TorchException"/>
/// with SentencePiece's message.
/// </summary>
public sealed unsafe class SentencePieceModel : IDisposable
{
    readonly SentencePieceHandle _handle;

    SentencePieceModel(IntPtr p)
    {
        _handle = new SentencePieceHandle(p);
        VocabSize = Native.Check(Native.sa_spm_vocab_size(_handle));
        UnknownId = Native.sa_spm_unk_id(_handle);
    }

    /// <summary>Loads a model file, e.g. NeMo's or caiman's <c>tokenizer.model</c>.</summary>
    public static SentencePieceModel Load(string path)
    {
        Native.EnsureLoaded();
        if (!File.Exists(path)) throw new FileNotFoundException($"SentencePiece model '{path}' does not exist", path);
        return new SentencePieceModel(Native.Check(Native.sa_spm_load(path)));
    }

    /// <summary>Loads a model from its serialized bytes (the content of a <c>.model</c> file).</summary>
    public static SentencePieceModel FromBytes(ReadOnlySpan<byte> bytes)
    {
        Native.EnsureLoaded();
        fixed (byte* p = bytes)
            return new SentencePieceModel(Native.Check(Native.sa_spm_load_bytes(p, bytes.Length)));
    }

    /// <summary>Number of pieces; ids run from 0 to VocabSize-1.</summary>
    public int VocabSize { get; }

    /// <summary>The id of <c>&lt;unk&gt;</c>, or -1 when the model has none.</summary>
    public int UnknownId { get; }

    public bool IsControl(int id) => Native.Check(Native.sa_spm_is_control(_handle, id)) != 0;

    public int[] EncodeIds(string text)
    {
        var utf8 = Encoding.UTF8.GetBytes(text);
        int* result = null;
        int n;
        fixed (byte* p = utf8) n = Native.sa_spm_encode_ids(_handle, p, utf8.Length, &result);
        try
        {
            Native.Check(n);
            return new ReadOnlySpan<int>(result, n).ToArray();
        }
        finally { Native.sa_free((IntPtr)result); }
    }

    public string[] EncodePieces(string text)
    {
        var utf8 = Encoding.UTF8.GetBytes(text);
        byte* result = null;
        long bytes = 0;
        int n;
        fixed (byte* p = utf8) n = Native.sa_spm_encode_pieces(_handle, p, utf8.Length, &result, &bytes);
        try
        {
            Native.Check(n);
            var pieces = new string[n];
            var all = new ReadOnlySpan<byte>(result, checked((int)bytes));
            for (int i = 0, at = 0; i < n; i++)
            {
                int len = all[at..].IndexOf((byte)0);
                pieces[i] = Encoding.UTF8.GetString(all.Slice(at, len));
                at += len + 1;
            }
            return pieces;
        }
        finally { Native.sa_free((IntPtr)result); }
    }

    public string Decode(ReadOnlySpan<int> ids)
    {
        byte* result = null;
        long n;
        fixed (int* p = ids) n = Native.sa_spm_decode_ids(_handle, p, ids.Length, &result);
        try
        {
            if (n < 0) throw new TorchException(Native.LastError());
            return Encoding.UTF8.GetString(result, checked((int)n));
        }
        finally { Native.sa_free((IntPtr)result); }
    }

    /// <summary>The id of a piece, or <see cref="UnknownId"/> when it is not in the vocabulary.</summary>
    public int PieceToId(string piece) => Native.Check(Native.sa_spm_piece_to_id(_handle, piece));

    public string IdToPiece(int id) => Marshal.PtrToStringUTF8(Native.Check(Native.sa_spm_id_to_piece(_handle, id)))!;

    /// <summary>
    /// Trains a model as <c>SentencePieceTrainer.Train(**kwargs)</c> does. Flag names without
    /// <c>--</c>: <c>input</c>, <c>model_prefix</c>, <c>vocab_size</c>, <c>model_type</c>, ...
    /// Writes <c>{model_prefix}.model</c> and <c>{model_prefix}.vocab</c>.
    /// </summary>
    public static void Train(IReadOnlyDictionary<string, string> flags)
    {
        Native.EnsureLoaded();
        var keys = new List<IntPtr>();
        var values = new List<IntPtr>();
        try
        {
            foreach (var (k, v) in flags)
            {
                keys.Add(Marshal.StringToCoTaskMemUTF8(k));
                values.Add(Marshal.StringToCoTaskMemUTF8(v));
            }
            var ka = keys.ToArray();
            var va = values.ToArray();
            fixed (IntPtr* kp = ka)
            fixed (IntPtr* vp = va)
                Native.Check(Native.sa_spm_train(kp, vp, ka.Length));
        }
        finally
        {
            foreach (var p in keys) Marshal.FreeCoTaskMem(p);
            foreach (var p in values) Marshal.FreeCoTaskMem(p);
        }
    }

    public void Dispose() => _handle.Dispose();
}
