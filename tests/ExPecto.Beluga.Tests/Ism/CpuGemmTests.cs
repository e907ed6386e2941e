using ExPecto.Beluga.Ism;
using TorchSharp;
using static TorchSharp.torch;

namespace ExPecto.Beluga.Tests.Ism;

public sealed class CpuGemmTests
{
    [Theory]
    [InlineData(1, false)]
    [InlineData(33, true)]
    [InlineData(201, false)]
    [InlineData(400, true)]
    public void Linear_equals_the_float64_product_for_odd_and_even_row_counts(int rows, bool withBias)
    {
        using var scope = NewDisposeScope();
        using var inference = inference_mode();
        torch.random.manual_seed(rows);
        const int k = 640, n = 2048;
        Tensor x = randn(rows, k);
        Tensor weight = randn(k, n).div_(MathF.Sqrt(k));
        Tensor? bias = withBias ? randn(n) : null;
        Tensor y = CpuGemm.Linear(x, weight, bias);
        Tensor expected = x.to(ScalarType.Float64).mm(weight.to(ScalarType.Float64));
        if (bias is not null) expected = expected + bias.to(ScalarType.Float64);
        Assert.Equal([(long)rows, n], y.shape);
        double scale = expected.abs().max().item<double>();
        double err = (y.to(ScalarType.Float64) - expected).abs().max().item<double>();
        TestContext.Current.TestOutputHelper?.WriteLine($"{rows} rows: max |y| {scale:g3}, max |oneDNN − float64| {err:g3}");
        Assert.True(scale > 1, "inputs too small to test anything");
        Assert.True(err < 1e-5 * scale, $"oneDNN product differs from the float64 one by {err:g3} (scale {scale:g3})");
    }

    [Fact]
    public void Small_products_and_other_types_stay_on_mm()
    {
        Assert.True(CpuGemm.Applies(DeviceType.CPU, ScalarType.Float32, 200, 640, 2048));
        Assert.False(CpuGemm.Applies(DeviceType.CPU, ScalarType.Float32, 7, 640, 2048));   // below the measured break-even
        Assert.False(CpuGemm.Applies(DeviceType.CPU, ScalarType.Float32, 200, 32, 64));
        Assert.False(CpuGemm.Applies(DeviceType.CPU, ScalarType.Float32, 100_000, 32, 64)); // libtorch would not route it to oneDNN
        Assert.False(CpuGemm.Applies(DeviceType.CPU, ScalarType.BFloat16, 200, 640, 2048)); // libtorch's bf16 mm is oneDNN already
        Assert.False(CpuGemm.Applies(DeviceType.CUDA, ScalarType.Float32, 200, 640, 2048));
    }
}
