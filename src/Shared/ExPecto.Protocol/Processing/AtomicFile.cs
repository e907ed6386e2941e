using System.Security.Cryptography;
using System.Text;

namespace ExPecto.Protocol.Processing;

/// <summary>Files that never look complete while half-written: write to a temp name in the same folder, then rename.</summary>
public static class AtomicFile
{
    /// <exception cref="IOException">The file could not be written (folder blocked, disk full, …); the message names the path.</exception>
    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
    {
        string dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        // Unique temp name: two attempts of one gene may overlap (a lease re-issued while the old worker still runs).
        string tmp = Path.Combine(dir, $".{Path.GetFileName(path)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            Directory.CreateDirectory(dir);
            using (var fs = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                fs.Write(bytes);
                fs.Flush(flushToDisk: true);
            }
            File.Move(tmp, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // One clear line for the gene's error: which file, and why; no half-written temp left behind.
            try { File.Delete(tmp); } catch (Exception d) when (d is IOException or UnauthorizedAccessException) { }
            throw new IOException($"cannot write {path}: {e.Message.ReplaceLineEndings(" ")}", e);
        }
    }

    public static void WriteAllText(string path, string text) => WriteAllBytes(path, Encoding.UTF8.GetBytes(text));

    /// <summary>
    /// Removes temp files this class left behind (a writer killed between create and rename) under a folder.
    /// Only for a job whose genes are all settled: no legitimate writer is active then.
    /// </summary>
    public static int RemoveStaleTemps(string dir)
    {
        if (!Directory.Exists(dir)) return 0;
        int removed = 0;
        foreach (string f in Directory.EnumerateFiles(dir, ".*.tmp", SearchOption.AllDirectories))
        {
            try
            {
                File.Delete(f);
                removed++;
            }
            catch (IOException)
            {
            }
        }
        return removed;
    }

    /// <summary>Writes only when the content differs, so a re-run over a finished folder changes no file.</summary>
    public static bool WriteIfChanged(string path, ReadOnlySpan<byte> bytes)
    {
        if (File.Exists(path) && File.ReadAllBytes(path).AsSpan().SequenceEqual(bytes))
            return false;
        WriteAllBytes(path, bytes);
        return true;
    }
}

/// <summary>The checksum of a gene's output: SHA-256 over "path\0sha256(file)\n" for each file in the given order.</summary>
public static class OutputChecksum
{
    public static string Compute(string outputDir, IReadOnlyList<string> relativeFiles)
    {
        var sb = new StringBuilder();
        foreach (string rel in relativeFiles)
            sb.Append(rel).Append('\0').Append(FileSha256(Path.Combine(outputDir, rel))).Append('\n');
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sb.ToString())));
    }

    public static string FileSha256(string path)
    {
        using var fs = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(fs));
    }
}
