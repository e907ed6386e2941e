using Akka.Actor;
using Akka.Event;
using ExPecto.Hosting;
using ExPecto.Protocol;
using ExPecto.Protocol.Messages;
using ExPecto.Protocol.Processing;

namespace ExPecto.Worker.Actors;

/// <summary>
/// One inference loop on one device. Pulls work by announcing its slots (the credit window) to the job manager,
/// runs one gene at a time on a dedicated thread (TorchSharp scopes are per thread), renews the lease of what it
/// holds, and resends each completion until the gene entity acknowledges it. Genes granted beyond the running one
/// wait in arrival order. A run that has not returned after <see cref="WorkerOptions.StuckAfter"/> marks the device
/// stuck: its lease is no longer renewed (the gene entity lets it expire and re-issues the gene), queued genes are
/// handed back, and the device offers no slots until that run returns.
/// </summary>
public sealed class DeviceWorkerActor : ReceiveActor, IWithTimers
{
    private sealed record Heartbeat;
    private sealed record Processed(string Key, int Attempt, GeneOutcome Outcome);
    private sealed record ProcessFailed(string Key, int Attempt, Exception Error);

    private sealed class Held(WorkGranted grant)
    {
        public WorkGranted Grant { get; set; } = grant;
        public CancellationTokenSource? Cancel { get; set; }
        public GeneOutcome? Outcome { get; set; }
        public DateTime LastRenew { get; set; } = DateTime.UtcNow;
        public DateTime StartedAt { get; set; }
        public bool Running => Cancel is not null && Outcome is null;
    }

    private readonly string _workerId;
    private readonly string _device;
    private readonly int _slots;
    private readonly IGeneProcessor _processor;
    private readonly IActorRef _jobManager;
    private readonly IActorRef _genes;
    private readonly WorkerOptions _options;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<string, Held> _held = new(StringComparer.Ordinal);
    private readonly DeviceThread _thread;
    private readonly List<string> _order = [];
    // Counters for the heartbeat's WorkerStats (what `expecto admin … workers` shows).
    private long _genesDone;
    private long _errors;
    private double _mutationsPerSecond;
    private DateTime _runningSince;
    private (string Key, int Attempt)? _stuck; // the run that did not return in time; the device waits for it

    public DeviceWorkerActor(string workerId, string device, IGeneProcessor processor, IActorRef jobManager, IActorRef genes, WorkerOptions options)
    {
        _workerId = workerId;
        _device = device;
        _slots = Math.Max(1, options.SlotsPerDevice);
        _processor = processor;
        _jobManager = jobManager;
        _genes = genes;
        _options = options;
        _thread = new DeviceThread("expecto-device-" + device);

        Receive<Heartbeat>(_ => OnHeartbeat());
        Receive<WorkGranted>(OnGranted);
        Receive<Processed>(OnProcessed);
        Receive<ProcessFailed>(OnFailed);
        Receive<CompletionAcked>(a => Drop(Key(a.JobId, a.GeneId)));
        Receive<LeaseLost>(OnLeaseLost);
    }

    public static Props Props(string workerId, string device, IGeneProcessor processor, IActorRef jobManager, IActorRef genes, WorkerOptions options) =>
        Akka.Actor.Props.Create(() => new DeviceWorkerActor(workerId, device, processor, jobManager, genes, options));

    public ITimerScheduler Timers { get; set; } = null!;

    private static string Key(string jobId, string geneId) => new GeneKey(jobId, geneId).ToString();

    protected override void PreStart()
    {
        WorkerMetrics.Register(_device);
        Register();
        Timers.StartPeriodicTimer("heartbeat", new Heartbeat(), _options.HeartbeatInterval);
    }

    protected override void PostStop()
    {
        foreach (var h in _held.Values) h.Cancel?.Cancel();
        _thread.Dispose();
        (_processor as IDisposable)?.Dispose();
    }

    private void Register() => _jobManager.Tell(new RegisterWorker(_workerId, Self, _stuck is null ? _slots : 0,
        _held.Values.Select(h => new HeldGene(h.Grant.Item.JobId, h.Grant.Item.GeneId, h.Grant.Attempt)).ToList())
    {
        Stats = Stats(),
    });

    private WorkerStats Stats()
    {
        var running = _held.Values.FirstOrDefault(h => h.Running)?.Grant.Item;
        return new WorkerStats(_device, running is null ? 0 : _processor.BatchSize(running.Spec), running?.GeneId, _mutationsPerSecond, _genesDone, _errors);
    }

    private void OnHeartbeat()
    {
        DetectStuck();
        Register();
        var now = DateTime.UtcNow;
        foreach (var h in _held.Values)
        {
            var item = h.Grant.Item;
            if (h.Outcome is { } outcome)
            {
                _genes.Tell(new CompleteGene(item.JobId, item.GeneId, h.Grant.Attempt, _workerId, outcome));
            }
            else if (now - h.LastRenew >= h.Grant.LeaseDuration / 3)
            {
                h.LastRenew = now;
                _genes.Tell(new RenewLease(item.JobId, item.GeneId, h.Grant.Attempt, _workerId, h.Grant.LeaseDuration));
            }
        }
    }

    private void OnGranted(WorkGranted g)
    {
        string key = Key(g.Item.JobId, g.Item.GeneId);
        if (_held.TryGetValue(key, out var existing))
        {
            existing.Grant = g; // re-leased to us under a newer attempt: keep the work, renew the new lease
            return;
        }
        _held[key] = new Held(g);
        _order.Add(key);
        StartNext();
    }

