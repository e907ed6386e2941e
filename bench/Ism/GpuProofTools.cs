using System.Globalization;
using Parquet;
using Parquet.Schema;
using ExPecto.Beluga.Weights;
using ExPecto.Core.Models;
using static TorchSharp.torch;

namespace ExPecto.Bench.Ism;

/// <summary>
/// Helpers of bench/gpu/proof_on_device.sh, so the device needs neither dotnet nor Python packages:
/// `random-inputs DIR` writes full-size random Beluga weights (DIR/beluga_full_random.pth, as deepsea.beluga.pth is
/// shaped) and four random tissue models with their modellist (DIR/models/modellist); `compare-effects A B [TOL]`
/// compares two runs' effects/ datasets row by row and exits 1 when any effect differs by more than TOL (1e-5).
/// </summary>
internal static class GpuProofTools
{
    public static int RandomInputs(string dir)
    {
        Directory.CreateDirectory(Path.Combine(dir, "models"));
        Dictionary<string, Tensor> weights = global::Bench.RandomWeights([320, 320, 480, 480, 640, 640], 2003, 2002, seed: 7);
        PyTorchStateDictWriter.Write(Path.Combine(dir, "beluga_full_random.pth"), weights.Select(kv =>
            KeyValuePair.Create(kv.Key, new TensorData(kv.Value.shape, kv.Value.contiguous().data<float>().ToArray()))));
        foreach (Tensor t in weights.Values) t.Dispose();
        // Weights of the real models' scale (|w| ≤ 0.01 over 20,020 features): effects O(0.1-1).
        var rng = new Random(11);
        var list = new List<string> { "ModelName\tTissue" };
        for (int m = 0; m < 4; m++)
        {
            float[] w = Enumerable.Range(0, 20_020).Select(_ => (float)((rng.NextDouble() * 2 - 1) * 0.01)).ToArray();
            XgbLinearBinaryFormat.Write(Path.Combine(dir, "models", $"tissue{m}.save"), new XgbLinearModel(0f, 0f, w));
            list.Add($"tissue{m}.save\tRandom tissue {m}");
        }
        File.WriteAllLines(Path.Combine(dir, "models", "modellist"), list);
        Console.WriteLine($"random full-size inputs in {dir}: beluga_full_random.pth, models/modellist (4 tissues)");
        return 0;
    }

    public static int CompareEffects(string a, string b, double tolerance)
    {
        // Every effects/chrom=…/<gene>.parquet of A, and the same relative path in B.
        string[] files = Directory.Exists(Path.Combine(a, "effects"))
            ? Directory.GetFiles(Path.Combine(a, "effects"), "*.parquet", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToArray()
            : [];
        if (files.Length == 0)
        {
            Console.WriteLine($"compare-effects: no effects/**/*.parquet under {a}");
            return 1;
        }
        double maxDiff = 0, maxAbs = 0;
        long rows = 0;
        int tissues = 0;
        foreach (string fa in files)
        {
            string fb = Path.Combine(b, Path.GetRelativePath(a, fa));
            if (!File.Exists(fb))
            {
                Console.WriteLine($"compare-effects: {fb} is missing");
                return 1;
            }
            var (keysA, effA) = Read(fa);
            var (keysB, effB) = Read(fb);
            if (!keysA.SequenceEqual(keysB) || !effA.Keys.Order().SequenceEqual(effB.Keys.Order()))
            {
                Console.WriteLine($"compare-effects: {fa} and {fb} hold different rows or tissues");
                return 1;
            }
            rows += keysA.Count;
            tissues = effA.Count;
            foreach (var (tissue, x) in effA)
            {
                float[] y = effB[tissue];
                for (int i = 0; i < x.Length; i++)
                {
                    maxAbs = Math.Max(maxAbs, Math.Abs(x[i]));
                    maxDiff = Math.Max(maxDiff, Math.Abs(x[i] - y[i]));
                }
            }
        }
        bool ok = maxDiff <= tolerance && maxAbs > 0;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"compare-effects: {files.Length} genes, {rows} mutations × {tissues} tissues: max |effect| {maxAbs:G3}, max |A − B| {maxDiff:G3} → {(ok ? "OK" : "FAIL")} (tolerance {tolerance:G3})"));
        return ok ? 0 : 1;
    }

    /// <summary>Row keys (pos:alt) and every float column (the tissues) of one mutagenesis effects file.</summary>
    private static (List<string> Keys, Dictionary<string, float[]> Effects) Read(string path) => ReadAsync(path).GetAwaiter().GetResult();

    private static async Task<(List<string> Keys, Dictionary<string, float[]> Effects)> ReadAsync(string path)
    {
        await using var stream = File.OpenRead(path);
        await using var reader = await ParquetReader.CreateAsync(stream);
        DataField[] fields = reader.Schema.GetDataFields();
        DataField Field(string name) => fields.Single(f => f.Name == name);
        var keys = new List<string>();
        var effects = fields.Where(f => f.ClrType == typeof(float)).ToDictionary(f => f.Name, _ => new List<float>());
        for (int g = 0; g < reader.RowGroupCount; g++)
        {
            using var rg = reader.OpenRowGroupReader(g);
            int n = checked((int)rg.RowCount);
            var pos = new long[n];
            var alt = new string?[n];
            if (Field("pos").ClrType == typeof(int))
            {
                var p32 = new int[n];
                await rg.ReadAsync(Field("pos"), p32.AsMemory());
                for (int i = 0; i < n; i++) pos[i] = p32[i];
            }
            else
            {
                await rg.ReadAsync(Field("pos"), pos.AsMemory());
            }
            await rg.ReadAsync(Field("alt"), alt.AsMemory());
            for (int i = 0; i < n; i++) keys.Add($"{pos[i]}:{alt[i]}");
            foreach (var (name, list) in effects)
            {
                var values = new float[n];
                await rg.ReadAsync(Field(name), values.AsMemory());
                list.AddRange(values);
            }
        }
        return (keys, effects.ToDictionary(kv => kv.Key, kv => kv.Value.ToArray()));
    }
}
