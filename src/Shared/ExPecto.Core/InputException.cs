namespace ExPecto.Core;

/// <summary>
/// Bad user input: names the file, the 1-based line (or byte offset) when known, and what was expected.
/// The CLI prints <see cref="Exception.Message"/> as one line and exits non-zero, never a stack trace.
/// </summary>
public sealed class InputException : Exception
{
    public string? FilePath { get; }
    public long? Line { get; }

    public InputException(string? filePath, long? line, string message, Exception? inner = null)
        : base(Format(filePath, line, message), inner)
    {
        FilePath = filePath;
        Line = line;
    }

    public InputException(string message) : this(null, null, message) { }

    private static string Format(string? file, long? line, string message) =>
        (file, line) switch
        {
            (null, _) => message,
            (_, null) => $"{file}: {message}",
            _ => $"{file}:{line}: {message}",
        };
}
