using System.Diagnostics;
using System.Globalization;
using ExPecto.Analysis.Training;
using ExPecto.Testing;

namespace ExPecto.Analysis.Tests;

/// <summary>Against XGBoost 1.7.4 gblinear (tests/fixtures/make_fixtures_train.py, nthread=1).</summary>
public class GblinearTrainerTests
{
    private static double[][] ReadTsv(string name) =>
        File.ReadAllLines(TestPaths.Fixture(Path.Combine("gblinear", name)))
            .Where(l => l.Length > 0)
            .Select(l => l.Split('\t').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray())
            .ToArray();

    private static FeatureMatrix Matrix(string name)
    {
        var rows = ReadTsv(name);
        int p = rows[0].Length;
        return new FeatureMatrix(rows.Length, p, rows.SelectMany(r => r.Select(v => (float)v)).ToArray());
    }

    private static float[] Column(string name) => ReadTsv(name).Select(r => (float)r[0]).ToArray();

    [Fact]
    public void One_round_matches_xgboost_bias_step_and_coordinate_sweep()
    {
        var model = GblinearTrainer.Train(Matrix("X_train.tsv"), Column("y_train.tsv"), new GblinearParameters { Rounds = 1 }, TestContext.Current.CancellationToken);
        var expected = Column("weights_round1.tsv");
        Assert.Equal(expected[^1], model.Bias, 1e-7f);
        for (int j = 0; j < model.NumFeature; j++)
            Assert.Equal(expected[j], model.Weights[j], 1e-8f);
    }

    [Fact]
    public void Hundred_rounds_match_xgboost_weights_and_predictions()
    {
        var x = Matrix("X_train.tsv");
        var model = GblinearTrainer.Train(x, Column("y_train.tsv"), ct: TestContext.Current.CancellationToken);
        var expectedW = Column("weights.tsv");
        double maxW = 0;
        for (int j = 0; j < model.NumFeature; j++) maxW = Math.Max(maxW, Math.Abs(expectedW[j] - model.Weights[j]));
        maxW = Math.Max(maxW, Math.Abs(expectedW[^1] - model.Bias));
        Assert.True(maxW < 1e-6, $"max |Δw| = {maxW:g3}");

        // Stated tolerance: 1e-4 absolute on predictions of ~|5| (observed differences are at float rounding).
        AssertClose(Column("pred_train.tsv"), model.Predict(x), 1e-4);
        AssertClose(Column("pred_test.tsv"), model.Predict(Matrix("X_test.tsv")), 1e-4);
        Assert.Equal(100, model.BoostedRounds);
    }

    [Fact]
    public void Reads_xgboosts_json_and_writes_json_that_reads_back_identically()
    {
        string json = File.ReadAllText(TestPaths.Fixture("gblinear/model.json"));
        var fromXgb = GblinearModel.FromXgboostJson(json);
        Assert.Equal(2f, fromXgb.BaseScore);
        Assert.Equal(30, fromXgb.NumFeature);
        AssertClose(Column("pred_test.tsv"), fromXgb.Predict(Matrix("X_test.tsv")), 2e-6);

        var back = GblinearModel.FromXgboostJson(fromXgb.ToXgboostJson());
        Assert.Equal(fromXgb.Weights, back.Weights);
        Assert.Equal(fromXgb.Bias, back.Bias);
        Assert.Equal(fromXgb.BaseScore, back.BaseScore);
    }

    [Fact]
    public async Task Json_written_here_loads_in_python_xgboost_and_predicts_the_same()
    {
        const string python = "/usr/bin/python3";
        if (!File.Exists(python) || !PythonHasXgboost(python)) Assert.Skip("/usr/bin/python3 with xgboost is absent");
        var model = GblinearTrainer.Train(Matrix("X_train.tsv"), Column("y_train.tsv"), ct: TestContext.Current.CancellationToken);
        string dir = Directory.CreateTempSubdirectory("gblinear").FullName;
        string modelPath = Path.Combine(dir, "model.json"), predPath = Path.Combine(dir, "pred.tsv");
        await model.SaveXgboostJsonAsync(modelPath);
        var pred = model.Predict(Matrix("X_test.tsv"));
        await File.WriteAllLinesAsync(predPath, pred.Select(v => ((double)v).ToString("R", CultureInfo.InvariantCulture)), TestContext.Current.CancellationToken);
        var psi = new ProcessStartInfo(python, [TestPaths.Fixture("make_fixtures_train.py"), "--check", modelPath, TestPaths.Fixture("gblinear/X_test.tsv"), predPath])
        { RedirectStandardOutput = true, RedirectStandardError = true };
        using var proc = Process.Start(psi)!;
        string output = await proc.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken) + await proc.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await proc.WaitForExitAsync(TestContext.Current.CancellationToken);
        Assert.True(proc.ExitCode == 0, output);
        Directory.Delete(dir, true);
    }

    [Fact]
    public void Coordinate_delta_soft_thresholds_and_never_crosses_zero()
    {
        // Pure ridge: Newton step on (G + λw)/(H + λ).
        Assert.Equal(-(2.0 + 10 * 0.5) / (4 + 10), GblinearTrainer.CoordinateDelta(2, 4, 0.5, 0, 10), 12);
        // L1 large enough to pin a weight at zero: the step stops at −w.
        Assert.Equal(-0.1, GblinearTrainer.CoordinateDelta(-1, 4, 0.1, 100, 0), 12);
        Assert.Equal(0.0, GblinearTrainer.CoordinateDelta(5, 1e-7, 1, 0, 0));
    }

    private static bool PythonHasXgboost(string python)
    {
        try
        {
            using var p = Process.Start(new ProcessStartInfo(python, ["-c", "import xgboost"]) { RedirectStandardError = true })!;
            p.WaitForExit(30_000);
            return p.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception) { return false; }
    }

    private static void AssertClose(float[] expected, float[] actual, double tol)
    {
        Assert.Equal(expected.Length, actual.Length);
        double max = expected.Zip(actual, (a, b) => Math.Abs((double)a - b)).Max();
        Assert.True(max <= tol, $"max |Δ| = {max:g3} > {tol:g3}");
    }
}
