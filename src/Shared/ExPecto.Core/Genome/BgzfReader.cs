using System.Buffers.Binary;
using System.IO.Compression;
using Microsoft.Win32.SafeHandles;

namespace ExPecto.Core.Genome;

/// <summary>
/// Random access to a BGZF file (blocked gzip, as bgzip writes it) by uncompressed offset. Block starts come from
/// the samtools <c>.gzi</c> when there is one, else from a scan of the block headers. Each block is inflated with
/// <see cref="DeflateStream"/>, checked (ISIZE, CRC-32) and kept in a small LRU cache.
/// Thread-safe: file reads are positional and the cache is locked.
/// </summary>
public sealed class BgzfReader : IDisposable
{
    /// <summary>bgzip's block payload: 0xff00 bytes, so that even incompressible data fits a 64 KiB block.</summary>
    public const int MaxBlockDataSize = 0xff00;

    private const int CacheSlots = 32;
    private readonly SafeFileHandle _handle;
    private readonly long _fileLength;
    private readonly long[] _compStart;   // block i starts at compressed _compStart[i] ...
    private readonly long[] _uncompStart; // ... and holds uncompressed [_uncompStart[i], _uncompStart[i+1])
    private readonly object _cacheLock = new();
    private readonly int[] _cacheBlock = new int[CacheSlots];
    private readonly byte[]?[] _cacheData = new byte[CacheSlots][];
    private readonly long[] _cacheStamp = new long[CacheSlots];
    private long _clock;

    /// <summary>The BGZF file path, named in errors.</summary>
    public string Path { get; }

    /// <summary>Uncompressed length in bytes.</summary>
    public long Length { get; }

    /// <summary>Number of BGZF blocks (the empty EOF block included).</summary>
    public int BlockCount => _compStart.Length;

