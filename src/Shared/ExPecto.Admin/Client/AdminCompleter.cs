using ExPecto.Admin.Protocol;

namespace ExPecto.Admin.Client;

/// <summary>Tab completion of the interactive prompt: the first word is a palette (or help/exit), the second its command.</summary>
public static class AdminCompleter
{
    private static readonly string[] BuiltIns = ["help", "exit", "quit"];

    /// <summary>
    /// Candidates for the word under the cursor at the end of <paramref name="line"/>, and where that word starts.
    /// Arguments after the command are not completed (they are ids, addresses and file names).
    /// </summary>
    public static (IReadOnlyList<string> Candidates, int WordStart) Complete(string line, IReadOnlyList<AdminPaletteInfo> catalogue)
    {
        var wordStart = line.LastIndexOf(' ') + 1;
        var prefix = line[wordStart..];
        var before = line[..wordStart].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        IEnumerable<string> pool = before.Length switch
        {
            0 => catalogue.Select(p => p.Name).Concat(BuiltIns),
            1 when before[0] == "help" => catalogue.Select(p => p.Name),
            1 => catalogue.FirstOrDefault(p => p.Name == before[0])?.Commands.Select(c => c.Name) ?? [],
            _ => [],
        };
        var candidates = pool.Where(c => c.StartsWith(prefix, StringComparison.Ordinal)).Distinct().Order(StringComparer.Ordinal).ToList();
        return (candidates, wordStart);
    }

    /// <summary>The longest prefix all candidates share.</summary>
    public static string CommonPrefix(IReadOnlyList<string> candidates)
    {
        if (candidates.Count == 0)
            return "";
        var prefix = candidates[0];
        foreach (var c in candidates.Skip(1))
        {
            var n = 0;
            while (n < prefix.Length && n < c.Length && prefix[n] == c[n])
                n++;
            prefix = prefix[..n];
        }
        return prefix;
    }
}
