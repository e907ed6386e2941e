using System.IO.Compression;
using System.Text;
using ExPecto.Testing;
using TorchSharp;
using static TorchSharp.torch;

namespace ExPecto.Beluga.Tests.Ism;

/// <summary>Seeded random Beluga-shaped networks, a real chr20 region, and an independent full-window reference.</summary>
internal static class IsmTestSupport
{
    public const int Features = 2002;

    /// <summary>
    /// A Beluga-shaped state dict (same keys, 4D conv weights [out, in, 1, 8]) with reduced widths and He-scaled
    /// Gaussian weights, so ReLUs neither all die nor all pass and the sigmoid outputs spread over (0, 1).
    /// </summary>
    public static Dictionary<string, Tensor> RandomStateDict(int seed, int[] channels, int hidden, int features = Features)
    {
        var rng = new Random(seed);
        var dict = new Dictionary<string, Tensor>();
        string[] convKeys = ["model.0.0", "model.0.2", "model.0.6", "model.0.8", "model.0.12", "model.0.14"];
        int inChannels = 4;
        for (int i = 0; i < 6; i++)
        {
            // One-hot input has a single active channel per position, so conv1 fans in over 8 inputs, not 32.
            int fanIn = i == 0 ? 8 : inChannels * 8;
            dict[convKeys[i] + ".weight"] = Gaussian(rng, [channels[i], inChannels, 1, 8], Math.Sqrt(2.0 / fanIn));
            dict[convKeys[i] + ".bias"] = Gaussian(rng, [channels[i]], 0.05);
            inChannels = channels[i];
        }
        dict["model.1.2.1.weight"] = Gaussian(rng, [hidden, inChannels * 106], Math.Sqrt(2.0 / (inChannels * 106)));
        dict["model.1.2.1.bias"] = Gaussian(rng, [hidden], 0.05);
        dict["model.1.4.1.weight"] = Gaussian(rng, [features, hidden], 2.0 / Math.Sqrt(hidden));
        dict["model.1.4.1.bias"] = Gaussian(rng, [features], 0.5);
        return dict;
    }

    public static void Dispose(Dictionary<string, Tensor> dict)
    {
        foreach (Tensor t in dict.Values) t.Dispose();
    }

    private static Tensor Gaussian(Random rng, long[] shape, double std)
    {
        long count = shape.Aggregate(1L, (a, b) => a * b);
        var values = new float[count];
        for (long i = 0; i < count; i++)
        {
            // Box–Muller: deterministic from the seed, independent of torch's generator.
            double u1 = 1.0 - rng.NextDouble(), u2 = rng.NextDouble();
            values[i] = (float)(std * Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
        }
        return torch.tensor(values, shape);
    }

    private static readonly Lazy<byte[]> s_chr20Head = new(ReadChr20Head);

    /// <summary>A reproducible random ACGT sequence: for tests that must run where ../shared/data is absent (CI).</summary>
    public static byte[] RandomRegion(int length, int seed)
    {
        var rng = new Random(seed);
        var region = new byte[length];
        for (int i = 0; i < length; i++) region[i] = "ACGT"u8[rng.Next(4)];
        return region;
    }

    /// <summary>
    /// <paramref name="length"/> bp of real hg19 chr20 sequence with no N, at or after 2,000,000 (0-based).
    /// Skips the test when ../shared/data is absent.
    /// </summary>
    public static byte[] Chr20Region(int length)
    {
        TestPaths.RequireSharedData("hg19_chr20/hg19_chr20.fa.gz");
        byte[] seq = s_chr20Head.Value;
        for (int start = 2_000_000; start + length <= seq.Length; start += 1000)
        {
            if (Array.IndexOf(seq, (byte)'N', start, length) < 0) return seq.AsSpan(start, length).ToArray();
        }
        throw new InvalidOperationException("no N-free region found in the first bases of chr20");
    }

    // The first 2.1 Mb of chr20; GZipStream reads BGZF (concatenated gzip members) as one stream.
    private static byte[] ReadChr20Head()
    {
        string path = TestPaths.RequireSharedData("hg19_chr20/hg19_chr20.fa.gz");
        using var reader = new StreamReader(new GZipStream(File.OpenRead(path), CompressionMode.Decompress), Encoding.ASCII);
        var sb = new StringBuilder();
        string? line = reader.ReadLine();
        if (line is null || !line.StartsWith('>')) throw new InvalidDataException("expected a FASTA header");
        while (sb.Length < 2_100_000 && (line = reader.ReadLine()) is not null) sb.Append(line.Trim());
        return Encoding.ASCII.GetBytes(sb.ToString());
    }

    /// <summary>
    /// The definition, written out separately from the engines: fwd/rc mean probabilities of one 2,000 bp ASCII
    /// window, computed in float64 with conv2d on [1, 4, 1, 2000] exactly as the PyTorch module does.
    /// </summary>
    public static double[] DirectPredict(Dictionary<string, Tensor> dict, byte[] window)
    {
        var rc = new byte[window.Length];
        for (int i = 0; i < window.Length; i++)
        {
            rc[i] = window[window.Length - 1 - i] switch
            {
                (byte)'A' => (byte)'T', (byte)'C' => (byte)'G', (byte)'G' => (byte)'C', (byte)'T' => (byte)'A', _ => (byte)'N',
            };
        }
        double[] fwd = DirectForward(dict, window);
        double[] rev = DirectForward(dict, rc);
        return fwd.Zip(rev, (a, b) => 0.5 * (a + b)).ToArray();
    }

    private static double[] DirectForward(Dictionary<string, Tensor> dict, byte[] window)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var x = new double[4 * window.Length];
        for (int i = 0; i < window.Length; i++)
        {
            int c = "AGCT".IndexOf((char)window[i]);
            if (c >= 0) x[c * window.Length + i] = 1.0;
        }
        Tensor t = torch.tensor(x, [1, 4, 1, window.Length]);
        Tensor D(string key) => dict[key].to(ScalarType.Float64);
        string[] conv = ["model.0.0", "model.0.2", "model.0.6", "model.0.8", "model.0.12", "model.0.14"];
        for (int i = 0; i < 6; i++)
        {
            t = torch.nn.functional.relu(torch.nn.functional.conv2d(t, D(conv[i] + ".weight"), D(conv[i] + ".bias")));
            if (i == 1 || i == 3) t = torch.nn.functional.max_pool2d(t, [1, 4], [1, 4]);
        }
        t = t.flatten(1);
        t = torch.nn.functional.relu(torch.nn.functional.linear(t, D("model.1.2.1.weight"), D("model.1.2.1.bias")));
        t = torch.sigmoid(torch.nn.functional.linear(t, D("model.1.4.1.weight"), D("model.1.4.1.bias")));
        return t[0].data<double>().ToArray();
    }
}
