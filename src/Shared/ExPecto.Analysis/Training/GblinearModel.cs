using System.Globalization;
using System.Text;
using System.Text.Json;
using ExPecto.Analysis.Io;
using ExPecto.Core;

namespace ExPecto.Analysis.Training;

/// <summary>
/// A single-output XGBoost gblinear model: prediction = base_score + bias + Σ_j w_j·x_j, accumulated in float32 in
/// feature order exactly as XGBoost 1.7's <c>GBLinear::Pred</c> does (so predictions match XGBoost bit for bit when
/// the weights do). For ExPecto the output is ln(expression + pseudocount).
/// </summary>
public sealed class GblinearModel
{
    public float BaseScore { get; }
    public float Bias { get; internal set; }
    public float[] Weights { get; }
    public int BoostedRounds { get; internal set; }
    public int NumFeature => Weights.Length;

    public GblinearModel(float baseScore, float[] weights, float bias, int boostedRounds = 0)
    {
        BaseScore = baseScore;
        Weights = weights;
        Bias = bias;
        BoostedRounds = boostedRounds;
    }

    /// <summary>The prediction for one row (length <see cref="NumFeature"/>).</summary>
    public float Predict(ReadOnlySpan<float> row)
    {
        if (row.Length != Weights.Length) throw new ArgumentException($"row has {row.Length} features, the model {Weights.Length}");
        float psum = Bias + BaseScore;
        for (int j = 0; j < row.Length; j++) psum += row[j] * Weights[j];
        return psum;
    }

    /// <summary>Predictions for every row of <paramref name="x"/>.</summary>
    public float[] Predict(FeatureMatrix x)
    {
        var result = new float[x.Rows];
        for (int i = 0; i < x.Rows; i++) result[i] = Predict(x.Row(i));
        return result;
    }

    /// <summary>
    /// XGBoost 1.7's JSON model (<c>Booster.save_model("*.json")</c>) for gblinear with reg:squarederror:
    /// weights = num_feature weights then the bias. Loads in python xgboost ≥ 1.0.
    /// </summary>
    public string ToXgboostJson()
    {
        var sb = new StringBuilder();
        sb.Append("{\"learner\":{\"attributes\":{},\"feature_names\":[],\"feature_types\":[],");
        sb.Append("\"gradient_booster\":{\"model\":{\"boosted_rounds\":").Append(BoostedRounds.ToString(CultureInfo.InvariantCulture));
        sb.Append(",\"weights\":[");
        for (int j = 0; j < Weights.Length; j++) sb.Append(F(Weights[j])).Append(',');
        sb.Append(F(Bias)).Append("]},\"name\":\"gblinear\"},");
        sb.Append("\"learner_model_param\":{\"base_score\":\"").Append(F(BaseScore)).Append("\",\"boost_from_average\":\"0\",");
        sb.Append("\"num_class\":\"0\",\"num_feature\":\"").Append(Weights.Length.ToString(CultureInfo.InvariantCulture)).Append("\",\"num_target\":\"1\"},");
        sb.Append("\"objective\":{\"name\":\"reg:squarederror\",\"reg_loss_param\":{\"scale_pos_weight\":\"1\"}}},");
        sb.Append("\"version\":[1,7,4]}");
        return sb.ToString();
    }

    public Task SaveXgboostJsonAsync(string path) => AtomicFile.WriteAllTextAsync(path, ToXgboostJson());

    /// <summary>Reads a gblinear JSON model written by XGBoost (1.x) or by <see cref="ToXgboostJson"/>.</summary>
    public static GblinearModel FromXgboostJson(string json, string? path = null)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            var learner = doc.RootElement.GetProperty("learner");
            var booster = learner.GetProperty("gradient_booster");
            string name = booster.GetProperty("name").GetString() ?? "";
            if (name != "gblinear") throw new InputException(path, null, $"expected a gblinear model, found booster '{name}'");
            var mp = learner.GetProperty("learner_model_param");
            int numFeature = int.Parse(mp.GetProperty("num_feature").GetString()!, CultureInfo.InvariantCulture);
            float baseScore = float.Parse(mp.GetProperty("base_score").GetString()!, NumberStyles.Float, CultureInfo.InvariantCulture);
            var model = booster.GetProperty("model");
            var w = model.GetProperty("weights").EnumerateArray().Select(e => e.GetSingle()).ToArray();
            if (w.Length != numFeature + 1)
                throw new InputException(path, null, $"expected {numFeature + 1} weights (num_feature + bias, one output group), found {w.Length}");
            int rounds = model.TryGetProperty("boosted_rounds", out var r) ? r.GetInt32() : 0;
            return new GblinearModel(baseScore, w[..numFeature], w[numFeature], rounds);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or FormatException or InvalidOperationException)
        {
            throw new InputException(path, null, $"not an XGBoost gblinear JSON model: {e.Message}", e);
        }
    }

    public static async Task<GblinearModel> LoadXgboostJsonAsync(string path) =>
        FromXgboostJson(await File.ReadAllTextAsync(path), path);

    private static string F(float v) => v.ToString("R", CultureInfo.InvariantCulture);
}
