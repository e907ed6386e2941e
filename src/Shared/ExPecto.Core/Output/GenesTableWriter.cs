using ExPecto.Core.Mutagenesis;
using Parquet;
using Parquet.Schema;

namespace ExPecto.Core.Output;

/// <summary>
/// genes.parquet, long format: gene, tissue, directionality (double, Σ effects), magnitude (double, Σ |effects|),
/// mutations (int32), strong (int32, mutations with |effect| ≥ threshold). Genes in ordinal order of their id,
/// tissues in model order: the same summaries always give the same bytes, whatever order genes finished in.
/// Written in row groups, so a genome-wide table (≈ 20 k genes × 218 tissues) never sits in memory whole.
/// </summary>
public static class GenesTableWriter
{
    private const int RowGroupRows = 1 << 16;

    /// <summary>Writes genes.parquet (atomically) from gene results, sorting them by id; returns the rows written.</summary>
    public static long Write(string path, IEnumerable<GeneResult> genes) =>
        WriteOrdered(path, genes.OrderBy(g => g.Gene, StringComparer.Ordinal));

    /// <summary>
    /// Rebuilds the dataset's genes.parquet from its <c>_summaries</c>: every summary present, or only
    /// <paramref name="geneIds"/> when given (a missing one throws <see cref="InputException"/>). Summaries are read
    /// one at a time in gene order. Returns the genes written.
    /// </summary>
    public static int Rebuild(MutagenesisLayout layout, IEnumerable<string>? geneIds = null)
    {
        List<string> ids;
        if (geneIds is null)
        {
            string folder = layout.Full(MutagenesisLayout.SummariesFolder);
            ids = Directory.Exists(folder)
                ? Directory.EnumerateFiles(folder, "*.json")
                    .Select(Path.GetFileName)
                    .Where(n => !AtomicFile.IsTempName(n!))
                    .Select(n => Path.GetFileNameWithoutExtension(n!))
                    .ToList()
                : [];
        }
        else
        {
            ids = geneIds.ToList();
        }
        ids.Sort(StringComparer.Ordinal);
        WriteOrdered(layout.Full(MutagenesisLayout.GenesFile), ids.Select(id => ReadSummary(layout, id)));
        return ids.Count;
    }

    private static GeneResult ReadSummary(MutagenesisLayout layout, string gene)
    {
        string path = layout.Full(MutagenesisLayout.SummaryPath(gene));
        if (!File.Exists(path)) throw new InputException(path, null, $"expected the summary of gene {gene}, found no file");
        GeneResult result = GeneSummaryFile.Read(path);
        if (result.Gene != gene) throw new InputException(path, null, $"expected the summary of gene {gene}, found gene {result.Gene}");
        return result;
    }

    /// <summary>Streams genes, already in ordinal id order, into genes.parquet.</summary>
    private static long WriteOrdered(string path, IEnumerable<GeneResult> orderedGenes)
    {
        var geneField = new DataField<string>("gene", false);
        var tissueField = new DataField<string>("tissue", false);
        var directionalityField = new DataField<double>("directionality", false);
        var magnitudeField = new DataField<double>("magnitude", false);
        var mutationsField = new DataField<int>("mutations", false);
        var strongField = new DataField<int>("strong", false);
        var schema = new ParquetSchema(geneField, tissueField, directionalityField, magnitudeField, mutationsField, strongField);

        var gene = new List<string>();
        var tissue = new List<string>();
        var directionality = new List<double>();
        var magnitude = new List<double>();
        var mutations = new List<int>();
        var strong = new List<int>();
        long rows = 0;
        string temp = AtomicFile.TempPathFor(path);
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.ReadWrite))
            {
                ParquetWriter writer = ParquetSync.Run(ParquetWriter.CreateAsync(schema, stream, ParquetSync.Options));
                string? previous = null;
                foreach (GeneResult g in orderedGenes)
                {
                    if (previous is not null && StringComparer.Ordinal.Compare(previous, g.Gene) >= 0)
                        throw new ArgumentException($"gene '{g.Gene}' is repeated or out of order");
                    previous = g.Gene;
                    foreach (TissueSummary t in g.Tissues)
                    {
                        gene.Add(g.Gene);
                        tissue.Add(t.Tissue);
                        directionality.Add(t.Directionality);
                        magnitude.Add(t.Magnitude);
                        mutations.Add(g.Mutations);
                        strong.Add(t.Strong);
                    }
                    if (gene.Count >= RowGroupRows) Flush();
                }
                if (gene.Count > 0 || rows == 0) Flush();
                ParquetSync.Run(writer.DisposeAsync());
                stream.Flush(flushToDisk: true);

                void Flush()
                {
                    using (ParquetRowGroupWriter group = writer.CreateRowGroup())
                    {
                        ParquetSync.Run(group.WriteAsync(geneField, gene));
                        ParquetSync.Run(group.WriteAsync(tissueField, tissue));
                        ParquetSync.Run(group.WriteAsync(directionalityField, new ReadOnlyMemory<double>(directionality.ToArray())));
                        ParquetSync.Run(group.WriteAsync(magnitudeField, new ReadOnlyMemory<double>(magnitude.ToArray())));
                        ParquetSync.Run(group.WriteAsync(mutationsField, new ReadOnlyMemory<int>(mutations.ToArray())));
                        ParquetSync.Run(group.WriteAsync(strongField, new ReadOnlyMemory<int>(strong.ToArray())));
                        group.CompleteValidate();
                    }
                    rows += gene.Count;
                    gene.Clear();
                    tissue.Clear();
                    directionality.Clear();
                    magnitude.Clear();
                    mutations.Clear();
                    strong.Clear();
                }
            }
            AtomicFile.Commit(temp, path);
        }
        catch
        {
            AtomicFile.TryDelete(temp);
            throw;
        }
        return rows;
    }
}
