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
        "  \"radius\": 1000, \"threshold\": 0.3, \"engine\": \"incremental\", \"batchSize\": 64, \"precision\": \"bf16\",\n" +
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

    [Fact]
    public void Precision_parses_defaults_to_fp32_round_trips_and_a_bad_one_names_the_line()
    {
        Assert.Equal(ExPecto.Core.Chromatin.ComputePrecision.Bf16, JobSpecFile.Parse("job.json", ValidSpec).Precision);
        Assert.Equal(ExPecto.Core.Chromatin.ComputePrecision.Fp32, JobSpecFile.Parse("job.json", "{ \"genes\": \"all\" }").Precision);
        Assert.Contains("\"precision\": \"bf16\"", JobSpecFile.Format(JobSpecFile.Parse("job.json", ValidSpec)));
        Assert.DoesNotContain("precision", JobSpecFile.Format(JobSpecFile.Parse("job.json", "{ \"genes\": \"all\" }")));
        var e = Assert.Throws<ExPecto.Core.InputException>(() => JobSpecFile.Parse("job.json", "{\n  \"genes\": \"all\",\n  \"precision\": \"fp16\"\n}"));
        Assert.StartsWith("job.json:3:", e.Message);
        Assert.Contains("fp32, tf32, bf16", e.Message);
    }
}
