using System.IO.Compression;
using System.Text;

namespace ExPecto.Core;

/// <summary>
/// Opens a text input that may be plain, gzip or BGZF (told apart by the gzip magic bytes, not the extension;
/// gzip readers accept BGZF's concatenated members). A UTF-8 byte-order mark is dropped; CRLF and LF both end lines.
/// </summary>
internal static class TextInput
{
    public static StreamReader Open(string path)
    {
        if (!File.Exists(path))
            throw new InputException(path, null, "file not found");
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        try
        {
            Span<byte> magic = stackalloc byte[2];
            int n = file.Read(magic);
            file.Position = 0;
            Stream s = n == 2 && magic[0] == 0x1f && magic[1] == 0x8b ? new GZipStream(file, CompressionMode.Decompress) : file;
            return new StreamReader(s, new UTF8Encoding(false), detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>Lines with their 1-based numbers; a corrupt or truncated gzip stream becomes an InputException.</summary>
    public static IEnumerable<(long Number, string Text)> ReadLines(string path)
    {
        using StreamReader reader = Open(path);
        long lineNo = 0;
        while (true)
        {
            string? line;
            try
            {
                line = reader.ReadLine();
            }
            catch (InvalidDataException ex)
            {
                throw new InputException(path, lineNo + 1, $"compressed data is corrupt or truncated ({ex.Message})", ex);
            }
            if (line is null)
                yield break;
            lineNo++;
            yield return (lineNo, line);
        }
    }
}
