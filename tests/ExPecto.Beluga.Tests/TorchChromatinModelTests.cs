using ExPecto.Beluga.Weights;
using ExPecto.Core;
using TorchSharp;

namespace ExPecto.Beluga.Tests;

public class TorchChromatinModelTests
{
    private const float Tolerance = 1e-5f;

    [Theory]
    [InlineData("zip", 32)]
    [InlineData("legacy", 32)]
    [InlineData("zip", 4)] // batches of 4 with a remainder of 2
    [InlineData("zip", 1)]
    public void Predictions_match_pytorch_fwd_rc_mean(string format, int batchSize)
    {
        string path = format == "zip" ? BelugaFixtures.SmallZip : BelugaFixtures.SmallLegacy;
        using var model = TorchChromatinModel.Load(path, new TorchChromatinOptions { BatchSize = batchSize, Threads = 1 });
        var windows = BelugaFixtures.SequenceBytes();
        int count = windows.Length / model.WindowLength;
        var output = new float[count * model.FeatureCount];

        model.Predict(windows, count, output);

        Assert.Equal(6, count);
        Assert.Equal(BelugaFixtures.Outputs, model.FeatureCount);
        Assert.InRange(BelugaFixtures.MaxAbsDiff(BelugaFixtures.ExpectedOutputs("mean"), output), 0f, Tolerance);
    }

    [Fact]
    public void The_network_alone_matches_pytorch_on_the_forward_strand()
    {
        using var model = TorchChromatinModel.Load(BelugaFixtures.SmallZip);
        var sequences = BelugaFixtures.Sequences();
        var oneHot = new float[sequences.Count * 4 * 2000];
        for (int i = 0; i < sequences.Count; i++)
            ExPecto.Core.Chromatin.OneHot.Encode(System.Text.Encoding.ASCII.GetBytes(sequences[i]), oneHot.AsSpan(i * 8000, 8000));

        using var inference = torch.inference_mode();
        using var scope = torch.NewDisposeScope();
        var forward = model.Network.forward(torch.tensor(oneHot, [sequences.Count, 4, 1, 2000]));
        var viaParts = model.Network.Head(model.Network.Trunk(torch.tensor(oneHot, [sequences.Count, 4, 1, 2000])));

        Assert.InRange(BelugaFixtures.MaxAbsDiff(BelugaFixtures.ExpectedOutputs("fwd"), forward.data<float>().ToArray()), 0f, Tolerance);
        Assert.True(BelugaFixtures.MaxAbsDiff(forward.data<float>().ToArray(), viaParts.data<float>().ToArray()) == 0);
    }

    [Fact]
    public void Parameters_are_exposed_by_state_dict_key_with_the_file_values()
    {
        var stateDict = PyTorchStateDictReader.Read(BelugaFixtures.SmallZip);
        using var model = TorchChromatinModel.FromStateDict(stateDict);

        Assert.Equal(stateDict.Keys, model.Parameters.Keys);
        foreach (var (key, tensor) in stateDict)
        {
            var parameter = model.Parameter(key);
            Assert.Equal(tensor.Shape, parameter.shape);
            Assert.Equal(tensor.Data, parameter.data<float>().ToArray());
        }
        Assert.Throws<KeyNotFoundException>(() => model.Parameter("model.0.1.weight"));
    }

    [Fact]
    public void Windows_and_output_sizes_are_checked()
    {
        using var model = TorchChromatinModel.Load(BelugaFixtures.SmallZip);
        var windows = BelugaFixtures.SequenceBytes();
        Assert.Throws<ArgumentException>(() => model.Predict(windows.AsSpan(1), 6, new float[6 * 2002]));
        Assert.Throws<ArgumentException>(() => model.Predict(windows, 6, new float[5 * 2002]));
        model.Predict(ReadOnlySpan<byte>.Empty, 0, Span<float>.Empty);
    }

    [Theory]
    [InlineData("gpu")]
    [InlineData("cuda:x")]
    [InlineData("cuda:-1")]
    public void An_unknown_device_is_an_input_error(string device)
    {
        var e = Assert.Throws<InputException>(() => TorchDevices.Parse(device));
        Assert.Contains("expected cpu, cuda or cuda:N", e.Message);
    }

    [Theory]
    [InlineData("cuda")]
    [InlineData("cuda:1")]
    public void Asking_for_cuda_on_a_cpu_build_says_how_to_get_cuda(string device)
    {
        if (TorchDevices.IsCudaBuild) Assert.Skip("this is a CUDA build");
        var e = Assert.Throws<InputException>(() =>
            TorchChromatinModel.Load(BelugaFixtures.SmallZip, new TorchChromatinOptions { Device = device }));
        Assert.Contains("ExPectoTorchBackend=cuda", e.Message);
    }

    [Fact]
    public void Cpu_device_strings_parse()
    {
        Assert.Equal(DeviceType.CPU, TorchDevices.Parse("cpu").type);
        Assert.Equal(DeviceType.CPU, TorchDevices.Parse(" CPU ").type);
    }
}
