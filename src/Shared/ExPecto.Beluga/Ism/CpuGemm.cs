using TorchSharp;
using static TorchSharp.torch;

namespace ExPecto.Beluga.Ism;

/// <summary>
/// Float32 GEMMs on the CPU through oneDNN rather than libtorch's BLAS. On CPUs where MKL takes its AVX2 path (AMD
/// EPYC here: 73–91 GFLOP/s on one thread at the engine's shapes) oneDNN's AVX-512 kernels run the same products at
/// 99–160 GFLOP/s (bench/README.md, "CPU GEMMs through oneDNN"). libtorch reaches oneDNN for a 1×1 convolution:
/// x [P, K] row-major is the channels-last image [2, K, 1, P / 2], a weight [N, K] is a [N, K, 1, 1] filter, and the
/// channels-last output is y [P, N] row-major. libtorch sends a single-thread 1×1 convolution of batch &lt; 16 to its
/// own im2col + BLAS path, so the call asks for dilation 2 (a no-op for a 1×1 filter) and a batch of two; that is
/// libtorch's routing heuristic, so a change there costs speed, never correctness (the tests compare to mm).
/// Small products stay on mm: oneDNN's fixed cost per call (≈ 25 µs, with the weight reorder) loses below
/// <see cref="MinMultiplyAdds"/>.
/// </summary>
internal static class CpuGemm
{
    /// <summary>P·K·N from which the oneDNN path is faster (measured: 9·10⁶ slower by 0.8×, 4·10⁷ faster by 1.3×).</summary>
    public const long MinMultiplyAdds = 16_000_000;

    private static readonly long[] s_dilation = [2, 2];

    /// <summary>Whether a [p, k] · [k, n] float32 product on <paramref name="device"/> takes <see cref="Linear"/>.</summary>
    public static bool Applies(DeviceType device, ScalarType dtype, long p, long k, long n) =>
        device == DeviceType.CPU && dtype == ScalarType.Float32 && p * k * n >= MinMultiplyAdds;

    /// <summary>x [P, K] · weight [N, K, 1, 1]ᵀ (+ bias [N]) → [P, N], float32 on the CPU.</summary>
    public static Tensor Linear(Tensor x, Tensor weight, Tensor? bias = null)
    {
        long p = x.shape[0], k = x.shape[1];
        Tensor rows = x.is_contiguous() ? x : x.contiguous();
        bool odd = p % 2 == 1;
        if (odd) rows = torch.cat([rows, torch.zeros([1, k], rows.dtype, rows.device)], 0);
        Tensor image = rows.view(2, 1, (p + 1) / 2, k).permute(0, 3, 1, 2);
        Tensor y = torch.nn.functional.conv2d(image, weight, bias, dilation: s_dilation);
        // Channels-last in, channels-last out: the permute back is [P', N] row-major (reshape copies otherwise).
        Tensor product = y.permute(0, 2, 3, 1).reshape(-1, weight.shape[0]);
        return odd ? product.narrow(0, 0, p) : product;
    }
}
