using ExPecto.Core.Models;
using ExPecto.Core.Tests.Support;
using ExPecto.Testing;

namespace ExPecto.Core.Tests.Models;

/// <summary>ExPecto's own model files (../shared/data/expecto/models) against their XGBoost text dumps.</summary>
public sealed class ExpectoModelFileTests
{
    private const string AdiposeStem =
        "models/allhistones2000.1.fixed.all.pseudocount0.0001.lambda100.round100.basescore2.Adipose_Subcutaneous";

    [Theory]
    [InlineData(AdiposeStem + ".save", AdiposeStem + ".dump", BelugaLayout.Padded)]
    [InlineData("models/experimental/200k_1.model", "models/experimental/200k_1.model.dump", BelugaLayout.Canonical)]
    public void Binary_reader_matches_every_value_of_the_text_dump(string model, string dump, int features)
    {
        var m = XgbModelFile.Load(TestPaths.RequireSharedData("expecto/" + model));
        string[] lines = File.ReadAllLines(TestPaths.RequireSharedData("expecto/" + dump));
        // booster[0](:) / bias: / value / weight: / one value per feature
        Assert.StartsWith("booster[0]", lines[0]);
        Assert.Equal("bias:", lines[1]);
        Assert.Equal("weight:", lines[3]);
        Assert.Equal(features, m.NumFeature);
        Assert.Equal(features + 4, lines.Length);
        Assert.Equal(2f, m.BaseScore);
        Assert.Equal("reg:linear", m.Objective);
        // The dump prints each float32 with C's %g (6 significant digits): compare those strings exactly.
        Assert.Equal(lines[2], CFormat.G6(m.Bias));
        for (int i = 0; i < features; i++) Assert.Equal(lines[4 + i], CFormat.G6(m.Weights[i]));
    }

    [Fact]
    public void Legacy_file_has_a_zero_weight_before_each_block()
    {
        var m = XgbModelFile.Load(TestPaths.RequireSharedData("expecto/" + AdiposeStem + ".save"));
        for (int k = 0; k < FeatureLayout.Blocks; k++) Assert.Equal(0f, m.Weights[k * (BelugaLayout.F + 1)]);
    }

    [Theory]
    [InlineData(AdiposeStem + ".save", XgbModelFormat.BinaryWithHeader)]
    [InlineData("models/experimental/200k_1.model", XgbModelFormat.Binary)]
    public void Writer_reproduces_the_original_files_byte_for_byte(string model, XgbModelFormat format)
    {
        string path = TestPaths.RequireSharedData("expecto/" + model);
        byte[] original = File.ReadAllBytes(path);
        Assert.Equal(format, XgbModelFile.Detect(original));
        var m = XgbModelFile.Load(path);
        byte[] written = XgbLinearBinaryFormat.ToBytes(m, binfHeader: format == XgbModelFormat.BinaryWithHeader);
        Assert.True(original.AsSpan().SequenceEqual(written), "written bytes differ from ExPecto's file");

        // And through the canonical tissue model and back (pad columns are zero in the original).
        var tissue = TissueModel.FromXgb("t", m, BelugaLayout.F);
        byte[] again = XgbLinearBinaryFormat.ToBytes(tissue.ToXgb(paddedLayout: m.NumFeature == BelugaLayout.Padded),
            binfHeader: format == XgbModelFormat.BinaryWithHeader);
        Assert.True(original.AsSpan().SequenceEqual(again), "canonical round trip changed the file");
    }

    [Fact]
    public void Truncated_or_foreign_files_are_input_errors()
    {
        byte[] original = File.ReadAllBytes(TestPaths.RequireSharedData("expecto/models/experimental/200k_1.model"));
        var truncated = Assert.Throws<InputException>(() => XgbLinearBinaryFormat.Read(original.AsSpan(0, original.Length - 3), "m.model"));
        Assert.Contains("m.model", truncated.Message);
        Assert.Contains("ends early", truncated.Message);

        byte[] extra = [.. original, 1, 2, 3];
        Assert.Throws<InputException>(() => XgbLinearBinaryFormat.Read(extra, "m.model"));

        byte[] tree = (byte[])original.Clone();
        "gbtree  "u8.CopyTo(tree.AsSpan(0x88 + 8 + 10 + 8)); // booster name → not gblinear
        var e = Assert.Throws<InputException>(() => XgbLinearBinaryFormat.Read(tree, "m.model"));
        Assert.Contains("gblinear", e.Message);
    }
}
