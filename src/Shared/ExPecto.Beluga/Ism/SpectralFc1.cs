using TorchSharp;
using static TorchSharp.torch;

namespace ExPecto.Beluga.Ism;

/// <summary>
/// fc1 of many consecutive windows of one trunk phase at once. Windows 16 bp apart share conv6 columns shifted by one,
/// so fc1 over them is a cross-correlation along the columns (kernel 106, C6 channels in, H' out):
/// h[m] = Σ_c W1_c · A6[m + c]. Evaluated by FFT with overlap-save: a chunk of <see cref="Length"/> columns gives the
/// pre-activations (without bias) of <see cref="Step"/> consecutive windows from one [F, Q, C6] · [F, C6, H'] complex
/// product, ≈ 1/25 of the arithmetic of one GEMM row per window (bench/README.md, "REF first pass"). The spectrum of
/// W1 ([129, C6, H'] complex, ≈ 1.35 GB at the full shape) is built on first use. Results agree with the direct GEMM
/// to float rounding (tested); the engine's alt − ref differences inherit the same REF rows on both sides.
/// </summary>
internal sealed class SpectralFc1 : IDisposable
{
    /// <summary>FFT length in conv6 columns.</summary>
    public const int Length = 256;

    /// <summary>Windows a chunk yields: the outputs of a circular convolution untouched by wrap-around.</summary>
    public const int Step = Length - (IsmNetwork.FinalWidth - 1);

    private readonly Tensor _spectrum;
    private readonly long _channels;
    private readonly long _hidden;

    /// <param name="net">A network with the ByColumn fc1 layout.</param>
    public SpectralFc1(IsmNetwork net)
    {
        using var scope = torch.NewDisposeScope();
        using var inference = torch.inference_mode();
        Tensor byColumn = net.Fc1WeightByColumn ?? throw new InvalidOperationException("network was built without the ByColumn fc1 layout");
        _hidden = byColumn.shape[1];
        _channels = byColumn.shape[0] / IsmNetwork.FinalWidth;
        Tensor kernel = byColumn.view(IsmNetwork.FinalWidth, _channels, _hidden);
        Tensor spectrum = torch.empty([Length / 2 + 1, _channels, _hidden], ScalarType.ComplexFloat32, byColumn.device);
        // A few channels at a time, each transformed along a contiguous last axis (an FFT along the strided first
        // axis ran 10× slower), so the build never holds more than one slice beside the spectrum.
        const int slice = 64;
        for (long c = 0; c < _channels; c += slice)
        {
            using var step = torch.NewDisposeScope();
            long width = Math.Min(slice, _channels - c);
            // Correlation = convolution with the kernel reversed along the columns.
            Tensor part = kernel.narrow(1, c, width).to(ScalarType.Float32).flip(0).permute(1, 2, 0).contiguous(); // [w, H', 106]
            spectrum.narrow(1, c, width).copy_(torch.fft.rfft(part, Length, 2).permute(2, 0, 1));
        }
        _spectrum = spectrum.DetachFromDisposeScope();
    }

    /// <summary>
    /// Chunks [Q, <see cref="Length"/>, C6] of conv6 columns (float32; zeros past a block's end) → fc1 pre-activations
    /// without bias [Q, <see cref="Step"/>, H'] of the windows starting at each chunk's columns 0 … Step − 1.
    /// </summary>
    public Tensor Apply(Tensor chunks)
    {
        if (chunks.ndim != 3 || chunks.shape[1] != Length || chunks.shape[2] != _channels)
            throw new ArgumentException($"expected chunks [Q, {Length}, {_channels}], found [{string.Join(", ", chunks.shape)}]", nameof(chunks));
        Tensor x = torch.fft.rfft(chunks, Length, 1).transpose(0, 1);          // [F, Q, C6]
        Tensor y = torch.matmul(x, _spectrum).transpose(0, 1);                  // [Q, F, H']
        return torch.fft.irfft(y, Length, 1).narrow(1, IsmNetwork.FinalWidth - 1, Step);
    }

    public void Dispose() => _spectrum.Dispose();
}
