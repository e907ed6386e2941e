using ExPecto.Protocol;
using System.CommandLine;
using System.Globalization;
using ExPecto.Protocol.Messages;

namespace ExPecto.Coordinator.Cli;

/// <summary>
/// The progress of a job while `run`, `submit --wait` or `status --wait` waits for it: on a terminal one live line
/// (a bar, genes settled/total, failed, mutations/s, ETA) redrawn in place; otherwise (a log file, CI) the same
/// facts as a plain line every <see cref="Interval"/>, and once more when the job ends. Rates count only what this
/// process saw settle, so a resumed job's ETA is not flattered by genes done before.
/// </summary>
internal sealed class JobProgress(TextWriter output, bool live, TimeSpan interval, Func<DateTime>? clock = null)
{
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(10);
    private const int BarWidth = 24;

    private readonly Func<DateTime> _clock = clock ?? (() => DateTime.UtcNow);
    private DateTime _start;
    private DateTime _lastLine;
    private (int Settled, long Mutations)? _first;
    private string? _lastText;
    private bool _lineOpen;

    public TimeSpan Interval { get; } = interval;

    /// <summary>`--progress-interval SECONDS`, shared by the three waiting commands.</summary>
    public static Option<double> IntervalOption() => new("--progress-interval")
    {
        Description = "When stderr is not a terminal: seconds between progress lines (a terminal gets one live line)",
        DefaultValueFactory = _ => DefaultInterval.TotalSeconds,
    };

    /// <summary>Progress on stderr: live when stderr is a terminal.</summary>
    public static JobProgress ForConsole(double intervalSeconds)
    {
        if (!(intervalSeconds > 0) || double.IsInfinity(intervalSeconds))
            throw new ExPecto.Core.InputException($"--progress-interval: expected a positive number of seconds, found {intervalSeconds.ToString(CultureInfo.InvariantCulture)}");
        return new JobProgress(Console.Error, live: !Console.IsErrorRedirected, TimeSpan.FromSeconds(intervalSeconds));
    }

    /// <summary>One observation of the job (called at every poll).</summary>
    public void Report(JobStatusView view)
    {
        var now = _clock();
        if (_first is null)
        {
            _first = (Settled(view), view.Mutations);
            _start = now;
        }
        string text = Format(view, now);
        if (live)
        {
            if (text == _lastText) return;
            // Pad over a longer previous line instead of relying on terminal escape codes.
            output.Write("\r" + text.PadRight(_lastText?.Length ?? 0));
            output.Flush();
            _lineOpen = true;
        }
        else
        {
            bool due = _lastText is null || now - _lastLine >= Interval;
            if (!due) return;
            output.WriteLine(text);
            _lastLine = now;
        }
        _lastText = text;
    }

    /// <summary>The job ended: the final figures, on their own line.</summary>
    public void Done(JobStatusView view)
    {
        string text = Format(view, _clock());
        if (live)
        {
            output.WriteLine("\r" + text.PadRight(_lastText?.Length ?? 0));
            _lineOpen = false;
        }
        else if (text != _lastText)
        {
            output.WriteLine(text);
        }
        _lastText = text;
    }

    /// <summary>Ends a live line left open (an error interrupted the wait), so what follows starts on a new line.</summary>
    public void Interrupt()
    {
        if (_lineOpen) output.WriteLine();
        _lineOpen = false;
    }

    private static int Settled(JobStatusView v) => v.Committed + v.Failed;

    internal string Format(JobStatusView v, DateTime now)
    {
        int settled = Settled(v);
        var (settled0, mutations0) = _first ?? (settled, v.Mutations);
        double seconds = Math.Max((now - _start).TotalSeconds, 1e-9);
        double genesPerSecond = (settled - settled0) / seconds;
        double mutationsPerSecond = (v.Mutations - mutations0) / seconds;
        int remaining = v.Genes - settled;
        string eta = remaining == 0 ? "0:00:00"
            : genesPerSecond > 0 ? Clock(TimeSpan.FromSeconds(remaining / genesPerSecond))
            : "--:--:--";
        var c = CultureInfo.InvariantCulture;
        string counts = string.Create(c, $"{settled}/{v.Genes} genes settled, {v.Failed} failed, {mutationsPerSecond:F1} mutations/s, ETA {eta}");
        if (!live)
            return $"{v.JobId}: {counts} ({v.Phase.Name()})";
        int filled = v.Genes == 0 ? BarWidth : (int)((long)BarWidth * settled / v.Genes);
        return $"{v.JobId} [{new string('#', filled)}{new string('.', BarWidth - filled)}] {counts}";
    }

    private static string Clock(TimeSpan t) =>
        t.TotalHours >= 100 ? ">99:59:59" : string.Create(CultureInfo.InvariantCulture, $"{(int)t.TotalHours}:{t.Minutes:D2}:{t.Seconds:D2}");
}
