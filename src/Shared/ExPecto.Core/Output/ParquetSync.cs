using Parquet;

namespace ExPecto.Core.Output;

/// <summary>
/// Blocks on Parquet.Net's async API. Safe because Parquet.Net does not capture a synchronization context and our
/// callers run on plain threads; needed because the mutagenesis loop must stay on the engine's thread.
/// </summary>
internal static class ParquetSync
{
    /// <summary>Snappy-compressed, like Parquet.Net's default; stated so output bytes do not depend on a library default changing.</summary>
    public static ParquetOptions Options => new() { CompressionMethod = CompressionMethod.Snappy };

    public static T Run<T>(Task<T> task) => task.GetAwaiter().GetResult();

    public static void Run(Task task) => task.GetAwaiter().GetResult();

    public static void Run(ValueTask task) => task.AsTask().GetAwaiter().GetResult();

    public static T Run<T>(ValueTask<T> task) => task.AsTask().GetAwaiter().GetResult();
}
