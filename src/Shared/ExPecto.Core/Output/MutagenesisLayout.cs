namespace ExPecto.Core.Output;

/// <summary>
/// Where a saturation-mutagenesis dataset keeps its files (paths relative to <see cref="Root"/>, '/'-separated):
/// <list type="bullet">
/// <item><c>effects/chrom=&lt;chrom&gt;/&lt;gene&gt;.parquet</c>: one row per mutation, one float column per tissue.</item>
/// <item><c>strong_effects/chrom=&lt;chrom&gt;/&lt;gene&gt;.parquet</c>: long format, |effect| ≥ threshold; written even when empty.</item>
/// <item><c>_summaries/&lt;gene&gt;.json</c>: the gene's <see cref="Mutagenesis.GeneResult"/>; written last, so it marks the gene complete.</item>
/// <item><c>genes.parquet</c>: gene × tissue summaries, rebuilt from <c>_summaries</c> at the end of a run.</item>
/// </list>
/// Chromosome folders are Hive-style partitions; each effects file also holds a chrom column, because readers
/// type partition values themselves: DuckDB turns chrom into BIGINT when every partition looks numeric (Ensembl
/// names "1".."22"); read with <c>hive_types_autocast=false</c> or <c>hive_partitioning=false</c> to keep it text.
/// Temp files start with '.' and end in '.tmp', so Hive, Spark, Arrow and DuckDB's <c>*.parquet</c> globs never see
/// them. A final-named file is always complete; a gene is complete once its summary exists.
/// </summary>
public sealed class MutagenesisLayout
{
    public const string EffectsFolder = "effects";
    public const string StrongEffectsFolder = "strong_effects";
    public const string SummariesFolder = "_summaries";
    public const string GenesFile = "genes.parquet";

    public MutagenesisLayout(string root)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        Root = Path.GetFullPath(root);
    }

    /// <summary>Absolute path of the dataset folder.</summary>
    public string Root { get; }

    public static string EffectsPath(string chrom, string gene) =>
        $"{EffectsFolder}/chrom={CheckName("chromosome", chrom)}/{CheckName("gene", gene)}.parquet";

    public static string StrongEffectsPath(string chrom, string gene) =>
        $"{StrongEffectsFolder}/chrom={CheckName("chromosome", chrom)}/{CheckName("gene", gene)}.parquet";

    public static string SummaryPath(string gene) => $"{SummariesFolder}/{CheckName("gene", gene)}.json";

    /// <summary>Absolute path of a dataset-relative path.</summary>
    public string Full(string relativePath) => Path.Combine(Root, relativePath.Replace('/', Path.DirectorySeparatorChar));

    /// <summary>Creates the top-level folders, so readers find <c>effects/</c> and <c>strong_effects/</c> even before any gene.</summary>
    public void EnsureFolders()
    {
        Directory.CreateDirectory(Full(EffectsFolder));
        Directory.CreateDirectory(Full(StrongEffectsFolder));
        Directory.CreateDirectory(Full(SummariesFolder));
    }

    /// <summary>
    /// Gene and chromosome names become file and partition names, so they are limited to letters, digits, '.', '_'
    /// and '-', and may not start with '.' or '_' (readers treat such files as hidden).
    /// </summary>
    public static string CheckName(string kind, string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        bool ok = value.Length is > 0 and <= 200 && value[0] is not ('.' or '_');
        foreach (char c in value)
            ok &= char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-';
        if (!ok)
            throw new InputException(
                $"{kind} name '{value}' cannot name an output file: expected letters, digits, '.', '_' or '-', not starting with '.' or '_'");
        return value;
    }
}
