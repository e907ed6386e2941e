using ExPecto.Core.Chromatin;
using TorchSharp;
using static TorchSharp.torch;

namespace ExPecto.Beluga.Ism;

/// <summary>
/// Beluga's layers as plain tensors on one device, read from a state dict keyed like the PyTorch model
/// (model.0.{0,2,6,8,12,14}, model.1.2.1, model.1.4.1). Widths come from the shapes, so reduced test networks work.
/// Convolutions run as conv1d over [batch, channels, width] (kernel (1,8) with the unit axis dropped).
/// Owns copies of the weights; the caller's tensors are never modified or disposed.
/// </summary>
internal sealed class IsmNetwork : IDisposable
{
    public const int WindowLength = 2000;
    public const int Kernel = 8;
    public const int Pool = 4;
    /// <summary>Conv6 output width for a 2,000 bp window: 2000→1993→1986→496→489→482→120→113→106.</summary>
    public const int FinalWidth = 106;

    private static readonly string[] s_convKeys = ["model.0.0", "model.0.2", "model.0.6", "model.0.8", "model.0.12", "model.0.14"];
    private const string Fc1Key = "model.1.2.1";
    private const string Fc2Key = "model.1.4.1";

    private readonly Tensor[] _convWeight = new Tensor[6];
    private readonly Tensor[] _convBias = new Tensor[6];
    private readonly Tensor _fc1Bias;
    private readonly Tensor _fc2Weight;
    private readonly Tensor _fc2Bias;
    // ByColumn layout only: fc2 as [H', F'] and its bias [F'], zero-padded (see PaddedHidden).
    private readonly Tensor? _fc2PaddedT;
    private readonly Tensor? _fc2BiasPadded;

