using ExPecto.Core.Output;
using System.Buffers.Binary;
using System.IO.Compression;

namespace ExPecto.Core.Genome;

/// <summary>
/// Writes BGZF (blocked gzip, readable by <c>bgzip</c>, <c>samtools</c> and any gzip reader): blocks of at most
/// <see cref="BgzfReader.MaxBlockDataSize"/> uncompressed bytes, ending with the standard empty EOF block on dispose.
/// Records every block start for a samtools <c>.gzi</c> (<see cref="WriteGzi(Stream)"/>, after disposing).
/// Not thread-safe.
/// </summary>
public sealed class BgzfWriter : Stream
{
    private static readonly byte[] EofBlock =
    [
        0x1f, 0x8b, 0x08, 0x04, 0, 0, 0, 0, 0, 0xff, 0x06, 0, 0x42, 0x43, 0x02, 0, 0x1b, 0, 0x03, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    ];

    private readonly Stream _output;
    private readonly bool _leaveOpen;
    private readonly CompressionLevel _level;
    private readonly byte[] _buffer = new byte[BgzfReader.MaxBlockDataSize];
    private readonly List<(long Compressed, long Uncompressed)> _blockStarts = [];
    private int _buffered;
    private long _compressed;
    private long _uncompressed;
    private bool _finished;

    /// <param name="output">Receives the compressed bytes; offsets in the index count from where it stands now.</param>
    public BgzfWriter(Stream output, bool leaveOpen = false, CompressionLevel level = CompressionLevel.Optimal)
    {
        _output = output;
        _leaveOpen = leaveOpen;
        _level = level;
    }

    /// <summary>Uncompressed bytes written so far (the uncompressed offset of the next byte).</summary>
    public long UncompressedPosition => _uncompressed + _buffered;

    /// <summary>
    /// (compressed, uncompressed) offsets of every block start after the first, the EOF block included: exactly the
    /// entries of a samtools <c>.gzi</c>. Complete once the writer is disposed.
    /// </summary>
    public IReadOnlyList<(long Compressed, long Uncompressed)> BlockStarts => _blockStarts;

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => !_finished;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => UncompressedPosition; set => throw new NotSupportedException(); }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> data)
    {
        ObjectDisposedException.ThrowIf(_finished, this);
        while (!data.IsEmpty)
        {
            int n = Math.Min(data.Length, _buffer.Length - _buffered);
            data[..n].CopyTo(_buffer.AsSpan(_buffered));
            _buffered += n;
            data = data[n..];
            if (_buffered == _buffer.Length)
                FlushBlock();
        }
    }

    public override void WriteByte(byte value) => Write([value]);

    /// <summary>Ends the current block now (if it holds data), so the next byte starts a new block.</summary>
    public void FlushBlock()
    {
        if (_buffered == 0)
            return;
        ReadOnlySpan<byte> data = _buffer.AsSpan(0, _buffered);
        byte[] cdata = Deflate(data, _level);
        if (cdata.Length > 65536 - 26)
            cdata = Deflate(data, CompressionLevel.NoCompression);
        WriteBlock(cdata, Crc32.Compute(data), _buffered);
        _uncompressed += _buffered;
        _buffered = 0;
    }

    private void WriteBlock(ReadOnlySpan<byte> cdata, uint crc, int isize)
    {
        if (_compressed > 0)
            _blockStarts.Add((_compressed, _uncompressed));
        int blockSize = 18 + cdata.Length + 8;
        Span<byte> header = stackalloc byte[18];
        EofBlock.AsSpan(0, 16).CopyTo(header);
        BinaryPrimitives.WriteUInt16LittleEndian(header[16..], (ushort)(blockSize - 1));
        Span<byte> trailer = stackalloc byte[8];
        BinaryPrimitives.WriteUInt32LittleEndian(trailer, crc);
        BinaryPrimitives.WriteUInt32LittleEndian(trailer[4..], (uint)isize);
        _output.Write(header);
        _output.Write(cdata);
        _output.Write(trailer);
        _compressed += blockSize;
    }

    private static byte[] Deflate(ReadOnlySpan<byte> data, CompressionLevel level)
    {
        var ms = new MemoryStream();
        using (var deflate = new DeflateStream(ms, level, leaveOpen: true))
            deflate.Write(data);
        return ms.ToArray();
    }

    /// <summary>Writes the last block and the EOF marker block; flushes the output.</summary>
    public void Finish()
    {
        if (_finished)
            return;
        FlushBlock();
        if (_compressed > 0)
            _blockStarts.Add((_compressed, _uncompressed));
        _output.Write(EofBlock);
        _compressed += EofBlock.Length;
        _output.Flush();
        _finished = true;
    }

    /// <summary>Writes the samtools <c>.gzi</c> (little-endian u64 count, then u64 pairs) for a finished writer.</summary>
    public void WriteGzi(Stream destination)
    {
        if (!_finished)
            throw new InvalidOperationException("finish (dispose) the BGZF writer before writing its .gzi");
        Span<byte> buf = stackalloc byte[16];
        BinaryPrimitives.WriteUInt64LittleEndian(buf, (ulong)_blockStarts.Count);
        destination.Write(buf[..8]);
        foreach (var (c, u) in _blockStarts)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(buf, (ulong)c);
            BinaryPrimitives.WriteUInt64LittleEndian(buf[8..], (ulong)u);
            destination.Write(buf);
        }
    }

    /// <summary>Writes the <c>.gzi</c> to a temp name beside <paramref name="gziPath"/>, then renames it.</summary>
    public void WriteGzi(string gziPath)
    {
        var ms = new MemoryStream();
        WriteGzi(ms);
        AtomicFile.WriteAllBytes(gziPath, ms.GetBuffer().AsSpan(0, (int)ms.Length));
    }

    public override void Flush() => _output.Flush();
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Finish();
            if (!_leaveOpen)
                _output.Dispose();
        }
        base.Dispose(disposing);
    }
}
