using ExPecto.Core.Mutagenesis;
using Parquet;
using Parquet.Schema;

namespace ExPecto.Core.Output;

/// <summary>
/// Streams one gene's effects table into a Parquet file: columns gene, chrom, pos (int64, 1-based), ref, alt,
/// dist (int32, pos − TSS, not strand-corrected), then one float column per tissue named exactly as the tissue.
/// Rows are buffered up to a row-group size, so memory stays bounded whatever the gene's radius.
/// Synchronous on purpose: the caller's thread may own the chromatin engine (TorchSharp scopes are per thread).
/// </summary>
public sealed class EffectsParquetWriter : IDisposable
{
    /// <summary>The fixed leading columns; tissue names may not reuse them.</summary>
    public static readonly IReadOnlyList<string> FixedColumns = ["gene", "chrom", "pos", "ref", "alt", "dist"];

    private readonly string _gene;
    private readonly string _chrom;
    private readonly int _tissueCount;
    private readonly int _rowGroupRows;
    private readonly DataField<string> _geneField = new("gene", false);
    private readonly DataField<string> _chromField = new("chrom", false);
    private readonly DataField<long> _posField = new("pos", false);
    private readonly DataField<string> _refField = new("ref", false);
    private readonly DataField<string> _altField = new("alt", false);
    private readonly DataField<int> _distField = new("dist", false);
    private readonly DataField<float>[] _tissueFields;
    private readonly FileStream _stream;
    private readonly ParquetWriter _writer;
    private readonly long[] _pos;
    private readonly int[] _dist;
    private readonly string[] _ref;
    private readonly string[] _alt;
    private readonly float[][] _effects;
    private int _buffered;
    private bool _completed;
    private bool _disposed;

    public EffectsParquetWriter(string path, string gene, string chrom, IReadOnlyList<string> tissues, int rowGroupRows)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rowGroupRows, 1);
        CheckTissueNames(tissues);
        _gene = gene;
        _chrom = chrom;
        _tissueCount = tissues.Count;
        _rowGroupRows = rowGroupRows;
        _tissueFields = tissues.Select(t => new DataField<float>(t, false)).ToArray();
        var schema = new ParquetSchema(
            new Field[] { _geneField, _chromField, _posField, _refField, _altField, _distField }.Concat(_tissueFields));
        _pos = new long[rowGroupRows];
        _dist = new int[rowGroupRows];
        _ref = new string[rowGroupRows];
        _alt = new string[rowGroupRows];
        _effects = new float[_tissueCount][];
        for (int t = 0; t < _tissueCount; t++) _effects[t] = new float[rowGroupRows];
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

    /// <summary>
    /// Appends n = <paramref name="mutations"/>.Length rows; <paramref name="effects"/> is [n, tissues] row-major.
    /// </summary>
    public void Append(ReadOnlySpan<SaturationMutation> mutations, ReadOnlySpan<int> distances, ReadOnlySpan<float> effects)
    {
        ObjectDisposedException.ThrowIf(_disposed || _completed, this);
        if (distances.Length != mutations.Length || effects.Length != mutations.Length * _tissueCount)
            throw new ArgumentException("mutations, distances and effects disagree on the row count");
        for (int i = 0; i < mutations.Length; i++)
        {
            _pos[_buffered] = mutations[i].Position;
            _dist[_buffered] = distances[i];
            _ref[_buffered] = BaseNames.Of(mutations[i].Ref);
            _alt[_buffered] = BaseNames.Of(mutations[i].Alt);
            ReadOnlySpan<float> row = effects.Slice(i * _tissueCount, _tissueCount);
            for (int t = 0; t < _tissueCount; t++) _effects[t][_buffered] = row[t];
            _buffered++;
            Rows++;
            if (_buffered == _rowGroupRows) Flush();
        }
    }

    /// <summary>Writes buffered rows and the footer and flushes the file to disk. The file is then complete.</summary>
    public void Complete()
    {
        ObjectDisposedException.ThrowIf(_disposed || _completed, this);
        // A file with no row group is still valid, but one (possibly empty) group keeps every reader happy.
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
        if (!_completed)
        {
            // Abandoned: close the handle without writing a footer; the caller deletes the temp file.
            _stream.Dispose();
        }
    }

    private void Flush()
    {
        int n = _buffered;
        using (ParquetRowGroupWriter group = _writer.CreateRowGroup())
        {
            ParquetSync.Run(group.WriteAsync(_geneField, Repeat(_gene, n)));
            ParquetSync.Run(group.WriteAsync(_chromField, Repeat(_chrom, n)));
            ParquetSync.Run(group.WriteAsync(_posField, new ReadOnlyMemory<long>(_pos, 0, n)));
            ParquetSync.Run(group.WriteAsync(_refField, new ArraySegment<string>(_ref, 0, n)));
            ParquetSync.Run(group.WriteAsync(_altField, new ArraySegment<string>(_alt, 0, n)));
            ParquetSync.Run(group.WriteAsync(_distField, new ReadOnlyMemory<int>(_dist, 0, n)));
            for (int t = 0; t < _tissueCount; t++)
                ParquetSync.Run(group.WriteAsync(_tissueFields[t], new ReadOnlyMemory<float>(_effects[t], 0, n)));
            group.CompleteValidate();
        }
        _buffered = 0;
    }

    private static string[] Repeat(string value, int n)
    {
        var result = new string[n];
        Array.Fill(result, value);
        return result;
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
