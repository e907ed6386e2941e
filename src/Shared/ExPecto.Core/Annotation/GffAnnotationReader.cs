using System.Globalization;
using System.Text;

namespace ExPecto.Core.Annotation;

/// <summary>The two attribute syntaxes of the GFF family.</summary>
public enum GffDialect
{
    /// <summary>GTF (GFF2.5): <c>key "value"; key "value";</c>, GENCODE and Ensembl layouts.</summary>
    Gtf,

    /// <summary>GFF3: <c>key=value;key=value</c>, values percent-encoded, several values comma-separated.</summary>
    Gff3,
}

/// <summary>
/// Genes and their TSSs from a GTF or GFF3 annotation (GENCODE or Ensembl layout). The rule:
/// <list type="bullet">
/// <item>TSS = the 5' end of the gene's transcript tagged <c>Ensembl_canonical</c> (GTF <c>tag "Ensembl_canonical"</c>,
/// GFF3 <c>tag=…,Ensembl_canonical</c>); where no transcript has the tag, the 5' end of the gene record (for a GTF
/// without gene records: of the span of its transcripts). 5' end = start on +, end on − (1-based, closed).
/// The first tagged transcript wins should a file tag two.</item>
/// <item>Gene id = the file's <c>gene_id</c> as written (GENCODE keeps the version suffix, ENSG….5; in GFF3 the
/// <c>gene_id</c> attribute, not <c>ID=gene:…</c>).</item>
/// <item>Type = <c>gene_type</c> (GENCODE), <c>gene_biotype</c> (Ensembl GTF) or <c>biotype</c> (Ensembl GFF3);
/// symbol = <c>gene_name</c> or GFF3 <c>Name</c>, else the id.</item>
/// <item>GTF: genes are the <c>gene</c> records, transcripts the <c>transcript</c> records (joined by gene_id).
/// GFF3: a gene is a record with a <c>gene_id</c> and no <c>Parent</c> (gene, ncRNA_gene, pseudogene…); a
/// transcript is a record whose <c>Parent</c> is a gene's <c>ID</c>. Exons, CDS, UTRs and other records are only
/// checked for their nine columns.</item>
/// </list>
/// Genes come out in the order of their first record. Malformed lines are <see cref="InputException"/>s naming
/// the file, the line and what was expected.
/// </summary>
public static class GffAnnotationReader
{
    private const string Canonical = "Ensembl_canonical";

    /// <summary>
    /// The dialect a path's extension names (<c>.gtf</c>, <c>.gff3</c>, optionally <c>.gz</c>), else what the
    /// first lines show: <c>##gff-version 3</c>, or a nine-column record whose attributes are <c>key "value"</c>
    /// (GTF) or <c>key=value</c> (GFF3). <c>.gff</c> is decided by content. Null: not a GFF-family file.
    /// </summary>
    public static GffDialect? Detect(string path, IReadOnlyList<string> firstLines)
    {
        string name = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? path[..^3] : path;
        if (name.EndsWith(".gtf", StringComparison.OrdinalIgnoreCase)) return GffDialect.Gtf;
        if (name.EndsWith(".gff3", StringComparison.OrdinalIgnoreCase)) return GffDialect.Gff3;
        foreach (string line in firstLines)
        {
            if (line.StartsWith("##gff-version", StringComparison.Ordinal))
                return line.Contains('3') ? GffDialect.Gff3 : GffDialect.Gtf;
            if (line.StartsWith('#') || line.Trim().Length == 0) continue;
            string[] f = line.Split('\t');
            if (f.Length == 9 && IsPosition(f[3]) && IsPosition(f[4]))
            {
                string attrs = f[8].TrimStart();
                int space = attrs.IndexOf(' '), eq = attrs.IndexOf('=');
                if (eq > 0 && (space < 0 || eq < space)) return GffDialect.Gff3;
                if (space > 0) return GffDialect.Gtf;
            }
            break; // the first record decides
        }
        return name.EndsWith(".gff", StringComparison.OrdinalIgnoreCase) ? GffDialect.Gff3 : null;
    }

