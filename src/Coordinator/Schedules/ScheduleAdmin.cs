using Akka.Actor;
using Akka.Hosting;
using ExPecto.Admin;
using ExPecto.Admin.Contracts;
using ExPecto.Protocol.Messages;

namespace ExPecto.Coordinator.Schedules;

/// <summary>
/// <see cref="IScheduleAdmin"/> over the schedule manager singleton (through its proxy, so it works on any node
/// that registered <see cref="ScheduleHosting.WithExPectoSchedules"/>). Register with
/// <c>services.AddSingleton&lt;IScheduleAdmin, ScheduleAdmin&gt;()</c>.
/// </summary>
public sealed class ScheduleAdmin(ActorRegistry registry) : IScheduleAdmin
{
    /// <summary>A run-now digests every gene's inputs before it answers: minutes on a whole genome.</summary>
    public static TimeSpan RunNowTimeout { get; set; } = TimeSpan.FromMinutes(10);

    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);

    public async Task<IReadOnlyList<ScheduleInfo>> ListAsync(CancellationToken cancellationToken)
    {
        var manager = await registry.GetAsync<ScheduleManager>(cancellationToken);
        var list = await manager.Ask<ScheduleListResponse>(new ListSchedules(), s_timeout, cancellationToken);
        return list.Schedules.Select(Info).ToList();
    }

    public async Task<ScheduleInfo> AddAsync(string name, string cron, JobSpec spec, CancellationToken cancellationToken)
    {
        var reply = await AskAsync(new AddSchedule(name, cron, spec.FileName, spec.Text), s_timeout, cancellationToken);
        return Info(reply.Schedule!);
    }

    public async Task RemoveAsync(string name, CancellationToken cancellationToken) =>
        await AskAsync(new RemoveSchedule(name), s_timeout, cancellationToken);

    public async Task<ScheduleRunResult> RunNowAsync(string name, bool force, CancellationToken cancellationToken)
    {
        var reply = await AskAsync(new RunScheduleNow(name, force), RunNowTimeout, cancellationToken);
        var run = reply.Run!;
        return new ScheduleRunResult(run.Name, run.Outcome, run.JobId, run.GenesChanged, run.GenesTotal, run.RunFolder);
    }

    private async Task<ScheduleReply> AskAsync(object command, TimeSpan timeout, CancellationToken ct)
    {
        var manager = await registry.GetAsync<ScheduleManager>(ct);
        var reply = await manager.Ask<ScheduleReply>(command, timeout, ct);
        return reply.Error is null ? reply : throw reply.ErrorKind switch
        {
            ScheduleReply.NotFound => AdminException.NotFound(reply.Error),
            ScheduleReply.Conflict => AdminException.Conflict(reply.Error),
            _ => AdminException.BadRequest(reply.Error),
        };
    }

    private static ScheduleInfo Info(ScheduleView v) => new(v.Name, v.Cron, v.SpecFileName, v.NextRunAt, v.LastRunAt, v.LastJobId)
    {
        RunningJobId = v.RunningJobId,
        LastOutcome = v.LastOutcome,
    };
}
