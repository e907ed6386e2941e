using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using ExPecto.Core.Genome;
using ExPecto.Core.Variants;

namespace ExPecto.Core.Output;

/// <summary>
/// Writes variant effects as a VCF (<c>.vcf</c>) or BGZF-compressed VCF (<c>.vcf.gz</c>, <c>.vcf.bgz</c>; tabix can
/// index it): the input VCF's header and sites, one record per scored (record, ALT) — the rows of the table output,
/// in input order — with INFO <c>EXPECTO</c> (one Float per tissue, model-list order), <c>EXPECTO_GENE</c>,
/// <c>EXPECTO_STRAND</c> and <c>EXPECTO_DIST</c> (pos − TSS) added, and one <c>##EXPECTO_TISSUE=&lt;Index=i,Name="…"&gt;</c>
/// header line per tissue (0-based). The output is sites-only (8 columns): splitting a multi-allelic record would
/// invalidate its genotypes, so FORMAT and sample columns are dropped; INFO values declared Number=A or Number=R are
/// cut to the written ALT. A headerless input gets <c>##fileformat</c>; every contig used gets a <c>##contig</c>
/// line (with its length when the genome knows it) unless the input declares it. Temp name, renamed by
/// <see cref="Complete"/>; disposed without completing, nothing is left behind.
/// </summary>
public sealed partial class VcfEffectsWriter : IDisposable
{
    /// <summary>INFO keys this writer adds (an input's own copies are replaced).</summary>
    public const string EffectsKey = "EXPECTO", GeneKey = "EXPECTO_GENE", StrandKey = "EXPECTO_STRAND", DistKey = "EXPECTO_DIST";
    private const string TissueHeader = "##EXPECTO_TISSUE=";

    private readonly string _path;
    private readonly string _temp;
    private readonly string _input;
    private readonly int _tissues;
    private readonly FileStream _file;
    private readonly BgzfWriter? _bgzf;
    private readonly StreamWriter _text;
    private readonly IEnumerator<(long Number, string Text)> _lines;
    private readonly Dictionary<string, char> _perAllele = new(StringComparer.Ordinal); // INFO key → 'A' or 'R'
    private readonly StringBuilder _sb = new();
    private (long Number, string[] Fields) _current = (0, []);
    private bool _done;

    /// <summary>Whether <paramref name="path"/> names a VCF output (.vcf, .vcf.gz or .vcf.bgz, any case).</summary>
    public static bool IsVcfPath(string path) =>
        path.EndsWith(".vcf", StringComparison.OrdinalIgnoreCase) || IsCompressedPath(path);

    private static bool IsCompressedPath(string path) =>
        path.EndsWith(".vcf.gz", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".vcf.bgz", StringComparison.OrdinalIgnoreCase);

