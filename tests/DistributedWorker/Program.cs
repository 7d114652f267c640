// One rank of a c10d job for tests/SharpAsr.Tests/Distributed (started by LocalLauncher with torchrun's
// variables, or alone as a single process). Usage: DistributedWorker <scenario> [args]
//   collectives             all_reduce / broadcast / barrier results printed as name=v,v,...
//   train <batch> <steps> <out> <bucket-bytes>   data-parallel MLP + AdamW; rank 0 writes final weights (float32) to <out>
//   die                     rank 1 exits with code 3 after one all_reduce; the others hang, ignoring SIGTERM
//   peer-dies               rank 1 exits with code 3 after one all_reduce; the others enter a barrier
//   trainer <config> <train> <val> <out> <weights> [overrides]   the real Trainer, data-parallel;
//                           every rank writes its final weights (float32) to <weights>.rank<N> and prints
//                           its step and skipped-step counter as name=value, its data line (data=), and the
//                           tar shards (shards_seen=) and utterances (seen=) of the batches it trained on, and its first batch (first_batch=)
//   resume  (same arguments) the same, continuing the run in <out> (--resume)
//   demo-rank <options.json>  rank 1 … N−1 of a data-parallel demo (DemoRunner.RunRank with these DemoOptions)
//   validate <config> <val> <out> <checkpoint> [overrides]   greedy validation of <checkpoint>'s model weights;
//                           prints WER, word totals, CER, loss and the utterances this rank decoded
using System.Globalization;
using SharpAsr.Config;
using SharpAsr.Training;
using SharpAsr.Training.Distributed;
using SharpTorch;
using SharpTorch.Distributed;
using SharpTorch.Optim;

var env = DistributedEnvironment.Read();
var timeout = TimeSpan.FromMilliseconds(int.Parse(Environment.GetEnvironmentVariable("DIST_TIMEOUT_MS") ?? "20000", CultureInfo.InvariantCulture));
if (args[0] is "trainer" or "resume") return RunTrainer(args, timeout, resume: args[0] == "resume");
if (args[0] == "validate") return Validate(args, timeout);
if (args[0] == "demo-rank") return SharpAsr.Demo.DemoRunner.RunRank(System.Text.Json.JsonSerializer.Deserialize<SharpAsr.Demo.DemoOptions>(File.ReadAllText(args[1]))!);
using var group = env is null ? null : ProcessGroup.FromEnvironment(env, "gloo", timeout);
int rank = group?.Rank ?? 0, world = group?.WorldSize ?? 1;
try
{
    switch (args[0])
    {
        case "collectives": Collectives(group!); break;
        case "train": Train(group, int.Parse(args[1]), int.Parse(args[2]), args[3], long.Parse(args[4])); break;
        case "die":
        case "peer-dies":
            group!.AllReduce(Torch.Ones(4));
            if (rank == 1)
            {
                Console.WriteLine("rank 1 exits with code 3");
                Console.Out.Flush();
                Environment.Exit(3);
            }
            if (args[0] == "die")
            {
                // a stuck worker: ignores SIGTERM, so only the launcher's SIGKILL after its grace period ends it
                using var ignore = System.Runtime.InteropServices.PosixSignalRegistration.Create(
                    System.Runtime.InteropServices.PosixSignal.SIGTERM, c => c.Cancel = true);
                Thread.Sleep(Timeout.Infinite);
            }
            group.Barrier();
            Console.WriteLine("barrier returned although rank 1 died");
            break;
        default: throw new ArgumentException($"unknown scenario {args[0]}");
    }
    return 0;
}
catch (TorchException e)
{
    Console.WriteLine($"error: {e.Message}");
    return 1;
}

static int RunTrainer(string[] a, TimeSpan timeout, bool resume)
{
    using var dist = DistributedContext.FromEnvironment("gloo", timeout);
    var options = new TrainOptions
    {
        ConfigPath = a[1], TrainManifests = { a[2] }, ValManifests = { a[3] }, OutputDir = a[4],
        Overrides = a.Skip(6).ToList(), Resume = resume,
    };
    Trainer trainer;
    // the failures `sharpasr train` reports as one "error:" line (CliErrors): a refused resume, a bad config, unusable data
    try { trainer = new Trainer(AsrConfig.Load(options.ConfigPath, options.Overrides), options, dist); }
    catch (Exception e) when (e is InvalidOperationException or ConfigException or IOException or ArgumentException or InvalidDataException
                                  or TorchException)
    {
        Console.WriteLine($"error: {e.Message}");
        return 1;
    }
    using (trainer)
    {
        // what this rank trained on: the utterances (manifest audio paths) and, for tar shards, their shard_id
        var seen = new SortedSet<string>(StringComparer.Ordinal);
        var shards = new SortedSet<int>();
        string? first = null;
        trainer.BatchHook = batch =>
        {
            first ??= string.Join(",", batch.Items.Select(u => u.Entry.RawAudioPath));
            foreach (var u in batch.Items)
            {
                seen.Add(u.Entry.RawAudioPath);
                if (u.Entry.Extra.TryGetValue("shard_id", out var id)) shards.Add(id.GetInt32());
            }
        };
        trainer.Run();
        WriteWeights(trainer.Model.Parameters().ToList(), $"{a[5]}.rank{dist?.Rank ?? 0}");
        Console.WriteLine($"step={trainer.State.Step}");
        Console.WriteLine($"skipped={trainer.State.SkippedSteps}");
        Console.WriteLine($"data={trainer.Data.Description}");
        Console.WriteLine($"shards_seen={string.Join(",", shards)}");
        Console.WriteLine($"seen={string.Join(",", seen)}");
        Console.WriteLine($"first_batch={first}");
    }
    return 0;
}

