using System.Globalization;
using ExPecto.Analysis.Io;
using ExPecto.Analysis.Statistics;
using ExPecto.Core;

namespace ExPecto.Analysis.Training;

/// <summary>One row of ExPecto's <c>geneanno.csv</c> (hg19, 1-based TSS positions).</summary>
public sealed record GeneAnnotation(string Id, string Symbol, string Chrom, char Strand, long Tss, long CageTss, string Type);

/// <summary>Reads <c>geneanno.csv</c>: header <c>id,symbol,seqnames,strand,TSS,CAGE_representative_TSS,type</c>.</summary>
public static class GeneAnnotationReader
{
    public static IReadOnlyList<GeneAnnotation> Read(string path)
    {
        var result = new List<GeneAnnotation>();
        int[]? idx = null;
        long lineNo = 0;
        foreach (var line in Csv.ReadLines(path))
        {
            lineNo++;
            if (line.Trim().Length == 0) continue;
            var f = Csv.Split(line);
            if (idx is null)
            {
                string[] want = ["id", "symbol", "seqnames", "strand", "TSS", "CAGE_representative_TSS", "type"];
                idx = want.Select(w => Array.IndexOf(f, w)).ToArray();
                if (idx.Any(i => i < 0))
                    throw new InputException(path, lineNo, $"expected header columns {string.Join(",", want)}, found {string.Join(",", f)}");
                continue;
            }
            if (f.Length <= idx.Max()) throw new InputException(path, lineNo, $"expected at least {idx.Max() + 1} fields, found {f.Length}");
            if (!long.TryParse(f[idx[4]], CultureInfo.InvariantCulture, out long tss) || !long.TryParse(f[idx[5]], CultureInfo.InvariantCulture, out long cage))
                throw new InputException(path, lineNo, "expected integer TSS and CAGE_representative_TSS");
            string strand = f[idx[3]];
            if (strand is not ("+" or "-")) throw new InputException(path, lineNo, $"expected strand + or -, found '{strand}'");
            result.Add(new GeneAnnotation(f[idx[0]], f[idx[1]], f[idx[2]], strand[0], tss, cage, f[idx[6]]));
        }
        return result;
    }
}

/// <summary>
/// Expression per gene and tissue: <see cref="Values"/>[t][g] for tissue <see cref="Tissues"/>[t] and gene
/// <see cref="Genes"/>[g] (ids without an Ensembl version suffix). <see cref="Chromosomes"/>[g] is the gene's
/// chromosome when the table has a chromosome column, else null.
/// </summary>
public sealed record ExpressionTable(IReadOnlyList<string> Genes, IReadOnlyList<string> Tissues, double[][] Values)
{
    /// <summary>Columns that describe genes, never tissues, wherever they stand (GTEx's GCT has Description).</summary>
    private static readonly HashSet<string> s_geneColumns = new(StringComparer.OrdinalIgnoreCase)
    {
        "description", "symbol", "gene_name", "name", "chromosome", "chrom", "chr", "seqnames", "strand", "type", "gene_type",
        "phewas phenotype",
    };

    private static readonly string[] s_chromColumns = ["chromosome", "chrom", "chr", "seqnames"];

    public IReadOnlyList<string>? Chromosomes { get; init; }