    /// <param name="path">output; BGZF when it ends in .gz/.bgz</param>
    /// <param name="inputVcf">the VCF the rows come from (header and sites are copied from it)</param>
    /// <param name="tissues">tissue names, model-list order</param>
    /// <param name="genome">for ##contig lengths; optional</param>
    public VcfEffectsWriter(string path, string inputVcf, IReadOnlyList<string> tissues, IndexedFasta? genome = null)
    {
        if (!IsVcfPath(path)) throw new InputException(path, null, "a VCF output must end in .vcf, .vcf.gz or .vcf.bgz");
        if (tissues.Count == 0) throw new ArgumentException("no tissues", nameof(tissues));
        _path = Path.GetFullPath(path);
        _input = inputVcf;
        _tissues = tissues.Count;
        var (header, contigs) = ReadHeaderAndContigs(inputVcf);
        _lines = TextInput.ReadLines(inputVcf).GetEnumerator();
        _temp = AtomicFile.TempPathFor(_path);
        _file = new FileStream(_temp, FileMode.CreateNew, FileAccess.Write);
        try
        {
            if (IsCompressedPath(path)) _bgzf = new BgzfWriter(_file, leaveOpen: true);
            _text = new StreamWriter((Stream?)_bgzf ?? _file, new UTF8Encoding(false), 1 << 16, leaveOpen: true) { NewLine = "\n" };
            WriteHeader(header, contigs, tissues, genome);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public long Rows { get; private set; }

    /// <summary>Appends the record of <paramref name="variant"/> (rows must come in input order) with its effects.</summary>
    public void Append(VariantRecord variant, string gene, int strand, long distance, ReadOnlySpan<float> effects)
    {
        if (effects.Length != _tissues) throw new ArgumentException($"expected {_tissues} effects, found {effects.Length}", nameof(effects));
        string[] f = Line(variant.SourceLine);
        string[] alts = f[4].Split(',');
        int a = Array.FindIndex(alts, x => string.Equals(x.Trim(), variant.Alt, StringComparison.OrdinalIgnoreCase));
        if (a < 0) throw new InvalidOperationException($"{_input}:{variant.SourceLine}: ALT {variant.Alt} is not on this line");

        var sb = _sb.Clear();
        sb.Append(f[0].Trim()).Append('\t').Append(f[1].Trim()).Append('\t').Append(Cell(f, 2)).Append('\t')
            .Append(f[3].Trim()).Append('\t').Append(alts[a].Trim()).Append('\t').Append(Cell(f, 5)).Append('\t').Append(Cell(f, 6)).Append('\t');
        int start = sb.Length;
        string info = f.Length > 7 ? f[7].Trim() : ".";
        if (info != ".")
        {
            foreach (string entry in info.Split(';'))
            {
                if (entry.Length == 0) continue;
                int eq = entry.IndexOf('=');
                string key = eq < 0 ? entry : entry[..eq];
                if (key is EffectsKey or GeneKey or StrandKey or DistKey) continue;
                if (sb.Length > start) sb.Append(';');
                if (eq >= 0 && alts.Length > 1 && _perAllele.TryGetValue(key, out char number))
                {
                    string[] values = entry[(eq + 1)..].Split(',');
                    sb.Append(key).Append('=');
                    if (number == 'R')
                        sb.Append(values.Length == alts.Length + 1 ? values[0] + "," + values[a + 1] : entry[(eq + 1)..]);
                    else
                        sb.Append(values.Length == alts.Length ? values[a] : entry[(eq + 1)..]);
                }
                else
                {
                    sb.Append(entry);
                }
            }
        }
        if (sb.Length > start) sb.Append(';');
        sb.Append(EffectsKey).Append('=');
        for (int t = 0; t < effects.Length; t++)
        {
            if (t > 0) sb.Append(',');
            float e = effects[t];
            sb.Append(float.IsFinite(e) ? e.ToString("R", CultureInfo.InvariantCulture) : ".");
        }
        sb.Append(';').Append(GeneKey).Append('=').Append(InfoValue(gene))
            .Append(';').Append(StrandKey).Append('=').Append(strand > 0 ? '+' : '-')
            .Append(';').Append(DistKey).Append('=').Append(distance.ToString(CultureInfo.InvariantCulture));
        _text.WriteLine(sb.ToString());
        Rows++;
    }

    /// <summary>Flushes, ends the BGZF stream with its EOF block, and renames the file into place.</summary>
    public void Complete()
    {
        ObjectDisposedException.ThrowIf(_done, this);
        _text.Flush();
        _text.Dispose();
        _bgzf?.Dispose(); // writes the last block and the standard empty EOF block
        _file.Flush(flushToDisk: true);
        _file.Dispose();
        _lines.Dispose();
        AtomicFile.Commit(_temp, _path);
        _done = true;
    }

    public void Dispose()
    {
        if (_done) return;
        _done = true;
        try
        {
            _text?.Dispose();
            _bgzf?.Dispose();
        }
        catch (IOException)
        {
        }
        _file.Dispose();
        _lines?.Dispose();
        AtomicFile.TryDelete(_temp);
    }

    private static string Cell(string[] f, int i) => f.Length > i && f[i].Trim().Length > 0 ? f[i].Trim() : ".";

    /// <summary>The fields of input line <paramref name="number"/>, reading forward (rows arrive in input order).</summary>
    private string[] Line(long number)
    {
        while (_current.Number < number)
        {
            if (!_lines.MoveNext()) throw new InvalidOperationException($"{_input} ended before line {number}");
            _current = (_lines.Current.Number, []);
        }
        if (_current.Number != number) throw new InvalidOperationException($"{_input}: rows out of input order at line {number}");
        if (_current.Fields.Length == 0)
        {
            string text = _lines.Current.Text;
            string[] f = text.Split('\t');
            if (f.Length < 5) f = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries); // as VcfReader
            _current = (number, f);
        }
        return _current.Fields;
    }

    /// <summary>The input's header lines and the contigs its records use (first-seen order).</summary>
    private static (List<string> Header, List<string> Contigs) ReadHeaderAndContigs(string vcf)
    {
        var header = new List<string>();
        var contigs = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        bool inHeader = true;
        foreach (var (_, text) in TextInput.ReadLines(vcf))
        {
            if (text.Length == 0 || string.IsNullOrWhiteSpace(text)) continue;
            if (text[0] == '#')
            {
                if (inHeader) header.Add(text);
                continue;
            }
            inHeader = false;
            int tab = text.IndexOf('\t');
            string chrom = (tab < 0 ? text.Split((char[]?)null, 2, StringSplitOptions.RemoveEmptyEntries)[0] : text[..tab]).Trim();
            if (seen.Add(chrom)) contigs.Add(chrom);
        }
        return (header, contigs);
    }

    private void WriteHeader(List<string> input, List<string> contigs, IReadOnlyList<string> tissues, IndexedFasta? genome)
    {
        var meta = input.Where(l => l.StartsWith("##", StringComparison.Ordinal) && !IsOurs(l)).ToList();
        if (meta.Count == 0 || !meta[0].StartsWith("##fileformat=", StringComparison.Ordinal))
        {
            meta.RemoveAll(l => l.StartsWith("##fileformat=", StringComparison.Ordinal));
            meta.Insert(0, "##fileformat=VCFv4.2");
        }
        var declared = new HashSet<string>(StringComparer.Ordinal);
        foreach (string l in meta)
        {
            if (ContigId().Match(l) is { Success: true } c) declared.Add(c.Groups[1].Value);
            if (InfoNumber().Match(l) is { Success: true } m && m.Groups[2].Value is "A" or "R")
                _perAllele[m.Groups[1].Value] = m.Groups[2].Value[0];
        }
        foreach (string l in meta) _text.WriteLine(l);
        foreach (string contig in contigs.Where(c => !declared.Contains(c)))
        {
            string length = genome is not null && genome.TryResolveContig(contig, out string name)
                ? ",length=" + genome.ContigLength(name).ToString(CultureInfo.InvariantCulture) : "";
            _text.WriteLine($"##contig=<ID={contig}{length}>");
        }
        _text.WriteLine($"##INFO=<ID={EffectsKey},Number={tissues.Count},Type=Float,Description=\"ExPecto predicted expression effect (natural-log fold change, alt - ref) per tissue, in ##EXPECTO_TISSUE Index order\">");
        _text.WriteLine($"##INFO=<ID={GeneKey},Number=1,Type=String,Description=\"Gene whose TSS the effect is scored against\">");
        _text.WriteLine($"##INFO=<ID={StrandKey},Number=1,Type=String,Description=\"Strand of that gene (+ or -)\">");
        _text.WriteLine($"##INFO=<ID={DistKey},Number=1,Type=Integer,Description=\"POS - TSS in bp (not strand-corrected)\">");
        for (int i = 0; i < tissues.Count; i++)
            _text.WriteLine($"{TissueHeader}<Index={i},Name=\"{tissues[i].Replace("\\", "\\\\").Replace("\"", "\\\"")}\">");
        _text.WriteLine("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO");
    }

    private static bool IsOurs(string line) =>
        line.StartsWith(TissueHeader, StringComparison.Ordinal)
        || (InfoNumber().Match(line) is { Success: true } m && m.Groups[1].Value is EffectsKey or GeneKey or StrandKey or DistKey);

    /// <summary>VCF 4.3 percent-encoding of the characters an INFO value cannot hold.</summary>
    private static string InfoValue(string s)
    {
        if (s.AsSpan().IndexOfAny(":;=%,\t\n\r ") < 0) return s.Length == 0 ? "." : s;
        var sb = new StringBuilder(s.Length + 8);
        foreach (char c in s)
            sb.Append(c is ':' or ';' or '=' or '%' or ',' or '\t' or '\n' or '\r' or ' ' ? $"%{(int)c:X2}" : c.ToString());
        return sb.ToString();
    }

    [GeneratedRegex(@"^##contig=<ID=([^,>]+)")]
    private static partial Regex ContigId();

    [GeneratedRegex(@"^##INFO=<ID=([^,>]+),Number=([^,>]+)")]
    private static partial Regex InfoNumber();
}
