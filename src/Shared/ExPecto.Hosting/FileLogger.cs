using Akka.Actor;
using Akka.Event;
using ExPecto.Admin.Logging;

namespace ExPecto.Hosting;

/// <summary>
/// An Akka logger that appends every log event as one line to a file (structured: time, level, source, thread,
/// message; with <c>--log-format json</c> the JSON lines of <see cref="JsonLogger"/>), so embedded runs keep their console for progress (warnings and errors still show there) and the full log lands in DIR/_state/*.log.
/// Selected with <see cref="ClusterNodeOptions.LogFile"/>; the path is process-wide (one actor system per process).
/// </summary>
public sealed class FileLogger : ReceiveActor
{
    internal static string? Path { get; set; }

    private readonly StreamWriter? _writer;

    public FileLogger()
    {
        if (Path is not null)
        {
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path))!);
            _writer = new StreamWriter(new FileStream(Path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = true };
        }
        Receive<InitializeLogger>(_ => Sender.Tell(new LoggerInitialized()));
        Receive<LogEvent>(e =>
        {
            if (NodeLog.Format == LogFormat.Json)
            {
                string json = JsonLogger.Render(e);
                _writer?.WriteLine(json);
                if (e.LogLevel() >= Akka.Event.LogLevel.WarningLevel)
                    NodeLog.WriteLine(json);
                return;
            }
            string level = e.LogLevel().ToString().Replace("Level", "").ToUpperInvariant();
            string cause = e.Cause is null ? "" : "\t" + e.Cause.GetType().Name + ": " + e.Cause.Message;
            _writer?.WriteLine($"{e.Timestamp:yyyy-MM-ddTHH:mm:ss.fffZ}\t{level}\t{e.LogSource}\t{e.Thread.ManagedThreadId}\t{e.Message}{cause}");
            // Warnings and errors still reach the operator's console.
            if (e.LogLevel() >= Akka.Event.LogLevel.WarningLevel)
                Console.Error.WriteLine($"[{level}] {e.LogSource}: {e.Message}{cause}");
        });
    }

    protected override void PostStop() => _writer?.Dispose();
}
