using ExPecto.Core;
using Parquet;
using Parquet.Schema;
using ExPecto.Analysis.Io;

namespace ExPecto.Analysis.Training;

/// <summary>
/// A dense float32 matrix, row-major: <see cref="Rows"/> genes × <see cref="Cols"/> features (ExPecto: 20,020
/// spatially transformed chromatin features per representative TSS). <see cref="RowNames"/> are gene ids;
/// <see cref="RowChrom"/> and <see cref="RowType"/>, when known, each gene's chromosome and gene type (what
/// <c>expecto train</c> needs for the chromosome holdout and the rRNA filter without a separate annotation).
/// </summary>
public sealed class FeatureMatrix
{
    public int Rows { get; }
    public int Cols { get; }
    public float[] Values { get; }
    public IReadOnlyList<string> RowNames { get; }
    public IReadOnlyList<string> ColNames { get; }

    /// <summary>Chromosome of each row as the annotation spells it; null when the matrix does not carry it.</summary>
    public IReadOnlyList<string>? RowChrom { get; init; }

    /// <summary>Gene type of each row (geneanno.csv's <c>type</c>; empty when unknown); null when not carried.</summary>
    public IReadOnlyList<string>? RowType { get; init; }

    public FeatureMatrix(int rows, int cols, float[] values, IReadOnlyList<string>? rowNames = null, IReadOnlyList<string>? colNames = null)
    {
        if (values.Length != (long)rows * cols) throw new ArgumentException($"expected {rows}×{cols} values, found {values.Length}");
        Rows = rows; Cols = cols; Values = values;
        RowNames = rowNames ?? Enumerable.Range(0, rows).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        ColNames = colNames ?? Enumerable.Range(0, cols).Select(i => $"f{i}").ToArray();
    }

    public ReadOnlySpan<float> Row(int i) => Values.AsSpan(i * Cols, Cols);

    /// <summary>The rows at <paramref name="indices"/>, in that order.</summary>
    public FeatureMatrix SelectRows(IReadOnlyList<int> indices)
    {
        var v = new float[(long)indices.Count * Cols];
        for (int k = 0; k < indices.Count; k++) Row(indices[k]).CopyTo(v.AsSpan(k * Cols, Cols));
        return new FeatureMatrix(indices.Count, Cols, v, indices.Select(i => RowNames[i]).ToArray(), ColNames)
        {
            RowChrom = RowChrom is null ? null : indices.Select(i => RowChrom[i]).ToArray(),
            RowType = RowType is null ? null : indices.Select(i => RowType[i]).ToArray(),
        };
    }

    /// <summary>
    /// Reads a feature-matrix Parquet: a string column <c>gene</c> (row names); optional string columns
    /// <c>chrom</c> and <c>type</c> (other string columns are ignored); every numeric column is a feature (float or
    /// double), in file order.
    /// </summary>
    public static async Task<FeatureMatrix> ReadParquetAsync(string path, CancellationToken ct = default)
    {
        await using var stream = File.OpenRead(path);
        await using var reader = await ParquetReader.CreateAsync(stream, cancellationToken: ct);
        var fGene = ParquetColumns.Require(reader.Schema, "gene", path);
        var all = reader.Schema.GetDataFields();
        bool IsText(DataField f) => f.ClrType == typeof(string) || f.ClrType == typeof(ReadOnlyMemory<char>);
        var featureFields = all.Where(f => f.Name != "gene" && !IsText(f)).ToArray();
        if (featureFields.Length == 0) throw new InputException(path, null, "expected feature columns after 'gene', found none");
        var fChrom = all.FirstOrDefault(f => f.Name == "chrom" && IsText(f));
        var fType = all.FirstOrDefault(f => f.Name == "type" && IsText(f));
        var chroms = fChrom is null ? null : new List<string>();
        var types = fType is null ? null : new List<string>();
        var genes = new List<string>();
        var cols = featureFields.Select(_ => new List<float>()).ToArray();
        for (int g = 0; g < reader.RowGroupCount; g++)
        {
            using var rg = reader.OpenRowGroupReader(g);
            genes.AddRange(await ParquetColumns.ReadStringsAsync(rg, fGene, path));
            if (fChrom is not null) chroms!.AddRange(await ParquetColumns.ReadStringsAsync(rg, fChrom, path));
            if (fType is not null) types!.AddRange(await ParquetColumns.ReadStringsAsync(rg, fType, path));
            for (int j = 0; j < featureFields.Length; j++)
                cols[j].AddRange(await ParquetColumns.ReadFloatsAsync(rg, featureFields[j], path));
        }
        int rows = genes.Count, p = featureFields.Length;
        var values = new float[(long)rows * p];
        for (int j = 0; j < p; j++)
            for (int i = 0; i < rows; i++) values[i * p + j] = cols[j][i];
        return new FeatureMatrix(rows, p, values, genes, featureFields.Select(f => f.Name).ToArray()) { RowChrom = chroms, RowType = types };
    }

    /// <summary>Writes the layout <see cref="ReadParquetAsync"/> reads: gene, [chrom], [type], then the features (float).</summary>
    public Task WriteParquetAsync(string path, CancellationToken ct = default)
    {
        var fGene = new DataField<string>("gene");
        var fChrom = new DataField<string>("chrom");
        var fType = new DataField<string>("type");
        var fields = ColNames.Select(n => new DataField<float>(n)).ToArray();
        var meta = new List<Field> { fGene };
        if (RowChrom is not null) meta.Add(fChrom);
        if (RowType is not null) meta.Add(fType);
        var schema = new ParquetSchema([.. meta, .. fields]);
        return AtomicFile.WriteAsync(path, async stream =>
        {
            await using var writer = await ParquetWriter.CreateAsync(schema, stream, cancellationToken: ct);
            using var rg = writer.CreateRowGroup();
            await rg.WriteAsync(fGene, RowNames.ToArray());
            if (RowChrom is not null) await rg.WriteAsync(fChrom, RowChrom.ToArray());
            if (RowType is not null) await rg.WriteAsync(fType, RowType.ToArray());
            var col = new float[Rows];
            for (int j = 0; j < Cols; j++)
            {
                for (int i = 0; i < Rows; i++) col[i] = Values[i * Cols + j];
                await rg.WriteAsync<float>(fields[j], col.ToArray());
            }
        });
    }
}