static int Validate(string[] a, TimeSpan timeout)
{
    using var dist = DistributedContext.FromEnvironment("gloo", timeout);
    var options = new TrainOptions
    {
        ConfigPath = a[1], TrainManifests = { a[2] }, ValManifests = { a[2] }, OutputDir = a[3],
        Overrides = a.Skip(5).Append("train.ema_decay=0").ToList(),  // validate the checkpoint's model weights themselves
    };
    using var trainer = new Trainer(AsrConfig.Load(options.ConfigPath, options.Overrides), options, dist);
    using (var scope = Torch.NewScope())
        trainer.Model.LoadStateDict(SharpTorch.Serialization.SafeTensors.Load(Path.Combine(a[4], "model.safetensors")), strict: true);
    var r = trainer.Validate().Single();
    var inv = CultureInfo.InvariantCulture;
    Console.WriteLine($"wer={r.Wer.ToString("R", inv)}");
    Console.WriteLine($"words={r.Words.ReferenceLength},{r.Words.Substitutions},{r.Words.Deletions},{r.Words.Insertions}");
    Console.WriteLine($"cer={r.Cer.ToString("R", inv)}");
    Console.WriteLine($"loss={r.Loss.ToString("R", inv)}");
    Console.WriteLine($"utterances={r.Utterances}");
    Console.WriteLine($"decoded={r.DecodedHere}");
    return 0;
}

static void WriteWeights(IReadOnlyList<Tensor> tensors, string file)
{
    using var bytes = new MemoryStream();
    foreach (var t in tensors) bytes.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(t.ToArray<float>().AsSpan()));
    File.WriteAllBytes(file, bytes.ToArray());
}

static void Print(string name, Tensor t) =>
    Console.WriteLine($"{name}={string.Join(",", t.ToDoubleArray().Select(v => v.ToString("R", CultureInfo.InvariantCulture)))}");

static void Collectives(ProcessGroup g)
{
    int r = g.Rank;
    var a = Torch.Full(new long[] { 3 }, r + 1);
    var b = Torch.Arange(0, 4, 1, DType.Float64) * (r + 1.0);
    var ints = Torch.Tensor(new long[] { r, 7 });
    g.AllReduce(new[] { a, b, ints });
    Print("sum_a", a);
    Print("sum_b", b);
    Print("sum_ints", ints);
    var m = Torch.Tensor(new float[] { r * 5, -r });
    g.AllReduce(m, ReduceOp.Max);
    Print("max", m);
    var bc = Torch.Full(new long[] { 2, 2 }, r + 10);
    g.Broadcast(bc, root: g.WorldSize - 1);
    Print("broadcast", bc);
    g.Barrier();
    Console.WriteLine($"any_last={g.AnyRank(r == g.WorldSize - 1)}");
    Console.WriteLine($"any_none={g.AnyRank(false)}");
    Console.WriteLine($"sums={string.Join(",", g.SumAcrossRanks(r, 1))}");
}

// A 3-layer MLP trained on a seeded regression problem. Each rank takes its slice of every global batch;
// initial weights differ per rank and are made equal by a broadcast from rank 0 (as DDP does).
static void Train(ProcessGroup? g, int globalBatch, int steps, string outFile, long bucketBytes)
{
    int rank = g?.Rank ?? 0, world = g?.WorldSize ?? 1;
    if (globalBatch % world != 0) throw new ArgumentException("the global batch must divide by the world size");
    int b = globalBatch / world;
    Torch.ManualSeed(1234 + (ulong)rank);
    var shapes = new (string, long[])[] { ("w1", new long[] { 32, 8 }), ("b1", new long[] { 32 }), ("w2", new long[] { 32, 32 }), ("b2", new long[] { 32 }), ("w3", new long[] { 4, 32 }), ("b3", new long[] { 4 }) };
    var ps = shapes.Select(s => (s.Item1, (Torch.Randn(s.Item2) * 0.3).DetachFromScope().RequiresGrad_())).ToList();
    var tensors = ps.Select(p => p.Item2).ToList();
    if (g != null) using (Torch.NoGrad()) g.Broadcast(tensors, root: 0);
    using var opt = new AdamW(ps, lr: 1e-2, weightDecay: 0.01);
    var buckets = g is null ? null : new GradientBuckets(g, bucketBytes);
    using var gen = new Generator(99);
    for (int step = 0; step < steps; step++)
    {
        using var scope = Torch.NewScope();
        var x = Torch.Randn(new long[] { globalBatch, 8 }, gen);
        var y = Torch.Randn(new long[] { globalBatch, 4 }, gen);
        x = x.Narrow(0, rank * b, b);
        y = y.Narrow(0, rank * b, b);
        var h = Functional.Tanh(Functional.Linear(x, tensors[0], tensors[1]));
        h = Functional.Tanh(Functional.Linear(h, tensors[2], tensors[3]));
        var loss = Functional.MseLoss(Functional.Linear(h, tensors[4], tensors[5]), y);
        opt.ZeroGrad();
        loss.Backward();
        buckets?.AllReduceMean(tensors);
        opt.Step();
    }
    if (rank != 0) return;
    WriteWeights(tensors, outFile);
    Console.WriteLine($"wrote {tensors.Sum(t => t.NumEl)} weights");
}
