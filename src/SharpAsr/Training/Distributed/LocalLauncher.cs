using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using SharpTorch.Distributed;

namespace SharpAsr.Training.Distributed;

/// <summary>What <see cref="LocalLauncher"/> starts: N copies of one command line on this machine.</summary>
public sealed class LaunchOptions
{
    public required string Program { get; init; }
    public IReadOnlyList<string> Arguments { get; init; } = Array.Empty<string>();
    public required int NProc { get; init; }
    public string MasterAddr { get; init; } = "127.0.0.1";
    /// <summary>0: a free port of this machine.</summary>
    public int MasterPort { get; init; }
    /// <summary>How long the other workers get to exit after SIGTERM (when one failed, or on Ctrl-C) before SIGKILL.</summary>
    public TimeSpan GracePeriod { get; init; } = TimeSpan.FromSeconds(10);
    /// <summary>More variables for every worker (e.g. GLOO_SOCKET_IFNAME).</summary>
    public IReadOnlyDictionary<string, string>? Environment { get; init; }
    /// <summary>Receives each worker's output lines (prefixed "[rank N] ") and the launcher's own messages.</summary>
    public Action<string> Output { get; init; } = Console.WriteLine;
}

/// <summary>
/// <c>sharpasr train --nproc N</c>: starts N worker processes on this machine with torchrun's variables
/// (RANK = LOCAL_RANK = 0..N-1, WORLD_SIZE = N, MASTER_ADDR, MASTER_PORT), forwards SIGINT/SIGTERM to them,
/// and returns the first failing worker's exit status (0 when all succeed). When one worker fails the
/// others are sent SIGTERM, then killed after the grace period, so the job ends in bounded time instead
/// of hanging in a collective; the message names the rank.
/// </summary>
public static partial class LocalLauncher
{
    public static int Run(LaunchOptions o)
    {
        if (o.NProc < 1) throw new ArgumentOutOfRangeException(nameof(o), $"--nproc {o.NProc}: must be at least 1");
        int port = o.MasterPort > 0 ? o.MasterPort : FreePort();
        var output = new object();
        void Say(string line) { lock (output) o.Output(line); }
        Say($"launcher: starting {o.NProc} workers, MASTER_ADDR={o.MasterAddr} MASTER_PORT={port}");

        var workers = new Process[o.NProc];
        var exited = new Task[o.NProc];
        // A signal to the launcher goes to every worker (they save 'last' and exit); the launcher then waits for them.
        void Forward(PosixSignalContext c)
        {
            c.Cancel = true;
            Say($"launcher: {c.Signal}: forwarding to the workers");
            foreach (var w in workers) if (w != null) Signal(w, c.Signal == PosixSignal.SIGINT ? Sigint : Sigterm);
        }
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Forward);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Forward);
        try
        {
            for (int rank = 0; rank < o.NProc; rank++)
            {
                workers[rank] = StartWorker(o, new DistributedEnvironment(rank, o.NProc, rank, o.MasterAddr, port), Say);
                exited[rank] = workers[rank].WaitForExitAsync();
            }
            var running = Enumerable.Range(0, o.NProc).ToHashSet();
            (int Rank, int Code)? failed = null;
            var alsoFailed = new List<string>();
            DateTime? killAt = null;
            bool killed = false;
            while (running.Count > 0)
            {
                var wait = killAt is { } k && !killed ? Math.Max(0, (int)(k - DateTime.UtcNow).TotalMilliseconds) : Timeout.Infinite;
                int done = Task.WaitAny(running.Select(r => exited[r]).ToArray(), wait);
                if (done < 0)
                {
                    // grace period over: whoever is still running is killed
                    foreach (var r in running)
                    {
                        Say($"launcher: rank {r} did not exit within {o.GracePeriod.TotalSeconds:0.#} s: killing it");
                        workers[r].Kill(entireProcessTree: true);
                    }
                    killed = true;  // now wait for the kills to land
                    continue;
                }
                int rank = running.ElementAt(done);
                running.Remove(rank);
                workers[rank].WaitForExit();  // drains the output readers
                int code = workers[rank].ExitCode;
                if (code == 0) continue;
                if (failed == null)
                {
                    failed = (rank, code);
                    Say($"launcher: worker rank {rank} failed with exit code {code}; stopping the other {running.Count}");
                    foreach (var r in running) Signal(workers[r], Sigterm);
                    killAt = DateTime.UtcNow + o.GracePeriod;
                }
                else
                {
                    // often a consequence (a collective saw the first one's connection close); the order the
                    // launcher observes exits in is not proof of cause, so the log names them all
                    Say($"launcher: worker rank {rank} exited with code {code}");
                    alsoFailed.Add($"rank {rank} ({code})");
                }
            }
            if (failed is { } f)
            {
                var others = alsoFailed.Count > 0 ? $"; then {string.Join(", ", alsoFailed)}" : "";
                Say($"launcher: failed: worker rank {f.Rank} exited with code {f.Code} (the first to fail{others})");
                return f.Code;
            }
            Say($"launcher: all {o.NProc} workers finished");
            return 0;
        }
        finally
        {
            foreach (var w in workers)
            {
                if (w == null) continue;
                try { if (!w.HasExited) w.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
                w.Dispose();
            }
        }
    }

    /// <summary>Starts one worker of <paramref name="o"/> as <paramref name="env"/>'s rank, its output lines to <paramref name="say"/>.</summary>
    public static Process StartWorker(LaunchOptions o, DistributedEnvironment env, Action<string> say)
    {
        var psi = new ProcessStartInfo(o.Program)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var a in o.Arguments) psi.ArgumentList.Add(a);
        foreach (var (k, v) in o.Environment ?? new Dictionary<string, string>()) psi.Environment[k] = v;
        foreach (var (k, v) in env.ToVariables()) psi.Environment[k] = v;
        // As torchrun: without an explicit thread count, N workers would each start one thread per core.
        if (o.NProc > 1 && !psi.Environment.ContainsKey("OMP_NUM_THREADS"))
            psi.Environment["OMP_NUM_THREADS"] = Math.Max(1, System.Environment.ProcessorCount / o.NProc).ToString();
        var p = new Process { StartInfo = psi };
        var prefix = $"[rank {env.Rank}] ";
        p.OutputDataReceived += (_, e) => { if (e.Data != null) say(prefix + e.Data); };
        p.ErrorDataReceived += (_, e) => { if (e.Data != null) say(prefix + e.Data); };
        p.Start();
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return p;
    }

    /// <summary>A TCP port nobody listens on now (the OS's choice), for MASTER_PORT.</summary>
    public static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        int port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    /// <summary>The command line that re-runs this program with <paramref name="args"/> (the apphost, or dotnet + the entry assembly).</summary>
    public static (string Program, List<string> Arguments) SelfCommand(IEnumerable<string> args)
    {
        var program = System.Environment.ProcessPath ?? throw new InvalidOperationException("cannot tell this program's path to start workers");
        var list = new List<string>();
        if (Path.GetFileNameWithoutExtension(program) == "dotnet")
            list.Add(System.Reflection.Assembly.GetEntryAssembly()?.Location ?? throw new InvalidOperationException("no entry assembly to start workers with"));
        list.AddRange(args);
        return (program, list);
    }

    /// <summary>The arguments without <c>--name value</c> / <c>--name=value</c> (the workers must not launch again).</summary>
    public static List<string> WithoutOption(IReadOnlyList<string> args, string name)
    {
        var list = new List<string>();
        for (int i = 0; i < args.Count; i++)
        {
            if (args[i] == name) { i++; continue; }
            if (args[i].StartsWith(name + "=", StringComparison.Ordinal)) continue;
            list.Add(args[i]);
        }
        return list;
    }

    const int Sigint = 2, Sigterm = 15;

    static void Signal(Process p, int signal)
    {
        try
        {
            if (!p.HasExited) kill(p.Id, signal);
        }
        catch (InvalidOperationException) { }
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int sig);
}
