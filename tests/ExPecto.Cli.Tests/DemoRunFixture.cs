using ExPecto.Testing;

namespace ExPecto.Cli.Tests;

/// <summary>
/// One bundled-demo run shared by a test class: `expecto run` on the three demo genes that the GTEx subset covers, at
/// radius 1 (effects/, genes.parquet, manifest.json, exactly as a full run writes them), and `expecto features` for the
/// same genes. About a minute on a busy 2-core machine, once per class.
/// </summary>
public sealed class DemoRunFixture : IAsyncLifetime
{
    /// <summary>Demo genes with GTEx v7 median TPM in ../shared/data/gtex_v7_median_tpm_subset: JAG1, MYH7B, HNF4A.</summary>
    public static readonly string[] GtexGenes = ["ENSG00000101384", "ENSG00000078814", "ENSG00000101076"];

    public string Root { get; } = Directory.CreateTempSubdirectory("expecto-analysis-cli-").FullName;

    public string Run => Path.Combine(Root, "run");

    public string Features => Path.Combine(Root, "features.parquet");

    public ExpectoRun RunResult { get; private set; } = null!;

    public ExpectoRun FeaturesResult { get; private set; } = null!;

    public ValueTask InitializeAsync()
    {
        var limit = TimeSpan.FromMinutes(8);
        RunResult = ExpectoProcess.Run(limit, TestPaths.RepoRoot, "run", "--out", Run, "--genes", string.Join(',', GtexGenes), "--radius", "1");
        FeaturesResult = ExpectoProcess.Run(limit, TestPaths.RepoRoot, "features", "--genes", string.Join(',', GtexGenes), "--out", Features);
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync()
    {
        Directory.Delete(Root, recursive: true);
        return ValueTask.CompletedTask;
    }

    /// <summary>A fresh empty folder under the fixture's root.</summary>
    public string NewDir(string name) => Directory.CreateDirectory(Path.Combine(Root, name + "-" + Guid.NewGuid().ToString("N")[..8])).FullName;
}
