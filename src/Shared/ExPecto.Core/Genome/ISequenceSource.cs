namespace ExPecto.Core.Genome;

/// <summary>Random access to the uncompressed bytes of a FASTA file. Implementations are thread-safe.</summary>
internal interface ISequenceSource : IDisposable
{
    /// <summary>Uncompressed length in bytes.</summary>
    long Length { get; }

    /// <summary>Fills <paramref name="dest"/> from uncompressed <paramref name="offset"/>; returns the bytes read (fewer only at the end).</summary>
    int ReadAt(long offset, Span<byte> dest);

    /// <summary>A fresh sequential stream over the uncompressed bytes (for building a .fai).</summary>
    Stream OpenSequential();
}

/// <summary>A plain file read with positional reads, which need no lock.</summary>
internal sealed class PlainSource : ISequenceSource
{
    private readonly string _path;
    private readonly Microsoft.Win32.SafeHandles.SafeFileHandle _handle;

    public PlainSource(string path)
    {
        _path = path;
        _handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.RandomAccess);
        Length = RandomAccess.GetLength(_handle);
    }

    public long Length { get; }

    public int ReadAt(long offset, Span<byte> dest)
    {
        int total = 0;
        while (total < dest.Length)
        {
            int n = RandomAccess.Read(_handle, dest[total..], offset + total);
            if (n == 0)
                break;
            total += n;
        }
        return total;
    }

    public Stream OpenSequential() => new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);

    public void Dispose() => _handle.Dispose();
}
