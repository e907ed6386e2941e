using TorchSharp;
using static TorchSharp.torch;

namespace ExPecto.Beluga.Ism;

/// <summary>
/// A growable [rows, width] float tensor for per-window reference values; capacity doubles so that appending n rows
/// one batch at a time copies O(n) in total. Rows are addressed by the index <see cref="Append"/> returns.
/// </summary>
internal sealed class RowCache : IDisposable
{
    private readonly long _width;
    private readonly Device _device;
    private Tensor? _store;
    private long _count;

    public RowCache(long width, Device device)
    {
        _width = width;
        _device = device;
    }

    /// <summary>Appends rows [n, width]; returns the index of the first. Call inside inference mode.</summary>
    public long Append(Tensor rows)
    {
        long n = rows.shape[0];
        long capacity = _store?.shape[0] ?? 0;
        if (_count + n > capacity)
        {
            long grown = Math.Max(Math.Max(64, 2 * capacity), _count + n);
            Tensor next = torch.empty([grown, _width], ScalarType.Float32, _device).DetachFromDisposeScope();
            if (_store is not null)
            {
                next.narrow(0, 0, _count).copy_(_store.narrow(0, 0, _count));
                _store.Dispose();
            }
            _store = next;
        }
        _store!.narrow(0, _count, n).copy_(rows);
        long first = _count;
        _count += n;
        return first;
    }

    /// <summary>Rows at <paramref name="index"/> (int64 on the device): [index.Length, width].</summary>
    public Tensor Select(Tensor index) =>
        (_store ?? throw new InvalidOperationException("cache is empty")).index_select(0, index);

    public void Dispose() => _store?.Dispose();
}
