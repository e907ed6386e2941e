using ExPecto.Testing;

namespace ExPecto.Cli.Tests;

/// <summary>
/// A Beluga-shaped model with F = 7 chromatin outputs (fc1 width 23) and tissue models with 70 (10·F) and 80
/// (10·(F+1), padded) columns, end to end through `expecto predict-variants`, against the effects PyTorch 1.13 and
/// float64 w·x give for the same genome and VCF (tests/fixtures/variants_f7, `make_fixtures_torch.py --reduced`).
/// </summary>
public sealed class ReducedOutputModelCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("expecto-f7-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void A_seven_output_model_reproduces_pytorch_for_every_allele_and_tissue()
    {
        string f = TestPaths.Fixture("variants"), f7 = TestPaths.Fixture("variants_f7");
        string output = Path.Combine(_dir, "effects.tsv");
        var run = ExpectoProcess.Run(_dir,
        [
            "predict-variants", "--genome", Path.Combine(f, "genome.fa"), "--annotation", Path.Combine(f, "genes.bed"),
            "--models", Path.Combine(f7, "modellist"), "--beluga", Path.Combine(f7, "beluga_f7_zip.pth"),
            "--vcf", Path.Combine(f, "variants.vcf"), "--ref-mismatch", "error", "--out", output,
        ]);
        Assert.True(run.ExitCode == 0, run.ToString());

        var (header, rows) = PredictVariantsCliTests.ReadTsv(output);
        var (refHeader, reference) = PredictVariantsCliTests.ReadTsv(Path.Combine(f7, "expected_effects_float64.tsv"));
        Assert.Equal(["chrom", "pos", "ref", "alt", "gene", "strand", "dist", "Tissue 70", "Tissue 80 (padded)"], header);
        Assert.Equal(refHeader, header);
        Assert.Equal(reference.Length, rows.Length);
        for (int i = 0; i < rows.Length; i++)
        {
            Assert.Equal(reference[i][..7], rows[i][..7]);
            for (int t = 7; t < header.Length; t++)
            {
                double got = PredictVariantsCliTests.Number(rows[i][t]), want = PredictVariantsCliTests.Number(reference[i][t]);
                Assert.True(Math.Abs(got - want) <= PredictVariantsCliTests.Float64Tolerance,
                    $"row {i} ({string.Join(' ', rows[i][..4])}) {header[t]}: {got} vs PyTorch/float64 {want}");
            }
        }
        // Effects of a few hundredths: the 1e-5 tolerance is far below the signal, so a wrong F-block fold would fail.
        Assert.True(reference.Max(r => Math.Abs(PredictVariantsCliTests.Number(r[7]))) > 0.01);
    }
}
