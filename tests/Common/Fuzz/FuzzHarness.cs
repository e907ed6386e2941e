using CsCheck;
using ExPecto.Core;

namespace ExPecto.Testing.Fuzz;

/// <summary>
/// Feeds generated inputs to a parser. The property: the parser returns, or throws <see cref="InputException"/>;
/// never another exception type, never longer than <see cref="CaseTimeout"/>, never more than
/// <see cref="MaxAllocatedBytes"/> allocated for one small input (a corrupt length field must not make us allocate
/// gigabytes). Seeds are random; CsCheck prints the seed of a failure, and CsCheck_Seed=&lt;seed&gt; replays it.
/// </summary>
internal static class FuzzHarness
{
    /// <summary>Iterations per property: a few hundred keeps the whole fuzz run within seconds.</summary>
    public const long Iterations = 300;

    public static readonly TimeSpan CaseTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Inputs are at most a few MB; 256 MiB allocated for one means a length field was believed.</summary>
    public const long MaxAllocatedBytes = 256L << 20;

    /// <summary>Random bytes, up to <paramref name="maxLength"/> long.</summary>
    public static Gen<byte[]> RandomBytes(int maxLength = 600) => Gen.Byte.Array[0, maxLength];

    /// <summary>Random bytes after a fixed prefix (e.g. a magic number, to get past format detection).</summary>
    public static Gen<byte[]> RandomBytesAfter(byte[] prefix, int maxLength = 600) =>
        RandomBytes(maxLength).Select(tail => prefix.Concat(tail).ToArray());

    /// <summary>
    /// <paramref name="valid"/> with 1 to <paramref name="maxEdits"/> random edits: flip bits of a byte, insert a byte,
    /// delete a byte, or truncate. Most results are still nearly valid, so they reach deep into the parser.
    /// </summary>
    public static Gen<byte[]> Mutations(byte[] valid, int maxEdits = 6) =>
        Gen.Select(Gen.Int[0, 9], Gen.Int[0, int.MaxValue], Gen.Byte).Array[1, maxEdits].Select(edits => Apply(valid, edits));

    /// <summary>Like <see cref="Mutations"/>, with edits confined to the first <paramref name="headBytes"/> bytes (headers).</summary>
    public static Gen<byte[]> HeadMutations(byte[] valid, int headBytes, int maxEdits = 4) =>
        Gen.Select(Gen.Int[0, 8], Gen.Int[0, Math.Max(0, Math.Min(headBytes, valid.Length) - 1)], Gen.Byte).Array[1, maxEdits]
            .Select(edits => Apply(valid, edits));

    private static byte[] Apply(byte[] valid, (int Op, int At, byte Value)[] edits)
    {
        var bytes = new List<byte>(valid);
        foreach (var (op, at, value) in edits)
        {
            switch (op)
            {
                case <= 4: // flip some bits (never zero bits)
                    if (bytes.Count > 0)
                        bytes[at % bytes.Count] ^= value == 0 ? (byte)1 : value;
                    break;
                case 5: // overwrite with a byte that often means something (0, 0xff, digits, separators)
                    if (bytes.Count > 0)
                        bytes[at % bytes.Count] = Interesting[value % Interesting.Length];
                    break;
                case 6:
                    bytes.Insert(at % (bytes.Count + 1), value);
                    break;
                case 7:
                    if (bytes.Count > 0)
                        bytes.RemoveAt(at % bytes.Count);
                    break;
                case 8:
                    if (bytes.Count > 0)
                        bytes.RemoveRange(at % bytes.Count, bytes.Count - at % bytes.Count);
                    break;
                default: // duplicate a short run (repeats lines, records)
                    if (bytes.Count > 0)
                    {
                        int from = at % bytes.Count, n = Math.Min(1 + value, bytes.Count - from);
                        bytes.InsertRange(from, bytes.GetRange(from, n));
                    }
                    break;
            }
        }
        return bytes.ToArray();
    }

    private static readonly byte[] Interesting = [0, 0xff, 0x7f, 0x80, (byte)'\t', (byte)'\n', (byte)'\r', (byte)',', (byte)'-', (byte)'0', (byte)'9', (byte)'.', (byte)'*', (byte)'<', (byte)'>'];

    /// <summary>Samples <paramref name="gen"/> on one thread and runs <paramref name="parse"/> on each value, bounded.</summary>
    /// <remarks>EXPECTO_FUZZ_SCALE=N multiplies the iterations, for a longer run than CI's.</remarks>
    public static void Check<T>(Gen<T> gen, Action<T> parse, long iterations = Iterations, Func<T, string>? print = null) =>
        gen.Sample(value => RunBounded(() => parse(value)), iter: iterations * Scale, threads: 1, print: print ?? (v => v is byte[] b ? Describe(b) : v?.ToString() ?? "null"));

    private static long Scale =>
        long.TryParse(Environment.GetEnvironmentVariable("EXPECTO_FUZZ_SCALE"), out long n) && n > 0 ? n : 1;

    /// <summary>Runs <paramref name="parse"/> on a fresh thread, failing on a hang, a non-input exception or a huge allocation.</summary>
    public static void RunBounded(Action parse)
    {
        Exception? error = null;
        long allocated = 0;
        var thread = new Thread(() =>
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                parse();
            }
            catch (Exception e)
            {
                error = e;
            }
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        }, 16 << 20) { IsBackground = true };
        thread.Start();
        if (!thread.Join(CaseTimeout))
            throw new FuzzFailureException($"the parser did not finish within {CaseTimeout.TotalSeconds} s (hang?)");
        if (error is not null and not InputException)
            throw new FuzzFailureException($"expected success or an InputException, got {error.GetType().FullName}: {error.Message}", error);
        if (allocated > MaxAllocatedBytes)
            throw new FuzzFailureException($"the parser allocated {allocated:N0} bytes for a small input (a length field believed?)");
        if (error is InputException ie && string.IsNullOrWhiteSpace(ie.Message))
            throw new FuzzFailureException("an InputException without a message");
    }

    private static string Describe(byte[] bytes) =>
        $"{bytes.Length} bytes: {Convert.ToHexString(bytes.AsSpan(0, Math.Min(bytes.Length, 256)))}{(bytes.Length > 256 ? "…" : "")}";
}

/// <summary>A fuzz property failed (the message says how).</summary>
internal sealed class FuzzFailureException(string message, Exception? inner = null) : Exception(message, inner);
