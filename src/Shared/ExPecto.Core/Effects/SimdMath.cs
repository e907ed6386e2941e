using System.Numerics;
using System.Runtime.InteropServices;

namespace ExPecto.Core.Effects;

/// <summary>Vectorised float64 kernels (System.Numerics.Vector; no extra package).</summary>
internal static class SimdMath
{
    public static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        if (a.Length != b.Length) throw new ArgumentException("lengths differ");
        var va = MemoryMarshal.Cast<double, Vector<double>>(a);
        var vb = MemoryMarshal.Cast<double, Vector<double>>(b);
        Vector<double> acc0 = Vector<double>.Zero, acc1 = Vector<double>.Zero;
        int i = 0;
        for (; i + 1 < va.Length; i += 2)
        {
            acc0 += va[i] * vb[i];
            acc1 += va[i + 1] * vb[i + 1];
        }
        if (i < va.Length) acc0 += va[i] * vb[i];
        double sum = Vector.Sum(acc0 + acc1);
        for (int j = va.Length * Vector<double>.Count; j < a.Length; j++) sum += a[j] * b[j];
        return sum;
    }

    /// <summary>
    /// out_r[c] += x_r · w_c for two x rows and four weight rows over one column chunk: each loaded vector is
    /// used two or four times, which is what makes the matrix product faster than separate dot products.
    /// </summary>
    public static void Dot2x4(
        ReadOnlySpan<double> x0, ReadOnlySpan<double> x1,
        ReadOnlySpan<double> w0, ReadOnlySpan<double> w1, ReadOnlySpan<double> w2, ReadOnlySpan<double> w3,
        Span<double> out0, Span<double> out1)
    {
        var vx0 = MemoryMarshal.Cast<double, Vector<double>>(x0);
        var vx1 = MemoryMarshal.Cast<double, Vector<double>>(x1);
        var vw0 = MemoryMarshal.Cast<double, Vector<double>>(w0);
        var vw1 = MemoryMarshal.Cast<double, Vector<double>>(w1);
        var vw2 = MemoryMarshal.Cast<double, Vector<double>>(w2);
        var vw3 = MemoryMarshal.Cast<double, Vector<double>>(w3);
        Vector<double> a00 = default, a01 = default, a02 = default, a03 = default;
        Vector<double> a10 = default, a11 = default, a12 = default, a13 = default;
        int n = vx0.Length;
        for (int i = 0; i < n; i++)
        {
            Vector<double> p = vx0[i], q = vx1[i];
            Vector<double> w = vw0[i];
            a00 += p * w;
            a10 += q * w;
            w = vw1[i];
            a01 += p * w;
            a11 += q * w;
            w = vw2[i];
            a02 += p * w;
            a12 += q * w;
            w = vw3[i];
            a03 += p * w;
            a13 += q * w;
        }
        double s00 = Vector.Sum(a00), s01 = Vector.Sum(a01), s02 = Vector.Sum(a02), s03 = Vector.Sum(a03);
        double s10 = Vector.Sum(a10), s11 = Vector.Sum(a11), s12 = Vector.Sum(a12), s13 = Vector.Sum(a13);
        for (int j = n * Vector<double>.Count; j < x0.Length; j++)
        {
            s00 += x0[j] * w0[j];
            s01 += x0[j] * w1[j];
            s02 += x0[j] * w2[j];
            s03 += x0[j] * w3[j];
            s10 += x1[j] * w0[j];
            s11 += x1[j] * w1[j];
            s12 += x1[j] * w2[j];
            s13 += x1[j] * w3[j];
        }
        out0[0] += s00;
        out0[1] += s01;
        out0[2] += s02;
        out0[3] += s03;
        out1[0] += s10;
        out1[1] += s11;
        out1[2] += s12;
        out1[3] += s13;
    }
}
