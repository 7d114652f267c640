using System.Diagnostics;
using System.Globalization;

namespace SharpAsr;

/// <summary>
/// Progress of a long job (decoding a manifest, writing tar shards …) for the person waiting: on a terminal one line
/// redrawn in place with the count, the rate and an ETA; into a file or a pipe a plain line now and then, so logs stay
/// readable and free of carriage returns. Written to stderr by default, so a command's stdout stays its result.
/// </summary>
public sealed class JobProgress
{
    readonly string _label;
    readonly string _unit;
    readonly long _total;
    readonly TextWriter _output;
    readonly bool _terminal;
    readonly TimeSpan _every;
    readonly Stopwatch _clock = Stopwatch.StartNew();
    readonly object _gate = new();
    TimeSpan _lastWritten = TimeSpan.Zero;
    long _done;
    bool _finished;

    /// <param name="terminal">redraw in place; default: stderr is a terminal (when writing to it)</param>
    /// <param name="every">least time between two lines: 0.1 s on a terminal, 10 s otherwise, by default</param>
    public JobProgress(string label, long total, string unit, TextWriter? output = null, bool? terminal = null, TimeSpan? every = null)
    {
        _label = label;
        _total = Math.Max(0, total);
        _unit = unit;
        _output = output ?? Console.Error;
        _terminal = terminal ?? (output is null && !Console.IsErrorRedirected);
        _every = every ?? (_terminal ? TimeSpan.FromSeconds(0.1) : TimeSpan.FromSeconds(10));
    }

    public long Done => Interlocked.Read(ref _done);

    public void Advance(long count = 1)
    {
        lock (_gate)
        {
            _done += count;
            var now = _clock.Elapsed;
            if (_finished || now - _lastWritten < _every || _done >= _total) return;
            _lastWritten = now;
            Write(final: false);
        }
    }

    /// <summary>The last line (with the total time); later calls do nothing.</summary>
    public void Finish()
    {
        lock (_gate)
        {
            if (_finished) return;
            _finished = true;
            Write(final: true);
        }
    }

    void Write(bool final)
    {
        var line = Line(_done, _total, _clock.Elapsed, final);
        if (_terminal) _output.Write("\r" + line + (final ? "\n" : "\u001b[K"));
        else _output.WriteLine(line);
        _output.Flush();
    }

    /// <summary>"decoding test.json: 120/400 utterances (30%), 15.2/s, ETA 00:00:18" (on the final line: "… in 00:00:26").</summary>
    public string Line(long done, long total, TimeSpan elapsed, bool final)
    {
        var inv = CultureInfo.InvariantCulture;
        double rate = done / Math.Max(1e-9, elapsed.TotalSeconds);
        var count = total > 0 ? string.Format(inv, "{0}/{1} {2} ({3:0}%)", done, total, _unit, 100.0 * done / total) : $"{done} {_unit}";
        var tail = final ? $"in {Clock(elapsed)}"
            : done > 0 && total > 0 ? $"ETA {Clock(TimeSpan.FromSeconds((total - done) / rate))}" : "ETA unknown";
        return string.Format(inv, "{0}: {1}, {2:0.0}/s, {3}", _label, count, rate, tail);
    }

    static string Clock(TimeSpan t) => t.TotalHours >= 100 ? $"{(int)t.TotalHours}h" : $"{(int)t.TotalHours:00}:{t.Minutes:00}:{t.Seconds:00}";
}
