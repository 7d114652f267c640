using System.Runtime.InteropServices;

namespace SharpAsr.Text;

/// <summary>
/// Unicode NFKC through ICU's unorm2 API. The solution runs with InvariantGlobalization, where .NET's
/// string.Normalize leaves non-ASCII text unchanged, so NFKC is asked of libicu directly (Debian
/// package libicu-dev; the same library .NET would use without invariant mode).
/// </summary>
public static unsafe class UnicodeNfkc
{
    static readonly Lazy<(IntPtr Normalizer, IntPtr Normalize)> Icu = new(Open);

    public static string Normalize(string text)
    {
        if (IsAscii(text)) return text;  // ASCII is NFKC already: skip the native call
        var (normalizer, normalizeFn) = Icu.Value;
        var normalize = (delegate* unmanaged<IntPtr, char*, int, char*, int, int*, int>)normalizeFn;
        // NFKC can grow text (e.g. U+FDFA to 18 characters); retry once with the size ICU asks for.
        int capacity = text.Length * 2 + 16;
        while (true)
        {
            var buffer = new char[capacity];
            int status = 0, length;
            fixed (char* src = text)
            fixed (char* dst = buffer)
                length = normalize(normalizer, src, text.Length, dst, capacity, &status);
            if (status == BufferOverflowError) { capacity = length + 1; continue; }
            if (status > 0) throw new InvalidOperationException($"ICU NFKC normalisation failed with error code {status}");
            return new string(buffer, 0, length);
        }
    }

    const int BufferOverflowError = 15;  // U_BUFFER_OVERFLOW_ERROR

    static bool IsAscii(string s)
    {
        foreach (var c in s) if (c > 0x7F) return false;
        return true;
    }

    static (IntPtr, IntPtr) Open()
    {
        IntPtr lib = IntPtr.Zero;
        foreach (var name in new[] { "libicuuc.so", "libicuuc.so.76", "libicuuc.so.74", "libicuuc.so.72", "libicuuc.so.70", "libicuuc.so.67" })
            if (NativeLibrary.TryLoad(name, out lib)) break;
        if (lib == IntPtr.Zero)
            throw new DllNotFoundException("Unicode NFKC needs ICU (libicuuc.so): install the Debian package libicu-dev (scripts/setup.sh does)");
        // ICU suffixes its symbols with its major version (unorm2_normalize_72) unless built without renaming.
        foreach (var suffix in new[] { "" }.Concat(Enumerable.Range(50, 50).Reverse().Select(v => "_" + v)))
        {
            if (NativeLibrary.TryGetExport(lib, "unorm2_getNFKCInstance" + suffix, out var get) &&
                NativeLibrary.TryGetExport(lib, "unorm2_normalize" + suffix, out var normalize))
            {
                int status = 0;
                var normalizer = ((delegate* unmanaged<int*, IntPtr>)get)(&status);
                if (status > 0 || normalizer == IntPtr.Zero)
                    throw new InvalidOperationException($"ICU could not open its NFKC normaliser (error code {status})");
                return (normalizer, normalize);
            }
        }
        throw new EntryPointNotFoundException("libicuuc.so has no unorm2_normalize export");
    }
}
