using System.Diagnostics;
using SharpAsr.Training.Distributed;

namespace SharpAsr.Training;

/// <summary>
/// The training progress line: mean loss of the micro-batches since the last line, learning rate, gradient norm, audio
/// seconds trained per second since the run (or resume) started, and the time left; the same figures go to TensorBoard.
/// </summary>
sealed class StepWindow(long startStep)
{
    readonly Stopwatch _clock = Stopwatch.StartNew();
    double _audioSeconds, _lossSum;
    int _lossCount;

    public void Add(double loss, double audioSeconds)
    {
        _lossSum += loss;
        _lossCount++;
        _audioSeconds += audioSeconds;
    }

    /// <summary>Writes the line (every rank reaches it at the same step; it reports the whole job) and starts a new window; returns the mean loss.</summary>
    public double Report(TrainingLog log, PhaseProfiler profiler, DistributedContext? dist, long step, long steps, double lr, double gradNorm)
    {
        double lossSum = _lossSum, lossCount = _lossCount, jobAudioSeconds = _audioSeconds;
        if (dist != null)
        {
            var s = dist.Sum(_lossSum, _lossCount, _audioSeconds);
            (lossSum, lossCount, jobAudioSeconds) = (s[0], (int)s[1], s[2]);
        }
        double elapsed = _clock.Elapsed.TotalSeconds;
        double perStep = elapsed / Math.Max(1, step - startStep);
        var eta = TimeSpan.FromSeconds(perStep * (steps - step));
        double meanLoss = lossSum / Math.Max(1, lossCount);
        log.Write($"step {step}/{steps}  loss {meanLoss:F4}  lr {lr:E2}  grad-norm {gradNorm:F3}  {jobAudioSeconds / elapsed:F1} audio-s/s  ETA {eta:hh\\:mm\\:ss}");
        if (profiler.WindowLine() is { } profileLine) log.Write(profileLine);
        log.Scalars(step, ("train/loss", meanLoss), ("train/lr", lr), ("train/grad_norm", gradNorm), ("train/audio_seconds_per_second", jobAudioSeconds / elapsed));
        (_lossSum, _lossCount) = (0, 0);
        return meanLoss;
    }
}
