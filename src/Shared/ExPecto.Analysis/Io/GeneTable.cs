using Parquet;
using Parquet.Schema;

namespace ExPecto.Analysis.Io;

/// <summary>
/// One gene in one tissue from the saturation-mutagenesis summary (<c>genes.parquet</c>, long format):
/// <paramref name="Directionality"/> = Σ effects and <paramref name="Magnitude"/> = Σ |effects| over the gene's
/// mutations (natural-log fold changes), <paramref name="Mutations"/> mutations scored, <paramref name="Strong"/>
/// of them with a strong effect.
/// </summary>
public sealed record GeneVariationPotential(string Gene, string Tissue, double Directionality, double Magnitude, long Mutations, long Strong);

/// <summary>Reads and writes <c>genes.parquet</c>: columns gene, tissue (string), directionality, magnitude (double), mutations, strong (long).</summary>
public static class GeneTable
{
    public static async Task<IReadOnlyList<GeneVariationPotential>> ReadAsync(string path, CancellationToken ct = default)
    {
        await using var stream = File.OpenRead(path);
        await using var reader = await ParquetReader.CreateAsync(stream, cancellationToken: ct);
        var schema = reader.Schema;
        var fGene = ParquetColumns.Require(schema, "gene", path);
        var fTissue = ParquetColumns.Require(schema, "tissue", path);
        var fDir = ParquetColumns.Require(schema, "directionality", path);
        var fMag = ParquetColumns.Require(schema, "magnitude", path);
        var fMut = ParquetColumns.Require(schema, "mutations", path);
        var fStrong = ParquetColumns.Require(schema, "strong", path);
        var rows = new List<GeneVariationPotential>();
        for (int g = 0; g < reader.RowGroupCount; g++)
        {
            using var rg = reader.OpenRowGroupReader(g);
            var gene = await ParquetColumns.ReadStringsAsync(rg, fGene, path);
            var tissue = await ParquetColumns.ReadStringsAsync(rg, fTissue, path);
            var dir = await ParquetColumns.ReadDoublesAsync(rg, fDir, path);
            var mag = await ParquetColumns.ReadDoublesAsync(rg, fMag, path);
            var mut = await ParquetColumns.ReadLongsAsync(rg, fMut, path);
            var strong = await ParquetColumns.ReadLongsAsync(rg, fStrong, path);
            for (int i = 0; i < gene.Length; i++)
                rows.Add(new GeneVariationPotential(gene[i], tissue[i], dir[i], mag[i], mut[i], strong[i]));
        }
        return rows;
    }

    public static Task WriteAsync(string path, IReadOnlyList<GeneVariationPotential> rows, CancellationToken ct = default)
    {
        var fGene = new DataField<string>("gene");
        var fTissue = new DataField<string>("tissue");
        var fDir = new DataField<double>("directionality");
        var fMag = new DataField<double>("magnitude");
        var fMut = new DataField<long>("mutations");
        var fStrong = new DataField<long>("strong");
        var schema = new ParquetSchema(fGene, fTissue, fDir, fMag, fMut, fStrong);
        return AtomicFile.WriteAsync(path, async stream =>
        {
            await using var writer = await ParquetWriter.CreateAsync(schema, stream, cancellationToken: ct);
            using var rg = writer.CreateRowGroup();
            await rg.WriteAsync(fGene, rows.Select(r => r.Gene).ToArray());
            await rg.WriteAsync(fTissue, rows.Select(r => r.Tissue).ToArray());
            await rg.WriteAsync<double>(fDir, rows.Select(r => r.Directionality).ToArray());
            await rg.WriteAsync<double>(fMag, rows.Select(r => r.Magnitude).ToArray());
            await rg.WriteAsync<long>(fMut, rows.Select(r => r.Mutations).ToArray());
            await rg.WriteAsync<long>(fStrong, rows.Select(r => r.Strong).ToArray());
        });
    }
}
