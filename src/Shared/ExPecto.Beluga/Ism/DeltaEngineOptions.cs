using ExPecto.Core.Chromatin;

namespace ExPecto.Beluga.Ism;

/// <summary>Settings shared by the saturation-mutagenesis delta engines.</summary>
public sealed record DeltaEngineOptions
{
    /// <summary>
    /// Default mutations per batch on a CPU: measured on the 2-core AVX-512 build machine (bench/README.md), where 64
    /// ran fastest (per CPU-second) of 16–512 at the full shape — larger batches spill the fc1 accumulators out of cache.
    /// </summary>
    public const int CpuMutationsPerBatch = 64;

    /// <summary>
    /// Default mutations per batch on CUDA. Not yet measured on a GPU (none was lent when it was set): chosen so that one
    /// batch fills an H100-class device — 1,024 mutations are ≈ 4,000 conv-update rows at conv5/6 and ≈ 340 k fc1
    /// column pairs, ≈ 2 TFLOP against ≈ 300 kernel launches per batch (launch overhead under ~10 %), ≈ 2 GB of
    /// activations. `bench/run.sh full --device cuda:0 --batch-size N` measures it.
    /// </summary>
    public const int CudaMutationsPerBatch = 1024;

    /// <summary>Torch device the network and activations live on: "cpu" (default), "cuda" or "cuda:N".</summary>
    public string Device { get; init; } = "cpu";

    /// <summary>
    /// Mutations handled per internal batch (the same number `--batch-size` sets); 0 (the default) means the device
    /// kind's default, <see cref="DefaultMutationsPerBatch"/>. Each mutation costs 9 shifts × 2 strands windows, so the
    /// naive engine runs 18 × this many full windows per forward pass; the incremental engine updates this many mutations
    /// at once. Bounds peak memory; the result does not depend on it beyond float rounding.
    /// </summary>
    public int MutationsPerBatch { get; init; }

    /// <summary>
    /// CPU threads of the incremental engine: that many batches run at once, each on its own thread with libtorch
    /// single-threaded (<see cref="SingleThreadedTorchWorkers"/>), so a call of N × this many batches keeps N cores
    /// busy. 0 (the default): libtorch's intra-op thread count on the thread that creates the engine (what
    /// `--threads` and Worker:Threads set), at most the CPUs this process may use. Each batch is computed exactly as on one thread, so results do not
    /// depend on it. Ignored on CUDA (one stream of batches) and by the naive engine (libtorch's own threads).
    /// </summary>
    public int Threads { get; init; }

    /// <summary>
    /// Arithmetic of the network (<see cref="ComputePrecision"/>); fp32 is the exact path. The engine refuses a
    /// precision its device cannot run (<see cref="TorchDevices.CheckPrecision"/>).
    /// </summary>
    public ComputePrecision Precision { get; init; } = ComputePrecision.Fp32;

    /// <summary><see cref="MutationsPerBatch"/>, or the device kind's default when it is 0.</summary>
    public int ResolvedMutationsPerBatch => MutationsPerBatch > 0 ? MutationsPerBatch : DefaultMutationsPerBatch(Device);

    /// <summary><see cref="CudaMutationsPerBatch"/> for "cuda"/"cuda:N", else <see cref="CpuMutationsPerBatch"/>.</summary>
    public static int DefaultMutationsPerBatch(string device) =>
        device.StartsWith("cuda", StringComparison.OrdinalIgnoreCase) ? CudaMutationsPerBatch : CpuMutationsPerBatch;
}
