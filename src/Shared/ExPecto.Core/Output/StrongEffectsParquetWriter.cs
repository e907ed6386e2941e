using Parquet;
using Parquet.Schema;

namespace ExPecto.Core.Output;

/// <summary>
/// Streams one gene's strong effects in long format: gene, pos (int64, 1-based), ref, alt, tissue, effect (float),
/// one row per (mutation, tissue) with |effect| ≥ threshold. A gene with none still gets a file with 0 rows, so
/// readers always see the schema. Rows are buffered up to a row-group size.
/// </summary>
public sealed class StrongEffectsParquetWriter : IDisposable
{
    private readonly string _gene;
    private readonly int _rowGroupRows;
    private readonly DataField<string> _geneField = new("gene", false);
    private readonly DataField<long> _posField = new("pos", false);
    private readonly DataField<string> _refField = new("ref", false);
    private readonly DataField<string> _altField = new("alt", false);
    private readonly DataField<string> _tissueField = new("tissue", false);
    private readonly DataField<float> _effectField = new("effect", false);
    private readonly FileStream _stream;
    private readonly ParquetWriter _writer;
    private readonly long[] _pos;
    private readonly string[] _ref;
    private readonly string[] _alt;
    private readonly string[] _tissue;
    private readonly float[] _effect;
    private int _buffered;
    private bool _completed;
    private bool _disposed;

    public StrongEffectsParquetWriter(string path, string gene, int rowGroupRows)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rowGroupRows, 1);
        _gene = gene;
        _rowGroupRows = rowGroupRows;
        _pos = new long[rowGroupRows];
        _ref = new string[rowGroupRows];
        _alt = new string[rowGroupRows];
        _tissue = new string[rowGroupRows];
        _effect = new float[rowGroupRows];
        var schema = new ParquetSchema(_geneField, _posField, _refField, _altField, _tissueField, _effectField);
        _stream = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16);
        try
        {
            _writer = ParquetSync.Run(ParquetWriter.CreateAsync(schema, _stream, ParquetSync.Options));
        }
        catch
        {
            _stream.Dispose();
            throw;
        }
    }

    public long Rows { get; private set; }

    /// <summary>Appends one row; <paramref name="tissue"/> should be the projector's own string instance (shared, not copied).</summary>
    public void Append(long pos, byte reference, byte alt, string tissue, float effect)
    {
        ObjectDisposedException.ThrowIf(_disposed || _completed, this);
        _pos[_buffered] = pos;
        _ref[_buffered] = BaseNames.Of(reference);
        _alt[_buffered] = BaseNames.Of(alt);
        _tissue[_buffered] = tissue;
        _effect[_buffered] = effect;
        _buffered++;
        Rows++;
        if (_buffered == _rowGroupRows) Flush();
    }

    public void Complete()
    {
        ObjectDisposedException.ThrowIf(_disposed || _completed, this);
        if (_buffered > 0 || Rows == 0) Flush();
        ParquetSync.Run(_writer.DisposeAsync());
        _stream.Flush(flushToDisk: true);
        _stream.Dispose();
        _completed = true;
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (!_completed) _stream.Dispose();
    }

    private void Flush()
    {
        int n = _buffered;
        var genes = new string[n];
        Array.Fill(genes, _gene);
        using (ParquetRowGroupWriter group = _writer.CreateRowGroup())
        {
            ParquetSync.Run(group.WriteAsync(_geneField, genes));
            ParquetSync.Run(group.WriteAsync(_posField, new ReadOnlyMemory<long>(_pos, 0, n)));
            ParquetSync.Run(group.WriteAsync(_refField, new ArraySegment<string>(_ref, 0, n)));
            ParquetSync.Run(group.WriteAsync(_altField, new ArraySegment<string>(_alt, 0, n)));
            ParquetSync.Run(group.WriteAsync(_tissueField, new ArraySegment<string>(_tissue, 0, n)));
            ParquetSync.Run(group.WriteAsync(_effectField, new ReadOnlyMemory<float>(_effect, 0, n)));
            group.CompleteValidate();
        }
        _buffered = 0;
    }
}
