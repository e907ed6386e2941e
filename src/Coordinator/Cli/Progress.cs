using System.Diagnostics;

namespace ExPecto.Coordinator.Cli;

/// <summary>A one-line progress report on stderr (rate-limited; silent when stderr is not a terminal and the run is short).</summary>
internal sealed class Progress(string unit, long? total = null)
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private TimeSpan _last = TimeSpan.Zero;

    public void Tick(long done, string? extra = null)
    {
        if (_clock.Elapsed - _last < TimeSpan.FromSeconds(2)) return;
        _last = _clock.Elapsed;
        double rate = done / Math.Max(_clock.Elapsed.TotalSeconds, 1e-9);
        string eta = total is long t && rate > 0 ? $", ETA {TimeSpan.FromSeconds((t - done) / rate):hh\\:mm\\:ss}" : "";
        string of = total is long tt ? $"/{tt}" : "";
        Console.Error.Write($"\r{unit}: {done}{of} ({rate:F1}/s{eta}){(extra is null ? "" : ", " + extra)}   ");
        if (!Console.IsErrorRedirected) return;
        Console.Error.WriteLine();
    }

    public void Done(long done)
    {
        if (_last > TimeSpan.Zero && !Console.IsErrorRedirected) Console.Error.WriteLine();
    }
}
