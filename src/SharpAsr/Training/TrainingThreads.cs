namespace SharpAsr.Training;

/// <summary>
/// How many libtorch threads run the training steps. One unless train.num_threads or OMP_NUM_THREADS says more
/// (the distributed launcher sets cores ÷ processes): matmuls go to single-threaded OpenBLAS (the launcher's
/// OPENBLAS_NUM_THREADS=1, since libtorch's threads each calling a multi-threaded BLAS oversubscribe the cores) and
/// the LSTM recurrence is sequential, so a second libtorch thread only splits element-wise work, and the batch
/// loader needs the other core: on the demo, 2 threads on 2 cores trained at 225–247 audio-s/s against 252–256
/// with one (docs/training.md). That holds for LSTM encoders. Convolutions run in oneDNN, which splits them over
/// libtorch's threads: the convolutional demo recipe trained at 183–184 audio-s/s in one process of two threads
/// against 149–164 on two processes, so the demo asks for two threads when it trains in one process.
/// </summary>
public static class TrainingThreads
{
    /// <summary>train.num_threads when positive, else OMP_NUM_THREADS when set, else 1.</summary>
    public static int Resolve(int configured, string? ompNumThreads = null)
    {
        if (configured < 0) throw new ArgumentException($"train.num_threads must be ≥ 0 (0 = OMP_NUM_THREADS, else 1), got {configured}");
        if (configured > 0) return configured;
        ompNumThreads ??= Environment.GetEnvironmentVariable("OMP_NUM_THREADS");
        return int.TryParse(ompNumThreads, out var omp) && omp > 0 ? omp : 1;
    }
}
