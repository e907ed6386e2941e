using Parquet;
using Parquet.Schema;

namespace ExPecto.Core.Output;

/// <summary>
/// The life of one streamed Parquet file: rows are buffered up to a row-group size and written as a group;
/// <see cref="Complete"/> writes the footer and flushes to disk; disposing an unfinished writer closes the handle
/// without a footer (the caller deletes the temp file). Subclasses buffer their columns and write one group.
/// Synchronous on purpose: the caller's thread may own the chromatin engine (TorchSharp scopes are per thread).
/// </summary>
public abstract class RowGroupParquetWriter : IDisposable
{
    private readonly FileStream _stream;
    private readonly ParquetWriter _writer;
    private bool _completed;
    private bool _disposed;

    protected RowGroupParquetWriter(string path, ParquetSchema schema, int rowGroupRows)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rowGroupRows, 1);
        RowGroupRows = rowGroupRows;
        Fields = schema.DataFields;
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

    /// <summary>Rows written so far (including buffered ones).</summary>
    public long Rows { get; private set; }

    /// <summary>The schema's columns in order (each writer has its own field instances).</summary>
    protected DataField[] Fields { get; }

    /// <summary>Rows per row group (the buffers' length).</summary>
    protected int RowGroupRows { get; }

    /// <summary>Rows buffered and not yet written.</summary>
    protected int Buffered { get; private set; }

    protected void ThrowIfClosed() => ObjectDisposedException.ThrowIf(_disposed || _completed, this);

    /// <summary>Counts the row just buffered at index <see cref="Buffered"/>; writes the group when full.</summary>
    protected void RowBuffered()
    {
        Buffered++;
        Rows++;
        if (Buffered == RowGroupRows) Flush();
    }

    /// <summary>Writes the first <paramref name="n"/> buffered rows of every column into <paramref name="group"/>.</summary>
    protected abstract void WriteGroup(ParquetRowGroupWriter group, int n);

    /// <summary>Writes buffered rows and the footer and flushes the file to disk. The file is then complete.</summary>
    public void Complete()
    {
        ThrowIfClosed();
        // A file with no row group is still valid, but one (possibly empty) group keeps every reader happy.
        if (Buffered > 0 || Rows == 0) Flush();
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
        GC.SuppressFinalize(this);
    }

    private void Flush()
    {
        using (ParquetRowGroupWriter group = _writer.CreateRowGroup())
        {
            WriteGroup(group, Buffered);
            group.CompleteValidate();
        }
        Buffered = 0;
    }

    /// <summary>A column holding one value n times (gene and chrom are constant within a file).</summary>
    protected static string[] Repeat(string value, int n)
    {
        var result = new string[n];
        Array.Fill(result, value);
        return result;
    }
}
