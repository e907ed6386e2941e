using ExPecto.TestHooks;
using ExPecto.Protocol.Jobs;
using ExPecto.Protocol.Processing;

namespace ExPecto.Cluster.Tests;

/// <summary>Tiny stand-in inputs (the fake engine only digests them) and specs over them.</summary>
internal sealed class TestInputs
{
    public string Dir { get; }
    public string Genome => Path.Combine(Dir, "genome.fa");
    public string Annotation => Path.Combine(Dir, "annotation.tsv");
    public string Weights => Path.Combine(Dir, "beluga.pth");
    public string Models => Path.Combine(Dir, "models.txt");
    public string GenesFile => Path.Combine(Dir, "genes.tsv");
    public IReadOnlyList<GeneRef> Genes { get; }

    public TestInputs(string dir, int genes)
    {
        Dir = dir;
        Directory.CreateDirectory(dir);
        File.WriteAllText(Genome, ">chr1\nACGTACGTNN\n");
        File.WriteAllText(Annotation, "gene\tchrom\ttss\tstrand\n");
        File.WriteAllText(Weights, "weights");
        File.WriteAllText(Path.Combine(dir, "Liver.model"), "liver");
        File.WriteAllText(Path.Combine(dir, "Lung.model"), "lung");
        File.WriteAllText(Models, "Liver.model\nLung.model\n");
        Genes = Enumerable.Range(1, genes).Select(i => new GeneRef($"ENSG{i:D5}", $"chr{i % 3 + 1}")).ToList();
        File.WriteAllLines(GenesFile, Genes.Select(g => g.GeneId + "\t" + g.Chrom));
    }

    public JobSpec Spec(string outDir, int delayMs = 0, string? failGenes = null)
    {
        var parameters = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (delayMs > 0) parameters[FakeGeneProcessor.DelayParameter] = delayMs.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (failGenes is not null) parameters[FakeGeneProcessor.FailGenesParameter] = failGenes;
        return new JobSpec(Genome, Annotation, Weights, Models, outDir, 10, 0.3, FakeGeneProcessor.EngineName, 4) { Parameters = parameters };
    }

    /// <summary>The CLI arguments describing <see cref="Spec"/>.</summary>
    public IEnumerable<string> CliArgs(string outDir, int delayMs = 0)
    {
        string[] args = ["--genome", Genome, "--annotation", Annotation, "--weights", Weights, "--models", Models,
            "--genes", GenesFile, "--out", outDir, "--radius", "10", "--threshold", "0.3", "--engine", "fake", "--batch-size", "4"];
        return delayMs > 0 ? [.. args, "--param", $"{FakeGeneProcessor.DelayParameter}={delayMs}"] : args;
    }
}

/// <summary>A temp folder removed at dispose.</summary>
internal sealed class TempDir : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "expecto-cluster-tests", Guid.NewGuid().ToString("N")[..12]);

    public TempDir() => Directory.CreateDirectory(Path);

    public string Sub(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

/// <summary>What an output folder holds, as relative path → SHA-256, without the checkpoint state.</summary>
internal static class OutputSnapshot
{
    public static SortedDictionary<string, string> Of(string dir)
    {
        var map = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (string f in Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories))
        {
            string rel = System.IO.Path.GetRelativePath(dir, f).Replace('\\', '/');
            if (rel.StartsWith("_state/", StringComparison.Ordinal)) continue;
            map[rel] = OutputChecksum.FileSha256(f);
        }
        return map;
    }
}
