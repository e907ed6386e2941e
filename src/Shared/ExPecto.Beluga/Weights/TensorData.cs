namespace ExPecto.Beluga.Weights;

/// <summary>
/// One tensor of a state dict as plain data: <see cref="Shape"/> (PyTorch order, outermost first; empty for a 0-d
/// tensor) and the values as float32, row-major (C-contiguous). Tensors read from one file may share a
/// <see cref="Data"/> array when PyTorch stored them on one storage; treat the array as read-only.
/// </summary>
public sealed record TensorData(long[] Shape, float[] Data)
{
    /// <summary>Number of elements: the product of <see cref="Shape"/> (1 for a 0-d tensor).</summary>
    public long ElementCount => Numel(Shape);

    /// <summary>The shape as PyTorch prints it, e.g. [320, 4, 1, 8].</summary>
    public string ShapeText => FormatShape(Shape);

    internal static long Numel(IReadOnlyList<long> shape)
    {
        long n = 1;
        foreach (long d in shape) n = checked(n * d);
        return n;
    }

    internal static string FormatShape(IEnumerable<long> shape) => "[" + string.Join(", ", shape) + "]";

    /// <summary>Checks that <see cref="Data"/> holds exactly <see cref="ElementCount"/> values.</summary>
    public TensorData Validate(string key)
    {
        foreach (long d in Shape)
            if (d < 0) throw new ArgumentException($"{key}: negative dimension in shape {ShapeText}");
        if (Data.LongLength != ElementCount)
            throw new ArgumentException($"{key}: shape {ShapeText} needs {ElementCount} values, data holds {Data.LongLength}");
        return this;
    }
}
