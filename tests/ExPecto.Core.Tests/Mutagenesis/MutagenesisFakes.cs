using DuckDB.NET.Data;
using ExPecto.Core.Chromatin;
using ExPecto.Core.Mutagenesis;
using ExPecto.Core.Transforms;

namespace ExPecto.Core.Tests.Mutagenesis;

/// <summary>
/// A chromatin engine whose Δ is a fixed pseudo-random function of what a real model would see of the mutation:
/// the REF base and its two neighbours, the first and last base of each shifted window, the ALT and the shift.
/// Tests recompute Δ straight from the genome (<see cref="DeltaFromGenome"/>), which proves offsets, windows and
/// shift order; the session also enforces the engine's region contract.
/// </summary>
internal sealed class FakeDeltaEngine(int featureCount) : IMutationDeltaEngine
{
    public string Name => "fake";

    public int FeatureCount { get; } = featureCount;

    /// <summary>Throw after this many mutations were computed (simulates a crash mid-gene).</summary>
    public int? ThrowAfterMutations { get; set; }

    public long MutationsComputed { get; private set; }

    public int SessionsOpened { get; private set; }

    /// <summary>Batches this engine says it runs at once (the pipeline sizes its calls by it).</summary>
    public int ConcurrentBatches { get; init; } = 1;

    /// <summary>Mutations of every Compute call, in order.</summary>
    public List<int> CallSizes { get; } = [];

    public IMutationDeltaSession Open(ReadOnlyMemory<byte> region)
    {
        SessionsOpened++;
        return new Session(this, region);
    }

    public void Dispose()
    {
    }

    /// <summary>Δ_s[f] for a mutation at 0-based genome coordinate <paramref name="pos0"/>; bases outside the genome read as N.</summary>
    public static float DeltaFromGenome(byte[] genome, long pos0, byte alt, int shiftIndex, int feature)
    {
        int s = VariantShifts.All[shiftIndex];
        long windowStart = pos0 - VariantShifts.CentreIndex + s;
        return Delta(At(genome, pos0 - 1), At(genome, pos0), At(genome, pos0 + 1), At(genome, windowStart),
            At(genome, windowStart + 1999), alt, shiftIndex, feature);
    }

    private static byte At(byte[] genome, long i) => i >= 0 && i < genome.Length ? Upper(genome[i]) : (byte)'N';

    private static byte Upper(byte b) => b is >= (byte)'a' and <= (byte)'z' ? (byte)(b - 32) : b;

    private static float Delta(byte left, byte reference, byte right, byte first, byte last, byte alt, int shiftIndex, int feature)
    {
        ulong h = 0x9E3779B97F4A7C15UL;
        foreach (ulong v in new ulong[] { left, reference, right, first, last, alt, (ulong)shiftIndex, (ulong)feature })
        {
            h ^= v + 0x9E3779B97F4A7C15UL + (h << 6) + (h >> 2);
            h *= 0xBF58476D1CE4E5B9UL;
            h ^= h >> 31;
        }
        return (float)((h >> 40) / (double)(1UL << 24) - 0.5);
    }

    private sealed class Session(FakeDeltaEngine owner, ReadOnlyMemory<byte> region) : IMutationDeltaSession
    {
        public void Compute(ReadOnlySpan<PointMutation> mutations, Span<float> deltas)
        {
            int f = owner.FeatureCount;
            int shifts = VariantShifts.All.Length;
            Assert.Equal(mutations.Length * shifts * f, deltas.Length);
            owner.CallSizes.Add(mutations.Length);
            ReadOnlySpan<byte> r = region.Span;
            for (int m = 0; m < mutations.Length; m++)
            {
                if (owner.ThrowAfterMutations is { } limit && owner.MutationsComputed >= limit)
                    throw new IOException("simulated engine crash");
                int o = mutations[m].Offset;
                for (int j = 0; j < shifts; j++)
                {
                    int s = VariantShifts.All[j];
                    int start = o + s - VariantShifts.CentreIndex;
                    if (start < 0 || o + s + 1000 >= r.Length)
                        throw new ArgumentException($"window for offset {o}, shift {s} leaves the region of {r.Length}");
                    for (int k = 0; k < f; k++)
                    {
                        deltas[(m * shifts + j) * f + k] = Delta(Upper(r[o - 1]), Upper(r[o]), Upper(r[o + 1]), Upper(r[start]),
                            Upper(r[start + 1999]), mutations[m].Alt, j, k);
                    }
                }
                owner.MutationsComputed++;
            }
        }

