using System.Runtime.InteropServices;

namespace SharpTorch;

// P/Invoke declarations of the shim's SentencePiece section (sharpasr_native.h). The public face is SentencePieceModel.
internal static unsafe partial class Native
{
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] public static partial IntPtr sa_spm_load(string path);
    [LibraryImport(Lib)] public static partial IntPtr sa_spm_load_bytes(byte* data, long nbytes);
    [LibraryImport(Lib)] public static partial void sa_spm_free(IntPtr m);
    [LibraryImport(Lib)] public static partial int sa_spm_vocab_size(SentencePieceHandle m);
    [LibraryImport(Lib)] public static partial int sa_spm_unk_id(SentencePieceHandle m);
    [LibraryImport(Lib)] public static partial int sa_spm_is_control(SentencePieceHandle m, int id);
    [LibraryImport(Lib)] public static partial int sa_spm_encode_ids(SentencePieceHandle m, byte* text, long nbytes, int** result);
    [LibraryImport(Lib)] public static partial int sa_spm_encode_pieces(SentencePieceHandle m, byte* text, long nbytes, byte** result, long* resultBytes);
    [LibraryImport(Lib)] public static partial long sa_spm_decode_ids(SentencePieceHandle m, int* ids, int n, byte** result);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] public static partial int sa_spm_piece_to_id(SentencePieceHandle m, string piece);
    [LibraryImport(Lib)] public static partial IntPtr sa_spm_id_to_piece(SentencePieceHandle m, int id);
    [LibraryImport(Lib)] public static partial int sa_spm_train(IntPtr* keys, IntPtr* values, int n);
}