    /// <summary>Opens <paramref name="path"/>, using <paramref name="gziPath"/> (samtools naming: path + ".gzi") when it exists.</summary>
    public BgzfReader(string path, string? gziPath = null)
    {
        Path = path;
        Array.Fill(_cacheBlock, -1);
        _handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.RandomAccess);
        try
        {
            _fileLength = RandomAccess.GetLength(_handle);
            if (!IsBgzf(_handle, out string why))
                throw new InputException(path, null, why);
            gziPath ??= path + ".gzi";
            List<(long Comp, long Uncomp)> blocks = File.Exists(gziPath) ? ReadGzi(gziPath) : ScanBlocks();
            // Walk the blocks after the last listed start to find the uncompressed end (usually just the EOF block).
            long comp = blocks[^1].Comp, uncomp = blocks[^1].Uncomp;
            while (comp < _fileLength)
            {
                var (size, isize) = ReadHeader(comp);
                comp += size;
                uncomp += isize;
                if (comp < _fileLength)
                    blocks.Add((comp, uncomp));
            }
            Length = uncomp;
            _compStart = blocks.Select(b => b.Comp).ToArray();
            _uncompStart = blocks.Select(b => b.Uncomp).Append(uncomp).ToArray();
        }
        catch
        {
            _handle.Dispose();
            throw;
        }
    }

    /// <summary>True when the file starts with a gzip member that carries the BGZF 'BC' extra field.</summary>
    public static bool IsBgzf(string path)
    {
        using SafeFileHandle h = File.OpenHandle(path, FileMode.Open, FileAccess.Read);
        return IsBgzf(h, out _);
    }

    private static bool IsBgzf(SafeFileHandle handle, out string why)
    {
        Span<byte> head = stackalloc byte[18];
        int n = RandomAccess.Read(handle, head, 0);
        if (n < 2 || head[0] != 0x1f || head[1] != 0x8b)
        {
            why = "not gzip-compressed (no 1f 8b magic)";
            return false;
        }
        if (n < 18 || (head[3] & 4) == 0 || head[12] != (byte)'B' || head[13] != (byte)'C')
        {
            why = "gzip-compressed but not BGZF (no 'BC' extra field), so it cannot be read at random; recompress it with `bgzip` (or decompress it)";
            return false;
        }
        why = "";
        return true;
    }

    /// <summary>Fills <paramref name="dest"/> from uncompressed <paramref name="offset"/>; returns the bytes read (fewer only at the end).</summary>
    public int ReadAt(long offset, Span<byte> dest)
    {
        int total = 0;
        while (total < dest.Length && offset + total < Length)
        {
            long pos = offset + total;
            int block = BlockOf(pos);
            byte[] data = GetBlock(block);
            int within = (int)(pos - _uncompStart[block]);
            int n = Math.Min(data.Length - within, dest.Length - total);
            data.AsSpan(within, n).CopyTo(dest[total..]);
            total += n;
        }
        return total;
    }

    /// <summary>A sequential stream over the whole uncompressed content (gzip readers accept concatenated members).</summary>
    public Stream OpenSequential() =>
        new GZipStream(new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16), CompressionMode.Decompress);

    private int BlockOf(long pos)
    {
        int i = Array.BinarySearch(_uncompStart, 0, _compStart.Length, pos);
        if (i < 0)
            i = ~i - 1;
        // Empty blocks share their start with the next one; step to the one that holds data.
        while (i + 1 < _compStart.Length && _uncompStart[i + 1] <= pos)
            i++;
        return i;
    }

    private byte[] GetBlock(int block)
    {
        lock (_cacheLock)
        {
            for (int s = 0; s < CacheSlots; s++)
            {
                if (_cacheBlock[s] == block)
                {
                    _cacheStamp[s] = ++_clock;
                    return _cacheData[s]!;
                }
            }
        }
        byte[] data = Inflate(block);
        lock (_cacheLock)
        {
            int victim = 0;
            for (int s = 1; s < CacheSlots; s++)
            {
                if (_cacheStamp[s] < _cacheStamp[victim])
                    victim = s;
            }
            _cacheBlock[victim] = block;
            _cacheData[victim] = data;
            _cacheStamp[victim] = ++_clock;
        }
        return data;
    }

    private byte[] Inflate(int block)
    {
        long at = _compStart[block];
        var (size, isize) = ReadHeader(at);
        int expected = (int)(_uncompStart[block + 1] - _uncompStart[block]);
        if (isize != expected)
            throw Broken(at, $"holds {isize} uncompressed bytes but the index (.gzi) says {expected}; the index does not match the file");
        byte[] raw = new byte[size];
        if (RandomAccess.Read(_handle, raw, at) != size)
            throw Broken(at, "is truncated");
        int xlen = BinaryPrimitives.ReadUInt16LittleEndian(raw.AsSpan(10));
        int cdataStart = 12 + xlen, cdataLength = size - cdataStart - 8;
        if (cdataLength < 0)
            throw Broken(at, $"block size {size} is too small for its header");
        uint crc = BinaryPrimitives.ReadUInt32LittleEndian(raw.AsSpan(size - 8));
        byte[] data = new byte[isize];
        try
        {
            using var deflate = new DeflateStream(new MemoryStream(raw, cdataStart, cdataLength), CompressionMode.Decompress);
            int got = 0, n;
            while (got < isize && (n = deflate.Read(data, got, isize - got)) > 0)
                got += n;
            if (got != isize)
                throw Broken(at, $"inflates to {got} bytes, its ISIZE says {isize}");
        }
        catch (InvalidDataException ex)
        {
            throw Broken(at, $"has corrupt deflate data ({ex.Message})", ex);
        }
        if (Crc32.Compute(data) != crc)
            throw Broken(at, "fails its CRC-32 check (corrupt data)");
        return data;
    }

    /// <summary>Reads and checks the header of the block at <paramref name="at"/>: its total size and ISIZE.</summary>
    private (int Size, int ISize) ReadHeader(long at)
    {
        Span<byte> head = stackalloc byte[12];
        if (RandomAccess.Read(_handle, head, at) < 12)
            throw Broken(at, "is truncated (the file ends inside the block header)");
        if (head[0] != 0x1f || head[1] != 0x8b || head[2] != 8 || (head[3] & 4) == 0)
            throw Broken(at, "does not start with a BGZF header (1f 8b 08 04)");
        int xlen = BinaryPrimitives.ReadUInt16LittleEndian(head[10..]);
        byte[] extra = new byte[xlen];
        if (RandomAccess.Read(_handle, extra, at + 12) < xlen)
            throw Broken(at, "is truncated (the file ends inside the block header)");
        int bsize = -1;
        for (int p = 0; p + 4 <= xlen;)
        {
            int slen = BinaryPrimitives.ReadUInt16LittleEndian(extra.AsSpan(p + 2));
            if (extra[p] == (byte)'B' && extra[p + 1] == (byte)'C' && slen == 2 && p + 6 <= xlen)
                bsize = BinaryPrimitives.ReadUInt16LittleEndian(extra.AsSpan(p + 4)) + 1;
            p += 4 + slen;
        }
        if (bsize < 0)
            throw Broken(at, "has no 'BC' extra field (not BGZF)");
        if (at + bsize > _fileLength)
            throw Broken(at, $"is truncated: the block is {bsize} bytes but the file ends {_fileLength - at} bytes after its start");
        Span<byte> isizeBytes = stackalloc byte[4];
        RandomAccess.Read(_handle, isizeBytes, at + bsize - 4);
        uint isize = BinaryPrimitives.ReadUInt32LittleEndian(isizeBytes);
        if (isize > 65536)
            throw Broken(at, $"claims {isize} uncompressed bytes, more than a BGZF block can hold");
        return (bsize, (int)isize);
    }

    private List<(long Comp, long Uncomp)> ScanBlocks()
    {
        var blocks = new List<(long, long)> { (0, 0) };
        long comp = 0, uncomp = 0;
        while (comp < _fileLength)
        {
            var (size, isize) = ReadHeader(comp);
            comp += size;
            uncomp += isize;
            if (comp < _fileLength)
                blocks.Add((comp, uncomp));
        }
        return blocks;
    }

    private List<(long Comp, long Uncomp)> ReadGzi(string gziPath)
    {
        byte[] bytes = File.ReadAllBytes(gziPath);
        if (bytes.Length < 8)
            throw new InputException(gziPath, null, $"a .gzi needs an 8-byte entry count, the file has {bytes.Length} bytes");
        ulong count = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        if ((ulong)(bytes.Length - 8) != count * 16)
            throw new InputException(gziPath, null, $"the .gzi header says {count} entries ({8 + (long)count * 16} bytes), the file has {bytes.Length} bytes");
        var blocks = new List<(long, long)>((int)count + 1) { (0, 0) };
        for (int i = 0; i < (int)count; i++)
        {
            long c = (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(8 + 16 * i));
            long u = (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(16 + 16 * i));
            var (pc, pu) = blocks[^1];
            if (c >= _fileLength)
                throw new InputException(Path, null,
                    $"the file is {_fileLength} bytes but its .gzi lists a BGZF block at compressed offset {c}: the file is truncated (or {gziPath} is not its index)");
            if (c <= pc || u < pu)
                throw new InputException(gziPath, null,
                    $"entry {i} (compressed {c}, uncompressed {u}) is out of order; the .gzi is corrupt");
            blocks.Add((c, u));
        }
        return blocks;
    }

    private InputException Broken(long at, string what, Exception? inner = null) =>
        new(Path, null, $"BGZF block at compressed offset {at} {what}", inner);

    public void Dispose() => _handle.Dispose();
}

internal sealed class BgzfSource(BgzfReader reader) : ISequenceSource
{
    public long Length => reader.Length;
    public int ReadAt(long offset, Span<byte> dest) => reader.ReadAt(offset, dest);
    public Stream OpenSequential() => reader.OpenSequential();
    public void Dispose() => reader.Dispose();
}
