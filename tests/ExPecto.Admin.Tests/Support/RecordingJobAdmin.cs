using System.Collections.Concurrent;
using ExPecto.Admin.Contracts;

namespace ExPecto.Admin.Tests.Support;

/// <summary>A job handler that records each call ("Pause j-1") and keeps a tiny in-memory job table.</summary>
public sealed class RecordingJobAdmin : IJobAdmin
{
    private readonly ConcurrentDictionary<string, JobSummary> _jobs = new()
    {
        ["j-1"] = new JobSummary("j-1", "chr22", JobState.Running, 100, 40, 2, new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero)),
    };

    public ConcurrentQueue<string> Calls { get; } = new();

    public Task<IReadOnlyList<JobSummary>> ListAsync(CancellationToken cancellationToken)
    {
        Calls.Enqueue("List");
        return Task.FromResult<IReadOnlyList<JobSummary>>(_jobs.Values.OrderBy(j => j.Id).ToList());
    }

    public Task<JobDetail> GetAsync(string jobId, CancellationToken cancellationToken) =>
        Task.FromResult(new JobDetail(Find(jobId), 3, null, null, null, [new JobGeneFailure("TP53", 3, "worker lost")]));

    public Task<JobSummary> SubmitAsync(JobSpec spec, CancellationToken cancellationToken)
    {
        Calls.Enqueue($"Submit {spec.FileName} {spec.Text.Trim()}");
        var job = new JobSummary("j-2", spec.FileName, JobState.Queued, 0, 0, 0, DateTimeOffset.UtcNow);
        _jobs[job.Id] = job;
        return Task.FromResult(job);
    }

    public Task<JobSummary> PauseAsync(string jobId, CancellationToken cancellationToken) => Transition("Pause", jobId, JobState.Running, JobState.Paused);

    public Task<JobSummary> ResumeAsync(string jobId, CancellationToken cancellationToken) => Transition("Resume", jobId, JobState.Paused, JobState.Running);

    public Task<JobSummary> CancelAsync(string jobId, CancellationToken cancellationToken) => Transition("Cancel", jobId, null, JobState.Cancelled);

    public Task<JobRetryResult> RetryFailedAsync(string jobId, CancellationToken cancellationToken)
    {
        Calls.Enqueue($"RetryFailed {jobId}");
        return Task.FromResult(new JobRetryResult(jobId, Find(jobId).GenesFailed));
    }

    private Task<JobSummary> Transition(string call, string jobId, JobState? from, JobState to)
    {
        Calls.Enqueue($"{call} {jobId}");
        var job = Find(jobId);
        if (from is not null && job.State != from)
            throw AdminException.Conflict($"job {jobId} is {job.State}, not {from}");
        var updated = job with { State = to };
        _jobs[jobId] = updated;
        return Task.FromResult(updated);
    }

    private JobSummary Find(string jobId) =>
        _jobs.TryGetValue(jobId, out var job) ? job : throw AdminException.NotFound($"no job '{jobId}'");
}
