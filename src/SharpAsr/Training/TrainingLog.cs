namespace SharpAsr.Training;

/// <summary>
/// Where a run reports: the console callback, <c>training_log_&lt;timestamp&gt;.txt</c> in the output folder
/// (caiman's layout), and TensorBoard scalars under <c>tensorboard/</c>.
/// </summary>
public sealed class TrainingLog : IDisposable
{
    readonly Action<string> _console;
    readonly StreamWriter _file;
    readonly TensorBoardWriter _tensorboard;
    public string Stamp { get; }

    public TrainingLog(string outputDir, Action<string> console)
    {
        _console = console;
        Stamp = DateTime.UtcNow.ToString("yyyyMMdd-HHmmss");
        _file = new StreamWriter(Path.Combine(outputDir, $"training_log_{Stamp}.txt"), append: true) { AutoFlush = true };
        _tensorboard = new TensorBoardWriter(Path.Combine(outputDir, "tensorboard"));
    }

    public void Write(string line)
    {
        _console(line);
        _file.WriteLine($"{DateTime.UtcNow:O} {line}");
    }

    public void Scalars(long step, params (string Tag, double Value)[] values)
    {
        foreach (var (tag, v) in values)
            if (double.IsFinite(v)) _tensorboard.Scalar(tag, v, step);
        _tensorboard.Flush();
    }

    public void Dispose()
    {
        _file.Dispose();
        _tensorboard.Dispose();
    }
}
