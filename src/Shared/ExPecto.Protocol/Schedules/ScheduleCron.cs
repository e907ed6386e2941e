using Cronos;

namespace ExPecto.Protocol.Schedules;

/// <summary>
/// Cron expressions of schedules, evaluated in UTC: five fields (minute hour day month weekday), or six with a
/// leading seconds field (for tests and short intervals). Thread-safe; parsing is cheap enough to repeat.
/// </summary>
public static class ScheduleCron
{
    /// <summary>Parses <paramref name="cron"/>; false with a one-line reason when it is malformed.</summary>
    public static bool TryParse(string cron, out CronExpression? expression, out string? error)
    {
        expression = null;
        error = null;
        string[] fields = cron.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var format = fields.Length switch
        {
            5 => CronFormat.Standard,
            6 => CronFormat.IncludeSeconds,
            _ => (CronFormat?)null,
        };
        if (format is null)
        {
            error = $"cron '{cron}' has {fields.Length} field(s); expected 5 (minute hour day month weekday) or 6 (seconds first)";
            return false;
        }
        try
        {
            expression = CronExpression.Parse(string.Join(' ', fields), format.Value);
            return true;
        }
        catch (CronFormatException e)
        {
            error = $"cron '{cron}' is malformed: {e.Message}";
            return false;
        }
    }

    public static CronExpression Parse(string cron) =>
        TryParse(cron, out var e, out var error) ? e! : throw new ArgumentException(error, nameof(cron));

    /// <summary>The first occurrence strictly after <paramref name="after"/>, or null when there is none.</summary>
    public static DateTimeOffset? Next(string cron, DateTimeOffset after) =>
        Parse(cron).GetNextOccurrence(after.UtcDateTime, inclusive: false) is { } next
            ? new DateTimeOffset(next, TimeSpan.Zero)
            : null;

    /// <summary>
    /// The latest occurrence in (<paramref name="after"/>, <paramref name="now"/>], or null when none fell due.
    /// Several missed occurrences collapse into this one (the missed-run policy: run once, not once per miss).
    /// </summary>
    public static DateTimeOffset? LatestDue(string cron, DateTimeOffset after, DateTimeOffset now)
    {
        if (now <= after) return null;
        DateTime? last = null;
        foreach (var t in Parse(cron).GetOccurrences(after.UtcDateTime, now.UtcDateTime, fromInclusive: false, toInclusive: true))
            last = t;
        return last is { } l ? new DateTimeOffset(l, TimeSpan.Zero) : null;
    }
}