    private static bool IsPosition(string s) => long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out long v) && v >= 1;

    /// <summary>Reads the genes of a GTF or GFF3 file's lines (1-based numbers as in the file).</summary>
    public static IEnumerable<Gene> Read(string path, IEnumerable<(long No, string Text)> lines, GffDialect dialect)
    {
        var genes = new Dictionary<string, GeneRecord>(StringComparer.Ordinal); // by gene_id
        var order = new List<GeneRecord>();
        var gff3GeneById = new Dictionary<string, GeneRecord>(StringComparer.Ordinal);
        var gff3Transcripts = new HashSet<string>(StringComparer.Ordinal); // IDs of records whose parent is a gene
        var pending = new List<PendingChild>(); // GFF3 children seen before their parent
        string kind = dialect == GffDialect.Gtf ? "GTF" : "GFF3";
        bool any = false;

        GeneRecord GetOrAdd(string id, long no)
        {
            if (!genes.TryGetValue(id, out var g))
            {
                g = new GeneRecord(id, no);
                genes[id] = g;
                order.Add(g);
            }
            return g;
        }

        foreach (var (no, text) in lines)
        {
            if (text.Length == 0 || text.StartsWith('#'))
            {
                if (text.StartsWith("##FASTA", StringComparison.Ordinal)) break; // GFF3: sequences follow
                continue;
            }
            if (text.Trim().Length == 0) continue;
            string[] f = text.Split('\t');
            if (f.Length != 9)
                throw new InputException(path, no, $"expected 9 tab-separated {kind} columns (seqname source feature start end score strand frame attributes), found {f.Length}");
            if (!long.TryParse(f[3], NumberStyles.None, CultureInfo.InvariantCulture, out long start) || start < 1
                || !long.TryParse(f[4], NumberStyles.None, CultureInfo.InvariantCulture, out long end) || end < start)
                throw new InputException(path, no, $"expected 1-based start ≤ end in columns 4 and 5, found '{f[3]}' and '{f[4]}'");
            any = true;
            string feature = f[2];
            if (dialect == GffDialect.Gtf)
            {
                bool isGene = feature == "gene", isTranscript = feature == "transcript";
                if (!isGene && !isTranscript) continue;
                var attrs = ParseGtfAttributes(path, no, f[8]);
                string id = Required(path, no, attrs, "gene_id", feature);
                int strand = Strand(path, no, f[6], id);
                var g = GetOrAdd(id, no);
                string? type = First(attrs, "gene_type") ?? First(attrs, "gene_biotype");
                string? name = First(attrs, "gene_name");
                if (isGene)
                {
                    if (g.HasGeneRecord)
                        throw new InputException(path, no, $"gene_id {id} has a second gene record (the first is on line {g.GeneLine})");
                    g.SetGene(f[0], strand, start, end, no, type, name);
                }
                else
                {
                    g.AddTranscript(f[0], strand, start, end, no, attrs.TryGetValue("tag", out var tags) && tags.Contains(Canonical), type, name);
                }
            }
            else
            {
                var attrs = ParseGff3Attributes(path, no, f[8]);
                string? recordId = First(attrs, "ID");
                if (!attrs.TryGetValue("Parent", out var parents))
                {
                    string? geneId = First(attrs, "gene_id");
                    if (geneId is null) continue; // chromosome, region, biological_region…: not a gene
                    if (geneId.Length == 0) throw new InputException(path, no, "expected a non-empty gene_id attribute");
                    int strand = Strand(path, no, f[6], geneId);
                    var g = GetOrAdd(geneId, no);
                    if (g.HasGeneRecord)
                        throw new InputException(path, no, $"gene_id {geneId} has a second gene record (the first is on line {g.GeneLine})");
                    g.SetGene(f[0], strand, start, end, no, First(attrs, "biotype") ?? First(attrs, "gene_type") ?? First(attrs, "gene_biotype"),
                        First(attrs, "gene_name") ?? First(attrs, "Name"));
                    gff3GeneById[recordId ?? geneId] = g;
                    continue;
                }
                bool canonical = attrs.TryGetValue("tag", out var tags) && tags.Contains(Canonical);
                var child = new PendingChild(parents, recordId, f[0], f[6], start, end, no, canonical);
                if (!AttachGff3(path, child, gff3GeneById, gff3Transcripts) && !parents.Any(gff3Transcripts.Contains))
                    pending.Add(child);
            }
        }
        foreach (var child in pending) AttachGff3(path, child, gff3GeneById, gff3Transcripts);
        if (!any)
            throw new InputException(path, null, $"{kind} annotation has no records (expected tab-separated lines 'seqname source feature start end score strand frame attributes')");
        if (order.Count == 0)
            throw new InputException(path, null, dialect == GffDialect.Gtf
                ? "GTF annotation has no gene or transcript records (expected feature 'gene' or 'transcript' with a gene_id attribute)"
                : "GFF3 annotation has no gene records (expected records with a gene_id attribute and no Parent)");
        foreach (var g in order)
        {
            var gene = g.ToGene(path);
            if (gene is not null) yield return gene;
        }
    }

    /// <summary>A GFF3 child whose Parent is a known gene becomes one of its transcripts; false if no parent is a gene.</summary>
    private static bool AttachGff3(string path, PendingChild c, Dictionary<string, GeneRecord> geneById, HashSet<string> transcripts)
    {
        foreach (string parent in c.Parents)
        {
            if (!geneById.TryGetValue(parent, out var g)) continue;
            g.AddTranscript(c.Chrom, Strand(path, c.Line, c.StrandText, g.Id), c.Start, c.End, c.Line, c.Canonical, null, null);
            if (c.Id is not null) transcripts.Add(c.Id);
            return true;
        }
        return false;
    }

    private static string? First(Dictionary<string, List<string>> attrs, string key) =>
        attrs.TryGetValue(key, out var v) && v.Count > 0 ? v[0] : null;

    private static string Required(string path, long no, Dictionary<string, List<string>> attrs, string key, string feature)
    {
        string? v = First(attrs, key);
        if (string.IsNullOrEmpty(v))
            throw new InputException(path, no, $"expected a {key} attribute on this {feature} record");
        return v;
    }

    private static int Strand(string path, long no, string strand, string id) =>
        Gene.ParseStrand(strand) ?? throw new InputException(path, no, $"gene {id}: expected strand '+' or '-' in column 7, found '{strand}'");

    /// <summary>GTF attributes: <c>key "value";</c> or <c>key value;</c> pairs; a key may repeat (tag).</summary>
    internal static Dictionary<string, List<string>> ParseGtfAttributes(string path, long no, string text)
    {
        var result = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        int i = 0, n = text.Length;
        while (true)
        {
            while (i < n && (text[i] == ' ' || text[i] == ';')) i++;
            if (i >= n) break;
            int keyStart = i;
            while (i < n && text[i] != ' ' && text[i] != ';' && text[i] != '"') i++;
            string key = text[keyStart..i];
            if (key.Length == 0 || i >= n || text[i] != ' ')
                throw new InputException(path, no, $"expected GTF attributes 'key \"value\";', found '{Excerpt(text, keyStart)}'");
            while (i < n && text[i] == ' ') i++;
            string value;
            if (i < n && text[i] == '"')
            {
                int close = text.IndexOf('"', i + 1);
                if (close < 0)
                    throw new InputException(path, no, $"attribute {key}: expected a closing '\"', found '{Excerpt(text, keyStart)}'");
                value = text[(i + 1)..close];
                i = close + 1;
            }
            else
            {
                int valueStart = i;
                while (i < n && text[i] != ';' && text[i] != ' ') i++;
                value = text[valueStart..i];
                if (value.Length == 0)
                    throw new InputException(path, no, $"attribute {key}: expected a value, found '{Excerpt(text, keyStart)}'");
            }
            while (i < n && text[i] == ' ') i++;
            if (i < n && text[i] != ';')
                throw new InputException(path, no, $"attribute {key}: expected ';' after the value, found '{Excerpt(text, i)}'");
            if (!result.TryGetValue(key, out var list)) result[key] = list = [];
            list.Add(value);
        }
        return result;
    }

    /// <summary>GFF3 attributes: <c>key=v1,v2;key=v</c>, each value percent-decoded.</summary>
    internal static Dictionary<string, List<string>> ParseGff3Attributes(string path, long no, string text)
    {
        var result = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        if (text == ".") return result;
        foreach (string raw in text.Split(';'))
        {
            string part = raw.Trim();
            if (part.Length == 0) continue;
            int eq = part.IndexOf('=');
            if (eq <= 0)
                throw new InputException(path, no, $"expected GFF3 attributes 'key=value;…', found '{Excerpt(part, 0)}'");
            string key = Decode(path, no, part[..eq]);
            if (!result.TryGetValue(key, out var list)) result[key] = list = [];
            foreach (string v in part[(eq + 1)..].Split(',')) list.Add(Decode(path, no, v));
        }
        return result;
    }

    private static string Decode(string path, long no, string s)
    {
        if (!s.Contains('%')) return s;
        try
        {
            return Uri.UnescapeDataString(s);
        }
        catch (UriFormatException)
        {
            throw new InputException(path, no, $"expected percent-encoded GFF3 text, found '{s}'");
        }
    }

    private static string Excerpt(string text, int from) => text.Length - from > 60 ? text.Substring(from, 60) + "…" : text[from..];

    private sealed record PendingChild(List<string> Parents, string? Id, string Chrom, string StrandText, long Start, long End, long Line, bool Canonical);

    /// <summary>What the file says about one gene_id, gathered over its records.</summary>
    private sealed class GeneRecord(string id, long firstLine)
    {
        public string Id { get; } = id;
        public bool HasGeneRecord { get; private set; }
        public long GeneLine { get; private set; }

        private string? _chrom, _type, _name;
        private int _strand;
        private long _start = long.MaxValue, _end = long.MinValue;
        private long? _canonicalTss;

        public void SetGene(string chrom, int strand, long start, long end, long line, string? type, string? name)
        {
            HasGeneRecord = true;
            GeneLine = line;
            (_chrom, _strand, _start, _end) = (chrom, strand, start, end);
            if (type is not null) _type = type;
            if (name is not null) _name = name;
        }

        public void AddTranscript(string chrom, int strand, long start, long end, long line, bool canonical, string? type, string? name)
        {
            if (canonical && _canonicalTss is null) _canonicalTss = strand > 0 ? start : end;
            _type ??= type;
            _name ??= name;
            if (HasGeneRecord) return;
            // No gene record (yet): the span of the transcripts stands in for it.
            _chrom ??= chrom;
            if (_strand == 0) _strand = strand;
            _start = Math.Min(_start, start);
            _end = Math.Max(_end, end);
        }

        public Gene? ToGene(string path)
        {
            if (_chrom is null) return null;
            long tss = _canonicalTss ?? (_strand > 0 ? _start : _end);
            return new Gene(Id, _name ?? Id, _chrom, _strand, tss, _type ?? "", HasGeneRecord ? GeneLine : firstLine);
        }
    }
}
