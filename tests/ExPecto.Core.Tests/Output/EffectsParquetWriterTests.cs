using ExPecto.Core.Mutagenesis;
using ExPecto.Core.Output;
using ExPecto.Core.Tests.Mutagenesis;
using ExPecto.Testing;

namespace ExPecto.Core.Tests.Output;

public sealed class EffectsParquetWriterTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void ExPectos_218_tissue_names_survive_as_column_names()
    {
        // Names are read from the licensed model list at test time, never copied into the repository.
        string modellist = TestPaths.RequireSharedData("expecto/resources/modellist");
        List<string> tissues = File.ReadLines(modellist).Skip(1)
            .Where(l => l.Length > 0)
            .Select(l => l.Split('\t')[1])
            .ToList();
        Assert.Equal(218, tissues.Count);

        string path = Path.Combine(_dir.Path, "g.parquet");
        const int rows = 7;
        var mutations = Enumerable.Range(0, rows).Select(i => new SaturationMutation(1000 + i, (byte)'A', (byte)'C', i)).ToArray();
        int[] distances = Enumerable.Range(-3, rows).ToArray();
        float[] effects = Enumerable.Range(0, rows * tissues.Count).Select(i => i * 0.001f).ToArray();
        using (var writer = new EffectsParquetWriter(path, "G", "chr1", tissues, rowGroupRows: 3))
        {
            writer.Append(mutations.AsSpan(0, 4), distances.AsSpan(0, 4), effects.AsSpan(0, 4 * tissues.Count));
            writer.Append(mutations.AsSpan(4), distances.AsSpan(4), effects.AsSpan(4 * tissues.Count));
            writer.Complete();
        }

        var columns = Duck.Query($"DESCRIBE SELECT * FROM read_parquet({Duck.Lit(path)})").Select(r => (string)r[0]!).ToList();
        Assert.Equal([.. EffectsParquetWriter.FixedColumns, .. tissues], columns);
        for (int t = 0; t < tissues.Count; t += 37)
        {
            string column = "\"" + tissues[t].Replace("\"", "\"\"") + "\"";
            var values = Duck.Query($"SELECT {column} FROM read_parquet({Duck.Lit(path)}) ORDER BY pos").Select(r => (float)r[0]!);
            Assert.Equal(Enumerable.Range(0, rows).Select(i => effects[i * tissues.Count + t]), values);
        }
    }

    [Fact]
    public void An_abandoned_writer_leaves_a_file_the_validator_would_reject()
    {
        string path = Path.Combine(_dir.Path, "g.parquet");
        using (var writer = new EffectsParquetWriter(path, "G", "chr1", ["Liver"], rowGroupRows: 2))
        {
            var m = new[] { new SaturationMutation(5, (byte)'G', (byte)'T', 0), new SaturationMutation(5, (byte)'G', (byte)'A', 0) };
            writer.Append(m, [0, 0], [0.5f, -0.5f]);
        }

        Assert.ThrowsAny<Exception>(() => Duck.Query($"SELECT count(*) FROM read_parquet({Duck.Lit(path)})"));
    }
}
