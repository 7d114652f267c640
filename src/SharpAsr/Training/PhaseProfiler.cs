using System.Diagnostics;
using System.Text;

namespace SharpAsr.Training;

/// <summary>
/// <c>--profile</c> / <c>train.profile</c>: wall time per training phase (data wait, encoder, predictor + joint + loss,
/// backward, optimizer, validation). Phases are timed on the host; on CPU every op has finished when it returns
/// (and the loss is read back each step), so the split is the real one. Off: every call is a no-op.
/// </summary>
public sealed class PhaseProfiler
{
    public const string DataWait = "data wait", Encoder = "encoder", PredictorJointLoss = "predictor+joint+loss",
        Backward = "backward", Optimizer = "optimizer", Validation = "validation";
    static readonly string[] Order = { DataWait, Encoder, PredictorJointLoss, Backward, Optimizer, Validation };

    readonly Dictionary<string, (long Ticks, long Count)> _total = new(), _window = new();
    long _windowSteps, _totalSteps;

    public bool Enabled { get; }
    public PhaseProfiler(bool enabled) => Enabled = enabled;

    /// <summary>Times the phase until the returned value is disposed.</summary>
    public Timing Time(string phase) => new(this, phase, Enabled ? Stopwatch.GetTimestamp() : 0);

    public readonly struct Timing(PhaseProfiler owner, string phase, long start) : IDisposable
    {
        public void Dispose()
        {
            if (owner?.Enabled == true) owner.Add(phase, Stopwatch.GetTimestamp() - start);
        }
    }

    /// <summary>Wraps a batch stream so the time spent waiting for each next batch counts as data wait.</summary>
    public IEnumerable<T> TimeEnumeration<T>(IEnumerable<T> source)
    {
        if (!Enabled)
        {
            foreach (var x in source) yield return x;
            yield break;
        }
        using var e = source.GetEnumerator();
        while (true)
        {
            bool more;
            using (Time(DataWait)) more = e.MoveNext();
            if (!more) yield break;
            yield return e.Current;
        }
    }

    public void Add(string phase, long ticks)
    {
        foreach (var d in new[] { _total, _window })
        {
            d.TryGetValue(phase, out var v);
            d[phase] = (v.Ticks + ticks, v.Count + 1);
        }
    }

    /// <summary>Counts an optimizer step (the unit of the per-step means).</summary>
    public void StepDone()
    {
        if (!Enabled) return;
        _windowSteps++;
        _totalSteps++;
    }

    /// <summary>Mean milliseconds per step of each phase since the last call (the progress-line companion); null when off.</summary>
    public string? WindowLine()
    {
        if (!Enabled || _windowSteps == 0) return null;
        var parts = Phases(_window).Select(p => $"{p} {Ms(_window[p].Ticks) / _windowSteps:F1}");
        var line = $"profile (ms/step over {_windowSteps} steps): {string.Join("  ", parts)}";
        _window.Clear();
        _windowSteps = 0;
        return line;
    }

    /// <summary>Total seconds, ms per step and share of each phase over the whole run (a table for the log's end).</summary>
    public string? Table()
    {
        if (!Enabled || _total.Count == 0) return null;
        double all = _total.Values.Sum(v => Ms(v.Ticks));
        var sb = new StringBuilder();
        sb.AppendLine($"profile over {_totalSteps} steps:");
        sb.AppendLine($"  {"phase",-22} {"total s",10} {"ms/step",10} {"calls",8} {"share",7}");
        foreach (var p in Phases(_total))
        {
            var (ticks, count) = _total[p];
            sb.AppendLine($"  {p,-22} {Ms(ticks) / 1000,10:F2} {Ms(ticks) / Math.Max(1, _totalSteps),10:F2} {count,8} {Ms(ticks) / Math.Max(1e-9, all),7:P1}");
        }
        return sb.ToString().TrimEnd();
    }

    /// <summary>Total milliseconds recorded for a phase (tests, benchmarks).</summary>
    public double TotalMs(string phase) => _total.TryGetValue(phase, out var v) ? Ms(v.Ticks) : 0;
    public long TotalCalls(string phase) => _total.TryGetValue(phase, out var v) ? v.Count : 0;

    static IEnumerable<string> Phases(Dictionary<string, (long, long)> d) => Order.Where(d.ContainsKey).Concat(d.Keys.Except(Order));
    static double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;
}
