namespace ExPecto.Core.Models;

/// <summary>Model file formats this project reads and writes.</summary>
public enum XgbModelFormat
{
    /// <summary>Legacy binary with the "binf" header (ExPecto's .save files; XGBoost 1.x's deprecated binary).</summary>
    BinaryWithHeader,

    /// <summary>Legacy binary without a header (ExPecto's newer experimental .model files).</summary>
    Binary,

    /// <summary>XGBoost JSON (1.0 and later).</summary>
    Json,
}

/// <summary>Loads a gblinear model in any supported format, telling them apart by content, not by name.</summary>
public static class XgbModelFile
{
    public static XgbLinearModel Load(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InputException(path, null, $"cannot read model file: {e.Message}", e);
        }
        return Detect(bytes, path) switch
        {
            XgbModelFormat.Json => XgbLinearJsonFormat.Read(bytes, path),
            _ => XgbLinearBinaryFormat.Read(bytes, path),
        };
    }

    /// <summary>Which format the bytes are in. UBJSON (XGBoost ≥1.6 ".ubj") is recognised and refused.</summary>
    public static XgbModelFormat Detect(ReadOnlySpan<byte> bytes, string? source = null)
    {
        if (bytes.StartsWith("binf"u8)) return XgbModelFormat.BinaryWithHeader;
        // A headerless binary starts with a float base_score whose first byte may be anything, '{' included,
        // so look for its objective name first: u64 length at byte 136, then ASCII such as "reg:linear".
        if (LooksLikeHeaderlessBinary(bytes)) return XgbModelFormat.Binary;
        int i = 0;
        while (i < bytes.Length && bytes[i] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n') i++;
        if (i < bytes.Length && bytes[i] == (byte)'{')
        {
            // UBJSON objects start with '{' followed by a type or length marker ('i', 'L', ...), JSON with a quote.
            int j = i + 1;
            while (j < bytes.Length && bytes[j] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n') j++;
            if (j < bytes.Length && bytes[j] is (byte)'"' or (byte)'}') return XgbModelFormat.Json;
            throw new InputException(source, null, "looks like an XGBoost UBJSON model, which is not supported; save it as .json");
        }
        return XgbModelFormat.Binary;
    }

    private static bool LooksLikeHeaderlessBinary(ReadOnlySpan<byte> bytes)
    {
        const int objectiveAt = 136;
        if (bytes.Length < objectiveAt + 8) return false;
        ulong n = System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(bytes[objectiveAt..]);
        if (n is 0 or > 64 || bytes.Length < objectiveAt + 8 + (int)n) return false;
        var name = bytes.Slice(objectiveAt + 8, (int)n);
        return name.IndexOf((byte)':') > 0 && !name.ContainsAnyExceptInRange((byte)0x21, (byte)0x7E);
    }

    public static void Save(string path, XgbLinearModel model, XgbModelFormat format)
    {
        switch (format)
        {
            case XgbModelFormat.Json:
                XgbLinearJsonFormat.Write(path, model);
                break;
            case XgbModelFormat.Binary:
                XgbLinearBinaryFormat.Write(path, model, binfHeader: false);
                break;
            default:
                XgbLinearBinaryFormat.Write(path, model, binfHeader: true);
                break;
        }
    }
}
