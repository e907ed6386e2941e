using ExPecto.TestHooks;
using System.Text;
using ExPecto.Protocol.Processing;

namespace ExPecto.Cluster.Tests.Schedules;

/// <summary>
/// Small real-format inputs for schedule tests: an indexed FASTA with one 3 kb contig per gene (so one base changes
/// one gene's region only), an ExPecto geneanno.csv, stand-in weights and models, and a spec file over them using
/// the fake engine. Files are rewritten in place to simulate input changes between runs.
/// </summary>
internal sealed class ScheduleInputs
{
    public const int ContigLength = 3000;

    private readonly Dictionary<string, long> _tss = new(StringComparer.Ordinal);
    private readonly Dictionary<string, char[]> _contigs = new(StringComparer.Ordinal);

    public string Dir { get; }
    public string Genome => Path.Combine(Dir, "genome.fa");
    public string Annotation => Path.Combine(Dir, "geneanno.csv");
    public string Weights => Path.Combine(Dir, "beluga.pth");
    public string Models => Path.Combine(Dir, "modellist");
    public string Out => Path.Combine(Dir, "out");
    public IReadOnlyList<string> GeneIds { get; }

    public ScheduleInputs(string dir, int genes)
    {
        Dir = dir;
        Directory.CreateDirectory(dir);
        var random = new Random(17);
        GeneIds = Enumerable.Range(1, genes).Select(i => $"ENSG{i:D5}").ToList();
        for (int i = 0; i < genes; i++)
        {
            _contigs[$"chr{i + 1}"] = Enumerable.Range(0, ContigLength).Select(_ => "ACGT"[random.Next(4)]).ToArray();
            _tss[GeneIds[i]] = 1500;
        }
        WriteGenome();
        WriteAnnotation();
        File.WriteAllText(Weights, "weights");
        File.WriteAllText(Path.Combine(dir, "Liver.model"), "liver");
        File.WriteAllText(Path.Combine(dir, "Lung.model"), "lung");
        File.WriteAllText(Models, "Liver.model\nLung.model\n");
    }

    public static string ChromOf(int geneIndex) => $"chr{geneIndex + 1}";

    /// <summary>The spec file text (fake engine, every gene of the annotation, output under <see cref="Out"/>).</summary>
    public string SpecText(int delayMs = 0)
    {
        string param = delayMs > 0 ? $$""", "params": { "{{FakeGeneProcessor.DelayParameter}}": "{{delayMs}}" }""" : "";
        return $$"""
            { "genome": "{{Genome}}", "annotation": "{{Annotation}}", "beluga": "{{Weights}}", "models": "{{Models}}",
              "genes": "all", "out": "{{Out}}", "radius": 10, "threshold": 0.3, "engine": "fake", "batchSize": 4{{param}} }
            """;
    }

    public void SetTss(string geneId, long tss)
    {
        _tss[geneId] = tss;
        WriteAnnotation();
    }

    /// <summary>Flips the base at 0-based <paramref name="offset0"/> of <paramref name="contig"/> (same length: the .fai stays valid).</summary>
    public void ChangeBase(string contig, int offset0)
    {
        char[] seq = _contigs[contig];
        seq[offset0] = seq[offset0] == 'A' ? 'C' : 'A';
        WriteGenome();
    }

    private void WriteGenome()
    {
        var sb = new StringBuilder();
        foreach (var (name, seq) in _contigs)
        {
            sb.Append('>').Append(name).Append('\n');
            for (int i = 0; i < seq.Length; i += 60) sb.Append(seq, i, Math.Min(60, seq.Length - i)).Append('\n');
        }
        File.WriteAllText(Genome, sb.ToString());
    }

    private void WriteAnnotation()
    {
        var sb = new StringBuilder("id,symbol,seqnames,strand,TSS,CAGE_representative_TSS,type\n");
        for (int i = 0; i < GeneIds.Count; i++)
        {
            string id = GeneIds[i];
            sb.Append($"{id},SYM{i + 1},{ChromOf(i)},+,{_tss[id]},{_tss[id]},protein_coding\n");
        }
        File.WriteAllText(Annotation, sb.ToString());
    }
}

/// <summary>A clock the test moves by hand (only "now" matters to the schedule manager).</summary>
internal sealed class ManualClock(DateTimeOffset now) : TimeProvider
{
    private long _ticks = now.UtcTicks;

    public DateTimeOffset Now
    {
        get => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);
        set => Interlocked.Exchange(ref _ticks, value.UtcTicks);
    }

    public override DateTimeOffset GetUtcNow() => Now;
}
