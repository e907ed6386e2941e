using ExPecto.Beluga.Weights;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace ExPecto.Beluga;

/// <summary>
/// The Beluga network (DeepSEA "Beluga", ExPecto chromatin.py) as a TorchSharp module whose module tree matches
/// PyTorch's, so <c>state_dict()</c> keys are those of deepsea.beluga.pth:
/// <code>
/// model.0 = Sequential(0 Conv2d(4,c1,(1,8)) 1 ReLU 2 Conv2d(c1,c2,(1,8)) 3 ReLU 4 Dropout(.2) 5 MaxPool((1,4))
///                      6 Conv2d(c2,c3) 7 ReLU 8 Conv2d(c3,c4) 9 ReLU 10 Dropout(.2) 11 MaxPool((1,4))
///                      12 Conv2d(c4,c5) 13 ReLU 14 Conv2d(c5,c6) 15 ReLU)
/// model.1 = Sequential(0 Dropout(.5) 1 Flatten 2 Sequential(0 Lambda, 1 Linear(c6·106, hidden)) 3 ReLU
///                      4 Sequential(0 Lambda, 1 Linear(hidden, outputs)))
/// model.2 = Sigmoid
/// </code>
/// (ExPecto's Lambda slots hold no weights; Identity takes their indices here.) Input [B, 4, 1, 2000] one-hot in
/// A,G,C,T order; output [B, outputs] probabilities. Built in eval mode (dropout off).
/// </summary>
public sealed class BelugaNet : Module<Tensor, Tensor>
{
    private readonly Sequential _model;
    private readonly Sequential _trunk;
    private readonly Sequential _head;

    public BelugaShape Shape { get; }

    /// <summary>A network of <paramref name="shape"/> with PyTorch's default random initialisation.</summary>
    public BelugaNet(BelugaShape shape) : this(shape, initialise: true) { }

    private BelugaNet(BelugaShape shape, bool initialise) : base(nameof(BelugaNet))
    {
        Shape = shape;
        var c = shape.ConvChannels;
        (long, long) kernel = (1, BelugaShape.Kernel);
        _trunk = Sequential(
            ("0", Conv2d(4, c[0], kernel)),
            ("1", ReLU()),
            ("2", Conv2d(c[0], c[1], kernel)),
            ("3", ReLU()),
            ("4", Dropout(0.2)),
            ("5", MaxPool2d([1, BelugaShape.Pool], [1, BelugaShape.Pool])),
            ("6", Conv2d(c[1], c[2], kernel)),
            ("7", ReLU()),
            ("8", Conv2d(c[2], c[3], kernel)),
            ("9", ReLU()),
            ("10", Dropout(0.2)),
            ("11", MaxPool2d([1, BelugaShape.Pool], [1, BelugaShape.Pool])),
            ("12", Conv2d(c[3], c[4], kernel)),
            ("13", ReLU()),
            ("14", Conv2d(c[4], c[5], kernel)),
            ("15", ReLU()));
        _head = Sequential(
            ("0", Dropout(0.5)),
            ("1", Flatten()),
            ("2", Sequential(("0", Identity()), ("1", Dense(shape.FlattenWidth, shape.Hidden, initialise)))),
            ("3", ReLU()),
            ("4", Sequential(("0", Identity()), ("1", Dense(shape.Hidden, shape.Outputs, initialise)))));
        _model = Sequential(("0", _trunk), ("1", _head), ("2", Sigmoid()));
        register_module("model", _model);
        eval();
    }

    /// <summary>Builds the network for a state dict's widths and loads its weights.</summary>
    /// <exception cref="ExPecto.Core.InputException">Keys or shapes do not fit Beluga (names key, expected, found).</exception>
    public static BelugaNet FromStateDict(IReadOnlyDictionary<string, TensorData> stateDict, string? source = null)
    {
        var net = new BelugaNet(BelugaShape.FromStateDict(stateDict, source), initialise: false);
        net.Load(stateDict, source);
        return net;
    }