    /// <summary>
    /// Reads a genes × tissues table with a header: CSV, or TSV when the header holds a tab; a GTEx GCT
    /// (<c>#1.2</c> and a dimensions line first) is read as TSV. Plain or .gz. The id column is
    /// <paramref name="idColumn"/>, else the first of <c>id</c>, <c>gene_id</c>, <c>gene</c>, <c>Name</c>, else column 0;
    /// Ensembl versions (<c>.14</c>) are stripped and repeated ids keep their first row. Tissue columns are the columns
    /// after the id column except gene descriptions (symbol, gene_name, Description, chromosome, …); NA / empty =
    /// missing. A chromosome column (chromosome, chrom, chr or seqnames) anywhere fills <see cref="Chromosomes"/>.
    /// </summary>
    public static ExpressionTable ReadCsv(string path, string? idColumn = null)
    {
        string[]? header = null;
        int idCol = 0, chromCol = -1;
        int[] tissueCols = [];
        char sep = ',';
        bool gct = false;
        var genes = new List<string>();
        var chroms = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var rows = new List<double[]>();
        long lineNo = 0;
        foreach (var line in Csv.ReadLines(path))
        {
            lineNo++;
            if (line.Trim().Length == 0) continue;
            if (header is null && lineNo == 1 && line.StartsWith("#1.", StringComparison.Ordinal)) { gct = true; continue; }
            if (header is null && gct && lineNo == 2) continue; // GCT dimensions line
            if (header is null)
            {
                sep = line.Contains('\t') ? '\t' : ',';
                var h = Csv.Split(line, sep);
                header = h;
                idCol = idColumn is not null ? Array.IndexOf(h, idColumn)
                    : new[] { "id", "gene_id", "gene", "Name" }.Select(n => Array.IndexOf(h, n)).FirstOrDefault(i => i >= 0, 0);
                if (idCol < 0) throw new InputException(path, lineNo, $"expected an id column '{idColumn}', found {string.Join(",", h)}");
                tissueCols = Enumerable.Range(idCol + 1, h.Length - idCol - 1).Where(j => !s_geneColumns.Contains(h[j].Trim())).ToArray();
                if (tissueCols.Length == 0) throw new InputException(path, lineNo, $"expected tissue columns after the id column '{h[idCol]}', found none");
                chromCol = Array.FindIndex(h, c => s_chromColumns.Contains(c.Trim(), StringComparer.OrdinalIgnoreCase));
                continue;
            }
            var f = Csv.Split(line, sep);
            if (f.Length != header.Length) throw new InputException(path, lineNo, $"expected {header.Length} fields as in the header, found {f.Length}");
            string id = StripVersion(f[idCol]);
            if (!seen.Add(id)) continue;
            var v = new double[tissueCols.Length];
            for (int j = 0; j < v.Length; j++)
            {
                string s = f[tissueCols[j]].Trim();
                if (s.Length == 0 || s is "NA" or "NaN" or "nan") v[j] = double.NaN;
                else if (!double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out v[j]))
                    throw new InputException(path, lineNo, $"column '{header[tissueCols[j]]}': expected a number, found '{s}'");
            }
            genes.Add(id);
            if (chromCol >= 0) chroms.Add(f[chromCol].Trim());
            rows.Add(v);
        }
        if (header is null) throw new InputException(path, null, "expected a header line, found an empty file");
        var tissues = tissueCols.Select(j => header[j]).ToArray();
        var values = new double[tissues.Length][];
        for (int t = 0; t < tissues.Length; t++)
            values[t] = rows.Select(r => r[t]).ToArray();
        return new ExpressionTable(genes, tissues, values) { Chromosomes = chromCol >= 0 ? chroms : null };
    }

    public static string StripVersion(string id)
    {
        int dot = id.IndexOf('.');
        return dot > 0 && id.StartsWith("ENS", StringComparison.Ordinal) ? id[..dot] : id;
    }
}

/// <summary>ExPecto train.py's data rules around the gblinear fit.</summary>
public sealed record TrainingOptions
{
    /// <summary>Label = ln(expression + pseudocount): 0.0001 for GTEx, 0.01 for Roadmap/ENCODE in ExPecto.</summary>
    public double Pseudocount { get; init; } = 0.0001;

    /// <summary>
    /// The whole chromosome held out for evaluation (train.py: chr8). Compared without a "chr" prefix; "none" (no
    /// such chromosome) trains on every gene.
    /// </summary>
    public string HoldoutChromosome { get; init; } = "chr8";

    /// <summary>Chromosomes dropped from training (and from the holdout).</summary>
    public IReadOnlyList<string> DroppedChromosomes { get; init; } = ["chrX", "chrY"];

    /// <summary>Gene types excluded (train.py's filter 'all': everything but rRNA).</summary>
    public IReadOnlyList<string> ExcludedTypes { get; init; } = ["rRNA"];

