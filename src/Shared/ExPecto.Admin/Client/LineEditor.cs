using System.Text;

namespace ExPecto.Admin.Client;

/// <summary>
/// A small ReadLine for the interactive prompt on a real terminal: editing, history (Up/Down) and Tab completion
/// (one candidate completes, several extend to their common prefix and are listed). Returns null on Ctrl+D or Ctrl+C.
/// </summary>
internal sealed class LineEditor(Func<string, (IReadOnlyList<string> Candidates, int WordStart)> complete)
{
    private readonly List<string> _history = [];

    public string? ReadLine(string prompt)
    {
        var buffer = new StringBuilder();
        var cursor = 0;
        var historyIndex = _history.Count;
        Console.Write(prompt);
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            switch (key.Key)
            {
                case ConsoleKey.Enter:
                    Console.WriteLine();
                    var line = buffer.ToString();
                    if (line.Trim().Length > 0 && (_history.Count == 0 || _history[^1] != line))
                        _history.Add(line);
                    return line;
                case ConsoleKey.Backspace when cursor > 0:
                    buffer.Remove(--cursor, 1);
                    break;
                case ConsoleKey.Delete when cursor < buffer.Length:
                    buffer.Remove(cursor, 1);
                    break;
                case ConsoleKey.LeftArrow when cursor > 0:
                    cursor--;
                    break;
                case ConsoleKey.RightArrow when cursor < buffer.Length:
                    cursor++;
                    break;
                case ConsoleKey.Home:
                    cursor = 0;
                    break;
                case ConsoleKey.End:
                    cursor = buffer.Length;
                    break;
                case ConsoleKey.UpArrow when historyIndex > 0:
                    buffer.Clear().Append(_history[--historyIndex]);
                    cursor = buffer.Length;
                    break;
                case ConsoleKey.DownArrow when historyIndex < _history.Count:
                    historyIndex++;
                    buffer.Clear().Append(historyIndex < _history.Count ? _history[historyIndex] : "");
                    cursor = buffer.Length;
                    break;
                case ConsoleKey.Tab:
                    cursor = buffer.Length;
                    var (candidates, start) = complete(buffer.ToString());
                    if (candidates.Count == 1)
                    {
                        buffer.Length = start;
                        buffer.Append(candidates[0]).Append(' ');
                    }
                    else if (candidates.Count > 1)
                    {
                        buffer.Length = start;
                        buffer.Append(AdminCompleter.CommonPrefix(candidates));
                        Console.WriteLine();
                        Console.WriteLine(string.Join("  ", candidates));
                    }
                    cursor = buffer.Length;
                    break;
                case ConsoleKey.D when key.Modifiers.HasFlag(ConsoleModifiers.Control) && buffer.Length == 0:
                case ConsoleKey.C when key.Modifiers.HasFlag(ConsoleModifiers.Control):
                    Console.WriteLine();
                    return null;
                default:
                    if (!char.IsControl(key.KeyChar))
                        buffer.Insert(cursor++, key.KeyChar);
                    break;
            }
            // Redraw the whole line; prompts are short, so this is simpler than tracking terminal state.
            Console.Write($"\r{prompt}{buffer}\u001b[K");
            var back = buffer.Length - cursor;
            if (back > 0)
                Console.Write($"\u001b[{back}D");
        }
    }
}
