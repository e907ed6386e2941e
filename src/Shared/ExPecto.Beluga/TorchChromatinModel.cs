using ExPecto.Beluga.Weights;
using ExPecto.Core;
using ExPecto.Core.Chromatin;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ExPecto.Beluga;

/// <summary>
/// Beluga on TorchSharp behind <see cref="IChromatinModel"/>: windows → [count, outputs] probabilities, each the
/// mean of the forward and the reverse-complement (both one-hot axes reversed) sigmoid outputs.
/// Not thread-safe: TorchSharp's dispose scopes and inference mode hold per thread, so use one thread.
/// </summary>
public sealed class TorchChromatinModel : IChromatinModel
{
    private readonly BelugaNet _net;
    private readonly int _batchSize;
    private readonly IReadOnlyDictionary<string, Parameter> _parameters;
    private bool _disposed;

    private TorchChromatinModel(BelugaNet net, TorchChromatinOptions options)
    {
        if (options.BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(options), $"batch size {options.BatchSize} must be at least 1");
        if (options.Threads is < 1) throw new ArgumentOutOfRangeException(nameof(options), $"threads {options.Threads} must be at least 1");
        Device = TorchDevices.Parse(options.Device);
        if (options.Threads is int threads) torch.set_num_threads(threads);
        _batchSize = options.BatchSize;
        _net = net;
        _net.to(Device);
        _net.eval();
        _parameters = _net.ParametersByKey();
    }

    /// <summary>Reads a PyTorch state dict (zip or legacy torch.save) and builds the network for its widths.</summary>
    /// <exception cref="InputException">Unreadable file, not Beluga's keys, a shape that does not fit, or a bad device.</exception>
    public static TorchChromatinModel Load(string weightsPath, TorchChromatinOptions? options = null)
    {
        options ??= new TorchChromatinOptions();
        TorchDevices.Parse(options.Device); // fail on a bad device before reading a large file
        var stateDict = PyTorchStateDictReader.Read(weightsPath);
        // The arrays were read for this model alone, so the parameters may live in them.
        return new TorchChromatinModel(BelugaNet.FromStateDictSharingMemory(stateDict, weightsPath), options);
    }

    /// <summary>Builds the network for a state dict already in memory.</summary>
    /// <param name="source">Where the state dict came from, for messages.</param>
    public static TorchChromatinModel FromStateDict(IReadOnlyDictionary<string, TensorData> stateDict, TorchChromatinOptions? options = null, string? source = null)
    {
        options ??= new TorchChromatinOptions();
        TorchDevices.Parse(options.Device); // fail on a bad device before building a large network
        return new TorchChromatinModel(BelugaNet.FromStateDict(stateDict, source), options);
    }

    public int WindowLength => BelugaShape.WindowLength;

    public int FeatureCount => _net.Shape.Outputs;

    public torch.Device Device { get; }

    public BelugaShape Shape => _net.Shape;

    /// <summary>The network on <see cref="Device"/>, in eval mode.</summary>
    public BelugaNet Network => _net;

    /// <summary>
    /// The parameters as tensors on <see cref="Device"/>, by state-dict key (model.0.0.weight, …, model.1.4.1.bias).
    /// They belong to the model: do not dispose or modify them.
    /// </summary>
    public IReadOnlyDictionary<string, Parameter> Parameters => _parameters;

    /// <summary>One parameter by state-dict key.</summary>
    /// <exception cref="KeyNotFoundException">Not a Beluga key.</exception>
    public Tensor Parameter(string key) =>
        _parameters.TryGetValue(key, out var p) ? p : throw new KeyNotFoundException($"'{key}' is not a Beluga state-dict key");

    public void Predict(ReadOnlySpan<byte> windows, int count, Span<float> output)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        int length = WindowLength;
        int features = FeatureCount;
        if (count < 0) throw new ArgumentOutOfRangeException(nameof(count));
        if (windows.Length != (long)count * length)
            throw new ArgumentException($"{count} windows need {(long)count * length} bytes, found {windows.Length}", nameof(windows));
        if (output.Length < (long)count * features)
            throw new ArgumentException($"{count} windows need {(long)count * features} outputs, found room for {output.Length}", nameof(output));

        var oneHot = new float[Math.Min(count, _batchSize) * OneHot.Channels * length];
        using var inference = torch.inference_mode();
        for (int start = 0; start < count; start += _batchSize)
        {
            int n = Math.Min(_batchSize, count - start);
            int stride = OneHot.Channels * length;
            for (int i = 0; i < n; i++)
                OneHot.Encode(windows.Slice((start + i) * length, length), oneHot.AsSpan(i * stride, stride));

            using var scope = torch.NewDisposeScope();
            // The buffer holds a full batch; the last batch uses its first n windows.
            var input = torch.tensor(oneHot, [oneHot.Length / stride, OneHot.Channels, 1, length])[..n];
            var mean = PredictOneHot(input);
            var result = mean.cpu();
            System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(result.contiguous().bytes).CopyTo(output.Slice(start * features, n * features));
        }
    }

    /// <summary>
    /// [B, 4, 1, 2000] one-hot (A,G,C,T) on any device → [B, outputs] fwd/rc-mean probabilities on <see cref="Device"/>.
    /// Call inside inference mode and a dispose scope of the caller's.
    /// </summary>
    public Tensor PredictOneHot(Tensor oneHot)
    {
        var x = oneHot.to(Device);
        long n = x.shape[0];
        // Reversing channels (A,G,C,T → T,C,G,A) complements; reversing positions reverses.
        var both = torch.cat([x, x.flip(1, 3)], 0);
        var probabilities = _net.forward(both);
        return (probabilities[..(int)n] + probabilities[(int)n..]) / 2;
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _net.Dispose();
    }
}
