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

/// <summary>Reads and writes per-gene effects files: gene, chrom, pos (int), ref, alt, dist (int), then one float column per tissue.</summary>
public static class EffectsFile
{
    private static readonly string[] s_fixed = ["gene", "chrom", "pos", "ref", "alt", "dist"];

    public static async Task<GeneEffects> ReadAsync(string path, CancellationToken ct = default)
    {
        await using var stream = File.OpenRead(path);
        await using var reader = await ParquetReader.CreateAsync(stream, cancellationToken: ct);
        var schema = reader.Schema;
        var fields = s_fixed.Select(n => ParquetColumns.Require(schema, n, path)).ToArray();
        var tissueFields = schema.GetDataFields().Where(f => !s_fixed.Contains(f.Name)).ToArray();
        var gene = new List<string>(); var chrom = new List<string>(); var refs = new List<string>(); var alts = new List<string>();
        var pos = new List<int>(); var dist = new List<int>();
        var effects = tissueFields.Select(_ => new List<float>()).ToArray();
        for (int g = 0; g < reader.RowGroupCount; g++)
        {
            using var rg = reader.OpenRowGroupReader(g);
            gene.AddRange(await ParquetColumns.ReadStringsAsync(rg, fields[0], path));
            chrom.AddRange(await ParquetColumns.ReadStringsAsync(rg, fields[1], path));
            pos.AddRange((await ParquetColumns.ReadLongsAsync(rg, fields[2], path)).Select(v => checked((int)v)));
            refs.AddRange(await ParquetColumns.ReadStringsAsync(rg, fields[3], path));
            alts.AddRange(await ParquetColumns.ReadStringsAsync(rg, fields[4], path));
            dist.AddRange((await ParquetColumns.ReadLongsAsync(rg, fields[5], path)).Select(v => checked((int)v)));
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

    /// <summary>One effects Parquet, or every <c>*.parquet</c> below a folder (sorted by path).</summary>
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
