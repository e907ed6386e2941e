using System.Security.Cryptography;
using System.Text;
using ExPecto.Core.Output;
using ExPecto.Protocol.Processing;

namespace ExPecto.TestHooks;

/// <summary>
/// A deterministic stand-in for the science, for tests and benchmarks: writes effects/{chrom}/{gene}.tsv whose
/// rows derive from SHA-256(job, gene) only, temp-then-rename, after an optional delay. Same item → same bytes.
/// </summary>
public sealed class FakeGeneProcessor : IGeneProcessor
{
    public const string EngineName = "fake";
    private readonly TimeSpan _delay;
    private readonly int _tissues;
    private readonly Func<GeneWorkItem, bool>? _fail;
    private readonly Func<GeneWorkItem, bool>? _hang;

    /// <param name="delay">Simulated compute time per gene.</param>
    /// <param name="tissues">Tissue columns of the effects file.</param>
    /// <param name="fail">Genes for which processing throws (failure-path tests).</param>
    /// <param name="hang">
    /// Genes for which processing never returns and ignores cancellation, like a hung CUDA kernel or an NFS hang
    /// (stuck-worker tests). A worker setting, not a job parameter: it must not change the job's identity.
    /// </param>
    public FakeGeneProcessor(TimeSpan delay = default, int tissues = 4, Func<GeneWorkItem, bool>? fail = null, Func<GeneWorkItem, bool>? hang = null)
    {
        _delay = delay;
        _tissues = tissues;
        _fail = fail;
        _hang = hang;
    }

    /// <summary>
    /// The hang predicate of a comma-separated gene list ("*" = every gene); null when the list is empty.
    /// </summary>
    public static Func<GeneWorkItem, bool>? HangPredicate(string? genes)
    {
        if (string.IsNullOrWhiteSpace(genes)) return null;
        var set = genes.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal);
        return set.Contains("*") ? _ => true : item => set.Contains(item.GeneId);
    }

    public static string RelativePath(GeneWorkItem item) => Path.Combine("effects", item.Chrom, item.GeneId + ".tsv");

    /// <summary>Job parameter: simulated milliseconds per gene (overrides the constructor's delay).</summary>
    public const string DelayParameter = "fake.delayMs";

    /// <summary>Job parameter: comma-separated gene ids whose processing always throws.</summary>
    public const string FailGenesParameter = "fake.failGenes";

    public async Task<GeneOutcome> ProcessAsync(GeneWorkItem item, CancellationToken ct)
    {
        var delay = item.Spec.Parameters.TryGetValue(DelayParameter, out var ms) ? TimeSpan.FromMilliseconds(int.Parse(ms, System.Globalization.CultureInfo.InvariantCulture)) : _delay;
        if (delay > TimeSpan.Zero)
            await Task.Delay(delay, ct);
        ct.ThrowIfCancellationRequested();
        if (_hang?.Invoke(item) == true)
            await Task.Delay(Timeout.Infinite, CancellationToken.None);
        bool failByParameter = item.Spec.Parameters.TryGetValue(FailGenesParameter, out var failList)
                               && failList.Split(',', StringSplitOptions.TrimEntries).Contains(item.GeneId);
        if (failByParameter || _fail?.Invoke(item) == true)
            throw new InvalidOperationException($"fake failure for gene {item.GeneId}");

        byte[] seed = SHA256.HashData(Encoding.UTF8.GetBytes(item.JobId + "\0" + item.GeneId));
        int rows = 3 + seed[0] % 5;
        var sb = new StringBuilder("pos\tref\talt");
        for (int t = 0; t < _tissues; t++) sb.Append("\ttissue").Append(t);
        sb.Append('\n');
        long strong = 0;
        for (int r = 0; r < rows; r++)
        {
            sb.Append(r).Append("\tA\tG");
            bool isStrong = false;
            for (int t = 0; t < _tissues; t++)
            {
                float effect = (sbyte)seed[(r * _tissues + t + 1) % seed.Length] / 200f;
                isStrong |= Math.Abs(effect) >= item.Spec.Threshold;
                sb.Append('\t').Append(effect.ToString("R", System.Globalization.CultureInfo.InvariantCulture));
            }
            if (isStrong) strong++;
            sb.Append('\n');
        }
        string rel = RelativePath(item);
        AtomicFile.WriteAllText(Path.Combine(item.Spec.OutputDir, rel), sb.ToString());
        string[] files = [rel];
        return new GeneOutcome(rows, strong, files, OutputChecksum.Compute(item.Spec.OutputDir, files));
    }
}

/// <summary>Makes <see cref="FakeGeneProcessor"/>s; the delay is <see cref="TestHooksOptions.FakeDelay"/> (TestHooks:FakeDelay).</summary>
/// <param name="hang">Genes whose processing never returns (stuck-worker tests); see <see cref="FakeGeneProcessor.HangPredicate"/>.</param>
public sealed class FakeGeneProcessorFactory(TimeSpan delay = default, Func<GeneWorkItem, bool>? hang = null) : IGeneProcessorFactory
{
    public IGeneProcessor Create(string device) => new FakeGeneProcessor(delay, hang: hang);

    public IReadOnlyCollection<string> Parameters { get; } = [FakeGeneProcessor.DelayParameter, FakeGeneProcessor.FailGenesParameter];
}
