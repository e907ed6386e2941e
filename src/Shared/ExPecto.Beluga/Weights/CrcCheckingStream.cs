using System.IO.Hashing;

namespace ExPecto.Beluga.Weights;

/// <summary>
/// A read-only pass-through that keeps the CRC-32 of the bytes read. ZipArchive does not check the CRC of a record
/// that is read exactly to its length (as the storage decoder does), so a flipped byte in a stored weight record
/// would otherwise load silently.
/// </summary>
internal sealed class CrcCheckingStream(Stream inner) : Stream
{
    private readonly Crc32 _crc = new();

    public uint Crc => _crc.GetCurrentHashAsUInt32();

    public long BytesRead { get; private set; }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        int n = inner.Read(buffer);
        _crc.Append(buffer[..n]);
        BytesRead += n;
        return n;
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => BytesRead; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) inner.Dispose();
        base.Dispose(disposing);
    }
}
