using ExPecto.Testing;

namespace ExPecto.Cli.Tests;

/// <summary>
/// `--threads` end to end: on a CPU the incremental engine computes that many batches at once, each on a
/// single-threaded libtorch thread, so a gene's output files are the same bytes whatever the thread count.
/// </summary>
public sealed class ThreadsCliTests : IDisposable
{
    private const string Gene = "ENSG00000101384"; // JAG1, a demo gene

    private readonly string _dir = Directory.CreateTempSubdirectory("expecto-threads-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Mutagenesis_writes_the_same_bytes_with_one_two_and_three_threads()
    {
        // Radius 40: 243 mutations in batches of 16, so every thread count runs several rounds and a short last batch.
        string Run(int threads)
        {
            string output = Path.Combine(_dir, $"t{threads}");
            ExpectoRun run = ExpectoProcess.Run(TestPaths.RepoRoot, "mutagenesis", "--genes", Gene, "--radius", "40", "--batch-size", "16",
                "--threads", threads.ToString(System.Globalization.CultureInfo.InvariantCulture), "--out", output);
            Assert.True(run.ExitCode == 0, run.ToString());
            return output;
        }
        string one = Run(1);
        foreach (int threads in new[] { 2, 3 })
        {
            string other = Run(threads);
            foreach (string folder in new[] { "effects", "strong_effects" })
            {
                string[] files = [.. Directory.GetFiles(Path.Combine(one, folder), "*.parquet", SearchOption.AllDirectories)
                    .Select(f => Path.GetRelativePath(one, f)).Order(StringComparer.Ordinal)];
                Assert.NotEmpty(files);
                Assert.Equal(files, Directory.GetFiles(Path.Combine(other, folder), "*.parquet", SearchOption.AllDirectories)
                    .Select(f => Path.GetRelativePath(other, f)).Order(StringComparer.Ordinal));
                foreach (string file in files)
                    Assert.True(File.ReadAllBytes(Path.Combine(one, file)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(other, file))),
                        $"{file} differs between --threads 1 and --threads {threads}");
            }
        }
    }
}
