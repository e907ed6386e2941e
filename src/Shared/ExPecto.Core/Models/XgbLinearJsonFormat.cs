using ExPecto.Core.Output;
using System.Globalization;
using System.Text.Json;

namespace ExPecto.Core.Models;

/// <summary>
/// XGBoost's JSON model format (<c>save_model("m.json")</c>, 1.0 and later), gblinear only. The parts read:
/// <code>
/// {"learner": {"learner_model_param": {"base_score": "2E0", "num_feature": "20020", "num_class": "0", ...},
///              "gradient_booster": {"name": "gblinear", "model": {"boosted_rounds": 100, "weights": [...]}},
///              "objective": {"name": "reg:squarederror", ...}, ...},
///  "version": [1, 7, 4]}
/// </code>
/// Weights as in the binary format: feature i of group g at i·groups + g, then the biases. XGBoost 3.x writes
/// base_score as "[2E0]"; both spellings are read.
/// </summary>
public static class XgbLinearJsonFormat
{
    public static XgbLinearModel Read(string path) => Read(File.ReadAllBytes(path), path);

    public static XgbLinearModel Read(ReadOnlySpan<byte> utf8, string? source = null)
    {
        try
        {
            var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { AllowTrailingCommas = false });
            using var doc = JsonDocument.ParseValue(ref reader);
            JsonElement learner = Property(doc.RootElement, "learner", source);
            JsonElement param = Property(learner, "learner_model_param", source);
            JsonElement gbm = Property(learner, "gradient_booster", source);
            string booster = Property(gbm, "name", source).GetString() ?? "";
            if (booster != "gblinear")
                throw new InputException(source, null, $"expected booster 'gblinear', found '{booster}' (only linear models are supported)");
            string objective = Property(Property(learner, "objective", source), "name", source).GetString() ?? "";
            if (!XgbLinearModel.IdentityObjectives.Contains(objective))
                throw new InputException(source, null, $"expected objective reg:linear or reg:squarederror, found '{objective}'");

            float baseScore = ParseFloat(StringParam(param, "base_score", source).Trim('[', ']'), "base_score", source);
            int numFeature = ParseInt(StringParam(param, "num_feature", source), "num_feature", source);
            int numClass = param.TryGetProperty("num_class", out var nc) ? ParseInt(nc.GetString() ?? "0", "num_class", source) : 0;
            int numTarget = param.TryGetProperty("num_target", out var nt) ? ParseInt(nt.GetString() ?? "1", "num_target", source) : 1;
            if (Math.Max(1, numClass) * Math.Max(1, numTarget) != 1)
                throw new InputException(source, null, $"expected one output group, found num_class {numClass}, num_target {numTarget}");

            JsonElement model = Property(gbm, "model", source);
            int rounds = model.TryGetProperty("boosted_rounds", out var br) ? br.GetInt32() : 0;
            JsonElement weightArray = Property(model, "weights", source);
            int count = weightArray.GetArrayLength();
            if (count != numFeature + 1)
                throw new InputException(source, null, $"expected {numFeature + 1} weights (features + bias), found {count}");
            var weights = new float[numFeature];
            int i = 0;
            float bias = 0;
            foreach (JsonElement w in weightArray.EnumerateArray())
            {
                float value = w.GetSingle();
                if (i < numFeature) weights[i] = value;
                else bias = value;
                i++;
            }
            return new XgbLinearModel(baseScore, bias, weights, objective, rounds);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            throw new InputException(source, null, $"XGBoost JSON model: {e.Message}", e);
        }
    }

    /// <summary>
    /// Writes the schema XGBoost 1.7 writes. reg:linear is written as its newer name reg:squarederror (same loss).
    /// Weights are written as the shortest text that reads back to the same float32.
    /// </summary>
    public static void Write(string path, XgbLinearModel model) => AtomicFile.WriteAllBytes(path, ToBytes(model));

    public static byte[] ToBytes(XgbLinearModel model)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteStartObject("learner");
            w.WriteStartObject("attributes");
            w.WriteEndObject();
            w.WriteStartArray("feature_names");
            w.WriteEndArray();
            w.WriteStartArray("feature_types");
            w.WriteEndArray();
            w.WriteStartObject("gradient_booster");
            w.WriteStartObject("model");
            w.WriteNumber("boosted_rounds", model.BoostedRounds);
            w.WriteStartArray("weights");
            foreach (float x in model.Weights) w.WriteNumberValue(x);
            w.WriteNumberValue(model.Bias);
            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteString("name", "gblinear");
            w.WriteEndObject();
            w.WriteStartObject("learner_model_param");
            w.WriteString("base_score", model.BaseScore.ToString("R", CultureInfo.InvariantCulture));
            w.WriteString("boost_from_average", "0");
            w.WriteString("num_class", "0");
            w.WriteString("num_feature", model.NumFeature.ToString(CultureInfo.InvariantCulture));
            w.WriteString("num_target", "1");
            w.WriteEndObject();
            w.WriteStartObject("objective");
            w.WriteString("name", "reg:squarederror");
            w.WriteStartObject("reg_loss_param");
            w.WriteString("scale_pos_weight", "1");
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteStartArray("version");
            w.WriteNumberValue(1);
            w.WriteNumberValue(7);
            w.WriteNumberValue(4);
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return buffer.ToArray();
    }

    private static JsonElement Property(JsonElement element, string name, string? source)
    {
        if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out var value))
            throw new InputException(source, null, $"XGBoost JSON model: expected property '{name}'");
        return value;
    }

    private static string StringParam(JsonElement param, string name, string? source) =>
        Property(param, name, source).GetString()
        ?? throw new InputException(source, null, $"XGBoost JSON model: '{name}' is not a string");

    private static float ParseFloat(string text, string name, string? source) =>
        float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out float v)
            ? v
            : throw new InputException(source, null, $"XGBoost JSON model: expected a number for {name}, found '{text}'");

    private static int ParseInt(string text, string name, string? source) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v)
            ? v
            : throw new InputException(source, null, $"XGBoost JSON model: expected an integer for {name}, found '{text}'");
}
