using TorchSharp;
using static TorchSharp.torch;

namespace ExPecto.Beluga.Ism;

/// <summary>
/// Float32 GEMMs on the CPU through oneDNN rather than libtorch's BLAS. On CPUs where MKL takes its AVX2 path (AMD
/// EPYC here: 73–91 GFLOP/s on one thread at the engine's shapes) oneDNN's AVX-512 kernels run the same products at
/// 99–160 GFLOP/s (bench/README.md, "Earlier: the incremental engine's CPU GEMMs through oneDNN"). libtorch reaches oneDNN for a 1×1 convolution: the weight [K, N]
/// (row-major, as the engine keeps it) is read as a one-image batch [1, K, 1, N], x [P, K] as P filters
/// [P, K, 1, 1], and the output [1, P, 1, N] is x · weight [P, N] row-major. So no weight is copied or transposed;
/// oneDNN reorders the small x, not the large weight. libtorch sends a single-thread 1×1 convolution of batch &lt; 16
/// to its own im2col + BLAS path, so the call asks for dilation 2 (a no-op for a 1×1 filter); it then takes oneDNN
/// when the image holds more than 20,480 values. That is libtorch's routing heuristic: a change there costs speed,
/// never correctness (the tests compare with a float64 product). Small products stay on mm: oneDNN's fixed cost per
/// call loses below <see cref="MinMultiplyAdds"/>.
/// </summary>
internal static class CpuGemm
{
    /// <summary>P·K·N from which the oneDNN path is faster (measured: 9·10⁶ slower by 0.8×, 4·10⁷ faster by 1.3×).</summary>
    public const long MinMultiplyAdds = 16_000_000;

    // libtorch takes oneDNN for a batch-1 convolution only above this many input values (its ConvParams::use_mkldnn).
    private const long MinImage = 20_480;

    private static readonly long[] s_dilation = [2, 2];

    /// <summary>Whether a [p, k] · [k, n] float32 product on <paramref name="device"/> takes <see cref="Linear"/>.</summary>
    public static bool Applies(DeviceType device, ScalarType dtype, long p, long k, long n) =>
        device == DeviceType.CPU && dtype == ScalarType.Float32 && p * k * n >= MinMultiplyAdds && k * n > MinImage;

    /// <summary>x [P, K] · weight [K, N] (contiguous) (+ bias [N]) → [P, N], float32 on the CPU.</summary>
    public static Tensor Linear(Tensor x, Tensor weight, Tensor? bias = null)
    {
        long p = x.shape[0], k = x.shape[1], n = weight.shape[1];
        Tensor filters = (x.is_contiguous() ? x : x.contiguous()).view(p, k, 1, 1);
        Tensor y = torch.nn.functional.conv2d(weight.view(1, k, 1, n), filters, dilation: s_dilation).view(p, n);
        return bias is null ? y : y.add_(bias);
    }
}
