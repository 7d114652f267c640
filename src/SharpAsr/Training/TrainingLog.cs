using SharpAsr.Data;

namespace SharpAsr.Training;

/// <summary>
/// Where a run reports: the console callback, <c>training_log_&lt;timestamp&gt;.txt</c> in the output folder
/// (caiman's layout), and TensorBoard scalars under <c>tensorboard/</c>. The folder is opened only once every input
/// has been checked (<see cref="OpenFolder"/>): lines written before go to the console at once and to the file then,
/// so a run that fails on its inputs leaves nothing behind.
/// </summary>
public sealed class TrainingLog : IDisposable
{
    readonly Action<string> _console;
    readonly List<string>? _early;   // lines for the file before it is opened (null: there will be no file)
    StreamWriter? _file;
    TensorBoardWriter? _tensorboard;
    public string Stamp { get; }

    /// <param name="toFolder">false: the console only (the ranks other than 0 of a data-parallel run)</param>
    /// <param name="stamp">the files' timestamp (caiman's --timestamp); default: now</param>
    public TrainingLog(Action<string> console, bool toFolder, string? stamp = null)
    {
        _console = console;
        if (toFolder) _early = new List<string>();
        Stamp = stamp ?? DateTime.UtcNow.ToString("yyyyMMdd-HHmmss");
    }

    /// <summary>Starts the log file and TensorBoard in <paramref name="outputDir"/> (rank 0 only), with the lines so far.</summary>
    public void OpenFolder(string outputDir)
    {
        _file = new StreamWriter(Path.Combine(outputDir, $"training_log_{Stamp}.txt"), append: true) { AutoFlush = true };
        foreach (var line in _early ?? throw new InvalidOperationException("this log has no folder")) _file.WriteLine(line);
        _early.Clear();
        _tensorboard = new TensorBoardWriter(Path.Combine(outputDir, "tensorboard"));
    }

    public void Write(string line)
    {
        _console(line);
        var stamped = $"{DateTime.UtcNow:O} {line}";
        if (_file is not null) _file.WriteLine(stamped);
        else _early?.Add(stamped);
    }

    /// <summary>A data set's summary: counts, then the first problems found.</summary>
    public void DataSummary(string name, DatasetSummary s)
    {
        Write($"data {name}: {s}");
        foreach (var p in s.Problems.Take(20)) Write($"  {p}");
        if (s.Problems.Count > 20) Write($"  … and {s.Problems.Count - 20} more");
    }

    public void Scalars(long step, params (string Tag, double Value)[] values)
    {
        if (_tensorboard is null) return;
        foreach (var (tag, v) in values)
            if (double.IsFinite(v)) _tensorboard.Scalar(tag, v, step);
        _tensorboard.Flush();
    }

    public void Dispose()
    {
        _file?.Dispose();
        _tensorboard?.Dispose();
    }
}
