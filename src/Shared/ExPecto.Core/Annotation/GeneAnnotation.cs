using System.Globalization;
using ExPecto.Core.Genome;

namespace ExPecto.Core.Annotation;

/// <summary>
/// The genes and representative TSSs that expression is predicted for, in file order. Loads ExPecto's
/// <c>geneanno.csv</c> or a BED of TSSs (see <see cref="Load"/>); answers "which gene is nearest" and gene selections.
/// Immutable after loading, so thread-safe.
/// </summary>
public sealed class GeneAnnotation
{
    private readonly Dictionary<string, Gene> _byId = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Gene[]> _byChromByTss = new(StringComparer.Ordinal); // per ContigNames.Key, sorted by (Tss, file order)
    private readonly Dictionary<string, int> _order = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Gene?> _byUnversioned = new(StringComparer.Ordinal); // ENSG… → ENSG….5; null when ambiguous

    /// <summary>Where the genes came from (named in errors).</summary>
    public string Source { get; }

    /// <summary>All genes in file order.</summary>
    public IReadOnlyList<Gene> Genes { get; }

    /// <summary>
    /// Builds an annotation from genes already read; ids must be unique.
    /// </summary>
    /// <exception cref="InputException">A gene id appears twice (both lines named).</exception>
    public GeneAnnotation(IEnumerable<Gene> genes, string source)
    {
        Source = source;
        Genes = genes.ToArray();
        for (int i = 0; i < Genes.Count; i++)
        {
            Gene g = Genes[i];
            if (_byId.TryGetValue(g.Id, out Gene? first))
                throw new InputException(source, g.SourceLine, $"gene id {g.Id} appears twice: on line {first.SourceLine} and on line {g.SourceLine}");
            _byId[g.Id] = g;
            _order[g.Id] = i;
            if (g.Id.LastIndexOf('.') is int dot and > 0)
                _byUnversioned[g.Id[..dot]] = _byUnversioned.ContainsKey(g.Id[..dot]) ? null : g;
        }
        foreach (var group in Genes.GroupBy(g => ContigNames.Key(g.Chrom)))
            _byChromByTss[group.Key] = group.OrderBy(g => g.Tss).ThenBy(g => _order[g.Id]).ToArray();
    }

