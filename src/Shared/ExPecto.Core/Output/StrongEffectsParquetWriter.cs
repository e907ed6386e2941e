using Parquet;
using Parquet.Schema;

namespace ExPecto.Core.Output;

/// <summary>
/// Streams one gene's strong effects in long format: gene, pos (int64, 1-based), ref, alt, tissue, effect (float),
/// one row per (mutation, tissue) with |effect| ≥ threshold. A gene with none still gets a file with 0 rows, so
/// readers always see the schema. Rows are buffered up to a row-group size.
/// </summary>
public sealed class StrongEffectsParquetWriter : RowGroupParquetWriter
{
    private readonly string _gene;
    private readonly long[] _pos;
    private readonly string[] _ref;
    private readonly string[] _alt;
    private readonly string[] _tissue;
    private readonly float[] _effect;

    public StrongEffectsParquetWriter(string path, string gene, int rowGroupRows)
        : base(path, new ParquetSchema(
            new DataField<string>("gene", false), new DataField<long>("pos", false), new DataField<string>("ref", false),
            new DataField<string>("alt", false), new DataField<string>("tissue", false), new DataField<float>("effect", false)), rowGroupRows)
    {
        _gene = gene;
        _pos = new long[rowGroupRows];
        _ref = new string[rowGroupRows];
        _alt = new string[rowGroupRows];
        _tissue = new string[rowGroupRows];
        _effect = new float[rowGroupRows];
    }

    /// <summary>Appends one row; <paramref name="tissue"/> should be the projector's own string instance (shared, not copied).</summary>
    public void Append(long pos, byte reference, byte alt, string tissue, float effect)
    {
        ThrowIfClosed();
        int i = Buffered;
        _pos[i] = pos;
        _ref[i] = BaseNames.Of(reference);
        _alt[i] = BaseNames.Of(alt);
        _tissue[i] = tissue;
        _effect[i] = effect;
        RowBuffered();
    }

    protected override void WriteGroup(ParquetRowGroupWriter group, int n)
    {
        ParquetSync.Run(group.WriteAsync((DataField<string>)Fields[0], Repeat(_gene, n)));
        ParquetSync.Run(group.WriteAsync((DataField<long>)Fields[1], new ReadOnlyMemory<long>(_pos, 0, n)));
        ParquetSync.Run(group.WriteAsync((DataField<string>)Fields[2], new ArraySegment<string>(_ref, 0, n)));
        ParquetSync.Run(group.WriteAsync((DataField<string>)Fields[3], new ArraySegment<string>(_alt, 0, n)));
        ParquetSync.Run(group.WriteAsync((DataField<string>)Fields[4], new ArraySegment<string>(_tissue, 0, n)));
        ParquetSync.Run(group.WriteAsync((DataField<float>)Fields[5], new ReadOnlyMemory<float>(_effect, 0, n)));
    }
}
