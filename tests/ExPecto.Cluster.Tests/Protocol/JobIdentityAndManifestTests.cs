using ExPecto.TestHooks;
using ExPecto.Core;
using ExPecto.Core.Chromatin;
using ExPecto.Protocol.Jobs;
using ExPecto.Protocol.Messages;
using ExPecto.Protocol.Processing;

namespace ExPecto.Cluster.Tests.Protocol;

public sealed class JobIdentityAndManifestTests : IDisposable
{
    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    [Fact]
    public void The_job_id_depends_on_content_and_parameters_not_on_paths()
    {
        var a = new TestInputs(_tmp.Sub("a"), 3);
        var b = new TestInputs(_tmp.Sub("b"), 3);
        string idA = JobIdentity.Compute(JobIdentity.DigestInputs(a.Spec("/out1")), a.Spec("/out1"), a.Genes);
        string idB = JobIdentity.Compute(JobIdentity.DigestInputs(b.Spec("/out2")), b.Spec("/out2"), b.Genes.Reverse().ToList());
        Assert.Equal(idA, idB);
        Assert.Matches("^j[0-9a-f]{16}$", idA);

        var changedParameter = a.Spec("/out1") with { Threshold = 0.5 };
        Assert.NotEqual(idA, JobIdentity.Compute(JobIdentity.DigestInputs(changedParameter), changedParameter, a.Genes));
        File.AppendAllText(Path.Combine(a.Dir, "Lung.model"), "retrained");
        var digests = JobIdentity.DigestInputs(a.Spec("/out1"));
        Assert.Equal(["Liver.model", "Lung.model"], digests.Models.Select(m => m.Name));
        Assert.NotEqual(idA, JobIdentity.Compute(digests, a.Spec("/out1"), a.Genes));
    }

    [Fact]
    public void Fp32_keeps_the_job_id_gene_digest_and_manifest_of_before_precisions_and_other_precisions_change_all_three()
    {
        var digests = new InputDigests("aa", "bb", "cc", "dd", [new ModelDigest("Liver.model", "ee")]);
        var spec = new JobSpec("/g.fa", "/a.bed", "/b.pth", "/m", "/out", 1000, 0.3, "incremental", 64);
        GeneRef[] genes = [new("ENSG1", "chr1"), new("ENSG2", "chr2")];
        // Golden values: what JobIdentity and GeneInputDigest gave for these inputs before --precision existed
        // (SHA-256 of their canonical text at commit e8d4d92), so existing jobs and checkpoints keep their ids.
        const string Fp32Id = "j581354c539fbd997";
        const string Fp32Shared = "db5ae46f74cd070c825c40283f835f0789ddab73345372855856675e6ccce78a";
        Assert.Equal(ComputePrecision.Fp32, spec.Precision);
        Assert.Equal(Fp32Id, JobIdentity.Compute(digests, spec, genes));
        Assert.Equal(Fp32Id, JobIdentity.Compute(digests, spec with { Precision = ComputePrecision.Fp32 }, genes));
        Assert.Equal(Fp32Shared, GeneInputDigest.Shared(digests, spec));

        var ids = new HashSet<string> { Fp32Id };
        var shared = new HashSet<string> { Fp32Shared };
        foreach (var p in new[] { ComputePrecision.Tf32, ComputePrecision.Bf16 })
        {
            Assert.True(ids.Add(JobIdentity.Compute(digests, spec with { Precision = p }, genes)), $"{p} job id equals another precision's");
            Assert.True(shared.Add(GeneInputDigest.Shared(digests, spec with { Precision = p })), $"{p} gene digest equals another precision's");
        }

        var ok = new GeneOutcome(3, 1, ["effects/chr1/G1.tsv"], "aa");
        string Manifest(JobSpec s) => System.Text.Encoding.UTF8.GetString(
            JobManifest.Render(new FinishedJob("j1", s, digests, [new GeneResult("ENSG1", "chr1", 1, ok, null)]), []));
        Assert.DoesNotContain("precision", Manifest(spec));
        using var doc = System.Text.Json.JsonDocument.Parse(Manifest(spec with { Precision = ComputePrecision.Bf16 }));
        Assert.Equal("bf16", doc.RootElement.GetProperty("parameters").GetProperty("precision").GetString());
    }

    [Fact]
    public void A_missing_input_is_an_input_error_naming_the_file()
    {
        var a = new TestInputs(_tmp.Sub("a"), 1);
        var spec = a.Spec("/out") with { GenomePath = Path.Combine(a.Dir, "nope.fa") };
        var e = Assert.Throws<InputException>(() => JobIdentity.DigestInputs(spec));
        Assert.Contains("nope.fa", e.Message);
    }

