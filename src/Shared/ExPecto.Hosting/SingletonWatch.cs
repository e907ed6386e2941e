using Akka.Actor;
using Akka.Event;

namespace ExPecto.Hosting;

/// <summary>
/// Warns when a cluster singleton this node talks to (the job manager, the schedule manager) has not answered for
/// <see cref="Patience"/>: "start a coordinator / check --seed" is something an operator can act on. It replaces
/// Akka's own proxy warning, which Akka.Cluster.Tools 1.5.73 logs the moment a proxy starts looking (its timeout
/// timer has an initial delay of zero), so every start and every shutdown printed "failed to find … after 30
/// seconds" though nothing was wrong (turned off in <see cref="ExPectoHostingExtensions.WithExPectoCluster"/>).
/// Asks <paramref name="proxy"/> a cheap read-only <paramref name="ping"/> every <see cref="Interval"/>.
/// </summary>
public sealed class SingletonWatch : ReceiveActor, IWithTimers
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    private sealed record Ping;
    private sealed record Answered;

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private DateTime _lastAnswer = DateTime.UtcNow;
    private DateTime _lastWarning = DateTime.MinValue;

    public ITimerScheduler Timers { get; set; } = null!;

    public SingletonWatch(string singleton, string role, IActorRef proxy, object ping)
    {
        Receive<Ping>(_ =>
        {
            var now = DateTime.UtcNow;
            if (now - _lastAnswer >= Patience && now - _lastWarning >= Patience
                && CoordinatedShutdown.Get(Context.System).ShutdownReason is null) // leaving: gone on purpose
            {
                _lastWarning = now;
                _log.Warning("no answer from the {0} for {1:F0} s: is a node with role {2} running and in this cluster (--seed, --coordinator, Cluster:Seeds)? Work waits until one is.",
                    singleton, (now - _lastAnswer).TotalSeconds, role);
            }
            proxy.Ask(ping, Interval).PipeTo(Self, success: _ => new Answered(), failure: _ => new Status.Failure(new TimeoutException()));
        });
        Receive<Answered>(_ => _lastAnswer = DateTime.UtcNow);
        Receive<Status.Failure>(_ => { });
    }

    public static Props Props(string singleton, string role, IActorRef proxy, object ping) =>
        Akka.Actor.Props.Create(() => new SingletonWatch(singleton, role, proxy, ping));

    protected override void PreStart() => Timers.StartPeriodicTimer("ping", new Ping(), Interval, Interval);
}
