using System.Globalization;
using ExPecto.Analysis.Io;
using ExPecto.Core;

namespace ExPecto.Analysis.Evaluation;

/// <summary>
/// A variant with a measured expression effect: <paramref name="Effect"/> is log2(ALT/REF) of the assay (&gt; 0 = ALT
/// raises expression); positions 1-based on the + strand, alleles upper case; <paramref name="Group"/> is the
/// element (MPRA) or cell line (SuRE).
/// </summary>
public sealed record MeasuredVariant(string Chrom, int Pos, string Ref, string Alt, double Effect, double PValue, string Group, string? Id = null);

/// <summary>Readers for the two reporter-assay shapes in ../shared/data (see each PROVENANCE.md).</summary>
public static class MeasuredVariantReaders
{
    /// <summary>
    /// Kircher et al. 2019 saturation-mutagenesis MPRA (<c>elements.tsv.gz</c>: Chrom Pos Ref Alt Barcodes DNA RNA
    /// Coefficient pValue Element Release). Keeps one genome release (default GRCh37, matching hg19), skips rows with
    /// NA coordinates, and by default keeps SNVs only (ALT "-" is a 1-bp deletion). Effect = Coefficient (log2).
    /// </summary>
    public static IReadOnlyList<MeasuredVariant> ReadKircherMpra(string path, string release = "GRCh37", bool snvOnly = true)
    {
        var rows = new List<MeasuredVariant>();
        int[]? idx = null;
        long lineNo = 0;
        foreach (var line in Csv.ReadLines(path))
        {
            lineNo++;
            if (line.Length == 0) continue;
            var f = line.Split('\t');
            if (idx is null)
            {
                string[] want = ["Chrom", "Pos", "Ref", "Alt", "Coefficient", "pValue", "Element", "Release"];
                idx = want.Select(w => Array.IndexOf(f, w)).ToArray();
                if (idx.Any(i => i < 0)) throw new InputException(path, lineNo, $"expected columns {string.Join(" ", want)}, found {string.Join(" ", f)}");
                continue;
            }
            if (f.Length <= idx.Max()) throw new InputException(path, lineNo, $"expected {idx.Max() + 1} fields, found {f.Length}");
            if (f[idx[7]] != release) continue;
            if (f[idx[0]] == "NA" || f[idx[1]] == "NA") continue;
            string alt = f[idx[3]].ToUpperInvariant();
            if (snvOnly && (alt.Length != 1 || alt == "-")) continue;
            rows.Add(new MeasuredVariant(f[idx[0]], ParseInt(f[idx[1]], path, lineNo), f[idx[2]].ToUpperInvariant(), alt,
                ParseDouble(f[idx[4]], path, lineNo), ParseDouble(f[idx[5]], path, lineNo), f[idx[6]]));
        }
        return rows;
    }

    /// <summary>
    /// van Arensbergen et al. 2019 SuRE raQTL lists (<c>k562.sign.id.LP190708.txt.gz</c>, <c>hepg2…</c>): hg19, 1-based.
    /// Effect = log2((alt.mean + 0.01)/(ref.mean + 0.01)); p = the Wilcoxon p-value; group = the cell line (column prefix).
    /// </summary>
    public static IReadOnlyList<MeasuredVariant> ReadSureRaqtl(string path)
    {
        var rows = new List<MeasuredVariant>();
        int iChr = -1, iId = -1, iPos = -1, iRefMean = -1, iAltMean = -1, iP = -1, iRef = -1, iAlt = -1;
        string cell = "";
        long lineNo = 0;
        foreach (var line in Csv.ReadLines(path))
        {
            lineNo++;
            if (line.Length == 0) continue;
            var f = line.Split('\t');
            if (lineNo == 1)
            {
                iChr = Array.IndexOf(f, "chr"); iId = Array.IndexOf(f, "SNP_ID"); iPos = Array.IndexOf(f, "SNPabspos");
                iRef = Array.IndexOf(f, "ref"); iAlt = Array.IndexOf(f, "alt");
                iRefMean = Array.FindIndex(f, h => h.EndsWith(".ref.mean", StringComparison.Ordinal));
                iAltMean = Array.FindIndex(f, h => h.EndsWith(".alt.mean", StringComparison.Ordinal));
                iP = Array.FindIndex(f, h => h.EndsWith(".wilcox.p.value", StringComparison.Ordinal));
                if (new[] { iChr, iId, iPos, iRef, iAlt, iRefMean, iAltMean, iP }.Any(i => i < 0))
                    throw new InputException(path, lineNo, $"expected SuRE raQTL columns (chr SNP_ID SNPabspos <cell>.ref.mean <cell>.alt.mean <cell>.wilcox.p.value ref alt), found {string.Join(" ", f)}");
                cell = f[iRefMean][..f[iRefMean].IndexOf('.')];
                continue;
            }
            double refMean = ParseDouble(f[iRefMean], path, lineNo), altMean = ParseDouble(f[iAltMean], path, lineNo);
            rows.Add(new MeasuredVariant(f[iChr], ParseInt(f[iPos], path, lineNo), f[iRef].ToUpperInvariant(), f[iAlt].ToUpperInvariant(),
                Math.Log2((altMean + 0.01) / (refMean + 0.01)), ParseDouble(f[iP], path, lineNo), cell, f[iId]));
        }
        return rows;
    }

    /// <summary>
    /// A VCF whose INFO carries the measured log2 effect (<c>LOG2FC=</c>) and optionally <c>P=</c> and <c>CELL=</c>, such
    /// as ../shared/data/sure_raqtl_vanarensbergen2019/chr20_raqtls.vcf.
    /// </summary>
    public static IReadOnlyList<MeasuredVariant> ReadEffectVcf(string path)
    {
        var rows = new List<MeasuredVariant>();
        long lineNo = 0;
        foreach (var line in Csv.ReadLines(path))
        {
            lineNo++;
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var f = line.Split('\t');
            if (f.Length < 8) throw new InputException(path, lineNo, $"expected 8 VCF columns, found {f.Length}");
            var info = f[7].Split(';').Select(kv => kv.Split('=', 2)).Where(kv => kv.Length == 2).ToDictionary(kv => kv[0], kv => kv[1]);
            if (!info.TryGetValue("LOG2FC", out var fc)) throw new InputException(path, lineNo, "expected INFO LOG2FC=<measured log2 effect>");
            double p = info.TryGetValue("P", out var ps) ? ParseDouble(ps, path, lineNo) : double.NaN;
            rows.Add(new MeasuredVariant(f[0], ParseInt(f[1], path, lineNo), f[3].ToUpperInvariant(), f[4].ToUpperInvariant(),
                ParseDouble(fc, path, lineNo), p, info.GetValueOrDefault("CELL", ""), f[2] == "." ? null : f[2]));
        }
        return rows;
    }

    private static int ParseInt(string s, string path, long line) =>
        int.TryParse(s, CultureInfo.InvariantCulture, out int v) ? v : throw new InputException(path, line, $"expected an integer position, found '{s}'");

    private static double ParseDouble(string s, string path, long line) =>
        s is "NA" or "nan" or "NaN" ? double.NaN
        : double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) ? v
        : throw new InputException(path, line, $"expected a number, found '{s}'");
}
