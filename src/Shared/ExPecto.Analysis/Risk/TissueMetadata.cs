using System.Reflection;

namespace ExPecto.Analysis.Risk;

/// <summary>One ExPecto tissue model name and whether it is a cancer cell line.</summary>
public sealed record TissueInfo(string Tissue, bool IsCancer, string Note);

/// <summary>
/// Which of ExPecto's 218 tissue models come from cancer (Resources/tissue_metadata.tsv, names as in ExPecto's
/// modellist). Rule, applied by hand to each name: a model is "cancer" when its sample is a tumour-derived cell line
/// (K562, HepG2, HeLa, A549, MCF-7, A172, M059J, Daoy, SK-N-DZ, melanoma, sarcoma and lymphoma lines, …) or a pool of
/// cancer cell lines (Universal Human Reference RNA). Transformed or immortalised lines from healthy donors (GM12878
/// and GTEx EBV-transformed lymphocytes, GTEx transformed fibroblasts, LHCN-M2), embryonic and induced stem cells
/// (H1, H7, H4-hESC, HUES64, 4Star) and primary cells and tissues are not cancer. Names not in the table are treated as
/// not cancer.
/// </summary>
public sealed class TissueMetadata
{
    private readonly Dictionary<string, TissueInfo> _byName;

    public IReadOnlyList<TissueInfo> Tissues { get; }

    public TissueMetadata(IReadOnlyList<TissueInfo> tissues)
    {
        Tissues = tissues;
        _byName = tissues.ToDictionary(t => t.Tissue, StringComparer.Ordinal);
    }

    /// <summary>The shipped table of ExPecto's 218 models (26 cancer).</summary>
    public static TissueMetadata Default { get; } = LoadEmbedded();

    public bool IsCancer(string tissue) => _byName.TryGetValue(tissue, out var t) && t.IsCancer;

    public bool IsKnown(string tissue) => _byName.ContainsKey(tissue);

    /// <summary>Indices of the non-cancer tissues among <paramref name="tissues"/>.</summary>
    public int[] NonCancerIndices(IReadOnlyList<string> tissues) =>
        Enumerable.Range(0, tissues.Count).Where(i => !IsCancer(tissues[i])).ToArray();

    /// <summary>
    /// Reads a table in the shipped layout: a header, then <c>tissue &lt;TAB&gt; cancer (0 or 1) [&lt;TAB&gt; note]</c>
    /// (tissue names exactly as the models' columns).
    /// </summary>
    public static TissueMetadata Load(string path)
    {
        using var reader = new StreamReader(path);
        return Parse(reader, path);
    }

    private static TissueMetadata LoadEmbedded()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("ExPecto.Analysis.tissue_metadata.tsv")
            ?? throw new InvalidOperationException("embedded tissue_metadata.tsv is missing");
        using var reader = new StreamReader(stream);
        return Parse(reader, "tissue_metadata.tsv");
    }

    private static TissueMetadata Parse(TextReader reader, string source)
    {
        var rows = new List<TissueInfo>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        if (reader.ReadLine() is null) throw new ExPecto.Core.InputException(source, 1, "expected a header 'tissue<TAB>cancer', found an empty file");
        long lineNo = 1;
        while (reader.ReadLine() is { } line)
        {
            lineNo++;
            if (line.TrimEnd('\r').Length == 0) continue;
            var f = line.TrimEnd('\r').Split('\t');
            if (f.Length < 2 || f[1] is not ("0" or "1"))
                throw new ExPecto.Core.InputException(source, lineNo, $"expected 'tissue<TAB>0|1', found '{line}'");
            if (!seen.Add(f[0])) throw new ExPecto.Core.InputException(source, lineNo, $"tissue '{f[0]}' appears twice");
            rows.Add(new TissueInfo(f[0], f[1] == "1", f.Length > 2 ? f[2] : ""));
        }
        return new TissueMetadata(rows);
    }
}