    private void StartNext()
    {
        if (_stuck is not null || _held.Values.Any(h => h.Running)) return;
        string? key = _order.FirstOrDefault(k => _held[k].Cancel is null);
        if (key is null) return;
        var held = _held[key];
        held.Cancel = new CancellationTokenSource();
        _runningSince = DateTime.UtcNow;
        held.StartedAt = DateTime.UtcNow;
        var grant = held.Grant;
        var ct = held.Cancel.Token;
        var processor = _processor;
        _log.Info("{0}: processing gene {1} of job {2} (attempt {3})", _device, grant.Item.GeneId, grant.Item.JobId, grant.Attempt);
        // The device's own thread: the engine's thread-bound state never hops between pool threads (and no thread
        // is created per gene, which cost ~10 % of the coordination's CPU with a no-op engine).
        _thread.Run(() => processor.ProcessAsync(grant.Item, ct).GetAwaiter().GetResult())
            .PipeTo(Self, success: o => new Processed(key, grant.Attempt, o), failure: e => new ProcessFailed(key, grant.Attempt, e));
    }

    private void OnProcessed(Processed p)
    {
        if (StuckRunReturned(p.Key, p.Attempt)) return;
        if (_held.TryGetValue(p.Key, out var h))
        {
            _genesDone++;
            var took = DateTime.UtcNow - _runningSince;
            WorkerMetrics.GeneScored(_device, p.Outcome.Rows, took);
            double seconds = took.TotalSeconds;
            _mutationsPerSecond = seconds > 0 ? p.Outcome.Rows / seconds : 0;
            h.Outcome = p.Outcome;
            var item = h.Grant.Item;
            _genes.Tell(new CompleteGene(item.JobId, item.GeneId, h.Grant.Attempt, _workerId, p.Outcome));
        }
        StartNext();
    }

    private void OnFailed(ProcessFailed f)
    {
        if (StuckRunReturned(f.Key, f.Attempt)) return;
        if (_held.TryGetValue(f.Key, out var h) && h.Cancel is { IsCancellationRequested: false })
        {
            var item = h.Grant.Item;
            string error = (f.Error is AggregateException { InnerException: { } inner } ? inner : f.Error).Message;
            _errors++;
            _log.Warning("{0}: gene {1} failed: {2}", _device, item.GeneId, error);
            _genes.Tell(new FailGene(item.JobId, item.GeneId, h.Grant.Attempt, _workerId, error));
            Drop(f.Key);
        }
        StartNext();
    }

    private void OnLeaseLost(LeaseLost l)
    {
        string key = Key(l.JobId, l.GeneId);
        if (_held.TryGetValue(key, out var h) && h.Outcome is null && h.Grant.Attempt == l.Attempt)
        {
            _log.Info("{0}: lost the lease of gene {1}; abandoning it", _device, l.GeneId);
            Drop(key);
            StartNext();
        }
    }

    private void DetectStuck()
    {
        if (_stuck is not null || _options.StuckAfter <= TimeSpan.Zero) return;
        var now = DateTime.UtcNow;
        var running = _held.FirstOrDefault(kv => kv.Value.Running && now - kv.Value.StartedAt >= _options.StuckAfter);
        if (running.Value is not { } stuck) return;
        var item = stuck.Grant.Item;
        _stuck = (running.Key, stuck.Grant.Attempt);
        // Forget it without renewing: the gene entity, the lease authority, lets the lease expire and re-issues it.
        _held.Remove(running.Key);
        _order.Remove(running.Key);
        stuck.Cancel?.Cancel(); // a cooperative engine may still give up
        var queued = _held.Where(kv => kv.Value.Outcome is null).Select(kv => kv.Key).ToList();
        _log.Warning("{0}: gene {1} of job {2} has run for {3:g} without returning (Worker:StuckAfter {4:g}); device stuck: " +
                     "its lease is left to expire, {5} queued gene(s) handed back, no new work until it returns",
            _device, item.GeneId, item.JobId, now - stuck.StartedAt, _options.StuckAfter, queued.Count);
        foreach (string key in queued)
        {
            var grant = _held[key].Grant;
            _genes.Tell(new HandBackGene(grant.Item.JobId, grant.Item.GeneId, grant.Attempt, _workerId,
                $"handed back unstarted: device {_device} of worker {_workerId} is stuck on gene {item.GeneId}"));
            Drop(key);
        }
    }

    /// <summary>The stuck run came back after all: its gene was re-issued, so its result is dropped; the device works again.</summary>
    private bool StuckRunReturned(string key, int attempt)
    {
        if (_stuck != (key, attempt)) return false;
        _stuck = null;
        _log.Warning("{0}: the stuck run of {1} returned after all; its result is dropped (the gene was re-issued); taking work again", _device, key);
        Register();
        StartNext();
        return true;
    }

    private void Drop(string key)
    {
        if (_held.Remove(key, out var h))
        {
            h.Cancel?.Cancel();
            _order.Remove(key);
        }
    }

    /// <summary>
    /// One long-lived background thread that runs the device's genes one after another. A run that hangs blocks it;
    /// the actor then takes no work for the device until the run returns (see DetectStuck), so nothing queues behind it.
    /// </summary>
    private sealed class DeviceThread : IDisposable
    {
        private readonly System.Collections.Concurrent.BlockingCollection<Action> _work = new();

        public DeviceThread(string name)
        {
            var thread = new Thread(() =>
            {
                foreach (var run in _work.GetConsumingEnumerable()) run();
            }) { IsBackground = true, Name = name };
            thread.Start();
        }

        public Task<T> Run<T>(Func<T> work)
        {
            var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
            _work.Add(() =>
            {
                try { done.SetResult(work()); }
                catch (Exception e) { done.SetException(e); }
            });
            return done.Task;
        }

        public void Dispose() => _work.CompleteAdding();
    }
}
