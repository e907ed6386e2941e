using System.Text;
using CsCheck;
using ExPecto.Coordinator.Jobs;
using ExPecto.Testing.Fuzz;

namespace ExPecto.Cluster.Tests.BadInput;

/// <summary>Random and mutated job spec files: JobSpecFile returns a request or throws InputException, nothing else.</summary>
public sealed class JobSpecFuzzTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("expecto-specfuzz-").FullName;

    private const string ValidSpec =
        "{\n  \"genome\": \"hg19.fa\", \"annotation\": \"geneanno.csv\", \"beluga\": \"deepsea.beluga.pth\",\n" +
        "  \"models\": \"modellist\", \"genes\": \"chrom:chr20\", \"out\": \"out/chr20\",\n" +
        "  \"radius\": 1000, \"threshold\": 0.3, \"engine\": \"incremental\", \"batchSize\": 64,\n" +
        "  // a comment\n  \"params\": { \"seed\": 7, \"label\": \"x\", \"on\": true },\n}\n";

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Job_spec_parses_or_reports_bad_input()
    {
        string path = Path.Combine(_dir, "job.json");
        var gen = Gen.Frequency((1, FuzzHarness.RandomBytes()), (4, FuzzHarness.Mutations(Encoding.UTF8.GetBytes(ValidSpec))));
        FuzzHarness.Check(gen, bytes =>
        {
            File.WriteAllBytes(path, bytes);
            JobRequest request = JobSpecFile.Read(path);
            // What parsed must survive its own formatting: the text a schedule or `admin job submit` stores.
            string text = JobSpecFile.Format(request);
            Assert.Equal(text, JobSpecFile.Format(JobSpecFile.Parse("formatted", text)));
        });
    }
}
