namespace ExPecto.Core.Models;

/// <summary>
/// The tissue models of one ExPecto model list, in list order (the column order of predict.py's output).
/// </summary>
public sealed class TissueModelSet
{
    public TissueModelSet(IReadOnlyList<TissueModel> models)
    {
        if (models.Count == 0) throw new ArgumentException("no models", nameof(models));
        ChromatinFeatures = models[0].ChromatinFeatures;
        if (models.FirstOrDefault(m => m.ChromatinFeatures != ChromatinFeatures) is { } odd)
            throw new ArgumentException($"tissue models disagree on F: '{models[0].Name}' has {ChromatinFeatures}, '{odd.Name}' {odd.ChromatinFeatures}", nameof(models));
        Models = models;
    }

    public IReadOnlyList<TissueModel> Models { get; }

    public int Count => Models.Count;

    /// <summary>F: chromatin features per decay block (every model has 10·F canonical weights).</summary>
    public int ChromatinFeatures { get; }

    public TissueModel this[int index] => Models[index];

    public IEnumerable<string> TissueNames => Models.Select(m => m.Name);

    /// <summary>
    /// Loads ExPecto's model list: a TSV with header <c>ModelName\tTissue</c> (extra columns ignored), one model a row.
    /// A relative model path is resolved against, in order, and the first that exists wins:
    /// <paramref name="baseDirectory"/> when given (then nothing else); else the list's own folder; else the list
    /// folder's parent (ExPecto's repository keeps <c>resources/modellist</c> naming <c>./models/…</c>, which
    /// predict.py resolves from the repository root, the parent of resources/); else the current directory.
    /// Every model must have 10·F or 10·(F+1) columns for the chromatin model's F = <paramref name="chromatinFeatures"/>.
    /// </summary>
    public static TissueModelSet Load(string modelListPath, int chromatinFeatures, string? baseDirectory = null)
    {
        var entries = ReadModelList(modelListPath, baseDirectory);
        var models = new TissueModel[entries.Count];
        for (int i = 0; i < entries.Count; i++) models[i] = TissueModel.Load(entries[i].Path, entries[i].Tissue, chromatinFeatures);
        return new TissueModelSet(models);
    }

    /// <summary>The list's rows with paths resolved (see <see cref="Load"/>), without loading the models.</summary>
    public static IReadOnlyList<(string Tissue, string Path)> ReadModelList(string modelListPath, string? baseDirectory = null)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(modelListPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InputException(modelListPath, null, $"cannot read model list: {e.Message}", e);
        }
        if (lines.Length == 0) throw new InputException(modelListPath, 1, "expected header 'ModelName\\tTissue', found an empty file");
        string[] header = lines[0].TrimEnd('\r').Split('\t');
        int nameColumn = Array.IndexOf(header, "ModelName");
        int tissueColumn = Array.IndexOf(header, "Tissue");
        if (nameColumn < 0 || tissueColumn < 0)
            throw new InputException(modelListPath, 1, $"expected header 'ModelName\\tTissue', found '{lines[0].TrimEnd('\r')}'");

        string listDir = Path.GetDirectoryName(Path.GetFullPath(modelListPath))!;
        string[] roots = baseDirectory is not null
            ? [Path.GetFullPath(baseDirectory)]
            : [listDir, Path.GetDirectoryName(listDir) ?? listDir, Directory.GetCurrentDirectory()];

        var result = new List<(string, string)>();
        for (int i = 1; i < lines.Length; i++)
        {
            string line = lines[i].TrimEnd('\r');
            if (line.Length == 0) continue;
            string[] cells = line.Split('\t');
            if (cells.Length <= Math.Max(nameColumn, tissueColumn))
                throw new InputException(modelListPath, i + 1, $"expected {header.Length} tab-separated columns, found {cells.Length}");
            // predict.py strips the file name (file.strip()).
            string file = cells[nameColumn].Trim();
            string tissue = cells[tissueColumn];
            result.Add((tissue, Resolve(file, roots, modelListPath, i + 1)));
        }
        if (result.Count == 0) throw new InputException(modelListPath, null, "expected at least one model row, found none");
        return result;
    }

    private static string Resolve(string file, string[] roots, string listPath, int line)
    {
        if (file.Length == 0)
            throw new InputException(listPath, line, "expected a model file name in the ModelName column, found an empty cell");
        if (file.Contains('\0'))
            throw new InputException(listPath, line, "model file name holds a NUL byte; is the model list a text file?");
        if (Path.IsPathRooted(file))
            return File.Exists(file) ? file : throw new InputException(listPath, line, $"model file '{file}' does not exist");
        foreach (string root in roots)
        {
            string candidate = Path.GetFullPath(Path.Combine(root, file));
            if (File.Exists(candidate)) return candidate;
        }
        throw new InputException(listPath, line,
            $"model file '{file}' not found relative to {string.Join(", ", roots.Distinct())}");
    }

    /// <summary>Predicted log expression per tissue for canonical features x (10·F), in list order.</summary>
    public double[] Predict(ReadOnlySpan<double> x)
    {
        var result = new double[Count];
        for (int t = 0; t < Count; t++) result[t] = Models[t].Predict(x);
        return result;
    }
}
