using ExPecto.Core.Output;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace ExPecto.Core.Models;

/// <summary>
/// XGBoost's legacy binary model format (0.x, and 1.x's "deprecated binary"), gblinear only. Little-endian:
/// <code>
/// ["binf"]                      optional 4-byte header (ExPecto's 2018 .save files and XGBoost 1.x have it)
/// LearnerModelParam, 136 bytes: f32 base_score, u32 num_feature, i32 num_class, i32 contain_extra_attrs,
///                               i32 contain_eval_metrics, u32 major, u32 minor, u32 num_target, 26 × i32 reserved
/// u64 n, n bytes                objective name ("reg:linear")
/// u64 n, n bytes                booster name ("gblinear")
/// GBLinearModelParam, 136 bytes: u32 num_feature (0 in XGBoost 1.x files), i32 num_output_group, 32 × i32 reserved
/// u64 m, m × f32                weights: feature i of group g at i·groups + g, then the biases (m = (nf+1)·groups)
/// [u64 k, k × (string, string)] extra attributes, when contain_extra_attrs ≠ 0 (XGBoost 1.x)
/// [u64 k, k × string]           eval metrics, when contain_eval_metrics ≠ 0
/// </code>
/// Checked against ExPecto's .save/.model files and their text dumps, and against files XGBoost 1.7.4 wrote.
/// </summary>
public static class XgbLinearBinaryFormat
{
    private const int ParamBytes = 136;
    private static ReadOnlySpan<byte> Magic => "binf"u8;

    public static XgbLinearModel Read(string path) => Read(File.ReadAllBytes(path), path);

    /// <param name="bytes">the whole file</param>
    /// <param name="source">file name for error messages</param>
    public static XgbLinearModel Read(ReadOnlySpan<byte> bytes, string? source = null)
    {
        var r = new Reader(bytes, source);
        if (bytes.StartsWith(Magic)) r.Skip(4);

        float baseScore = r.F32();
        uint learnerFeatures = r.U32();
        int numClass = r.I32();
        int extraAttrs = r.I32();
        int evalMetrics = r.I32();
        r.Skip(ParamBytes - 20);

        string objective = r.String();
        string booster = r.String();
        if (booster != "gblinear")
            throw r.Error($"expected booster 'gblinear', found '{booster}' (only linear models are supported)");
        if (!XgbLinearModel.IdentityObjectives.Contains(objective))
            throw r.Error($"expected objective reg:linear or reg:squarederror, found '{objective}'");

        uint boosterFeatures = r.U32();
        int groups = r.I32();
        r.Skip(ParamBytes - 8);
        if (groups <= 0) groups = Math.Max(1, numClass);
        if (groups != 1)
            throw r.Error($"expected one output group, found {groups} (multi-output models are not supported)");
        // 0.x files set both counts; 1.x leaves the booster's at 0.
        uint numFeature = learnerFeatures != 0 ? learnerFeatures : boosterFeatures;
        if (learnerFeatures != 0 && boosterFeatures != 0 && learnerFeatures != boosterFeatures)
            throw r.Error($"learner says {learnerFeatures} features, booster says {boosterFeatures}");

        long count = checked((long)r.U64());
        if (count != (long)numFeature + 1)
            throw r.Error($"expected {(long)numFeature + 1} weights (features + bias), found {count}");
        var weights = new float[numFeature];
        r.F32s(weights);
        float bias = r.F32();

        if (extraAttrs != 0)
        {
            long pairs = checked((long)r.U64());
            for (long i = 0; i < 2 * pairs; i++) r.String();
        }
        if (evalMetrics != 0)
        {
            long metrics = checked((long)r.U64());
            for (long i = 0; i < metrics; i++) r.String();
        }
        if (!r.AtEnd) throw r.Error("unexpected bytes after the model");
        return new XgbLinearModel(baseScore, bias, weights, objective);
    }

