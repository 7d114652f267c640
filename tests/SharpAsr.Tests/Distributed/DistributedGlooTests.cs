using System.Diagnostics;
using System.Globalization;
using SharpAsr.Training.Distributed;
using Xunit;

namespace SharpAsr.Tests.Distributed;

/// <summary>
/// Two real processes (tests/DistributedWorker) on loopback with ProcessGroupGloo, started by LocalLauncher
/// exactly as <c>sharpasr train --nproc 2</c> starts its workers.
/// </summary>
[Collection(DistributedCollection.Name)]
public class DistributedGlooTests
{
    static (int Code, List<string> Lines, TimeSpan Elapsed) Launch(int nproc, IReadOnlyDictionary<string, string>? env, params string[] args) =>
        Workers.Launch(nproc, env, args);

    static Dictionary<string, string> Values(List<string> lines, int rank) => Workers.Values(lines, rank);

    [Fact]
    public void Collectives_TwoRanks_SumMaxIntsBroadcastFlags()
    {
        var (code, lines, _) = Launch(2, null, "collectives");
        Assert.True(code == 0, string.Join("\n", lines));
        for (int rank = 0; rank < 2; rank++)
        {
            var v = Values(lines, rank);
            Assert.Equal("3,3,3", v["sum_a"]);          // (0+1) + (1+1)
            Assert.Equal("0,3,6,9", v["sum_b"]);        // arange(4)·1 + arange(4)·2, float64
            Assert.Equal("1,14", v["sum_ints"]);        // int64
            Assert.Equal("5,0", v["max"]);              // max(0,5), max(0,-1)
            Assert.Equal("11,11,11,11", v["broadcast"]); // rank 1's 1+10
            Assert.Equal("True", v["any_last"]);
            Assert.Equal("False", v["any_none"]);
            Assert.Equal("1,2", v["sums"]);
        }
    }

    static float[] TrainedWeights(int nproc, int globalBatch, string name)
    {
        var file = Path.Combine(Path.GetTempPath(), $"sharpasr-dist-{Environment.ProcessId}-{name}.bin");
        try
        {
            string[] args = { "train", globalBatch.ToString(), "12", file, "1024" };  // 1 KB buckets: several per step
            if (nproc > 0)
            {
                var (code, lines, _) = Launch(nproc, null, args);
                Assert.True(code == 0, string.Join("\n", lines));
            }
            else
            {
                var (code, lines) = Workers.RunAlone(args);  // a plain single process: no RANK / WORLD_SIZE, no process group
                Assert.True(code == 0, string.Join("\n", lines));
            }
            var bytes = File.ReadAllBytes(file);
            return System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(bytes).ToArray();
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void TwoRanksWithBatchB_MatchOneProcessWithBatch2B_AfterAdamWSteps()
    {
        var single = TrainedWeights(0, 16, "single");
        var ddp = TrainedWeights(2, 16, "ddp");  // 8 per rank
        Assert.Equal(single.Length, ddp.Length);
        double maxDiff = single.Zip(ddp, (a, b) => Math.Abs(a - b)).Max();
        Assert.True(maxDiff < 2e-5, $"max |single - ddp| = {maxDiff}");
        // the comparison can tell: one process on only half the data (batch b) ends elsewhere
        var half = TrainedWeights(0, 8, "half");
        double halfDiff = single.Zip(half, (a, b) => Math.Abs(a - b)).Max();
        Assert.True(halfDiff > 1e-3, $"batch b vs 2b differ by only {halfDiff}");
    }

    [Fact]
    public void WorkerDies_LauncherStopsTheOthersAndNamesTheRank()
    {
        // rank 1 exits with 3; rank 0 hangs outside any collective, so only the launcher can end it
        var (code, lines, elapsed) = Launch(2, null, "die");
        Assert.Equal(3, code);
        Assert.Contains(lines, l => l.Contains("worker rank 1 failed with exit code 3"));
        Assert.Contains(lines, l => l.Contains("rank 0 did not exit") );
        Assert.True(elapsed < TimeSpan.FromSeconds(20), $"launcher took {elapsed}");
    }

    [Fact]
    public async Task PeerDies_SurvivorsCollectiveFailsNamingRankAndOperation()
    {
        // No launcher here (it would stop rank 0 itself): two processes started by hand with torchrun's
        // variables. Rank 0's barrier must fail by itself (Gloo sees the closed connection, or the 5 s
        // timeout passes) with a message naming rank and operation.
        int port = LocalLauncher.FreePort();
        var clock = Stopwatch.StartNew();
        var ranks = Enumerable.Range(0, 2).Select(rank =>
        {
            var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
            psi.ArgumentList.Add(Workers.Dll);
            psi.ArgumentList.Add("peer-dies");
            var vars = new SharpTorch.Distributed.DistributedEnvironment(rank, 2, rank, "127.0.0.1", port).ToVariables();
            foreach (var (k, v) in vars) psi.Environment[k] = v;
            psi.Environment["DIST_TIMEOUT_MS"] = "5000";
            return Process.Start(psi)!;
        }).ToList();
        var outputs = await Task.WhenAll(ranks.Select(p => p.StandardOutput.ReadToEndAsync()));
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        foreach (var p in ranks) await p.WaitForExitAsync(limit.Token);
        Assert.Equal(3, ranks[1].ExitCode);
        Assert.True(ranks[0].ExitCode == 1, outputs[0] + await ranks[0].StandardError.ReadToEndAsync());
        Assert.StartsWith("error: c10d rank 0 barrier", outputs[0].Trim());
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"took {clock.Elapsed}");
        foreach (var p in ranks) p.Dispose();
    }
}
