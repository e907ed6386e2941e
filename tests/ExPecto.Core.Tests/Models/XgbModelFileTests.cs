using ExPecto.Core.Models;

namespace ExPecto.Core.Tests.Models;

public sealed class XgbModelFileTests
{
    [Fact]
    public void Headerless_binary_whose_base_score_starts_with_a_brace_is_still_binary()
    {
        // Little-endian bytes 7B 22 00 3F: '{' then '"', which would pass for JSON by the first bytes alone.
        float baseScore = BitConverter.Int32BitsToSingle(0x3F00227B);
        var model = new XgbLinearModel(baseScore, 0.25f, [1f, -2f, 0.5f]);
        byte[] bytes = XgbLinearBinaryFormat.ToBytes(model, binfHeader: false);
        Assert.Equal((byte)'{', bytes[0]);
        Assert.Equal(XgbModelFormat.Binary, XgbModelFile.Detect(bytes));
        var read = XgbLinearBinaryFormat.Read(bytes);
        Assert.Equal(baseScore, read.BaseScore);
        Assert.Equal(model.Weights, read.Weights);
    }

    [Fact]
    public void Json_writer_round_trips_float32_exactly()
    {
        var rng = new Random(5);
        var weights = Enumerable.Range(0, 500).Select(_ => (float)((rng.NextDouble() - 0.5) * Math.Pow(10, rng.Next(-9, 3)))).ToArray();
        var model = new XgbLinearModel(0.1f, -3.3e-7f, weights, "reg:squarederror", boostedRounds: 7);
        var read = XgbLinearJsonFormat.Read(XgbLinearJsonFormat.ToBytes(model));
        Assert.Equal(model.BaseScore, read.BaseScore);
        Assert.Equal(model.Bias, read.Bias);
        Assert.Equal(model.Weights, read.Weights);
        Assert.Equal(7, read.BoostedRounds);
    }

    [Fact]
    public void Ubjson_and_tree_models_are_refused_with_input_errors()
    {
        Assert.Throws<InputException>(() => XgbModelFile.Detect("{L\0\0\0\0\0\0\0\u0007learner"u8.ToArray()));
        byte[] tree = """{"learner":{"learner_model_param":{"base_score":"5E-1","num_feature":"3"},"gradient_booster":{"name":"gbtree"},"objective":{"name":"reg:squarederror"}}}"""u8.ToArray();
        var e = Assert.Throws<InputException>(() => XgbLinearJsonFormat.Read(tree, "t.json"));
        Assert.Contains("gblinear", e.Message);
        Assert.Contains("t.json", e.Message);
    }

    [Fact]
    public void Json_base_score_in_brackets_as_xgboost_3_writes_it_is_read()
    {
        byte[] json = """{"learner":{"learner_model_param":{"base_score":"[2.5E0]","num_feature":"2","num_class":"0","num_target":"1"},"gradient_booster":{"name":"gblinear","model":{"boosted_rounds":1,"weights":[1.5,-0.5,0.25]}},"objective":{"name":"reg:squarederror"}},"version":[3,0,0]}"""u8.ToArray();
        var m = XgbLinearJsonFormat.Read(json);
        Assert.Equal(2.5f, m.BaseScore);
        Assert.Equal(0.25f, m.Bias);
        Assert.Equal(2.5 + 0.25 + 1.5 * 2 - 0.5 * 4, m.Predict([2, 4]), 12);
    }
}
