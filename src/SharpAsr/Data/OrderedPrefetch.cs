namespace SharpAsr.Data;

/// <summary>
/// The background part of every loader: up to <c>prefetch</c> jobs run ahead on at most <c>workers</c> threads and
/// their results come out in job order, so the data order (and a resumed run) stays deterministic. Results that
/// were made but never taken (end of training, an error) are disposed.
/// </summary>
public static class OrderedPrefetch
{
    public static IEnumerable<TOut> Run<TIn, TOut>(IEnumerable<TIn> jobs, Func<TIn, TOut> make, int workers, int prefetch,
        CancellationToken cancel = default) where TOut : IDisposable
    {
        using var gate = new SemaphoreSlim(Math.Max(1, workers));
        var inFlight = new Queue<Task<TOut>>();
        using var source = jobs.GetEnumerator();
        bool more = true;
        try
        {
            while (true)
            {
                // jobs are enumerated here, on the consumer's thread (a tar stream is read in order, once)
                while (more && inFlight.Count < Math.Max(1, prefetch) && (more = source.MoveNext()))
                {
                    var job = source.Current;
                    inFlight.Enqueue(Task.Run(async () =>
                    {
                        await gate.WaitAsync(cancel).ConfigureAwait(false);
                        try { return make(job); }
                        finally { gate.Release(); }
                    }, cancel));
                }
                if (inFlight.Count == 0) yield break;
                yield return inFlight.Dequeue().GetAwaiter().GetResult();
            }
        }
        finally
        {
            while (inFlight.Count > 0)
            {
                var t = inFlight.Dequeue();
                try { t.GetAwaiter().GetResult().Dispose(); } catch { /* the error that stopped us is already reported */ }
            }
        }
    }
}