    /// <param name="fc1Layout">Which layout of the first linear layer to keep (the other is not stored).</param>
    /// <param name="precision">bf16 stores the conv and fc1 weights as bfloat16 and runs those layers in it; fc2 stays float32.</param>
    public IsmNetwork(IReadOnlyDictionary<string, Tensor> stateDict, string device, Fc1Layout fc1Layout, ComputePrecision precision = ComputePrecision.Fp32)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        Device = TorchDevices.Parse(device);
        TorchDevices.CheckPrecision(Device, precision, device);
        Precision = precision;
        Dtype = precision == ComputePrecision.Bf16 ? ScalarType.BFloat16 : ScalarType.Float32;
        Channels = new int[6];
        try
        {
            using var scope = torch.NewDisposeScope();
            using var noGrad = torch.no_grad();
            long inChannels = 4;
            for (int i = 0; i < 6; i++)
            {
                Tensor w = Get(stateDict, s_convKeys[i] + ".weight");
                Tensor b = Get(stateDict, s_convKeys[i] + ".bias");
                if (w.ndim != 4 || w.shape[1] != inChannels || w.shape[2] != 1 || w.shape[3] != Kernel)
                    throw new ArgumentException($"{s_convKeys[i]}.weight: expected [out, {inChannels}, 1, {Kernel}], found [{string.Join(", ", w.shape)}]", nameof(stateDict));
                if (b.ndim != 1 || b.shape[0] != w.shape[0])
                    throw new ArgumentException($"{s_convKeys[i]}.bias: expected [{w.shape[0]}], found [{string.Join(", ", b.shape)}]", nameof(stateDict));
                _convWeight[i] = Own(w.reshape(w.shape[0], inChannels, Kernel));
                _convBias[i] = Own(b);
                Channels[i] = (int)w.shape[0];
                inChannels = w.shape[0];
            }

            Tensor w1 = Get(stateDict, Fc1Key + ".weight");
            Tensor b1 = Get(stateDict, Fc1Key + ".bias");
            long flat = inChannels * FinalWidth;
            if (w1.ndim != 2 || w1.shape[1] != flat || b1.ndim != 1 || b1.shape[0] != w1.shape[0])
                throw new ArgumentException($"{Fc1Key}: expected weight [H, {flat}] and bias [H], found [{string.Join(", ", w1.shape)}] and [{string.Join(", ", b1.shape)}]", nameof(stateDict));
            Hidden = (int)w1.shape[0];
            if (fc1Layout == Fc1Layout.PyTorch)
            {
                Fc1Weight = Own(w1);
            }
            else
            {
                // [H, C6·106] channel-major → [106·C6, H']: the rows of one conv6 column are contiguous, so a window's
                // (or a changed span's) block is a plain narrow along dim 0.
                Fc1WeightByColumn = Own(PadColumns(w1.reshape(Hidden, inChannels, FinalWidth).permute(2, 1, 0).reshape(FinalWidth * inChannels, Hidden), PaddedHidden));
            }
            _fc1Bias = Own(fc1Layout == Fc1Layout.PyTorch ? b1 : PadColumns(b1.unsqueeze(0), PaddedHidden).squeeze(0));

            Tensor w2 = Get(stateDict, Fc2Key + ".weight");
            Tensor b2 = Get(stateDict, Fc2Key + ".bias");
            if (w2.ndim != 2 || w2.shape[1] != Hidden || b2.ndim != 1 || b2.shape[0] != w2.shape[0])
                throw new ArgumentException($"{Fc2Key}: expected weight [F, {Hidden}] and bias [F], found [{string.Join(", ", w2.shape)}] and [{string.Join(", ", b2.shape)}]", nameof(stateDict));
            FeatureCount = (int)w2.shape[0];
            _fc2Weight = Own(w2, ScalarType.Float32);
            _fc2Bias = Own(b2, ScalarType.Float32);
            if (fc1Layout == Fc1Layout.ByColumn)
            {
                int paddedFeatures = Padded(FeatureCount);
                Tensor t = PadColumns(w2.t(), paddedFeatures);
                _fc2PaddedT = Own(torch.cat([t, torch.zeros([PaddedHidden - Hidden, paddedFeatures], t.dtype, t.device)], 0), ScalarType.Float32);
                _fc2BiasPadded = Own(PadColumns(b2.unsqueeze(0), paddedFeatures).squeeze(0), ScalarType.Float32);
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public enum Fc1Layout
    {
        /// <summary>[H, C6·106] as stored by PyTorch (full-window forward).</summary>
        PyTorch,
        /// <summary>[106·C6, H]: column-major blocks for span updates.</summary>
        ByColumn,
    }

    public Device Device { get; }

    public ComputePrecision Precision { get; }

    /// <summary>Element type of the conv and fc1 weights and of the trunk's activations (float32 or bfloat16).</summary>
    public ScalarType Dtype { get; }

    /// <summary>Output channels of the six convolutions.</summary>
    public int[] Channels { get; }

    public int Hidden { get; }

    /// <summary>
    /// Hidden width rounded up to a multiple of 64 (2003 → 2048) in the ByColumn layout: GEMMs with aligned widths run
    /// faster, and the extra units are exact zeros (zero weights and bias, ReLU(0) = 0, zero fc2 columns).
    /// </summary>
    public int PaddedHidden => Padded(Hidden);

    public int FeatureCount { get; }

    /// <summary>[H, C6·106], only with <see cref="Fc1Layout.PyTorch"/>.</summary>
    public Tensor? Fc1Weight { get; }

    /// <summary>[106·C6, H'] (H' = <see cref="PaddedHidden"/>), only with <see cref="Fc1Layout.ByColumn"/>.</summary>
    public Tensor? Fc1WeightByColumn { get; }

    /// <summary>
    /// ByColumn layout: rows [P, C6] (in <see cref="Dtype"/>) at window column <paramref name="column"/> times W1's block
    /// for that column → [P, H'] (fc1 without bias); through oneDNN where <see cref="CpuGemm"/> applies.
    /// </summary>
    public Tensor Fc1ColumnProduct(Tensor rows, int column)
    {
        int c6 = Channels[5];
        Tensor block = Fc1WeightByColumn!.narrow(0, (long)column * c6, c6);
        if (!CpuGemm.Applies(Device.type, Dtype, rows.shape[0], c6, PaddedHidden)) return rows.mm(block);
        Interlocked.Increment(ref _oneDnnFc1Columns);
        return CpuGemm.Linear(rows, block);
    }

    private long _oneDnnFc1Columns;

    /// <summary>Calls of <see cref="Fc1ColumnProduct"/> that ran through oneDNN (the bench and tests report it).</summary>
    public long OneDnnFc1Columns => Interlocked.Read(ref _oneDnnFc1Columns);

    /// <summary>[H], or [H'] zero-padded in the ByColumn layout.</summary>
    public Tensor Fc1Bias => _fc1Bias;

    /// <summary>Convolution <paramref name="layer"/> (0..5) then ReLU: [n, Cin, W] → [n, Cout, W − 7].</summary>
    public Tensor Conv(int layer, Tensor x) =>
        torch.nn.functional.relu(torch.nn.functional.conv1d(InDtype(x), _convWeight[layer], _convBias[layer]));

    /// <summary><paramref name="x"/> in <see cref="Dtype"/> (itself when it already is: the fp32 path gains no op).</summary>
    public Tensor InDtype(Tensor x) => x.dtype == Dtype ? x : x.to(Dtype);

    /// <summary>Sets the device's TF32 switches for this network's precision while the scope lives (CUDA only).</summary>
    public TorchDevices.PrecisionScope EnterPrecision() => TorchDevices.EnterPrecision(Device, Precision);

    /// <summary>MaxPool 4 with stride 4 (trailing remainder dropped): [n, C, W] → [n, C, W / 4].</summary>
    public static Tensor MaxPool(Tensor x) => torch.nn.functional.max_pool1d(x, Pool, Pool);

    /// <summary>All six convolutions and both pools: [n, 4, W] → [n, C6, ((W − 14) / 4 − 14) / 4 − 14].</summary>
    public Tensor Trunk(Tensor x)
    {
        x = Conv(1, Conv(0, x));
        x = Conv(3, Conv(2, MaxPool(x)));
        return Conv(5, Conv(4, MaxPool(x)));
    }

    /// <summary>
    /// From fc1 pre-activations [n, H] (any float type) to float32 probabilities [n, F]: ReLU, fc2, sigmoid, all in
    /// float32 (a bf16 sigmoid would round probabilities to ~3 digits, more than most alt − ref differences).
    /// </summary>
    public Tensor Head(Tensor fc1PreActivation) =>
        torch.sigmoid(torch.nn.functional.linear(torch.nn.functional.relu(InFloat32(fc1PreActivation)), _fc2Weight, _fc2Bias));

    /// <summary>
    /// ByColumn layout: fc1 pre-activations [n, H'] (any float type) to float32 probabilities [n, F'] (F' = F rounded
    /// up to a multiple of 64; columns from F on are padding, 0.5, to be dropped by the caller), in float32 as
    /// <see cref="Head"/>.
    /// </summary>
    public Tensor PaddedHead(Tensor fc1PreActivation)
    {
        if (_fc2PaddedT is null) throw new InvalidOperationException("network was built without the ByColumn fc1 layout");
        Tensor hidden = torch.nn.functional.relu(InFloat32(fc1PreActivation));
        if (CpuGemm.Applies(Device.type, ScalarType.Float32, hidden.shape[0], PaddedHidden, _fc2PaddedT.shape[1]))
            return CpuGemm.Linear(hidden, _fc2PaddedT, _fc2BiasPadded).sigmoid_();
        return torch.addmm(_fc2BiasPadded!, hidden, _fc2PaddedT, 1, 1).sigmoid_();
    }

    private static Tensor InFloat32(Tensor x) => x.dtype == ScalarType.Float32 ? x : x.to(ScalarType.Float32);

    /// <summary>Full network on one strand: one-hot windows [n, 4, 2000] → probabilities [n, F].</summary>
    public Tensor Forward(Tensor windows)
    {
        if (Fc1Weight is null) throw new InvalidOperationException("network was built without the PyTorch fc1 layout");
        Tensor trunk = Trunk(windows);
        return Head(torch.nn.functional.linear(trunk.reshape(trunk.shape[0], -1), Fc1Weight, _fc1Bias));
    }

    public void Dispose()
    {
        foreach (Tensor? t in _convWeight) t?.Dispose();
        foreach (Tensor? t in _convBias) t?.Dispose();
        Fc1Weight?.Dispose();
        Fc1WeightByColumn?.Dispose();
        _fc1Bias?.Dispose();
        _fc2Weight?.Dispose();
        _fc2Bias?.Dispose();
        _fc2PaddedT?.Dispose();
        _fc2BiasPadded?.Dispose();
    }

    private static int Padded(int width) => (width + 63) / 64 * 64;

    // [r, c] → [r, width] with zero columns appended.
    private static Tensor PadColumns(Tensor t, int width) =>
        t.shape[1] == width ? t : torch.cat([t, torch.zeros([t.shape[0], width - t.shape[1]], t.dtype, t.device)], 1);

    private static Tensor Get(IReadOnlyDictionary<string, Tensor> stateDict, string key) =>
        stateDict.TryGetValue(key, out Tensor? t) ? t : throw new ArgumentException($"state dict has no '{key}'", "stateDict");

    // A copy in Dtype (or `dtype`) on the device that outlives the construction scope (clone: never alias the caller's tensor).
    private Tensor Own(Tensor t, ScalarType? dtype = null) => t.detach().to(dtype ?? Dtype).to(Device).contiguous().clone().DetachFromDisposeScope();
}
