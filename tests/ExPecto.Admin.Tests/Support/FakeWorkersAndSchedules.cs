using System.Collections.Concurrent;
using ExPecto.Admin.Contracts;

namespace ExPecto.Admin.Tests.Support;

/// <summary>Two fixed workers.</summary>
public sealed class FakeWorkerAdmin : IWorkerAdmin
{
    public Task<IReadOnlyList<WorkerInfo>> ListAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<WorkerInfo>>(
        [
            new WorkerInfo("akka.tcp://expecto@10.0.0.7:4053", "cuda:0", 64, "ENSG0001", 850.5, 120, 0, 2, DateTimeOffset.UtcNow),
            new WorkerInfo("akka.tcp://expecto@10.0.0.8:4053", "cpu", 0, null, 11.25, 7, 1, 1, DateTimeOffset.UtcNow),
        ]);
}

/// <summary>Schedules kept in memory; records what it was given.</summary>
public sealed class RecordingScheduleAdmin : IScheduleAdmin
{
    private readonly ConcurrentDictionary<string, ScheduleInfo> _schedules = new();

    public ConcurrentQueue<string> Calls { get; } = new();

    public Task<IReadOnlyList<ScheduleInfo>> ListAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<ScheduleInfo>>(_schedules.Values.OrderBy(s => s.Name).ToList());

    public Task<ScheduleInfo> AddAsync(string name, string cron, JobSpec spec, CancellationToken cancellationToken)
    {
        Calls.Enqueue($"Add {name} [{cron}] {spec.FileName} {spec.Text.Trim()}");
        var info = new ScheduleInfo(name, cron, spec.FileName, null, null, null);
        return _schedules.TryAdd(name, info) ? Task.FromResult(info) : throw AdminException.Conflict($"schedule '{name}' exists");
    }

    public Task RemoveAsync(string name, CancellationToken cancellationToken) =>
        _schedules.TryRemove(name, out _) ? Task.CompletedTask : throw AdminException.NotFound($"no schedule '{name}'");

    public Task<ScheduleRunResult> RunNowAsync(string name, bool force, CancellationToken cancellationToken)
    {
        Calls.Enqueue(force ? $"RunNow {name} --force" : $"RunNow {name}");
        return _schedules.ContainsKey(name)
            ? Task.FromResult(new ScheduleRunResult(name, "started", "j-9", force ? 5 : 2, 5, "/out/runs/20260101T000000Z"))
            : throw AdminException.NotFound($"no schedule '{name}'");
    }
}