    [Fact]
    public void Gene_lists_reject_bad_lines_and_duplicates_with_the_line_number()
    {
        string path = _tmp.Sub("genes.tsv");
        File.WriteAllText(path, "# comment\nG1\tchr1\nG2 chr2\n");
        Assert.Contains(":3:", Assert.Throws<InputException>(() => GeneListFile.Read(path)).Message);
        File.WriteAllText(path, "G1\tchr1\nG1\tchr1\n");
        Assert.Contains("twice", Assert.Throws<InputException>(() => GeneListFile.Read(path)).Message);
        File.WriteAllText(path, "\nG1\tchr1\r\nG2\tchr2\n");
        Assert.Equal([new GeneRef("G1", "chr1"), new GeneRef("G2", "chr2")], GeneListFile.Read(path));
    }

    [Fact]
    public async Task The_fake_processor_is_deterministic_and_leaves_no_temp_files()
    {
        var inputs = new TestInputs(_tmp.Sub("in"), 1);
        var item = new GeneWorkItem("j1", "ENSG00001", "chr2", inputs.Spec(_tmp.Sub("out")));
        var first = await new FakeGeneProcessor().ProcessAsync(item, CancellationToken.None);
        byte[] bytes = File.ReadAllBytes(Path.Combine(item.Spec.OutputDir, first.Files[0]));
        var second = await new FakeGeneProcessor().ProcessAsync(item, CancellationToken.None);
        Assert.Equal(first.Checksum, second.Checksum);
        Assert.Equal(bytes, File.ReadAllBytes(Path.Combine(item.Spec.OutputDir, second.Files[0])));
        Assert.Equal(first.Rows, File.ReadAllLines(Path.Combine(item.Spec.OutputDir, first.Files[0])).Length - 1);
        Assert.Equal(["ENSG00001.tsv"], Directory.GetFiles(Path.Combine(item.Spec.OutputDir, "effects", "chr2")).Select(Path.GetFileName));
        var other = await new FakeGeneProcessor().ProcessAsync(item with { GeneId = "ENSG00002" }, CancellationToken.None);
        Assert.NotEqual(first.Checksum, other.Checksum);
    }

    [Fact]
    public void The_manifest_is_deterministic_and_success_is_written_only_for_complete_jobs()
    {
        var inputs = new TestInputs(_tmp.Sub("in"), 2);
        string outDir = _tmp.Sub("out");
        var spec = inputs.Spec(outDir);
        var digests = JobIdentity.DigestInputs(spec);
        var ok = new GeneOutcome(3, 1, ["effects/chr1/G1.tsv"], "aa");
        var complete = new FinishedJob("j1", spec, digests, [new GeneResult("G2", "chr2", 1, ok, null), new GeneResult("G1", "chr1", 1, ok, null)]);
        var reordered = complete with { Genes = complete.Genes.Reverse().ToList() };
        Assert.Equal(JobManifest.Render(complete, ["b", "a"]), JobManifest.Render(reordered, ["a", "b"]));
        string text = System.Text.Encoding.UTF8.GetString(JobManifest.Render(complete, []));
        Assert.DoesNotContain(DateTime.UtcNow.Year.ToString(System.Globalization.CultureInfo.InvariantCulture) + "-", text);
        Assert.True(text.IndexOf("\"G1\"", StringComparison.Ordinal) < text.IndexOf("\"G2\"", StringComparison.Ordinal));

        var partial = complete with { Genes = [complete.Genes[0], new GeneResult("G1", "chr1", 3, null, "boom")] };
        JobManifest.Write(partial, []);
        Assert.False(File.Exists(Path.Combine(outDir, JobManifest.SuccessMarker)));
        Assert.Null(JobManifest.CompletedJobId(outDir));
        Assert.Contains("\"partial\"", File.ReadAllText(Path.Combine(outDir, JobManifest.FileName)));

        JobManifest.Write(complete, []);
        Assert.Equal("j1", JobManifest.CompletedJobId(outDir));
        var stamp = File.GetLastWriteTimeUtc(Path.Combine(outDir, JobManifest.FileName));
        Thread.Sleep(20);
        JobManifest.Write(complete, []);
        Assert.Equal(stamp, File.GetLastWriteTimeUtc(Path.Combine(outDir, JobManifest.FileName)));
    }
}