    // Full-size fc1 holds 136 M weights; libtorch's default init of it takes seconds, wasted when a file follows.
    private static Linear Dense(long inFeatures, long outFeatures, bool initialise) => initialise
        ? Linear(inFeatures, outFeatures)
        : Linear(new Parameter(torch.empty(outFeatures, inFeatures)), new Parameter(torch.empty(outFeatures)));

    /// <summary>
    /// Like <see cref="FromStateDict"/>, but on CPU the parameters use the state dict's arrays as their memory
    /// (pinned, no copy): loading full Beluga then needs ~0.6 GB instead of ~1.2 GB. The arrays must not be used
    /// elsewhere afterwards; for the caller that read the file itself and keeps nothing else.
    /// </summary>
    internal static BelugaNet FromStateDictSharingMemory(IReadOnlyDictionary<string, TensorData> stateDict, string? source = null)
    {
        var net = new BelugaNet(BelugaShape.FromStateDict(stateDict, source), initialise: false);
        net.Adopt(stateDict);
        return net;
    }

    private void Adopt(IReadOnlyDictionary<string, TensorData> stateDict)
    {
        var modules = new Dictionary<string, nn.Module>();
        foreach (var (name, module) in named_modules()) modules[name] = module;
        foreach (string prefix in BelugaShape.ConvKeys.Append(BelugaShape.Fc1Key).Append(BelugaShape.Fc2Key))
        {
            var weight = Shared(stateDict[prefix + ".weight"]);
            var bias = Shared(stateDict[prefix + ".bias"]);
            switch (modules[prefix])
            {
                case Conv2d conv:
                    conv.weight = weight;
                    conv.bias = bias;
                    break;
                case Linear linear:
                    linear.weight = weight;
                    linear.bias = bias;
                    break;
                default:
                    throw new InvalidOperationException($"module {prefix} is a {modules[prefix].GetType().Name}");
            }
        }
    }

    private static Parameter Shared(TensorData t)
    {
        using var flat = torch.frombuffer(t.Data, ScalarType.Float32);
        return new Parameter(flat.view(t.Shape)); // the Parameter takes the view's handle
    }

    /// <summary>[B, 4, 1, 2000] one-hot → [B, outputs] sigmoid probabilities.</summary>
    public override Tensor forward(Tensor input) => _model.forward(input);

    /// <summary>The convolutional trunk (model.0): [B, 4, 1, 2000] → [B, c6, 1, 106] after the last ReLU.</summary>
    public Tensor Trunk(Tensor input) => _trunk.forward(input);

    /// <summary>The head (model.1 then model.2): [B, c6, 1, 106] → [B, outputs] probabilities.</summary>
    public Tensor Head(Tensor trunkOutput) => torch.sigmoid(_head.forward(trunkOutput));

    /// <summary>
    /// Copies a state dict's values into the parameters after checking that keys and shapes are exactly Beluga's
    /// for <see cref="Shape"/>.
    /// </summary>
    /// <exception cref="ExPecto.Core.InputException">A key is missing or extra, or a shape differs.</exception>
    public void Load(IReadOnlyDictionary<string, TensorData> stateDict, string? source = null)
    {
        Shape.Check(stateDict, source);
        var parameters = ParametersByKey();
        using var noGrad = torch.no_grad();
        foreach (var (key, parameter) in parameters)
        {
            var data = stateDict[key];
            if (data.Data.Length == 0) continue;
            // frombuffer shares the managed array (no 500 MB clone of fc1); copy_ moves it to wherever the parameter is.
            using var flat = torch.frombuffer(data.Data, ScalarType.Float32);
            using var shaped = flat.view(data.Shape);
            parameter.copy_(shaped);
        }
    }

    /// <summary>The parameters by state-dict key (model.0.0.weight …), live: they move with the module.</summary>
    public IReadOnlyDictionary<string, Parameter> ParametersByKey()
    {
        var result = new OrderedDictionary<string, Parameter>();
        foreach (var (name, parameter) in named_parameters()) result[name] = parameter;
        return result;
    }
}
