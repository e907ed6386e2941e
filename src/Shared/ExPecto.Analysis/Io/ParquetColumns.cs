using ExPecto.Core;
using Parquet;
using Parquet.Schema;

namespace ExPecto.Analysis.Io;

/// <summary>
/// Reads whole Parquet columns into plain arrays whatever their physical numeric type or nullability, so the readers
/// accept files written by other tools (pyarrow writes nullable columns, Parquet.Net non-nullable ones).
/// Nulls become NaN (numbers) or an <see cref="InputException"/> (strings and integers).
/// </summary>
internal static class ParquetColumns
{
    public static DataField Require(ParquetSchema schema, string name, string path)
    {
        var field = schema.GetDataFields().FirstOrDefault(f => f.Name == name);
        return field ?? throw new InputException(path, null,
            $"expected a column '{name}', found columns {string.Join(", ", schema.GetDataFields().Select(f => f.Name))}");
    }

    public static async Task<double[]> ReadDoublesAsync(ParquetRowGroupReader rg, DataField field, string path)
    {
        int n = checked((int)rg.RowCount);
        Type t = field.ClrType;
        if (t == typeof(double)) return field.IsNullable ? Map(await ReadNullable<double>(rg, field, n), v => v ?? double.NaN) : await Read<double>(rg, field, n);
        if (t == typeof(float)) return field.IsNullable ? Map(await ReadNullable<float>(rg, field, n), v => v ?? double.NaN) : Map(await Read<float>(rg, field, n), v => (double)v);
        if (t == typeof(int)) return field.IsNullable ? Map(await ReadNullable<int>(rg, field, n), v => v ?? double.NaN) : Map(await Read<int>(rg, field, n), v => (double)v);
        if (t == typeof(long)) return field.IsNullable ? Map(await ReadNullable<long>(rg, field, n), v => v ?? double.NaN) : Map(await Read<long>(rg, field, n), v => (double)v);
        throw new InputException(path, null, $"column '{field.Name}': expected a numeric column, found {t.Name}");
    }

    public static async Task<float[]> ReadFloatsAsync(ParquetRowGroupReader rg, DataField field, string path)
    {
        if (field.ClrType == typeof(float) && !field.IsNullable) return await Read<float>(rg, field, checked((int)rg.RowCount));
        return Map(await ReadDoublesAsync(rg, field, path), v => (float)v);
    }

    public static async Task<long[]> ReadLongsAsync(ParquetRowGroupReader rg, DataField field, string path)
    {
        var d = await ReadDoublesAsync(rg, field, path);
        var result = new long[d.Length];
        for (int i = 0; i < d.Length; i++)
        {
            if (double.IsNaN(d[i])) throw new InputException(path, null, $"column '{field.Name}' row {i}: expected an integer, found null");
            result[i] = (long)d[i];
        }
        return result;
    }

    public static async Task<string[]> ReadStringsAsync(ParquetRowGroupReader rg, DataField field, string path)
    {
        if (field.ClrType != typeof(string) && field.ClrType != typeof(ReadOnlyMemory<char>))
            throw new InputException(path, null, $"column '{field.Name}': expected a string column, found {field.ClrType.Name}");
        var buffer = new string?[checked((int)rg.RowCount)];
        await rg.ReadAsync(field, buffer.AsMemory()!);
        var result = new string[buffer.Length];
        for (int i = 0; i < buffer.Length; i++)
            result[i] = buffer[i] ?? throw new InputException(path, null, $"column '{field.Name}' row {i}: expected a string, found null");
        return result;
    }

    private static async Task<T[]> Read<T>(ParquetRowGroupReader rg, DataField field, int n) where T : struct
    {
        var buffer = new T[n];
        await rg.ReadAsync(field, buffer.AsMemory());
        return buffer;
    }

    private static async Task<T?[]> ReadNullable<T>(ParquetRowGroupReader rg, DataField field, int n) where T : struct
    {
        var buffer = new T?[n];
        await rg.ReadAsync(field, buffer.AsMemory());
        return buffer;
    }

    private static TOut[] Map<TIn, TOut>(TIn[] source, Func<TIn, TOut> f)
    {
        var result = new TOut[source.Length];
        for (int i = 0; i < source.Length; i++) result[i] = f(source[i]);
        return result;
    }
}

/// <summary>Writes a file under a temporary name in the same folder and renames it into place when complete.</summary>
public static class AtomicFile
{
    public static async Task WriteAsync(string path, Func<Stream, Task> write)
    {
        string full = Path.GetFullPath(path);
        string dir = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(dir);
        string tmp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            await using (var stream = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write))
                await write(stream);
            File.Move(tmp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(tmp)) File.Delete(tmp);
        }
    }

    public static Task WriteAllTextAsync(string path, string text) =>
        WriteAsync(path, async s =>
        {
            await using var w = new StreamWriter(s, new System.Text.UTF8Encoding(false));
            await w.WriteAsync(text);
        });

    public static Task WriteAllBytesAsync(string path, byte[] bytes) =>
        WriteAsync(path, s => s.WriteAsync(bytes).AsTask());
}