    public GblinearParameters Booster { get; init; } = new();
}

/// <summary>A trained tissue model and its whole-chromosome holdout evaluation.</summary>
public sealed record TissueTrainingResult(string Tissue, GblinearModel Model, int TrainRows, int HoldoutRows,
    double HoldoutSpearman, IReadOnlyList<string> HoldoutGenes, float[] HoldoutPredicted, float[] HoldoutObserved);

/// <summary>Trains ExPecto expression models: features × annotation × expression → one gblinear model per tissue.</summary>
public static class ExpressionModelTraining
{
    /// <summary>
    /// Trains one tissue. Genes are those in the feature matrix (in its row order) that have an annotation and an
    /// expression value; rRNA genes (by default) and genes whose label is not finite are dropped; genes on
    /// <see cref="TrainingOptions.DroppedChromosomes"/> are used for neither; the holdout chromosome is the test set.
    /// </summary>
    public static TissueTrainingResult TrainTissue(FeatureMatrix features, IReadOnlyList<GeneAnnotation> annotation,
        ExpressionTable expression, string tissue, TrainingOptions? options = null, CancellationToken ct = default)
    {
        options ??= new TrainingOptions();
        int t = IndexOf(expression.Tissues, tissue) ?? throw new InputException($"no expression column '{tissue}'; columns are {string.Join(", ", expression.Tissues)}");
        var anno = new Dictionary<string, GeneAnnotation>(StringComparer.Ordinal);
        foreach (var a in annotation) anno.TryAdd(ExpressionTable.StripVersion(a.Id), a);
        var exprIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int g = 0; g < expression.Genes.Count; g++) exprIndex.TryAdd(expression.Genes[g], g);

