using ExPecto.Core.Mutagenesis;
using Parquet;
using Parquet.Schema;

namespace ExPecto.Core.Output;

/// <summary>
/// Streams one gene's effects table into a Parquet file: columns gene, chrom, pos (int64, 1-based), ref, alt,
/// dist (int32, pos − TSS, not strand-corrected), then one float column per tissue named exactly as the tissue.
/// Rows are buffered up to a row-group size, so memory stays bounded whatever the gene's radius.
/// </summary>
public sealed class EffectsParquetWriter : RowGroupParquetWriter
{
    /// <summary>The fixed leading columns; tissue names may not reuse them.</summary>
    public static readonly IReadOnlyList<string> FixedColumns = ["gene", "chrom", "pos", "ref", "alt", "dist"];

    private readonly string _gene;
    private readonly string _chrom;
    private readonly int _tissueCount;
    private readonly long[] _pos;
    private readonly int[] _dist;
    private readonly string[] _ref;
    private readonly string[] _alt;
    private readonly float[][] _effects;

    public EffectsParquetWriter(string path, string gene, string chrom, IReadOnlyList<string> tissues, int rowGroupRows)
        : base(path, Schema(tissues), rowGroupRows)
    {
        _gene = gene;
        _chrom = chrom;
        _tissueCount = tissues.Count;
        _pos = new long[rowGroupRows];
        _dist = new int[rowGroupRows];
        _ref = new string[rowGroupRows];
        _alt = new string[rowGroupRows];
        _effects = new float[_tissueCount][];
        for (int t = 0; t < _tissueCount; t++) _effects[t] = new float[rowGroupRows];
    }

    private static ParquetSchema Schema(IReadOnlyList<string> tissues)
    {
        CheckTissueNames(tissues);
        return new ParquetSchema(new Field[]
        {
            new DataField<string>("gene", false), new DataField<string>("chrom", false), new DataField<long>("pos", false),
            new DataField<string>("ref", false), new DataField<string>("alt", false), new DataField<int>("dist", false),
        }.Concat(tissues.Select(t => new DataField<float>(t, false))));
    }

    /// <summary>
    /// Appends n = <paramref name="mutations"/>.Length rows; <paramref name="effects"/> is [n, tissues] row-major.
    /// </summary>
    public void Append(ReadOnlySpan<SaturationMutation> mutations, ReadOnlySpan<int> distances, ReadOnlySpan<float> effects)
    {
        ThrowIfClosed();
        if (distances.Length != mutations.Length || effects.Length != mutations.Length * _tissueCount)
            throw new ArgumentException("mutations, distances and effects disagree on the row count");
        for (int i = 0; i < mutations.Length; i++)
        {
            int b = Buffered;
            _pos[b] = mutations[i].Position;
            _dist[b] = distances[i];
            _ref[b] = BaseNames.Of(mutations[i].Ref);
            _alt[b] = BaseNames.Of(mutations[i].Alt);
            ReadOnlySpan<float> row = effects.Slice(i * _tissueCount, _tissueCount);
            for (int t = 0; t < _tissueCount; t++) _effects[t][b] = row[t];
            RowBuffered();
        }
    }

    protected override void WriteGroup(ParquetRowGroupWriter group, int n)
    {
        ParquetSync.Run(group.WriteAsync((DataField<string>)Fields[0], Repeat(_gene, n)));
        ParquetSync.Run(group.WriteAsync((DataField<string>)Fields[1], Repeat(_chrom, n)));
        ParquetSync.Run(group.WriteAsync((DataField<long>)Fields[2], new ReadOnlyMemory<long>(_pos, 0, n)));
        ParquetSync.Run(group.WriteAsync((DataField<string>)Fields[3], new ArraySegment<string>(_ref, 0, n)));
        ParquetSync.Run(group.WriteAsync((DataField<string>)Fields[4], new ArraySegment<string>(_alt, 0, n)));
        ParquetSync.Run(group.WriteAsync((DataField<int>)Fields[5], new ReadOnlyMemory<int>(_dist, 0, n)));
        for (int t = 0; t < _tissueCount; t++)
            ParquetSync.Run(group.WriteAsync((DataField<float>)Fields[6 + t], new ReadOnlyMemory<float>(_effects[t], 0, n)));
    }

    /// <summary>Tissue names must be unique, non-empty and distinct from the fixed columns (they become column names).</summary>
    public static void CheckTissueNames(IReadOnlyList<string> tissues)
    {
        var seen = new HashSet<string>(FixedColumns, StringComparer.Ordinal);
        foreach (string t in tissues)
        {
            if (string.IsNullOrWhiteSpace(t) || t.Contains('/'))
                throw new ArgumentException($"tissue name '{t}' cannot be a column name (empty or contains '/')");
            if (!seen.Add(t))
                throw new ArgumentException($"tissue name '{t}' repeats or collides with a fixed column");
        }
    }
}

/// <summary>The one-letter strings used for ref/alt columns (interned, so a million rows share four strings).</summary>
internal static class BaseNames
{
    public static string Of(byte b) => b switch
    {
        (byte)'A' => "A",
        (byte)'C' => "C",
        (byte)'G' => "G",
        (byte)'T' => "T",
        _ => throw new ArgumentOutOfRangeException(nameof(b), $"not an upper-case base: {b}"),
    };
}
