using Parquet;
using Parquet.Schema;

namespace ExPecto.Analysis.Io;

/// <summary>
/// The saturation-mutagenesis effects of one gene (<c>effects/chrom=&lt;c&gt;/&lt;gene&gt;.parquet</c>): one row per
/// mutation. <see cref="Pos"/> is 1-based on the + strand; <see cref="Dist"/> = pos − TSS (not strand-corrected);
/// <see cref="Effects"/>[t][i] is the natural-log fold change of mutation i in tissue <see cref="Tissues"/>[t].
/// </summary>
public sealed class GeneEffects
{
    public required IReadOnlyList<string> Gene { get; init; }
    public required IReadOnlyList<string> Chrom { get; init; }
    public required int[] Pos { get; init; }
    public required IReadOnlyList<string> Ref { get; init; }
    public required IReadOnlyList<string> Alt { get; init; }
    public required int[] Dist { get; init; }
    public required IReadOnlyList<string> Tissues { get; init; }
    public required float[][] Effects { get; init; }

    public int Count => Pos.Length;

    /// <summary>The effect column of one tissue; throws when the file has no such tissue.</summary>
    public float[] Tissue(string tissue)
    {
        for (int t = 0; t < Tissues.Count; t++)
            if (Tissues[t] == tissue) return Effects[t];
        throw new KeyNotFoundException($"no tissue column '{tissue}'");
    }
}

/// <summary>Reads and writes per-gene effects files: gene, chrom, pos (int), ref, alt, dist (int), then one float column per tissue.
/// Also reads variant prediction tables (`expecto predict-variants`, ExPecto predict.py) into the same shape.</summary>
public static class EffectsFile
{
    private static readonly string[] s_fixed = ["gene", "chrom", "pos", "ref", "alt", "dist"];

    /// <summary>
    /// Reads an effects Parquet: columns chrom, pos, ref, alt required; gene and dist optional ("" and 0 when absent);
    /// every other numeric column is a tissue; other text columns (strand, …) are ignored. So both the per-gene
    /// saturation-mutagenesis files and `expecto predict-variants` Parquet tables read.
    /// </summary>
    public static async Task<GeneEffects> ReadAsync(string path, CancellationToken ct = default)
    {
        if (IsText(path)) return ReadText(path);
        await using var stream = File.OpenRead(path);
        await using var reader = await ParquetReader.CreateAsync(stream, cancellationToken: ct);
        var schema = reader.Schema;
        var all = schema.GetDataFields();
        DataField? Optional(string name) => all.FirstOrDefault(f => f.Name == name);
        var fChrom = ParquetColumns.Require(schema, "chrom", path);
        var fPos = ParquetColumns.Require(schema, "pos", path);
        var fRef = ParquetColumns.Require(schema, "ref", path);
        var fAlt = ParquetColumns.Require(schema, "alt", path);
        var fGene = Optional("gene");
        var fDist = Optional("dist");
        var tissueFields = all.Where(f => !s_fixed.Contains(f.Name) && f.ClrType != typeof(string) && f.ClrType != typeof(ReadOnlyMemory<char>)).ToArray();
        var gene = new List<string>(); var chrom = new List<string>(); var refs = new List<string>(); var alts = new List<string>();
        var pos = new List<int>(); var dist = new List<int>();
        var effects = tissueFields.Select(_ => new List<float>()).ToArray();
        for (int g = 0; g < reader.RowGroupCount; g++)
        {
            using var rg = reader.OpenRowGroupReader(g);
            int n = checked((int)rg.RowCount);
            gene.AddRange(fGene is null ? Enumerable.Repeat("", n) : await ParquetColumns.ReadStringsAsync(rg, fGene, path));
            chrom.AddRange(await ParquetColumns.ReadStringsAsync(rg, fChrom, path));
            pos.AddRange((await ParquetColumns.ReadLongsAsync(rg, fPos, path)).Select(v => checked((int)v)));
            refs.AddRange(await ParquetColumns.ReadStringsAsync(rg, fRef, path));
            alts.AddRange(await ParquetColumns.ReadStringsAsync(rg, fAlt, path));
            dist.AddRange(fDist is null ? Enumerable.Repeat(0, n) : (await ParquetColumns.ReadLongsAsync(rg, fDist, path)).Select(v => checked((int)v)));
            for (int t = 0; t < tissueFields.Length; t++)
                effects[t].AddRange(await ParquetColumns.ReadFloatsAsync(rg, tissueFields[t], path));
        }
        return new GeneEffects
        {
            Gene = gene, Chrom = chrom, Pos = pos.ToArray(), Ref = refs, Alt = alts, Dist = dist.ToArray(),
            Tissues = tissueFields.Select(f => f.Name).ToArray(),
            Effects = effects.Select(e => e.ToArray()).ToArray(),
        };
    }

