using System.Text.RegularExpressions;
using Akka.Actor;
using Akka.Event;
using ExPecto.Admin.Logging;
using ExPecto.Protocol.Sharding;

namespace ExPecto.Hosting;

/// <summary>
/// The Akka logger of <c>--log-format json</c>: every log event as one JSON line on stderr (<see cref="NodeLog.Json"/>).
/// Job and gene come from the event itself: a gene entity's events carry both in the entity's path, and a message
/// template that says "job {0}" or "gene {1}" names them by argument; else the job id the text mentions.
/// </summary>
public sealed partial class JsonLogger : ReceiveActor
{
    public JsonLogger()
    {
        Receive<InitializeLogger>(_ => Sender.Tell(new LoggerInitialized()));
        Receive<LogEvent>(e => NodeLog.WriteLine(Render(e)));
    }

    /// <summary>One event as a JSON line.</summary>
    public static string Render(LogEvent e)
    {
        var (job, gene) = Subject(e);
        string? error = e.Cause is null ? null : e.Cause.GetType().Name + ": " + e.Cause.Message;
        return NodeLog.Json(e.Timestamp, Level(e), e.Message?.ToString() ?? "", job, gene, e.LogSource, error);
    }

    public static string Level(LogEvent e) => e.LogLevel() switch
    {
        LogLevel.DebugLevel => "debug",
        LogLevel.InfoLevel => "info",
        LogLevel.WarningLevel => "warning",
        _ => "error",
    };

    /// <summary>(job, gene) the event is about, each null when it is about none.</summary>
    public static (string? Job, string? Gene) Subject(LogEvent e)
    {
        string? job = null, gene = null;
        if (e.Message is LogMessage message)
        {
            var properties = message.GetProperties();
            foreach (Match m in Placeholder().Matches(message.Format))
            {
                if (!properties.TryGetValue(m.Groups["arg"].Value, out var value) || value is null) continue;
                if (m.Groups["what"].Value.Equals("job", StringComparison.OrdinalIgnoreCase)) job ??= value.ToString();
                else gene ??= value.ToString();
            }
        }
        // A gene entity's path ends in its entity id, "job|gene" (escaped).
        string source = e.LogSource ?? "";
        if (source.Contains("/sharding/" + GeneMessageExtractor.TypeName + "/", StringComparison.Ordinal))
        {
            string last = Uri.UnescapeDataString(source[(source.LastIndexOf('/') + 1)..]);
            if (last.Contains('|', StringComparison.Ordinal))
            {
                var (entityJob, entityGene) = GeneMessageExtractor.Parse(last);
                job ??= entityJob;
                gene ??= entityGene;
            }
        }
        return (job, gene);
    }

    // "job {0}", "gene {1}", "of job {JobId}", also named templates "{Job}", "{GeneId}".
    [GeneratedRegex(@"(?:\b(?<what>job|gene)\s+\{(?<arg>\w+)(?:[,:][^}]*)?\}|\{(?<arg>(?<what>job|gene)(?:id)?)\})", RegexOptions.IgnoreCase)]
    private static partial Regex Placeholder();
}
