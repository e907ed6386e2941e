using System.Globalization;

namespace ExPecto.Core.Tests.Support;

/// <summary>C's printf("%g") (precision 6), which XGBoost's text dumps use via std::ostream.</summary>
internal static class CFormat
{
    public static string G6(double value)
    {
        if (value == 0) return double.IsNegative(value) ? "-0" : "0";
        // Round to 6 significant digits first: the exponent %g chooses is that of the rounded value.
        string e = value.ToString("E5", CultureInfo.InvariantCulture); // d.dddddE+xxx
        int ePos = e.IndexOf('E');
        int exponent = int.Parse(e[(ePos + 1)..], CultureInfo.InvariantCulture);
        if (exponent < -4 || exponent >= 6)
        {
            string mantissa = TrimZeros(e[..ePos]);
            return $"{mantissa}e{(exponent < 0 ? '-' : '+')}{Math.Abs(exponent):00}";
        }
        return TrimZeros(value.ToString("F" + (5 - exponent), CultureInfo.InvariantCulture));
    }

    private static string TrimZeros(string s) => s.Contains('.') ? s.TrimEnd('0').TrimEnd('.') : s;
}
