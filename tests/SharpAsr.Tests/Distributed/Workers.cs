using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using SharpAsr.Demo;
using SharpAsr.Training.Distributed;

namespace SharpAsr.Tests.Distributed;

/// <summary>Starting tests/DistributedWorker: N ranks through LocalLauncher (as <c>sharpasr train --nproc N</c>
/// does), or one plain process without torchrun's variables; and the small corpora they train on.</summary>
internal static class Workers
{
    public static readonly string Dll = Path.Combine(AppContext.BaseDirectory, "DistributedWorker.dll");

    public static (int Code, List<string> Lines, TimeSpan Elapsed) Launch(int nproc, IReadOnlyDictionary<string, string>? env, params string[] args)
    {
        var lines = new ConcurrentQueue<string>();
        var clock = Stopwatch.StartNew();
        int code = LocalLauncher.Run(new LaunchOptions
        {
            Program = "dotnet",
            Arguments = new[] { Dll }.Concat(args).ToList(),
            NProc = nproc,
            GracePeriod = TimeSpan.FromSeconds(2),
            Environment = env,
            Output = lines.Enqueue,
        });
        return (code, lines.ToList(), clock.Elapsed);
    }

    /// <summary>
    /// N ranks started side by side without LocalLauncher, as on separate machines: nobody stops the others when one
    /// fails, so each rank's own last words can be checked. Returns each rank's exit code and output lines.
    /// </summary>
    public static List<(int Code, List<string> Lines)> RunRanks(int world, params string[] args)
    {
        int port = LocalLauncher.FreePort();
        var ranks = Enumerable.Range(0, world).Select(rank =>
        {
            var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
            psi.ArgumentList.Add(Dll);
            foreach (var a in args) psi.ArgumentList.Add(a);
            foreach (var (k, v) in new SharpTorch.Distributed.DistributedEnvironment(rank, world, rank, "127.0.0.1", port).ToVariables()) psi.Environment[k] = v;
            psi.Environment["OMP_NUM_THREADS"] = "1";
            var p = Process.Start(psi)!;
            return (Process: p, Out: p.StandardOutput.ReadToEndAsync(), Err: p.StandardError.ReadToEndAsync());
        }).ToList();
        return ranks.Select(r =>
        {
            r.Process.WaitForExit();
            using (r.Process)
                return (r.Process.ExitCode, (r.Out.Result + r.Err.Result).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToList());
        }).ToList();
    }

    /// <summary>A plain single process: no RANK / WORLD_SIZE, no process group. Returns its exit code and output lines.</summary>
    public static (int Code, List<string> Lines) RunAlone(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(Dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var v in new[] { "RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT" }) psi.Environment.Remove(v);
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, (output + stderr.Result).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToList());
    }

    /// <summary>The name=value lines one rank printed (launched lines carry "[rank N] "; pass rank null for a plain process).</summary>
    public static Dictionary<string, string> Values(IEnumerable<string> lines, int? rank)
    {
        var prefix = rank is { } r ? $"[rank {r}] " : "";
        return lines.Where(l => l.StartsWith(prefix, StringComparison.Ordinal))
            .Select(l => System.Text.RegularExpressions.Regex.Match(l[prefix.Length..], "^([a-z_]+)=(.*)$"))
            .Where(m => m.Success)
            .GroupBy(m => m.Groups[1].Value).ToDictionary(g => g.Key, g => g.Last().Groups[2].Value);
    }

    public static string RepoFile(string relative)
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d != null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, relative))) return Path.Combine(d.FullName, relative);
        throw new FileNotFoundException(relative);
    }

    /// <summary>n sine-tone utterances of 0.4 s + 0.05 s·i, transcripts "abc" / "de f", as manifest lines.</summary>
    public static List<string> SineUtterances(string dir, int n)
    {
        var lines = new List<string>();
        for (int i = 0; i < n; i++)
        {
            double seconds = 0.4 + 0.05 * i;
            var samples = new float[(int)(seconds * 16000)];
            for (int k = 0; k < samples.Length; k++) samples[k] = 0.3f * MathF.Sin(2 * MathF.PI * (200 + 40 * i) * k / 16000f);
            WavWriter.WriteMono16(Path.Combine(dir, $"u{i}.wav"), samples, 16000);
            lines.Add(ManifestLine($"u{i}.wav", seconds, i % 2 == 0 ? "abc" : "de f"));
        }
        return lines;
    }

    public static string ManifestLine(string audio, double seconds, string text) =>
        $"{{\"audio_filepath\": \"{audio}\", \"duration\": {seconds.ToString(CultureInfo.InvariantCulture)}, \"text\": \"{text}\"}}";
}
