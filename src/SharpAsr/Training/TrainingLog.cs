namespace SharpAsr.Training;

/// <summary>
/// Where a run reports: the console callback, <c>training_log_&lt;timestamp&gt;.txt</c> in the output folder
/// (caiman's layout), and TensorBoard scalars under <c>tensorboard/</c>.
/// </summary>
public sealed class TrainingLog : IDisposable
{
    readonly Action<string> _console;
    readonly StreamWriter? _file;
    readonly TensorBoardWriter? _tensorboard;
    public string Stamp { get; }

    /// <param name="outputDir">null: the console only (the ranks other than 0 of a data-parallel run)</param>
    /// <param name="stamp">the files' timestamp (caiman's --timestamp); default: now</param>
    public TrainingLog(string? outputDir, Action<string> console, string? stamp = null)
    {
        _console = console;
        Stamp = stamp ?? DateTime.UtcNow.ToString("yyyyMMdd-HHmmss");
        if (outputDir is null) return;
        _file = new StreamWriter(Path.Combine(outputDir, $"training_log_{Stamp}.txt"), append: true) { AutoFlush = true };
        _tensorboard = new TensorBoardWriter(Path.Combine(outputDir, "tensorboard"));
    }

    public void Write(string line)
    {
        _console(line);
        _file?.WriteLine($"{DateTime.UtcNow:O} {line}");
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