    private static bool IsText(string path)
    {
        string name = path.ToLowerInvariant();
        if (name.EndsWith(".gz", StringComparison.Ordinal)) name = name[..^3];
        return name.EndsWith(".tsv", StringComparison.Ordinal) || name.EndsWith(".csv", StringComparison.Ordinal) || name.EndsWith(".txt", StringComparison.Ordinal);
    }

    /// <summary>Header names accepted for each key column: ours, VCF's, and ExPecto predict.py's unnamed 0..4.</summary>
    private static readonly (string Key, string[] Names)[] s_textKeys =
    [
        ("chrom", ["chrom", "chr", "#CHROM", "CHROM", "0"]), ("pos", ["pos", "POS", "1"]), ("ref", ["ref", "REF", "3"]),
        ("alt", ["alt", "ALT", "4"]), ("gene", ["gene"]), ("dist", ["dist"]),
    ];

    private static readonly HashSet<string> s_textIgnored = new(StringComparer.Ordinal) { "", "index", "2", "id", "ID", "name", "strand" };

    /// <summary>
    /// A predictions table as text (TSV, or CSV when the header has no tab): `expecto predict-variants` .tsv/.csv or
    /// ExPecto predict.py's CSV (",index,0,1,2,3,4,dist,gene,strand,tissues…"). Keys as in <see cref="ReadAsync"/>.
    /// </summary>
    private static GeneEffects ReadText(string path)
    {
        string[]? header = null;
        char sep = '\t';
        int[] key = [];
        int[] tissueCols = [];
        var gene = new List<string>(); var chrom = new List<string>(); var refs = new List<string>(); var alts = new List<string>();
        var pos = new List<int>(); var dist = new List<int>();
        List<float>[] effects = [];
        long lineNo = 0;
        foreach (var line in Csv.ReadLines(path))
        {
            lineNo++;
            if (line.Trim().Length == 0) continue;
            if (header is null)
            {
                sep = line.Contains('\t') ? '\t' : ',';
                header = Csv.Split(line, sep).Select(h => h.Trim()).ToArray();
                var h = header;
                key = s_textKeys.Select(k => Array.FindIndex(h, c => k.Names.Contains(c))).ToArray();
                if (key[..4].Any(i => i < 0))
                    throw new ExPecto.Core.InputException(path, lineNo, $"expected columns chrom, pos, ref, alt (then gene, dist and one column per tissue), found {string.Join(" ", h.Take(12))}");
                tissueCols = Enumerable.Range(0, h.Length).Where(j => !key.Contains(j) && !s_textIgnored.Contains(h[j])).ToArray();
                effects = tissueCols.Select(_ => new List<float>()).ToArray();
                continue;
            }
            var f = Csv.Split(line, sep);
            if (f.Length != header.Length) throw new ExPecto.Core.InputException(path, lineNo, $"expected {header.Length} fields as in the header, found {f.Length}");
            chrom.Add(f[key[0]]);
            pos.Add(ParseInt(f[key[1]], path, lineNo, "pos"));
            refs.Add(f[key[2]].ToUpperInvariant());
            alts.Add(f[key[3]].ToUpperInvariant());
            gene.Add(key[4] >= 0 ? f[key[4]] : "");
            dist.Add(key[5] >= 0 ? ParseInt(f[key[5]], path, lineNo, "dist") : 0);
            for (int t = 0; t < tissueCols.Length; t++)
            {
                string v = f[tissueCols[t]];
                effects[t].Add(v is "NA" or "nan" or "NaN" or "" ? float.NaN
                    : float.TryParse(v, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out float x) ? x
                    : throw new ExPecto.Core.InputException(path, lineNo, $"column '{header[tissueCols[t]]}': expected a number, found '{v}'"));
            }
        }
        if (header is null) throw new ExPecto.Core.InputException(path, null, "expected a header line, found an empty file");
        return new GeneEffects
        {
            Gene = gene, Chrom = chrom, Pos = pos.ToArray(), Ref = refs, Alt = alts, Dist = dist.ToArray(),
            Tissues = tissueCols.Select(j => header[j]).ToArray(),
            Effects = effects.Select(e => e.ToArray()).ToArray(),
        };
    }

