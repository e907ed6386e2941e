using ExPecto.Core;
using ExPecto.Core.Chromatin;
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

    /// <summary>
    /// Sets libtorch's CPU thread count (its intra-op pool) from the calling thread, when it differs: libtorch keeps
    /// the count per thread after first use, so an engine's own thread must call this before it computes.
    /// </summary>
    public static void UseCpuThreads(int threads)
    {
        if (threads > 0 && torch.get_num_threads() != threads) torch.set_num_threads(threads);
    }

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
        DisableTf32();
        return torch.device(DeviceType.CUDA, index);
    }

    /// <summary>
    /// Turns TF32 off for cuDNN convolutions and cuBLAS matmuls. libtorch enables TF32 convolutions by default on
    /// Ampere and later, which moves Beluga's outputs by ~1e-3 on an H100 (measured): engines must agree with the CPU
    /// and with each other to 1e-5, so we trade TF32's speed for float32 exactness.
    /// </summary>
    public static void DisableTf32()
    {
        // Not while a tf32 engine computes on another device of this process (it sets the switch back on entering).
        lock (s_gate)
        {
            if (s_holders == 0) SetTf32(false);
        }
    }

    /// <summary>True when this CPU has AVX512-BF16 or AMX-BF16 (read from /proc/cpuinfo; false where that is absent).</summary>
    public static bool CpuHasBf16 => s_cpuBf16.Value;

    private static readonly Lazy<bool> s_cpuBf16 = new(() =>
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/cpuinfo"))
            {
                if (!line.StartsWith("flags", StringComparison.Ordinal)) continue;
                var flags = line.Split([' ', '\t', ':'], StringSplitOptions.RemoveEmptyEntries);
                return flags.Contains("avx512_bf16") || flags.Contains("amx_bf16");
            }
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return false;
    });

    /// <summary>Refuses a precision <paramref name="device"/> cannot run, naming the option and what is allowed there.</summary>
    /// <param name="deviceOption">The device as the user wrote it, for the message.</param>
    /// <exception cref="InputException">tf32 on a CPU; bf16 on a CPU without AVX512-BF16 or AMX.</exception>
    public static void CheckPrecision(torch.Device device, ComputePrecision precision, string deviceOption)
    {
        if (device.type == DeviceType.CUDA) return;
        if (precision == ComputePrecision.Tf32)
            throw new InputException($"{ComputePrecisions.OptionName} tf32 needs a CUDA device (TF32 is an NVIDIA tensor-core format); device '{deviceOption}' allows {AllowedOnCpu()}");
        if (precision == ComputePrecision.Bf16 && !CpuHasBf16)
            throw new InputException($"{ComputePrecisions.OptionName} bf16 on device '{deviceOption}' needs a CPU with AVX512-BF16 or AMX (this one has neither); it allows {AllowedOnCpu()}");
    }

    private static string AllowedOnCpu() => CpuHasBf16 ? "fp32 or bf16" : "fp32 only";

    // TF32 is one process-wide libtorch switch, but each device loop may run a job of its own precision: holders of
    // the same mode share it, a different mode waits until they leave, so an fp32 batch never runs with TF32 on.
    private static readonly object s_gate = new();
    private static int s_holders;
    private static bool s_tf32;

    /// <summary>
    /// Sets libtorch's TF32 switches for <paramref name="precision"/> while the returned scope lives; CUDA only (a
    /// no-op on CPU). Wrap every stretch of CUDA work of an engine in one; do not nest them on a thread.
    /// </summary>
    public static PrecisionScope EnterPrecision(torch.Device device, ComputePrecision precision)
    {
        if (device.type != DeviceType.CUDA) return default;
        bool tf32 = precision == ComputePrecision.Tf32;
        lock (s_gate)
        {
            while (s_holders > 0 && s_tf32 != tf32) Monitor.Wait(s_gate);
            if (s_holders == 0) SetTf32(tf32);
            s_holders++;
        }
        return new PrecisionScope(true);
    }

    /// <summary>See <see cref="EnterPrecision"/>.</summary>
    public readonly struct PrecisionScope(bool held) : IDisposable
    {
        public void Dispose()
        {
            if (!held) return;
            lock (s_gate)
            {
                if (--s_holders == 0) Monitor.PulseAll(s_gate);
            }
        }
    }

    private static void SetTf32(bool on)
    {
        s_tf32 = on;
        torch.backends.cudnn.allow_tf32 = on;
        torch.backends.cuda.matmul.allow_tf32 = on;
    }
}
