using System.Security.Cryptography;
using System.Text;

namespace ExPecto.Protocol.Processing;

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

    public static string FileSha256(string path) => ExPecto.Core.Output.AtomicFile.Sha256(path);
}