    private static int ParseInt(string s, string path, long line, string column) =>
        int.TryParse(s, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out int v) ? v
        : throw new ExPecto.Core.InputException(path, line, $"column '{column}': expected an integer, found '{s}'");

    public static Task WriteAsync(string path, GeneEffects e, CancellationToken ct = default)
    {
        var fGene = new DataField<string>("gene");
        var fChrom = new DataField<string>("chrom");
        var fPos = new DataField<int>("pos");
        var fRef = new DataField<string>("ref");
        var fAlt = new DataField<string>("alt");
        var fDist = new DataField<int>("dist");
        var tissueFields = e.Tissues.Select(t => new DataField<float>(t)).ToArray();
        var schema = new ParquetSchema([fGene, fChrom, fPos, fRef, fAlt, fDist, .. tissueFields]);
        return AtomicFile.WriteAsync(path, async stream =>
        {
            await using var writer = await ParquetWriter.CreateAsync(schema, stream, cancellationToken: ct);
            using var rg = writer.CreateRowGroup();
            await rg.WriteAsync(fGene, e.Gene.ToArray());
            await rg.WriteAsync(fChrom, e.Chrom.ToArray());
            await rg.WriteAsync<int>(fPos, e.Pos);
            await rg.WriteAsync(fRef, e.Ref.ToArray());
            await rg.WriteAsync(fAlt, e.Alt.ToArray());
            await rg.WriteAsync<int>(fDist, e.Dist);
            for (int t = 0; t < tissueFields.Length; t++)
                await rg.WriteAsync<float>(tissueFields[t], e.Effects[t]);
        });
    }

    /// <summary>One effects file (Parquet, or a predictions TSV/CSV), or every <c>*.parquet</c> below a folder (sorted by path).</summary>
    public static async Task<IReadOnlyList<GeneEffects>> ReadManyAsync(string fileOrDir, CancellationToken ct = default)
    {
        if (File.Exists(fileOrDir)) return [await ReadAsync(fileOrDir, ct)];
        if (!Directory.Exists(fileOrDir)) throw new FileNotFoundException($"no effects file or folder '{fileOrDir}'");
        var result = new List<GeneEffects>();
        foreach (var f in FindAll(fileOrDir)) result.Add(await ReadAsync(f, ct));
        return result;
    }

    /// <summary>Every <c>*.parquet</c> under <c>effects/chrom=*/</c> of a run folder, sorted by path.</summary>
    public static IReadOnlyList<string> FindAll(string effectsDir) =>
        Directory.Exists(effectsDir)
            ? Directory.GetFiles(effectsDir, "*.parquet", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToArray()
            : [];
}