        public void Dispose()
        {
        }
    }
}

/// <summary>
/// ExPecto's variant transform and linear tissue models written out literally (ARCHITECTURE.md "Variant effect"):
/// d = (pos − t)·σ, p = d + s·σ, W_s[k] = exp(−c_k·floor(|p|/200))·[p ≤ 0] (k &lt; 5) or ·[p ≥ 0] (k ≥ 5),
/// x[k·F + f] = Σ_s W_s[k]·Δ_s[f], effect = w_tissue · x.
/// </summary>
internal sealed class ReferenceProjector(IReadOnlyList<string> tissues, float[] weights, int featureCount) : IEffectProjector
{
    private static readonly double[] _c = [0.01, 0.02, 0.05, 0.1, 0.2];

    public IReadOnlyList<string> TissueNames { get; } = tissues;

    public int FeatureCount { get; } = featureCount;

    /// <summary>[T, 10·F] row-major.</summary>
    public float[] Weights { get; } = weights;

    public static ReferenceProjector Random(IReadOnlyList<string> tissues, int featureCount, double scale, int seed)
    {
        var rng = new Random(seed);
        var w = new float[tissues.Count * 10 * featureCount];
        for (int i = 0; i < w.Length; i++) w[i] = (float)((rng.NextDouble() * 2 - 1) * scale);
        return new ReferenceProjector(tissues, w, featureCount);
    }

    public void Project(ReadOnlySpan<float> deltas, ReadOnlySpan<int> distances, int strand, Span<float> effects)
    {
        int n = distances.Length;
        int shiftBlock = VariantShifts.All.Length * FeatureCount;
        for (int i = 0; i < n; i++)
        {
            for (int t = 0; t < TissueNames.Count; t++)
                effects[i * TissueNames.Count + t] = (float)Effect(deltas.Slice(i * shiftBlock, shiftBlock), distances[i], strand, t);
        }
    }

    /// <summary>Effect in tissue <paramref name="t"/> of one mutation from its Δ [9, F].</summary>
    public double Effect(ReadOnlySpan<float> delta, int distance, int strand, int t)
    {
        int f = FeatureCount;
        double total = 0;
        for (int j = 0; j < VariantShifts.All.Length; j++)
        {
            long p = (long)distance * strand + (long)VariantShifts.All[j] * strand;
            for (int k = 0; k < 10; k++)
            {
                bool upstream = k < 5;
                if (upstream ? p > 0 : p < 0) continue;
                double w = Math.Exp(-_c[k % 5] * Math.Floor(Math.Abs(p) / 200.0));
                for (int q = 0; q < f; q++)
                    total += Weights[t * 10 * f + k * f + q] * w * delta[j * f + q];
            }
        }
        return total;
    }
}

/// <summary>A random chromosome with a soft-masked stretch and a few N; fetch clamps at its end like a FASTA reader.</summary>
internal sealed class SyntheticGenome
{
    public SyntheticGenome(string chrom, int length, int seed)
    {
        Chrom = chrom;
        var rng = new Random(seed);
        Bases = new byte[length];
        for (int i = 0; i < length; i++) Bases[i] = "ACGT"u8[rng.Next(4)];
    }

    public string Chrom { get; }

    public byte[] Bases { get; }

    public int FetchCalls { get; private set; }

    public byte[] Fetch(string chrom, long start0, int length)
    {
        Assert.Equal(Chrom, chrom);
        Assert.True(start0 >= 0, "runner asked for a negative start");
        FetchCalls++;
        long end = Math.Min(start0 + length, Bases.Length);
        return start0 >= end ? [] : Bases.AsSpan((int)start0, (int)(end - start0)).ToArray();
    }
}

/// <summary>A throw-away folder under the system temp directory.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "expecto-mut-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>DuckDB as the independent reader of what we wrote.</summary>
internal static class Duck
{
    public static List<object?[]> Query(string sql)
    {
        using var connection = new DuckDBConnection("DataSource=:memory:");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var rows = new List<object?[]>();
        while (reader.Read())
        {
            var row = new object?[reader.FieldCount];
            for (int i = 0; i < row.Length; i++) row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            rows.Add(row);
        }
        return rows;
    }

    public static object? Scalar(string sql) => Query(sql).Single()[0];

    /// <summary>A path as a SQL string literal.</summary>
    public static string Lit(string path) => "'" + path.Replace("'", "''") + "'";
}