    /// <summary>
    /// Reads a gene annotation, telling the format from the extension and the first lines:
    /// <list type="bullet">
    /// <item>GTF or GFF3 (<c>.gtf</c>, <c>.gff3</c>, <c>.gff</c>, optionally <c>.gz</c>, or by content; GENCODE and
    /// Ensembl layouts): TSS = the 5' end of the gene's <c>Ensembl_canonical</c> transcript, else of the gene record;
    /// id = the file's <c>gene_id</c> as written (see <see cref="GffAnnotationReader"/>).</item>
    /// <item>ExPecto's <c>geneanno.csv</c>: header <c>id,symbol,seqnames,strand,TSS,CAGE_representative_TSS,type</c>
    /// (columns found by name; <c>id</c>, <c>seqnames</c>, <c>strand</c>, <c>CAGE_representative_TSS</c> required).
    /// The TSS is <c>CAGE_representative_TSS</c>, 1-based.</item>
    /// <item>A TSS BED without header (0-based half-open intervals): ExPecto's <c>chrom start end strand id</c>
    /// (<c>geneanno.pc.sorted.bed</c>) or BED6 <c>chrom start end id score strand</c> (Xpresso's promoter windows).
    /// The TSS is the interval's centre base, 1-based <c>start + (end − start) / 2 + 1</c> (integer division): the base
    /// itself for a 1-bp TSS interval, <c>start + 10001</c> for Xpresso's 20-kb windows. BED genes have
    /// Symbol = Id and Type = "".</item>
    /// </list>
    /// Plain or gzip; CRLF and a UTF-8 byte-order mark are accepted.
    /// </summary>
    /// <exception cref="InputException">Empty file, malformed line (file and line named), or a duplicate gene id.</exception>
    public static GeneAnnotation Load(string path)
    {
        using var e = TextInput.ReadLines(path).GetEnumerator();
        // Look ahead past comment lines: a GTF/GFF3 header is comments, the first record tells the dialect.
        var head = new List<(long, string)>();
        while (head.Count < 1000 && e.MoveNext())
        {
            head.Add(e.Current);
            if (e.Current.Text.Trim().Length > 0 && !e.Current.Text.StartsWith('#')) break;
        }
        if (GffAnnotationReader.Detect(path, head.Select(h => h.Item2).ToList()) is GffDialect dialect)
            return new GeneAnnotation(GffAnnotationReader.Read(path, Concat(head, Rest(e)), dialect).ToList(), path);
        using var rest = Concat(head, Rest(e)).Where(l => l.Item2.Trim().Length > 0).GetEnumerator();
        if (!rest.MoveNext())
            throw new InputException(path, null, "gene annotation is empty; expected a GTF/GFF3, geneanno.csv (header id,symbol,seqnames,strand,TSS,CAGE_representative_TSS,type) or a TSS BED");
        var (firstNo, firstLine) = rest.Current;
        bool csv = firstLine.StartsWith("id,", StringComparison.OrdinalIgnoreCase)
            || firstLine.Contains("CAGE_representative_TSS", StringComparison.OrdinalIgnoreCase)
            || path.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".csv.gz", StringComparison.OrdinalIgnoreCase);
        IEnumerable<Gene> genes = csv ? ReadCsv(path, firstNo, firstLine, Rest(rest)) : ReadBed(path, Prepend(firstNo, firstLine, Rest(rest)));
        return new GeneAnnotation(genes.ToList(), path);
    }

    /// <summary>
    /// <see cref="Load(string)"/>, then only genes whose type is in <paramref name="geneTypes"/> (null or empty: all).
    /// Types are GENCODE's gene_type, Ensembl's gene_biotype/biotype or geneanno.csv's type column.
    /// </summary>
    /// <exception cref="InputException">The file has no gene types (a TSS BED), or no gene has a requested type.</exception>
    public static GeneAnnotation Load(string path, IReadOnlyCollection<string>? geneTypes) =>
        geneTypes is null || geneTypes.Count == 0 ? Load(path) : Load(path).WithTypes(geneTypes);

    /// <summary>Only genes whose <see cref="Gene.Type"/> is one of <paramref name="geneTypes"/> (exact, case-sensitive).</summary>
    public GeneAnnotation WithTypes(IReadOnlyCollection<string> geneTypes)
    {
        var wanted = geneTypes.ToHashSet(StringComparer.Ordinal);
        if (Genes.Count > 0 && Genes.All(g => g.Type.Length == 0))
            throw new InputException(Source, null, "this annotation has no gene types (a TSS BED?); --gene-types needs a GTF/GFF3 or geneanno.csv with a type column");
        var kept = Genes.Where(g => wanted.Contains(g.Type)).ToList();
        if (kept.Count == 0)
        {
            var known = Genes.Select(g => g.Type).Distinct().Order(StringComparer.Ordinal).Take(30);
            throw new InputException(Source, null, $"no gene has type {string.Join(" or ", wanted)}; the annotation's types: {string.Join(", ", known)}");
        }
        return new GeneAnnotation(kept, Source);
    }

    /// <summary>
    /// Only genes on contigs <paramref name="hasContig"/> knows (give it the genome's alias-aware lookup);
    /// <paramref name="skipped"/> counts the others and <paramref name="missingContigs"/> names their contigs.
    /// </summary>
    public GeneAnnotation OnContigs(Func<string, bool> hasContig, out int skipped, out IReadOnlyList<string> missingContigs)
    {
        var known = new Dictionary<string, bool>(StringComparer.Ordinal);
        bool Has(string chrom) => known.TryGetValue(chrom, out bool b) ? b : known[chrom] = hasContig(chrom);
        var kept = Genes.Where(g => Has(g.Chrom)).ToList();
        skipped = Genes.Count - kept.Count;
        missingContigs = known.Where(kv => !kv.Value).Select(kv => kv.Key).ToList();
        return skipped == 0 ? this : new GeneAnnotation(kept, Source);
    }

    private static IEnumerable<(long, string)> Concat(List<(long, string)> head, IEnumerable<(long, string)> rest)
    {
        foreach (var x in head)
            yield return x;
        foreach (var x in rest)
            yield return x;
    }

    private static IEnumerable<(long, string)> Rest(IEnumerator<(long, string)> e)
    {
        while (e.MoveNext())
            yield return e.Current;
    }

    private static IEnumerable<(long, string)> Prepend(long no, string text, IEnumerable<(long, string)> rest)
    {
        yield return (no, text);
        foreach (var x in rest)
            yield return x;
    }

    private static IEnumerable<Gene> ReadCsv(string path, long headerNo, string header, IEnumerable<(long No, string Text)> rows)
    {
        string[] names = SplitCsv(header).Select(h => h.Trim()).ToArray();
        int Col(string name, bool required)
        {
            int i = Array.FindIndex(names, h => h.Equals(name, StringComparison.OrdinalIgnoreCase));
            if (i < 0 && required)
                throw new InputException(path, headerNo, $"expected a '{name}' column in the header (id,symbol,seqnames,strand,TSS,CAGE_representative_TSS,type), found '{header}'");
            return i;
        }
        int id = Col("id", true), symbol = Col("symbol", false), chrom = Col("seqnames", true), strand = Col("strand", true);
        int tss = Col("CAGE_representative_TSS", true), type = Col("type", false);
        foreach (var (no, text) in rows)
        {
            string[] f = SplitCsv(text);
            if (f.Length != names.Length)
                throw new InputException(path, no, $"expected {names.Length} comma-separated columns as in the header, found {f.Length}");
            yield return MakeGene(path, no, f[id], symbol >= 0 ? f[symbol] : f[id], f[chrom], f[strand], f[tss], type >= 0 ? f[type] : "");
        }
    }

    private static IEnumerable<Gene> ReadBed(string path, IEnumerable<(long No, string Text)> rows)
    {
        bool? expectoLayout = null;
        foreach (var (no, text) in rows)
        {
            if (text.StartsWith('#') || text.StartsWith("track", StringComparison.Ordinal) || text.StartsWith("browser", StringComparison.Ordinal))
                continue;
            string[] f = text.Split('\t');
            if (f.Length < 5)
                f = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (f.Length < 5)
                throw new InputException(path, no, $"expected a TSS BED line 'chrom start end strand id' or BED6 'chrom start end id score strand', found {f.Length} columns");
            bool thisExpecto = Gene.ParseStrand(f[3]) is not null;
            if (!thisExpecto && (f.Length < 6 || Gene.ParseStrand(f[5]) is null))
                throw new InputException(path, no, $"expected a strand (+/-) in column 4 (chrom start end strand id) or column 6 (BED6), found '{f[3]}'" + (f.Length >= 6 ? $" and '{f[5]}'" : ""));
            expectoLayout ??= thisExpecto;
            if (expectoLayout != thisExpecto)
                throw new InputException(path, no, "this line's strand column differs from the first line's (mixed BED layouts)");
            if (!long.TryParse(f[1], NumberStyles.None, CultureInfo.InvariantCulture, out long start0)
                || !long.TryParse(f[2], NumberStyles.None, CultureInfo.InvariantCulture, out long end) || end <= start0)
                throw new InputException(path, no, $"expected BED start < end (0-based, non-negative integers), found '{f[1]}' and '{f[2]}'");
            string id = thisExpecto ? f[4] : f[3], strand = thisExpecto ? f[3] : f[5];
            long tss1 = start0 + (end - start0) / 2 + 1;
            yield return MakeGene(path, no, id, id, f[0], strand, tss1.ToString(CultureInfo.InvariantCulture), "");
        }
    }

    private static Gene MakeGene(string path, long no, string id, string symbol, string chrom, string strand, string tss, string type)
    {
        id = id.Trim();
        chrom = chrom.Trim();
        if (id.Length == 0)
            throw new InputException(path, no, "empty gene id");
        if (chrom.Length == 0)
            throw new InputException(path, no, $"gene {id}: empty chromosome");
        int? s = Gene.ParseStrand(strand) ?? throw new InputException(path, no, $"gene {id}: expected strand '+' or '-', found '{strand}'");
        if (!long.TryParse(tss.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out long t) || t < 1)
            throw new InputException(path, no, $"gene {id}: expected a 1-based TSS position (integer ≥ 1), found '{tss}'");
        return new Gene(id, symbol.Trim(), chrom, s.Value, t, type.Trim(), no);
    }

    /// <summary>Splits one CSV line; double-quoted fields may hold commas and doubled quotes.</summary>
    internal static string[] SplitCsv(string line)
    {
        if (!line.Contains('"'))
            return line.Split(',');
        var fields = new List<string>();
        var sb = new System.Text.StringBuilder();
        bool quoted = false;
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"')
                {
                    sb.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    sb.Append(c);
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == ',')
            {
                fields.Add(sb.ToString());
                sb.Clear();
            }
            else
            {
                sb.Append(c);
            }
        }
        fields.Add(sb.ToString());
        return fields.ToArray();
    }

    /// <summary>
    /// The gene with this id: exact; or the id without its trailing <c>.version</c>; or, for an unversioned id, the
    /// one gene whose id is it plus a version (GENCODE's ENSG….5 found as ENSG…).
    /// </summary>
    public bool TryGet(string id, out Gene gene)
    {
        if (_byId.TryGetValue(id, out Gene? g) || (id.LastIndexOf('.') is int dot and > 0 && _byId.TryGetValue(id[..dot], out g))
            || (_byUnversioned.TryGetValue(id, out g) && g is not null))
        {
            gene = g;
            return true;
        }
        gene = null!;
        return false;
    }

    /// <summary>Genes on <paramref name="chrom"/> (aliases accepted: chr20 ≡ 20), in file order.</summary>
    public IReadOnlyList<Gene> OnChrom(string chrom) =>
        _byChromByTss.TryGetValue(ContigNames.Key(chrom), out Gene[]? genes) ? genes.OrderBy(g => _order[g.Id]).ToArray() : [];

    /// <summary>
    /// The gene whose representative TSS is nearest to 1-based position <paramref name="pos1"/> on
    /// <paramref name="chrom"/> (aliases accepted), by |pos − TSS| regardless of strand; null when the chromosome has
    /// no genes. Ties (equal distance, on either side, or several genes at one TSS) go to the gene earlier in file order.
    /// </summary>
    public Gene? Nearest(string chrom, long pos1)
    {
        if (!_byChromByTss.TryGetValue(ContigNames.Key(chrom), out Gene[]? genes) || genes.Length == 0)
            return null;
        int lo = 0, hi = genes.Length; // first index with Tss >= pos1
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (genes[mid].Tss < pos1)
                lo = mid + 1;
            else
                hi = mid;
        }
        Gene? right = lo < genes.Length ? genes[lo] : null; // earliest in file order among its equal-TSS run (sorted so)
        Gene? left = null;
        if (lo > 0)
        {
            int i = lo - 1;
            while (i > 0 && genes[i - 1].Tss == genes[lo - 1].Tss)
                i--;
            left = genes[i];
        }
        if (left is null)
            return right;
        if (right is null)
            return left;
        long dl = pos1 - left.Tss, dr = right.Tss - pos1;
        if (dl != dr)
            return dl < dr ? left : right;
        return _order[left.Id] < _order[right.Id] ? left : right;
    }

    /// <summary>
    /// Genes chosen by a selection spec:
    /// <c>all</c> (file order); <c>chrom:chr20</c> (that chromosome, aliases accepted, file order);
    /// <c>@path</c> (ids in a file, separated by commas, spaces or newlines, <c>#</c> starts a comment);
    /// or <c>ID,ID,...</c> (in the order given, repeats dropped; a trailing <c>.version</c> is ignored).
    /// </summary>
    /// <exception cref="InputException">Unknown ids (listed), a chromosome without genes, or an empty selection.</exception>
    public IReadOnlyList<Gene> Select(string spec)
    {
        spec = spec.Trim();
        if (spec.Length == 0)
            throw new InputException("empty gene selection; expected 'all', 'chrom:NAME', '@file' or 'ID,ID,...'");
        if (spec.Equals("all", StringComparison.OrdinalIgnoreCase))
            return Genes;
        if (spec.StartsWith("chrom:", StringComparison.OrdinalIgnoreCase))
        {
            string chrom = spec["chrom:".Length..].Trim();
            IReadOnlyList<Gene> genes = OnChrom(chrom);
            if (genes.Count == 0)
            {
                string known = string.Join(", ", Genes.Select(g => g.Chrom).Distinct().Take(40));
                throw new InputException(Source, null, $"no genes on chromosome '{chrom}'; the annotation has genes on: {known}");
            }
            return genes;
        }
        string? listFile = null;
        IEnumerable<string> ids;
        if (spec.StartsWith('@'))
        {
            listFile = spec[1..];
            ids = TextInput.ReadLines(listFile)
                .SelectMany(l => (l.Text.IndexOf('#') is int hash and >= 0 ? l.Text[..hash] : l.Text)
                    .Split([',', ' ', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        }
        else
        {
            ids = spec.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        }
        var chosen = new List<Gene>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var missing = new List<string>();
        foreach (string id in ids)
        {
            if (!TryGet(id, out Gene g))
                missing.Add(id);
            else if (seen.Add(g.Id))
                chosen.Add(g);
        }
        if (missing.Count > 0)
            throw new InputException(listFile, null,
                $"{missing.Count} gene id(s) not in the annotation {Source}: {string.Join(", ", missing.Take(10))}{(missing.Count > 10 ? ", …" : "")}");
        if (chosen.Count == 0)
            throw new InputException(listFile, null, "the gene selection names no genes");
        return chosen;
    }
}
