using ExPecto.Core.Mutagenesis;
using Parquet;

namespace ExPecto.Core.Output;

/// <summary>What a complete gene output must match. Null members are not checked.</summary>
/// <param name="Mutations">Expected effects rows (3 per real base of the scan; see <see cref="MutationEnumerator.Count"/>).</param>
/// <param name="Tissues">Expected tissue columns, in order.</param>
public sealed record GeneOutputExpectation(
    string Gene,
    string Chrom,
    int Radius,
    double StrongThreshold,
    int? Mutations = null,
    IReadOnlyList<string>? Tissues = null,
    long? Tss = null,
    int? Strand = null);

/// <summary>The verdict on a gene's files: complete (with the stored result) or not, and why.</summary>
public sealed record GeneOutputCheck(bool IsComplete, string Reason, GeneResult? Result)
{
    public static GeneOutputCheck Incomplete(string reason) => new(false, reason, null);
}

/// <summary>
/// Decides whether a gene's output is complete and valid, so a re-run can skip it: the summary exists, parses and
/// matches the expectation; the effects and strong-effects files exist, have the recorded size, a readable Parquet
/// footer with the recorded row counts and the expected columns, and (optionally) the recorded SHA-256.
/// Never throws for damaged files; it reports them incomplete.
/// </summary>
public static class GeneOutputValidator
{
    public static GeneOutputCheck Check(MutagenesisLayout layout, GeneOutputExpectation expected, bool verifyChecksums = true)
    {
        string summaryPath = layout.Full(MutagenesisLayout.SummaryPath(expected.Gene));
        if (!File.Exists(summaryPath)) return GeneOutputCheck.Incomplete("no summary");
        GeneResult result;
        try
        {
            result = GeneSummaryFile.Read(summaryPath);
        }
        catch (Exception e) when (e is InputException or IOException)
        {
            return GeneOutputCheck.Incomplete($"summary unreadable: {e.Message}");
        }

        string? mismatch = Mismatch(result, expected);
        if (mismatch is not null) return GeneOutputCheck.Incomplete(mismatch);

        string effectsPath = MutagenesisLayout.EffectsPath(expected.Chrom, expected.Gene);
        string strongPath = MutagenesisLayout.StrongEffectsPath(expected.Chrom, expected.Gene);
        if (result.Files.Count != 2 || result.Files[0].Path != effectsPath || result.Files[1].Path != strongPath)
            return GeneOutputCheck.Incomplete("summary lists unexpected files");
        if (result.Files[0].Rows != result.Mutations) return GeneOutputCheck.Incomplete("effects rows ≠ mutations in summary");
        if (result.Files[1].Rows != result.StrongRows) return GeneOutputCheck.Incomplete("strong rows ≠ summary");

        IReadOnlyList<string> effectsColumns =
            [.. EffectsParquetWriter.FixedColumns, .. result.Tissues.Select(t => t.Tissue)];
        foreach (GeneOutputFile file in result.Files)
        {
            string? problem = CheckFile(layout.Full(file.Path), file, file.Path == effectsPath ? effectsColumns : null, verifyChecksums);
            if (problem is not null) return GeneOutputCheck.Incomplete($"{file.Path}: {problem}");
        }
        return new GeneOutputCheck(true, "complete", result);
    }

    private static string? Mismatch(GeneResult r, GeneOutputExpectation e)
    {
        if (r.Gene != e.Gene) return $"summary is for gene {r.Gene}";
        if (r.Chrom != e.Chrom) return $"summary chromosome {r.Chrom} ≠ {e.Chrom}";
        if (r.Radius != e.Radius) return $"summary radius {r.Radius} ≠ {e.Radius}";
        if (r.StrongThreshold != e.StrongThreshold) return $"summary threshold {r.StrongThreshold} ≠ {e.StrongThreshold}";
        if (e.Tss is { } tss && r.Tss != tss) return $"summary TSS {r.Tss} ≠ {tss}";
        if (e.Strand is { } strand && r.Strand != strand) return $"summary strand {r.Strand} ≠ {strand}";
        if (e.Mutations is { } m && r.Mutations != m) return $"summary has {r.Mutations} mutations, expected {m}";
        if (e.Tissues is { } tissues && !tissues.SequenceEqual(r.Tissues.Select(t => t.Tissue), StringComparer.Ordinal))
            return "summary tissues differ from the models'";
        return null;
    }

    private static string? CheckFile(string path, GeneOutputFile recorded, IReadOnlyList<string>? columns, bool verifyChecksum)
    {
        var info = new FileInfo(path);
        if (!info.Exists) return "missing";
        if (info.Length != recorded.Bytes) return $"{info.Length} bytes, summary says {recorded.Bytes}";
        try
        {
            using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read))
            {
                ParquetReader reader = ParquetSync.Run(ParquetReader.CreateAsync(stream, ParquetSync.Options, leaveStreamOpen: true));
                try
                {
                    long rows = reader.Metadata?.NumRows ?? -1;
                    if (rows != recorded.Rows) return $"footer has {rows} rows, summary says {recorded.Rows}";
                    if (columns is not null && !columns.SequenceEqual(reader.Schema.DataFields.Select(f => f.Name), StringComparer.Ordinal))
                        return "columns differ from the tissues";
                }
                finally
                {
                    ParquetSync.Run(reader.DisposeAsync());
                }
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return $"unreadable Parquet ({e.GetType().Name}: {e.Message})";
        }
        if (verifyChecksum && AtomicFile.Sha256(path) != recorded.Sha256) return "checksum differs from summary";
        return null;
    }
}
