using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;

namespace ExPecto.Beluga.Weights;

/// <summary>
/// Writes an uncompressed ("stored") zip archive the way torch.save lays one out: every record's data starts on a
/// 64-byte boundary (padding in an extra field with id "FB"), so readers may map storages in place. All timestamps
/// are fixed (1980-01-01 00:00), so equal input gives equal bytes. No zip64: archives stay under 4 GiB.
/// </summary>
internal sealed class StoredZipWriter(Stream output)
{
    private const int Alignment = 64;
    private const ushort DosTime = 0;
    private const ushort DosDate = (0 << 9) | (1 << 5) | 1; // 1980-01-01

    private readonly List<(byte[] Name, uint Crc, uint Size, uint Offset, ushort ExtraLength)> _entries = new();
    private long _position;

    public void Add(string name, ReadOnlySpan<byte> data)
    {
        if (_position + data.Length > uint.MaxValue)
            throw new NotSupportedException("zip archives over 4 GiB (zip64) are not written");
        byte[] nameBytes = Encoding.UTF8.GetBytes(name);
        long dataStart = _position + 30 + nameBytes.Length + 4;
        int pad = (int)((Alignment - dataStart % Alignment) % Alignment);
        ushort extraLength = (ushort)(4 + pad);
        uint crc = Crc32.HashToUInt32(data);

        Span<byte> header = stackalloc byte[30];
        BinaryPrimitives.WriteUInt32LittleEndian(header, 0x04034b50);
        BinaryPrimitives.WriteUInt16LittleEndian(header[4..], 20); // version needed
        BinaryPrimitives.WriteUInt16LittleEndian(header[6..], 0); // flags
        BinaryPrimitives.WriteUInt16LittleEndian(header[8..], 0); // stored
        BinaryPrimitives.WriteUInt16LittleEndian(header[10..], DosTime);
        BinaryPrimitives.WriteUInt16LittleEndian(header[12..], DosDate);
        BinaryPrimitives.WriteUInt32LittleEndian(header[14..], crc);
        BinaryPrimitives.WriteUInt32LittleEndian(header[18..], (uint)data.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(header[22..], (uint)data.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(header[26..], (ushort)nameBytes.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(header[28..], extraLength);
        uint offset = (uint)_position;
        Write(header);
        Write(nameBytes);
        Span<byte> extra = stackalloc byte[extraLength];
        extra.Fill((byte)'Z');
        BinaryPrimitives.WriteUInt16LittleEndian(extra, 0x4246); // "FB"
        BinaryPrimitives.WriteUInt16LittleEndian(extra[2..], (ushort)pad);
        Write(extra);
        Write(data);
        _entries.Add((nameBytes, crc, (uint)data.Length, offset, extraLength));
    }

    /// <summary>Writes the central directory and the end record.</summary>
    public void Finish()
    {
        long directoryStart = _position;
        Span<byte> record = stackalloc byte[46];
        foreach (var e in _entries)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(record, 0x02014b50);
            BinaryPrimitives.WriteUInt16LittleEndian(record[4..], 20); // version made by (MS-DOS, 2.0)
            BinaryPrimitives.WriteUInt16LittleEndian(record[6..], 20); // version needed
            BinaryPrimitives.WriteUInt16LittleEndian(record[8..], 0);
            BinaryPrimitives.WriteUInt16LittleEndian(record[10..], 0);
            BinaryPrimitives.WriteUInt16LittleEndian(record[12..], DosTime);
            BinaryPrimitives.WriteUInt16LittleEndian(record[14..], DosDate);
            BinaryPrimitives.WriteUInt32LittleEndian(record[16..], e.Crc);
            BinaryPrimitives.WriteUInt32LittleEndian(record[20..], e.Size);
            BinaryPrimitives.WriteUInt32LittleEndian(record[24..], e.Size);
            BinaryPrimitives.WriteUInt16LittleEndian(record[28..], (ushort)e.Name.Length);
            BinaryPrimitives.WriteUInt16LittleEndian(record[30..], 0); // no extra field here
            BinaryPrimitives.WriteUInt16LittleEndian(record[32..], 0); // comment
            BinaryPrimitives.WriteUInt16LittleEndian(record[34..], 0); // disk
            BinaryPrimitives.WriteUInt16LittleEndian(record[36..], 0); // internal attributes
            BinaryPrimitives.WriteUInt32LittleEndian(record[38..], 0); // external attributes
            BinaryPrimitives.WriteUInt32LittleEndian(record[42..], e.Offset);
            Write(record);
            Write(e.Name);
        }
        long directorySize = _position - directoryStart;
        if (_position > uint.MaxValue || _entries.Count > ushort.MaxValue)
            throw new NotSupportedException("zip archives over 4 GiB or 65,535 records (zip64) are not written");

        Span<byte> end = stackalloc byte[22];
        BinaryPrimitives.WriteUInt32LittleEndian(end, 0x06054b50);
        BinaryPrimitives.WriteUInt16LittleEndian(end[4..], 0);
        BinaryPrimitives.WriteUInt16LittleEndian(end[6..], 0);
        BinaryPrimitives.WriteUInt16LittleEndian(end[8..], (ushort)_entries.Count);
        BinaryPrimitives.WriteUInt16LittleEndian(end[10..], (ushort)_entries.Count);
        BinaryPrimitives.WriteUInt32LittleEndian(end[12..], (uint)directorySize);
        BinaryPrimitives.WriteUInt32LittleEndian(end[16..], (uint)directoryStart);
        BinaryPrimitives.WriteUInt16LittleEndian(end[20..], 0);
        Write(end);
    }

    private void Write(ReadOnlySpan<byte> bytes)
    {
        output.Write(bytes);
        _position += bytes.Length;
    }
}
