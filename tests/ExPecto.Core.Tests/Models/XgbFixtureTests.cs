using ExPecto.Testing;
using System.Globalization;
using ExPecto.Core.Models;
using ExPecto.Core.Tests.Support;

namespace ExPecto.Core.Tests.Models;

/// <summary>Models trained and saved by XGBoost 1.7.4 (tests/fixtures/make_fixtures_xgboost.py).</summary>
public sealed class XgbFixtureTests
{
    private const int F = BelugaLayout.Canonical;

    [Theory]
    [InlineData("gbl20020.json", XgbModelFormat.Json)]
    [InlineData("gbl20020.bin", XgbModelFormat.BinaryWithHeader)]
    [InlineData("gbl20030.bin", XgbModelFormat.BinaryWithHeader)]
    public void Detects_the_format_by_content(string file, XgbModelFormat expected) =>
        Assert.Equal(expected, XgbModelFile.Detect(File.ReadAllBytes(XgbFixtures.File(file))));

    [Fact]
    public void Json_and_deprecated_binary_of_one_model_hold_the_same_float32_weights()
    {
        var json = XgbModelFile.Load(XgbFixtures.File("gbl20020.json"));
        var bin = XgbModelFile.Load(XgbFixtures.File("gbl20020.bin"));
        Assert.Equal(F, json.NumFeature);
        Assert.Equal(2f, json.BaseScore);
        Assert.Equal(10, json.BoostedRounds);
        Assert.Equal(json.BaseScore, bin.BaseScore);
        Assert.Equal(json.Bias, bin.Bias);
        Assert.Equal(json.Weights, bin.Weights);
        Assert.Contains(json.Weights, w => w != 0);
    }

    [Theory]
    [InlineData("gbl20020.json", "gbl20020")]
    [InlineData("gbl20020.bin", "gbl20020")]
    [InlineData("gbl20030.bin", "gbl20030")]
    public void Predictions_match_xgboost_on_the_canonical_layout(string file, string model)
    {
        var tissue = TissueModel.Load(XgbFixtures.File(file), model, BelugaLayout.F);
        var reference = XgbFixtures.Predictions(model);
        Assert.Equal(XgbFixtures.Rows, reference.Length);
        double[] x = XgbFixtures.DesignMatrix(XgbFixtures.Rows, F);
        for (int r = 0; r < XgbFixtures.Rows; r++)
        {
            double got = tissue.Predict(x.AsSpan(r * F, F));
            // xgboost accumulates in float32; the float64 column is the same weights summed in float64 by numpy.
            Assert.True(Math.Abs(got - reference[r].Xgboost) <= 5e-5, $"row {r}: {got} vs xgboost {reference[r].Xgboost}");
            Assert.True(Math.Abs(got - reference[r].Float64) <= 1e-9, $"row {r}: {got} vs float64 {reference[r].Float64}");
        }
    }

    [Fact]
    public void Padded_layout_drops_the_zero_column_before_each_block()
    {
        var raw = XgbModelFile.Load(XgbFixtures.File("gbl20030.bin"));
        Assert.Equal(BelugaLayout.Padded, raw.NumFeature);
        for (int k = 0; k < FeatureLayout.Blocks; k++) Assert.Equal(0f, raw.Weights[k * (BelugaLayout.F + 1)]);

        var tissue = TissueModel.FromXgb("t", raw, BelugaLayout.F);
        for (int i = 0; i < F; i += 997) Assert.Equal(raw.Weights[FeatureLayout.PaddedIndex(i, BelugaLayout.F)], tissue.Weights[i]);
        Assert.Equal(raw.Weights[^1], tissue.Weights[^1]);

        // The raw model on padded x predicts what the canonical model predicts on x.
        double[] x = XgbFixtures.DesignMatrix(1, F);
        var padded = new double[BelugaLayout.Padded];
        FeatureLayout.PadFeatures(x, padded);
        Assert.Equal(raw.Predict(padded), tissue.Predict(x), 12);
    }

    /// <summary>
    /// The writers' output is pinned by files in tests/fixtures/xgboost/csharp/, which xgboost 1.7.4 loaded
    /// (make_fixtures_xgboost.py --verify-csharp) and predicted with: those predictions must match ours.
    /// Set EXPECTO_REGENERATE_FIXTURES=1 to rewrite the files, then rerun the script.
    /// </summary>
    [Fact]
    public void Writers_output_is_pinned_and_loads_in_xgboost()
    {
        var tissue = TissueModel.Load(XgbFixtures.File("gbl20020.json"), "gbl20020", BelugaLayout.F);
        var outputs = new (string File, byte[] Bytes)[]
        {
            ("expecto_layout.save", XgbLinearBinaryFormat.ToBytes(tissue.ToXgb(paddedLayout: true), binfHeader: true)),
            ("canonical_layout.model", XgbLinearBinaryFormat.ToBytes(tissue.ToXgb(paddedLayout: false), binfHeader: false)),
            ("canonical_layout.json", XgbLinearJsonFormat.ToBytes(tissue.ToXgb(paddedLayout: false, boostedRounds: 10))),
        };
        string folder = XgbFixtures.File("csharp");
        if (Environment.GetEnvironmentVariable("EXPECTO_REGENERATE_FIXTURES") == "1")
        {
            Directory.CreateDirectory(folder);
            foreach (var (file, bytes) in outputs) File.WriteAllBytes(Path.Combine(folder, file), bytes);
        }

        double[] x = XgbFixtures.DesignMatrix(XgbFixtures.Rows, F);
        var verified = File.ReadAllLines(Path.Combine(folder, "xgboost_predictions.csv")).Skip(1)
            .Select(l => l.Split(',')).ToLookup(c => c[0], c => double.Parse(c[2], CultureInfo.InvariantCulture));
        foreach (var (file, bytes) in outputs)
        {
            Assert.True(bytes.AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(folder, file))), $"{file} differs from the pinned file");
            var reread = TissueModel.FromXgb("t", XgbModelFile.Load(Path.Combine(folder, file)), BelugaLayout.F);
            Assert.True(reread.Weights.SequenceEqual(tissue.Weights), $"{file}: weights changed on the round trip");
            double[] xgboost = verified[file].ToArray();
            Assert.Equal(XgbFixtures.Rows, xgboost.Length);
            for (int r = 0; r < XgbFixtures.Rows; r++)
            {
                double got = tissue.Predict(x.AsSpan(r * F, F));
                Assert.True(Math.Abs(got - xgboost[r]) <= 5e-5, $"{file} row {r}: {got} vs xgboost {xgboost[r]}");
            }
        }
    }
}