        string holdout = NoChr(options.HoldoutChromosome);
        var dropped = options.DroppedChromosomes.Select(NoChr).ToHashSet(StringComparer.Ordinal);
        var excludedTypes = options.ExcludedTypes.ToHashSet(StringComparer.Ordinal);
        var trainIdx = new List<int>(); var testIdx = new List<int>();
        var trainY = new List<float>(); var testY = new List<float>();
        for (int i = 0; i < features.Rows; i++)
        {
            string id = ExpressionTable.StripVersion(features.RowNames[i]);
            if (!anno.TryGetValue(id, out var a) || !exprIndex.TryGetValue(id, out int g)) continue;
            if (excludedTypes.Contains(a.Type)) continue;
            double label = Math.Log(expression.Values[t][g] + options.Pseudocount);
            if (!double.IsFinite(label)) continue;
            string chrom = NoChr(a.Chrom);
            if (dropped.Contains(chrom)) continue;
            if (chrom == holdout) { testIdx.Add(i); testY.Add((float)label); }
            else { trainIdx.Add(i); trainY.Add((float)label); }
        }
        if (trainIdx.Count == 0)
            throw new InputException(testIdx.Count > 0
                ? $"tissue '{tissue}': all {testIdx.Count} usable genes are on the holdout chromosome {options.HoldoutChromosome}, none left to train on (hold out another chromosome, or none)"
                : $"tissue '{tissue}': no training genes after joining features ({features.Rows} genes), annotation and expression ({expression.Genes.Count} genes)");
        var model = GblinearTrainer.Train(features.SelectRows(trainIdx), trainY, options.Booster, ct);
        var test = features.SelectRows(testIdx);
        var predicted = model.Predict(test);
        var observed = testY.ToArray();
        double rho = testIdx.Count >= 3
            ? Rank.Spearman(predicted.Select(v => (double)v).ToArray(), observed.Select(v => (double)v).ToArray())
            : double.NaN;
        return new TissueTrainingResult(tissue, model, trainIdx.Count, testIdx.Count, rho, test.RowNames, predicted, observed);
    }

    /// <summary>Fewer holdout genes than this make the holdout Spearman a number without meaning; the summary says so.</summary>
    public const int MeaningfulHoldout = 30;

    /// <summary>
    /// An annotation made from the data when no annotation file is given: each feature-matrix row's chromosome and
    /// type from the matrix (<see cref="FeatureMatrix.RowChrom"/>, <see cref="FeatureMatrix.RowType"/>), else the
    /// chromosome from the expression table's chromosome column, else "" (unknown: trained on, never held out).
    /// </summary>
    public static IReadOnlyList<GeneAnnotation> AnnotationFromData(FeatureMatrix features, ExpressionTable expression)
    {
        var exprChrom = new Dictionary<string, string>(StringComparer.Ordinal);
        if (expression.Chromosomes is { } ec)
            for (int g = 0; g < expression.Genes.Count; g++) exprChrom.TryAdd(expression.Genes[g], ec[g]);
        var result = new List<GeneAnnotation>(features.Rows);
        for (int i = 0; i < features.Rows; i++)
        {
            string id = ExpressionTable.StripVersion(features.RowNames[i]);
            string chrom = features.RowChrom?[i] ?? exprChrom.GetValueOrDefault(id, "");
            result.Add(new GeneAnnotation(id, id, chrom, '+', 0, 0, features.RowType?[i] ?? ""));
        }
        return result;
    }

    /// <summary>What the summary says about a holdout Spearman: empty when it means something.</summary>
    public static string HoldoutNote(TissueTrainingResult r) => r.HoldoutRows switch
    {
        0 => "no holdout genes: not evaluated",
        < 3 => $"{r.HoldoutRows} holdout gene(s): no Spearman",
        < MeaningfulHoldout => $"only {r.HoldoutRows} holdout genes: Spearman not meaningful",
        _ => "",
    };

    /// <summary>Writes the holdout summary: tissue, model file, train_genes, holdout_genes, holdout_spearman (NA when undefined), note.</summary>
    public static Task WriteSummaryTsvAsync(string path, IEnumerable<(TissueTrainingResult Result, string ModelFile)> rows)
    {
        var sb = new System.Text.StringBuilder("tissue\tmodel\ttrain_genes\tholdout_genes\tholdout_spearman\tnote\n");
        foreach (var (r, file) in rows)
        {
            string rho = double.IsFinite(r.HoldoutSpearman) ? r.HoldoutSpearman.ToString("R", CultureInfo.InvariantCulture) : "NA";
            sb.Append(CultureInfo.InvariantCulture, $"{r.Tissue}\t{file}\t{r.TrainRows}\t{r.HoldoutRows}\t{rho}\t{HoldoutNote(r)}\n");
        }
        return AtomicFile.WriteAllTextAsync(path, sb.ToString());
    }

    /// <summary>Writes every holdout gene's observed and predicted label (ln(expression + pseudocount)) per tissue.</summary>
    public static Task WriteHoldoutTsvAsync(string path, IEnumerable<TissueTrainingResult> results)
    {
        var sb = new System.Text.StringBuilder("tissue\tgene\tobserved\tpredicted\n");
        foreach (var r in results)
            for (int i = 0; i < r.HoldoutRows; i++)
                sb.Append(CultureInfo.InvariantCulture, $"{r.Tissue}\t{r.HoldoutGenes[i]}\t{r.HoldoutObserved[i]:R}\t{r.HoldoutPredicted[i]:R}\n");
        return AtomicFile.WriteAllTextAsync(path, sb.ToString());
    }

    /// <summary>A file-name-safe form of a tissue name ("Liver | GTEx" → "Liver_GTEx").</summary>
    public static string SafeName(string tissue)
    {
        var chars = tissue.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' ? c : '_').ToArray();
        var s = new string(chars);
        while (s.Contains("__", StringComparison.Ordinal)) s = s.Replace("__", "_", StringComparison.Ordinal);
        return s.Trim('_');
    }

    private static int? IndexOf(IReadOnlyList<string> list, string value)
    {
        for (int i = 0; i < list.Count; i++) if (list[i] == value) return i;
        return null;
    }

    private static string NoChr(string c) => c.StartsWith("chr", StringComparison.OrdinalIgnoreCase) ? c[3..] : c;
}
