using System.Collections.Concurrent;
using System.Diagnostics;
using SharpAsr.Training.Distributed;
using SharpTorch.Distributed;

namespace SharpAsr.Demo;

/// <summary>
/// The demo's data-parallel training on one machine: this process is rank 0 and keeps the model for the evaluation
/// that follows; ranks 1 … N−1 are copies of the demo command (<see cref="DemoOptions.RankCommand"/>) started with
/// torchrun's variables, which find the cached corpus, train their share of every global batch and exit. On 2 cores
/// two ranks train ~1.25× the audio per second of one process: one process keeps a core busy with the step and a
/// fifth of the other with loading batches (docs/distributed.md).
/// </summary>
public sealed class DemoRanks : IDisposable
{
    readonly IReadOnlyList<(Process Process, ConcurrentQueue<string> LastLines)> _workers;

    /// <summary>Rank 0's side of the process group, for the <see cref="Training.Trainer"/>.</summary>
    public DistributedContext Context { get; }

    DemoRanks(DistributedContext context, IReadOnlyList<(Process, ConcurrentQueue<string>)> workers) => (Context, _workers) = (context, workers);

    /// <summary>Starts ranks 1 … <paramref name="world"/>−1 and joins them as rank 0 (Gloo over loopback).</summary>
    public static DemoRanks Start(int world, (string Program, IReadOnlyList<string> Arguments) command, TimeSpan timeout)
    {
        int port = LocalLauncher.FreePort();
        var workers = new List<(Process, ConcurrentQueue<string>)>();
        try
        {
            for (int rank = 1; rank < world; rank++)
            {
                var lines = new ConcurrentQueue<string>();
                var options = new LaunchOptions
                {
                    Program = command.Program, Arguments = command.Arguments, NProc = world,
                    // each rank one libtorch and one OpenBLAS thread: the cores are the ranks', and a fixed summation order
                    // keeps the demo's table the same from run to run even when this process was not started by ./sharpasr
                    Environment = new Dictionary<string, string> { ["OMP_NUM_THREADS"] = "1", ["OPENBLAS_NUM_THREADS"] = "1" },
                };
                var env = new DistributedEnvironment(rank, world, rank, "127.0.0.1", port);
                workers.Add((LocalLauncher.StartWorker(options, env, line =>
                {
                    lines.Enqueue(line);
                    while (lines.Count > 40) lines.TryDequeue(out _);   // the last words, for an error message
                }), lines));
            }
            // join on another thread, so that a rank that dies before joining fails the demo now, not after the timeout
            var join = Task.Run(() => ProcessGroup.Create("gloo", "127.0.0.1", port, 0, world, timeout));
            while (!join.Wait(TimeSpan.FromMilliseconds(200)))
                for (int i = 0; i < workers.Count; i++)
                    if (workers[i].Item1.HasExited)
                        throw Failed(i + 1, workers[i], "before joining the others");
            return new DemoRanks(new DistributedContext(join.Result), workers);
        }
        catch
        {
            foreach (var (p, _) in workers) Stop(p);
            throw;
        }
    }

    /// <summary>After training: waits for ranks 1 … N−1 to exit and fails naming the first that did not exit with 0.</summary>
    public void WaitForWorkers(TimeSpan timeout)
    {
        for (int i = 0; i < _workers.Count; i++)
        {
            var p = _workers[i].Process;
            if (!p.WaitForExit(timeout))
                throw new InvalidOperationException($"demo training rank {i + 1} did not exit within {timeout.TotalSeconds:F0} s after training");
            if (p.ExitCode != 0) throw Failed(i + 1, _workers[i], "after training");
        }
    }

    static InvalidOperationException Failed(int rank, (Process Process, ConcurrentQueue<string> LastLines) worker, string when)
    {
        worker.Process.WaitForExit();    // drains its output
        return new InvalidOperationException($"demo training rank {rank} exited with code {worker.Process.ExitCode} {when}; its last output:\n  " +
                                             string.Join("\n  ", worker.LastLines));
    }

    public void Dispose()
    {
        foreach (var (p, _) in _workers) Stop(p);
        Context.Dispose();
    }

    static void Stop(Process p)
    {
        try { if (!p.HasExited) p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
        p.Dispose();
    }
}
