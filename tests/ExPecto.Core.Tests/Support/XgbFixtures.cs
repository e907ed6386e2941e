using System.Globalization;
using ExPecto.Testing;

namespace ExPecto.Core.Tests.Support;

/// <summary>tests/fixtures/xgboost, made by tests/fixtures/make_fixtures_xgboost.py (xgboost 1.7.4).</summary>
internal static class XgbFixtures
{
    public const int Rows = 16;

    public static string File(string name) => TestPaths.Fixture(Path.Combine("xgboost", name));

    /// <summary>The script's design_matrix(): [rows × cols] row-major, values exact in float32 and float64.</summary>
    public static double[] DesignMatrix(int rows, int cols)
    {
        var x = new double[rows * cols];
        for (int i = 0; i < rows; i++)
        {
            for (int j = 0; j < cols; j++)
            {
                uint v = unchecked((uint)(i + 1) * 0x9E3779B1u + (uint)(j + 1) * 0x85EBCA77u);
                v ^= v >> 15;
                v = unchecked(v * 0x2C1B3C6Du);
                v ^= v >> 12;
                int value = (int)((v >> 8) % 513) - 256;
                x[i * cols + j] = v % 4 == 0 ? 0.0 : value / 256.0;
            }
        }
        return x;
    }

    /// <summary>predictions.csv rows for one model: (xgboost, float64) per design-matrix row.</summary>
    public static (double Xgboost, double Float64)[] Predictions(string model) =>
        System.IO.File.ReadAllLines(File("predictions.csv")).Skip(1).Select(l => l.Split(','))
            .Where(c => c[0] == model)
            .OrderBy(c => int.Parse(c[1], CultureInfo.InvariantCulture))
            .Select(c => (double.Parse(c[2], CultureInfo.InvariantCulture), double.Parse(c[3], CultureInfo.InvariantCulture)))
            .ToArray();
}
