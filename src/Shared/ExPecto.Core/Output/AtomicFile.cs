using System.Security.Cryptography;

namespace ExPecto.Core.Output;

/// <summary>
/// Temp-then-rename: a file is written under a hidden temp name in its final folder (same file system, so the rename
/// is atomic) and only renamed once complete and flushed to disk. Temp names are unique per writer, so two workers
/// racing on the same gene never write into one file; the last rename wins with identical content.
/// </summary>
public static class AtomicFile
{
    private const string TempSuffix = ".tmp";

    /// <summary>A fresh temp path beside <paramref name="finalPath"/>: ".&lt;name&gt;.&lt;random&gt;.tmp".</summary>
    public static string TempPathFor(string finalPath)
    {
        string dir = Path.GetDirectoryName(Path.GetFullPath(finalPath))!;
        Directory.CreateDirectory(dir);
        return Path.Combine(dir, $".{Path.GetFileName(finalPath)}.{Guid.NewGuid():N}{TempSuffix}");
    }

    /// <summary>Whether a file name is one of ours in progress (or left behind by a crash).</summary>
    public static bool IsTempName(string fileName) =>
        fileName.StartsWith('.') && fileName.EndsWith(TempSuffix, StringComparison.Ordinal);

    /// <summary>Renames a finished temp file to its final name, replacing any older copy.</summary>
    public static void Commit(string tempPath, string finalPath) => File.Move(tempPath, finalPath, overwrite: true);

    /// <summary>Deletes a temp file, ignoring one that is already gone (clean-up after a failure).</summary>
    public static void TryDelete(string tempPath)
    {
        try
        {
            File.Delete(tempPath);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>Writes bytes atomically.</summary>
    /// <exception cref="IOException">The file could not be written (folder blocked, disk full, no permission); the
    /// message names the path and the reason on one line, and no temp file is left behind.</exception>
    public static void WriteAllBytes(string finalPath, ReadOnlySpan<byte> content)
    {
        string? temp = null;
        try
        {
            temp = TempPathFor(finalPath);
            using (var fs = new FileStream(temp, FileMode.CreateNew, FileAccess.Write))
            {
                fs.Write(content);
                fs.Flush(flushToDisk: true);
            }
            Commit(temp, finalPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            if (temp is not null) TryDelete(temp);
            throw new IOException($"cannot write {finalPath}: {e.Message.ReplaceLineEndings(" ")}", e);
        }
    }

    /// <summary>Writes UTF-8 text (no BOM) atomically.</summary>
    public static void WriteAllText(string finalPath, string text) => WriteAllBytes(finalPath, System.Text.Encoding.UTF8.GetBytes(text));

    /// <summary>Writes only when the content differs, so a re-run over a finished folder changes no file.</summary>
    public static bool WriteIfChanged(string finalPath, ReadOnlySpan<byte> content)
    {
        if (File.Exists(finalPath) && File.ReadAllBytes(finalPath).AsSpan().SequenceEqual(content))
            return false;
        WriteAllBytes(finalPath, content);
        return true;
    }

    /// <summary>SHA-256 of a file's bytes, lower-case hex.</summary>
    public static string Sha256(string path)
    {
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        return Convert.ToHexStringLower(SHA256.HashData(fs));
    }

    /// <summary>
    /// Deletes temp files under <paramref name="root"/> last written before <paramref name="olderThanUtc"/>: leftovers
    /// of crashed writers. Only call where no other process may be writing the same dataset right now.
    /// </summary>
    public static int DeleteStaleTempFiles(string root, DateTime olderThanUtc)
    {
        if (!Directory.Exists(root)) return 0;
        int deleted = 0;
        foreach (string path in Directory.EnumerateFiles(root, ".*" + TempSuffix, SearchOption.AllDirectories))
        {
            if (IsTempName(Path.GetFileName(path)) && File.GetLastWriteTimeUtc(path) < olderThanUtc)
            {
                TryDelete(path);
                deleted++;
            }
        }
        return deleted;
    }
}
