namespace SharpTorch.Distributed;

/// <summary>
/// Data-parallel gradient averaging as DistributedDataParallel does it, after backward: gradients are
/// flattened into buckets of about <see cref="BucketBytes"/> (one <c>cat</c> each), each bucket is
/// all-reduced once (few large messages instead of one per parameter), divided by the world size and
/// copied back. A parameter without a gradient on this rank contributes zeros, so that every rank
/// builds the same bucket layout whichever parameters its batch reached.
/// </summary>
public sealed class GradientBuckets
{
    readonly ProcessGroup _group;

    /// <summary>DDP's default bucket size, 25 MB.</summary>
    public const long DefaultBucketBytes = 25L << 20;

    public long BucketBytes { get; }

    public GradientBuckets(ProcessGroup group, long bucketBytes = DefaultBucketBytes)
    {
        if (bucketBytes <= 0) throw new ArgumentOutOfRangeException(nameof(bucketBytes), "the bucket size must be positive");
        (_group, BucketBytes) = (group, bucketBytes);
    }

    /// <summary>Replaces each parameter's gradient by its mean over all ranks. Every rank must pass the
    /// same parameters in the same order (the model's parameter list).</summary>
    public void AllReduceMean(IReadOnlyList<Tensor> parameters)
    {
        using var noGrad = Torch.NoGrad();
        foreach (var bucket in Buckets(parameters))
        {
            using var scope = Torch.NewScope();
            var grads = bucket.Select(p => p.Grad ?? Torch.ZerosLike(p)).ToList();
            var flat = Torch.Cat(grads.Select(g => g.Reshape(-1)).ToList());  // a new contiguous buffer, even for one gradient
            _group.AllReduce(flat);
            flat.Mul_(1.0 / _group.WorldSize);
            long offset = 0;
            for (int i = 0; i < bucket.Count; i++)
            {
                var p = bucket[i];
                long n = p.NumEl;
                var mean = flat.Narrow(0, offset, n).View(p.Shape);
                offset += n;
                if (p.Grad is { } g) g.Copy_(mean);
                else p.Grad = mean.Clone();  // autograd keeps its own reference
            }
        }
    }

    /// <summary>Consecutive parameters of one dtype and device, up to BucketBytes each (a larger parameter is a bucket alone).</summary>
    List<List<Tensor>> Buckets(IReadOnlyList<Tensor> parameters)
    {
        var buckets = new List<List<Tensor>>();
        List<Tensor>? current = null;
        long bytes = 0;
        foreach (var p in parameters)
        {
            long size = p.NumEl * p.DType.ElementSize();
            bool fits = current != null && bytes + size <= BucketBytes && current[0].DType == p.DType && current[0].Device.Equals(p.Device);
            if (!fits)
            {
                current = new List<Tensor>();
                buckets.Add(current);
                bytes = 0;
            }
            current!.Add(p);
            bytes += size;
        }
        return buckets;
    }
}
