using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;
using TorchSharp;

namespace ExPecto.Beluga.Ism;

/// <summary>
/// Dedicated threads on which libtorch runs single-threaded, so that independent batches run side by side on a CPU.
/// The incremental engine's batches are hundreds of small ops; with libtorch's intra-op threads each op waits on a
/// barrier (a 2-thread engine ran 1.2–1.8× one thread here), while two single-threaded batches at once run 1.8–2.0×
/// (bench/README.md, "Current: batches side by side"). libtorch keeps its thread count per OS thread (OpenMP's and MKL's per-thread
/// settings) after first use, so each worker fixes its own at 1 and then puts back the process-wide value that
/// threads not yet started copy (the creating thread's own count is not touched).
/// </summary>
internal sealed class SingleThreadedTorchWorkers : IDisposable
{
    private readonly BlockingCollection<Action>[] _queues;
    private readonly Thread[] _threads;

    /// <param name="count">Worker threads (≥ 1).</param>
    /// <param name="name">Thread name prefix (shown in dumps and profilers).</param>
    public SingleThreadedTorchWorkers(int count, string name)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        int creator = torch.get_num_threads();
        _queues = new BlockingCollection<Action>[count];
        _threads = new Thread[count];
        using var ready = new CountdownEvent(count);
        for (int i = 0; i < count; i++)
        {
            var queue = _queues[i] = new BlockingCollection<Action>();
            _threads[i] = new Thread(() => Loop(queue, ready)) { IsBackground = true, Name = $"{name} {i}" };
            _threads[i].Start();
        }
        ready.Wait();
        // The workers' set_num_threads(1) also changed the count new threads start with; put the creator's back.
        torch.set_num_threads(creator);
    }

    public int Count => _threads.Length;

    /// <summary>Runs work[i] on worker i (work.Count ≤ <see cref="Count"/>), waits for all, rethrows the first failure.</summary>
    public void Run(IReadOnlyList<Action> work)
    {
        if (work.Count > Count) throw new ArgumentException($"{work.Count} work items for {Count} workers", nameof(work));
        var errors = new Exception?[work.Count];
        using var done = new CountdownEvent(work.Count);
        for (int i = 0; i < work.Count; i++)
        {
            int at = i;
            _queues[i].Add(() =>
            {
                try { work[at](); }
                catch (Exception e) { errors[at] = e; }
                finally { done.Signal(); }
            });
        }
        done.Wait();
        foreach (Exception? e in errors)
            if (e is not null) ExceptionDispatchInfo.Throw(e);
    }

    private static void Loop(BlockingCollection<Action> queue, CountdownEvent ready)
    {
        // get first: libtorch sets a thread's count from the process-wide value on its first use, which would undo a
        // set_num_threads(1) made before it.
        torch.get_num_threads();
        torch.set_num_threads(1);
        ready.Signal();
        foreach (Action action in queue.GetConsumingEnumerable()) action();
    }

    public void Dispose()
    {
        foreach (var q in _queues) q.CompleteAdding();
        foreach (var t in _threads) t.Join();
        foreach (var q in _queues) q.Dispose();
    }
}
