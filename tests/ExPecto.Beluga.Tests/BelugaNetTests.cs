using ExPecto.Beluga.Weights;
using ExPecto.Core;

namespace ExPecto.Beluga.Tests;

public class BelugaNetTests
{
    // The keys of deepsea.beluga.pth, as PyTorch's Beluga class (ExPecto chromatin.py) names them.
    private static readonly string[] BelugaKeys =
    [
        "model.0.0.weight", "model.0.0.bias", "model.0.2.weight", "model.0.2.bias",
        "model.0.6.weight", "model.0.6.bias", "model.0.8.weight", "model.0.8.bias",
        "model.0.12.weight", "model.0.12.bias", "model.0.14.weight", "model.0.14.bias",
        "model.1.2.1.weight", "model.1.2.1.bias", "model.1.4.1.weight", "model.1.4.1.bias",
    ];

    [Fact]
    public void Module_tree_gives_beluga_state_dict_keys_and_shapes()
    {
        using var net = new BelugaNet(BelugaFixtures.SmallShape);
        var parameters = net.ParametersByKey();
        var stateDictKeys = net.state_dict().Keys;

        Assert.Equal(BelugaKeys, parameters.Keys);
        Assert.Equal(BelugaKeys, stateDictKeys);
        foreach (var (key, shape) in BelugaFixtures.SmallShape.ExpectedShapes())
            Assert.Equal(shape, parameters[key].shape);
    }

    [Fact]
    public void Full_shape_has_the_published_parameter_count_and_flatten_width()
    {
        Assert.Equal(149_536_251, BelugaShape.Full.ParameterCount);
        Assert.Equal(67_840, BelugaShape.Full.FlattenWidth);
        Assert.Equal([2003L, 67_840L], BelugaShape.Full.ExpectedShapes()["model.1.2.1.weight"]);
    }

    [Fact]
    public void Widths_are_read_from_the_weight_shapes()
    {
        var stateDict = PyTorchStateDictReader.Read(BelugaFixtures.SmallZip);
        Assert.Equal(BelugaFixtures.SmallShape, BelugaShape.FromStateDict(stateDict));
    }

    [Fact]
    public void Fc1_in_features_that_do_not_fit_conv6_are_reported_with_key_and_shapes()
    {
        var stateDict = new Dictionary<string, TensorData>(PyTorchStateDictReader.Read(BelugaFixtures.SmallZip));
        stateDict["model.1.2.1.weight"] = new TensorData([40, 3000], new float[40 * 3000]);

        var e = Assert.Throws<InputException>(() => BelugaNet.FromStateDict(stateDict, "weights.pth"));
        Assert.Equal(
            "weights.pth: 'model.1.2.1.weight': expected shape [40, 3392], found [40, 3000] (in-features must be conv6 channels 32 × 106 positions = 3392)",
            e.Message);
    }

    [Fact]
    public void A_conv_whose_input_channels_do_not_follow_is_reported()
    {
        var stateDict = new Dictionary<string, TensorData>(PyTorchStateDictReader.Read(BelugaFixtures.SmallZip));
        stateDict["model.0.6.weight"] = new TensorData([24, 15, 1, 8], new float[24 * 15 * 8]);

        var e = Assert.Throws<InputException>(() => BelugaShape.FromStateDict(stateDict, "w.pth"));
        Assert.Contains("'model.0.6.weight': expected shape [24, 16, 1, 8], found [24, 15, 1, 8]", e.Message);
    }

    [Fact]
    public void Missing_and_extra_keys_are_reported()
    {
        var full = PyTorchStateDictReader.Read(BelugaFixtures.SmallZip);
        var missing = full.Where(kv => kv.Key != "model.0.8.bias").ToDictionary();
        var extra = full.ToDictionary();
        extra["model.0.1.weight"] = new TensorData([1], [0f]);

        Assert.Contains("no 'model.0.8.bias'", Assert.Throws<InputException>(() => BelugaShape.FromStateDict(missing)).Message);
        Assert.Contains("'model.0.1.weight'", Assert.Throws<InputException>(() => BelugaShape.FromStateDict(extra)).Message);
    }
}
