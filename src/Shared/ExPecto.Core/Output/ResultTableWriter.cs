using System.Globalization;
using System.Text;
using Parquet;
using Parquet.Schema;

namespace ExPecto.Core.Output;

/// <summary>Type of a leading (key) column of a result table.</summary>
public enum KeyKind
{
    Text,
    Integer,
}

/// <summary>A leading column of a result table.</summary>
public sealed record KeyColumn(string Name, KeyKind Kind);

/// <summary>
/// A result table — key columns, then one float column per tissue — written as Parquet (path ends in .parquet),
/// TSV (.tsv, .txt) or CSV (.csv), chosen by extension. Written under a hidden temp name and renamed by
/// <see cref="Complete"/>; disposed without completing, it leaves nothing behind. Rows are buffered per Parquet row
/// group, so memory is bounded.
/// </summary>
public sealed class ResultTableWriter : IDisposable
{
    private const int RowGroupRows = 50_000;
    private readonly string _path;
    private readonly string _temp;
    private readonly IReadOnlyList<KeyColumn> _keys;
    private readonly int _values;
    private readonly char? _separator;
    private readonly StreamWriter? _text;
    private readonly FileStream? _stream;
    private readonly ParquetWriter? _parquet;
    private readonly DataField[] _fields = [];
    private readonly List<object[]> _keyRows = [];
    private readonly List<float[]> _valueRows = [];
    private bool _done;

    public ResultTableWriter(string path, IReadOnlyList<KeyColumn> keys, IReadOnlyList<string> valueColumns)
    {
        _path = Path.GetFullPath(path);
        _keys = keys;
        _values = valueColumns.Count;
        string ext = Path.GetExtension(path).ToLowerInvariant();
        _separator = ext switch
        {
            ".parquet" => null,
            ".csv" => ',',
            ".tsv" or ".txt" => '\t',
            _ => throw new InputException(path, null, "output must end in .parquet, .tsv or .csv"),
        };
        var names = keys.Select(k => k.Name).Concat(valueColumns).ToList();
        if (names.Distinct(StringComparer.Ordinal).Count() != names.Count)
            throw new InputException($"output columns repeat a name: {string.Join(", ", names.GroupBy(n => n).Where(g => g.Count() > 1).Select(g => g.Key))}");
        _temp = AtomicFile.TempPathFor(_path);
        _stream = new FileStream(_temp, FileMode.CreateNew, FileAccess.ReadWrite);
        if (_separator is char sep)
        {
            _text = new StreamWriter(_stream, new UTF8Encoding(false), 1 << 16);
            _text.NewLine = "\n";
            _text.WriteLine(string.Join(sep, names.Select(n => Quote(n, sep))));
        }
        else
        {
            _fields = keys.Select(k => k.Kind == KeyKind.Text ? (DataField)new DataField<string>(k.Name, false) : new DataField<long>(k.Name, false))
                .Concat(valueColumns.Select(v => (DataField)new DataField<float>(v, false))).ToArray();
            _parquet = ParquetSync.Run(ParquetWriter.CreateAsync(new ParquetSchema(_fields), _stream, ParquetSync.Options));
        }
    }

    public long Rows { get; private set; }

    /// <summary>Appends a row: <paramref name="keys"/> (string or long per key column), then the values.</summary>
    public void Append(object[] keys, ReadOnlySpan<float> values)
    {
        if (keys.Length != _keys.Count || values.Length != _values)
            throw new ArgumentException($"expected {_keys.Count} keys and {_values} values");
        Rows++;
        if (_text is not null)
        {
            char sep = _separator!.Value;
            var sb = new StringBuilder();
            for (int i = 0; i < keys.Length; i++)
            {
                if (i > 0) sb.Append(sep);
                sb.Append(keys[i] is string s ? Quote(s, sep) : Convert.ToString(keys[i], CultureInfo.InvariantCulture));
            }
            foreach (float v in values)
                sb.Append(sep).Append(v.ToString("R", CultureInfo.InvariantCulture));
            _text.WriteLine(sb.ToString());
            return;
        }
        _keyRows.Add(keys);
        _valueRows.Add(values.ToArray());
        if (_keyRows.Count == RowGroupRows) FlushGroup();
    }

    /// <summary>Finishes the file and renames it to its final name.</summary>
    public void Complete()
    {
        if (_text is not null)
        {
            _text.Flush();
        }
        else
        {
            if (_keyRows.Count > 0 || Rows == 0) FlushGroup();
            ParquetSync.Run(_parquet!.DisposeAsync());
        }
        _stream!.Flush(flushToDisk: true);
        _stream.Dispose();
        AtomicFile.Commit(_temp, _path);
        _done = true;
    }

    public void Dispose()
    {
        if (_done) return;
        _done = true;
        try { _text?.Dispose(); } catch (IOException) { }
        _stream?.Dispose();
        AtomicFile.TryDelete(_temp);
    }

    private void FlushGroup()
    {
        int n = _keyRows.Count;
        using (var group = _parquet!.CreateRowGroup())
        {
            for (int k = 0; k < _keys.Count; k++)
            {
                if (_keys[k].Kind == KeyKind.Text)
                    ParquetSync.Run(group.WriteAsync((DataField<string>)_fields[k], _keyRows.Select(r => (string)r[k]).ToArray()));
                else
                    ParquetSync.Run(group.WriteAsync((DataField<long>)_fields[k], new ReadOnlyMemory<long>(_keyRows.Select(r => Convert.ToInt64(r[k], CultureInfo.InvariantCulture)).ToArray())));
            }
            for (int v = 0; v < _values; v++)
            {
                var col = new float[n];
                for (int r = 0; r < n; r++) col[r] = _valueRows[r][v];
                ParquetSync.Run(group.WriteAsync((DataField<float>)_fields[_keys.Count + v], new ReadOnlyMemory<float>(col)));
            }
            group.CompleteValidate();
        }
        _keyRows.Clear();
        _valueRows.Clear();
    }

    private static string Quote(string s, char sep) =>
        sep == ',' && (s.Contains(',') || s.Contains('"') || s.Contains('\n')) ? "\"" + s.Replace("\"", "\"\"") + "\"" : s;
}
