namespace SharpAsr.Training;

/// <summary>
/// How many libtorch threads run the training steps. PyTorch uses every core unless OMP_NUM_THREADS says
/// otherwise; a .NET thread calling into libtorch gets OpenMP's single-thread default instead, so the trainer
/// asks for the cores itself. OpenBLAS stays at one thread (the launcher's OPENBLAS_NUM_THREADS=1): libtorch's
/// threads each calling a multi-threaded BLAS oversubscribe the cores.
/// </summary>
public static class TrainingThreads
{
    /// <summary>train.num_threads when positive, else OMP_NUM_THREADS when set, else every core.</summary>
    public static int Resolve(int configured, string? ompNumThreads = null, int? cores = null)
    {
        if (configured < 0) throw new ArgumentException($"train.num_threads must be ≥ 0 (0 = automatic), got {configured}");
        if (configured > 0) return configured;
        ompNumThreads ??= Environment.GetEnvironmentVariable("OMP_NUM_THREADS");
        if (int.TryParse(ompNumThreads, out var omp) && omp > 0) return omp;
        return Math.Max(1, cores ?? Environment.ProcessorCount);
    }
}
