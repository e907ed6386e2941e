using ExPecto.Core;
using TorchSharp;

namespace ExPecto.Beluga;

/// <summary>Parses the device option (<c>cpu</c> | <c>cuda</c> | <c>cuda:N</c>) and checks the device is usable.</summary>
public static class TorchDevices
{
    /// <summary>True when this build carries the CUDA libtorch (<c>-p:ExPectoTorchBackend=cuda</c>).</summary>
    public static bool IsCudaBuild =>
#if EXPECTO_TORCH_CUDA
        true;
#else
        false;
#endif

    /// <summary>The device for an option string; CUDA devices must exist.</summary>
    /// <exception cref="InputException">The string is not cpu, cuda or cuda:N, or that CUDA device is not available.</exception>
    public static torch.Device Parse(string option)
    {
        string text = option.Trim().ToLowerInvariant();
        if (text == "cpu") return torch.CPU;

        int index;
        if (text == "cuda") index = 0;
        else if (text.StartsWith("cuda:", StringComparison.Ordinal) && int.TryParse(text.AsSpan(5), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out index)) { }
        else throw new InputException($"device '{option}': expected cpu, cuda or cuda:N");

        if (!IsCudaBuild)
            throw new InputException($"device '{option}': this build carries the CPU-only libtorch; build with -p:ExPectoTorchBackend=cuda (see build/Torch.props) to use CUDA");
        if (!torch.cuda.is_available())
            throw new InputException($"device '{option}': the CUDA libtorch found no usable GPU (driver or CUDA_VISIBLE_DEVICES?)");
        int count = torch.cuda.device_count();
        if (index >= count)
            throw new InputException($"device '{option}': only {count} CUDA device(s) visible (cuda:0 … cuda:{count - 1})");
        return torch.device(DeviceType.CUDA, index);
    }
}