    /// <summary>
    /// Writes the layout of ExPecto's 2018 files: optional "binf", both feature counts set, no extra attributes.
    /// XGBoost 0.7–1.7 load it. Written to a temp name beside <paramref name="path"/>, then renamed.
    /// </summary>
    public static void Write(string path, XgbLinearModel model, bool binfHeader = true) =>
        AtomicFile.WriteAllBytes(path, ToBytes(model, binfHeader));

    public static byte[] ToBytes(XgbLinearModel model, bool binfHeader = true)
    {
        byte[] objective = Encoding.ASCII.GetBytes(model.Objective);
        byte[] booster = "gblinear"u8.ToArray();
        int length = (binfHeader ? 4 : 0) + ParamBytes + 8 + objective.Length + 8 + booster.Length + ParamBytes
            + 8 + 4 * (model.NumFeature + 1);
        var bytes = new byte[length];
        var span = bytes.AsSpan();
        int o = 0;
        if (binfHeader)
        {
            Magic.CopyTo(span);
            o = 4;
        }
        BinaryPrimitives.WriteSingleLittleEndian(span[o..], model.BaseScore);
        BinaryPrimitives.WriteUInt32LittleEndian(span[(o + 4)..], (uint)model.NumFeature);
        o += ParamBytes;
        o = WriteString(span, o, objective);
        o = WriteString(span, o, booster);
        BinaryPrimitives.WriteUInt32LittleEndian(span[o..], (uint)model.NumFeature);
        BinaryPrimitives.WriteInt32LittleEndian(span[(o + 4)..], 1);
        o += ParamBytes;
        BinaryPrimitives.WriteUInt64LittleEndian(span[o..], (ulong)(model.NumFeature + 1));
        o += 8;
        for (int i = 0; i < model.NumFeature; i++) BinaryPrimitives.WriteSingleLittleEndian(span[(o + 4 * i)..], model.Weights[i]);
        o += 4 * model.NumFeature;
        BinaryPrimitives.WriteSingleLittleEndian(span[o..], model.Bias);
        return bytes;
    }

    private static int WriteString(Span<byte> span, int o, byte[] value)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(span[o..], (ulong)value.Length);
        value.CopyTo(span[(o + 8)..]);
        return o + 8 + value.Length;
    }

    private ref struct Reader(ReadOnlySpan<byte> bytes, string? source)
    {
        private readonly ReadOnlySpan<byte> _bytes = bytes;
        private int _offset;

        public readonly bool AtEnd => _offset == _bytes.Length;

        public void Skip(int n) => Take(n);

        public float F32() => BinaryPrimitives.ReadSingleLittleEndian(Take(4));

        public void F32s(Span<float> values)
        {
            var raw = Take(checked(4 * values.Length));
            if (BitConverter.IsLittleEndian)
            {
                MemoryMarshal.Cast<byte, float>(raw).CopyTo(values);
                return;
            }
            for (int i = 0; i < values.Length; i++) values[i] = BinaryPrimitives.ReadSingleLittleEndian(raw[(4 * i)..]);
        }

        public uint U32() => BinaryPrimitives.ReadUInt32LittleEndian(Take(4));

        public int I32() => BinaryPrimitives.ReadInt32LittleEndian(Take(4));

        public ulong U64() => BinaryPrimitives.ReadUInt64LittleEndian(Take(8));

        public string String()
        {
            ulong n = U64();
            if (n > 1 << 20) throw Error($"implausible string length {n}");
            return Encoding.UTF8.GetString(Take((int)n));
        }

        public readonly InputException Error(string message) =>
            new(source, null, $"XGBoost binary model, at byte {_offset}: {message}");

        private ReadOnlySpan<byte> Take(int n)
        {
            if (_offset + n > _bytes.Length)
                throw Error($"file ends early (needs {n} more bytes, {_bytes.Length - _offset} left)");
            var slice = _bytes.Slice(_offset, n);
            _offset += n;
            return slice;
        }
    }
}
