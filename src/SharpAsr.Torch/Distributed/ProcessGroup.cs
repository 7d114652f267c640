namespace SharpTorch.Distributed;

/// <summary>Reduction of an all-reduce; values match the shim's <c>sa_pg_all_reduce</c> op codes.</summary>
public enum ReduceOp { Sum = 0, Product = 1, Min = 2, Max = 3 }

/// <summary>
/// A torch.distributed (c10d) process group: rank 0 serves a TCPStore at MASTER_ADDR:MASTER_PORT, every
/// rank joins it, then collectives run over Gloo (CPU) or NCCL (a shim built against a CUDA libtorch).
/// Collectives are synchronous and in place; each waits at most <see cref="Timeout"/>, and a failure
/// (a peer died, the timeout passed) raises a <see cref="TorchException"/> naming the rank and operation.
/// Every rank must call the same collectives in the same order with tensors of the same shapes.
/// </summary>
public sealed unsafe class ProcessGroup : IDisposable
{
    IntPtr _pg;

    public int Rank { get; }
    public int WorldSize { get; }
    public string Backend { get; }
    public TimeSpan Timeout { get; }

    /// <summary>The default wait for rendezvous and each collective; torch.distributed's is 30 minutes,
    /// ours is shorter so that a dead peer ends the job soon.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(5);

    ProcessGroup(IntPtr pg, string backend, int rank, int worldSize, TimeSpan timeout)
    {
        (_pg, Backend, Rank, WorldSize, Timeout) = (pg, backend, rank, worldSize, timeout);
    }

    /// <summary>Joins the group: blocks until all <paramref name="worldSize"/> ranks have reached the store (or the timeout).</summary>
    public static ProcessGroup Create(string backend, string masterAddr, int masterPort, int rank, int worldSize, TimeSpan? timeout = null)
    {
        var t = timeout ?? DefaultTimeout;
        if (t <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(timeout), "the timeout must be positive");
        Native.EnsureLoaded();
        var pg = Native.Check(Native.sa_pg_new(backend, masterAddr, masterPort, rank, worldSize, (long)Math.Ceiling(t.TotalMilliseconds)));
        return new ProcessGroup(pg, backend, rank, worldSize, t);
    }

    /// <summary>
    /// Joins the group torchrun's variables describe (RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT; see
    /// <see cref="DistributedEnvironment"/>). The backend defaults to nccl when CUDA is available, else gloo.
    /// </summary>
    public static ProcessGroup FromEnvironment(string? backend = null, TimeSpan? timeout = null)
    {
        var env = DistributedEnvironment.Read()
            ?? throw new InvalidOperationException("WORLD_SIZE is not set: start the workers with torchrun, sharpasr train --nproc, or set RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT");
        return FromEnvironment(env, backend, timeout);
    }

    public static ProcessGroup FromEnvironment(DistributedEnvironment env, string? backend = null, TimeSpan? timeout = null) =>
        Create(backend ?? (Torch.CudaIsAvailable ? "nccl" : "gloo"), env.MasterAddr, env.MasterPort, env.Rank, env.WorldSize, timeout);

    IntPtr Handle => _pg != IntPtr.Zero ? _pg : throw new ObjectDisposedException(nameof(ProcessGroup));

    /// <summary>Reduces each tensor over all ranks, in place (each must be contiguous; bucket small ones first).</summary>
    public void AllReduce(IReadOnlyList<Tensor> tensors, ReduceOp op = ReduceOp.Sum)
    {
        var handles = Handles(tensors);
        fixed (IntPtr* p = handles) Native.Check(Native.sa_pg_all_reduce(Handle, p, handles.Length, (int)op));
        GC.KeepAlive(tensors);
    }

    public void AllReduce(Tensor tensor, ReduceOp op = ReduceOp.Sum) => AllReduce(new[] { tensor }, op);

    /// <summary>Overwrites each tensor with rank <paramref name="root"/>'s values.</summary>
    public void Broadcast(IReadOnlyList<Tensor> tensors, int root = 0)
    {
        var handles = Handles(tensors);
        fixed (IntPtr* p = handles) Native.Check(Native.sa_pg_broadcast(Handle, p, handles.Length, root));
        GC.KeepAlive(tensors);
    }

    public void Broadcast(Tensor tensor, int root = 0) => Broadcast(new[] { tensor }, root);

    /// <summary>Returns once every rank has called it.</summary>
    public void Barrier() => Native.Check(Native.sa_pg_barrier(Handle));

    /// <summary>Element-wise sums of host numbers over all ranks (loss sums, counts, throughput for logging).</summary>
    public double[] SumAcrossRanks(params double[] values)
    {
        using var scope = Torch.NewScope();
        var t = Torch.Tensor(values);
        AllReduce(t);
        return t.ToArray<double>();
    }

    /// <summary>True when <paramref name="flag"/> is true on any rank (e.g. a non-finite loss: then every rank skips the step).</summary>
    public bool AnyRank(bool flag) => SumAcrossRanks(flag ? 1 : 0)[0] > 0;

    /// <summary>
    /// Every rank's bytes, indexed by rank (lengths may differ): a small all-gather for per-rank state such
    /// as random generator states, built on all_reduce (each rank fills its own row of a zero matrix).
    /// </summary>
    public byte[][] AllGatherBytes(byte[] local)
    {
        using var scope = Torch.NewScope();
        var longest = Torch.Tensor(new long[] { local.Length });
        AllReduce(longest, ReduceOp.Max);
        long width = longest.ToArray<long>()[0] + 1;  // column 0: the row's length
        var rows = new long[WorldSize * width];
        rows[Rank * width] = local.Length;
        for (int i = 0; i < local.Length; i++) rows[Rank * width + 1 + i] = local[i];
        var t = Torch.Tensor(rows, WorldSize, width);
        AllReduce(t);
        var sums = t.ToArray<long>();
        var result = new byte[WorldSize][];
        for (int r = 0; r < WorldSize; r++)
        {
            long start = r * width;
            result[r] = new byte[sums[start]];
            for (int i = 0; i < result[r].Length; i++) result[r][i] = (byte)sums[start + 1 + i];
        }
        return result;
    }

    static IntPtr[] Handles(IReadOnlyList<Tensor> tensors)
    {
        var h = new IntPtr[tensors.Count];
        for (int i = 0; i < h.Length; i++) h[i] = tensors[i].Handle;
        return h;
    }

    public void Dispose()
    {
        if (_pg != IntPtr.Zero) Native.sa_pg_free(_pg);
        _pg = IntPtr.Zero;
        GC.SuppressFinalize(this);
    }

    ~ProcessGroup()
    {
        if (_pg != IntPtr.Zero) Native.sa_pg_free(_pg);
    }
}
