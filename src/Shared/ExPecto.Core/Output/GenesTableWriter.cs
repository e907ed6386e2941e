using ExPecto.Core.Mutagenesis;
using Parquet;
using Parquet.Schema;

namespace ExPecto.Core.Output;

/// <summary>
/// genes.parquet, long format: gene, tissue, directionality (double, Σ effects), magnitude (double, Σ |effects|),
/// mutations (int32), strong (int32, mutations with |effect| ≥ threshold). Genes in ordinal order of their id,
/// tissues in model order: the same summaries always give the same bytes, whatever order genes finished in.
/// </summary>
public static class GenesTableWriter
{
    /// <summary>Writes genes.parquet (atomically) from gene results; returns the rows written.</summary>
    public static long Write(string path, IEnumerable<GeneResult> genes)
    {
        var ordered = genes.OrderBy(g => g.Gene, StringComparer.Ordinal).ToList();
        for (int i = 1; i < ordered.Count; i++)
        {
            if (ordered[i].Gene == ordered[i - 1].Gene)
                throw new ArgumentException($"gene '{ordered[i].Gene}' appears twice");
        }
        var gene = new List<string>();
        var tissue = new List<string>();
        var directionality = new List<double>();
        var magnitude = new List<double>();
        var mutations = new List<int>();
        var strong = new List<int>();
        foreach (GeneResult g in ordered)
        {
            foreach (TissueSummary t in g.Tissues)
            {
                gene.Add(g.Gene);
                tissue.Add(t.Tissue);
                directionality.Add(t.Directionality);
                magnitude.Add(t.Magnitude);
                mutations.Add(g.Mutations);
                strong.Add(t.Strong);
            }
        }

        var geneField = new DataField<string>("gene", false);
        var tissueField = new DataField<string>("tissue", false);
        var directionalityField = new DataField<double>("directionality", false);
        var magnitudeField = new DataField<double>("magnitude", false);
        var mutationsField = new DataField<int>("mutations", false);
        var strongField = new DataField<int>("strong", false);
        var schema = new ParquetSchema(geneField, tissueField, directionalityField, magnitudeField, mutationsField, strongField);

        string temp = AtomicFile.TempPathFor(path);
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.ReadWrite))
            {
                ParquetWriter writer = ParquetSync.Run(ParquetWriter.CreateAsync(schema, stream, ParquetSync.Options));
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
                ParquetSync.Run(writer.DisposeAsync());
                stream.Flush(flushToDisk: true);
            }
            AtomicFile.Commit(temp, path);
        }
        catch
        {
            AtomicFile.TryDelete(temp);
            throw;
        }
        return gene.Count;
    }

    /// <summary>
    /// Rebuilds the dataset's genes.parquet from its <c>_summaries</c>: every summary present, or only
    /// <paramref name="geneIds"/> when given (a missing one throws). Returns the genes included.
    /// </summary>
    public static IReadOnlyList<GeneResult> Rebuild(MutagenesisLayout layout, IEnumerable<string>? geneIds = null)
    {
        List<GeneResult> results;
        if (geneIds is null)
        {
            string folder = layout.Full(MutagenesisLayout.SummariesFolder);
            results = Directory.Exists(folder)
                ? Directory.EnumerateFiles(folder, "*.json")
                    .Where(p => !AtomicFile.IsTempName(Path.GetFileName(p)))
                    .Select(GeneSummaryFile.Read)
                    .ToList()
                : [];
        }
        else
        {
            results = geneIds
                .Select(id => layout.Full(MutagenesisLayout.SummaryPath(id)))
                .Select(p => File.Exists(p) ? GeneSummaryFile.Read(p) : throw new InputException(p, null, "expected a gene summary, found no file"))
                .ToList();
        }
        Write(layout.Full(MutagenesisLayout.GenesFile), results);
        return results;
    }
}
