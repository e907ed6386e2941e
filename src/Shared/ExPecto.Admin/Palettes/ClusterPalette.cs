using System.Globalization;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Akka.Actor;
using Akka.Cluster;
using ExPecto.Admin.Protocol;

namespace ExPecto.Admin.Palettes;

/// <summary>One member as <c>cluster show</c> lists it.</summary>
public sealed record ClusterMemberRow(string Address, string Status, string Roles, bool Reachable, bool Leader, bool Self);

/// <summary>One membership event as <c>cluster tail</c> streams it.</summary>
public sealed record ClusterEventRow(DateTimeOffset At, string Event, string Address, string Status, string Roles);

/// <summary>
/// <c>cluster show | leave | down &lt;address&gt; | down-unreachable | join &lt;address&gt; | tail</c>, against Akka.Cluster's API
/// on the node that serves the request. Addresses are full (<c>akka.tcp://expecto@host:port</c>) or <c>host:port</c>,
/// which takes the protocol and system name of this node.
/// </summary>
public sealed class ClusterPalette : IAdminPalette
{
    public string Name => "cluster";

    public string Description => "Cluster membership: show, join, leave, down, watch events";

    public IReadOnlyList<AdminCommand> Commands { get; } =
    [
        AdminCommand.Once(new("show", "cluster show", "List members with status, roles, reachability and the leader", Mutating: false), Show),
        AdminCommand.Once(new("leave", "cluster leave [<address>] [--wait <seconds>]", "A member (default: this node) leaves the cluster gracefully, handing off its shards, then shuts down; --wait blocks until it is removed", Mutating: true), Leave),
        AdminCommand.Once(new("down", "cluster down <address>", "Mark a member down (use for a node that is gone for good)", Mutating: true), Down),
        AdminCommand.Once(new("down-unreachable", "cluster down-unreachable", "Down every member this node sees as unreachable", Mutating: true), DownUnreachable),
        AdminCommand.Once(new("join", "cluster join <address>", "Join this node to the cluster that <address> belongs to", Mutating: true), Join),
        new(new("tail", "cluster tail", "Stream membership and reachability events until interrupted", Mutating: false, Streaming: true), Tail),
    ];

    private static Task<AdminResult> Show(AdminInvocation invocation, CancellationToken ct)
    {
        var cluster = Cluster.Get(invocation.System);
        var state = cluster.State;
        var unreachable = state.Unreachable.Select(m => m.Address).ToHashSet();
        var rows = state.Members
            .OrderBy(m => m.Address.ToString(), StringComparer.Ordinal)
            .Select(m => new ClusterMemberRow(
                m.Address.ToString(),
                m.Status.ToString(),
                string.Join(",", m.Roles.OrderBy(r => r, StringComparer.Ordinal)),
                !unreachable.Contains(m.Address),
                m.Address.Equals(state.Leader),
                m.Address.Equals(cluster.SelfAddress)))
            .ToList();
        var self = cluster.SelfMember;
        var message = $"{rows.Count} member(s), {unreachable.Count} unreachable; leader {state.Leader?.ToString() ?? "none"}; this node {cluster.SelfAddress} is {self.Status}";
        return Task.FromResult(AdminResult.Table(rows, message));
    }

    private static async Task<AdminResult> Leave(AdminInvocation invocation, CancellationToken ct)
    {
        var cluster = Cluster.Get(invocation.System);
        var named = invocation.PositionalArgs().FirstOrDefault();
        var address = named is null ? cluster.SelfAddress : ParseAddress(named, cluster.SelfAddress);
        if (!cluster.State.Members.Any(m => m.Address.Equals(address)))
            throw AdminException.NotFound($"{address} is not a member of this cluster (see `cluster show`)");
        var wait = invocation.Option("-w", "--wait");
        var removed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (address.Equals(cluster.SelfAddress))
        {
            cluster.RegisterOnMemberRemoved(() => removed.TrySetResult());
        }
        else if (wait is not null)
        {
            // Another member: watch this node's view until that member is gone.
            _ = Task.Run(async () =>
            {
                while (!ct.IsCancellationRequested && cluster.State.Members.Any(m => m.Address.Equals(address)))
                    await Task.Delay(200, CancellationToken.None);
                removed.TrySetResult();
            }, CancellationToken.None);
        }
        cluster.Leave(address);
        if (wait is null)
            return AdminResult.Text($"{address} is leaving the cluster", new { address = address.ToString(), leaving = true });
        if (!double.TryParse(wait, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) || seconds <= 0)
            throw AdminException.BadRequest($"--wait expects a positive number of seconds, found '{wait}'");
        var finished = await Task.WhenAny(removed.Task, Task.Delay(TimeSpan.FromSeconds(seconds), ct));
        if (finished != removed.Task)
            throw AdminException.Unavailable($"{address} started leaving but was not removed within {seconds} s");
        return AdminResult.Text($"{address} has left the cluster", new { address = address.ToString(), removed = true });
    }

    private static Task<AdminResult> Down(AdminInvocation invocation, CancellationToken ct)
    {
        var cluster = Cluster.Get(invocation.System);
        var address = ParseAddress(invocation.Positional(0, "address"), cluster.SelfAddress);
        if (!cluster.State.Members.Any(m => m.Address.Equals(address)))
            throw AdminException.NotFound($"{address} is not a member of this cluster (see `cluster show`)");
        cluster.Down(address);
        return Task.FromResult(AdminResult.Text($"{address} marked down", new { address = address.ToString(), down = true }));
    }

    private static Task<AdminResult> DownUnreachable(AdminInvocation invocation, CancellationToken ct)
    {
        var cluster = Cluster.Get(invocation.System);
        var targets = cluster.State.Unreachable.Select(m => m.Address).ToList();
        foreach (var address in targets)
            cluster.Down(address);
        var message = targets.Count == 0 ? "no unreachable members" : $"marked down: {string.Join(", ", targets)}";
        return Task.FromResult(AdminResult.Text(message, new { down = targets.Select(a => a.ToString()).ToList() }));
    }

    private static Task<AdminResult> Join(AdminInvocation invocation, CancellationToken ct)
    {
        var cluster = Cluster.Get(invocation.System);
        var address = ParseAddress(invocation.Positional(0, "address"), cluster.SelfAddress);
        cluster.Join(address);
        return Task.FromResult(AdminResult.Text($"{cluster.SelfAddress} is joining {address}", new { address = address.ToString(), joining = true }));
    }

    private static async IAsyncEnumerable<AdminResult> Tail(AdminInvocation invocation, [EnumeratorCancellation] CancellationToken ct)
    {
        var channel = Channel.CreateUnbounded<ClusterEventRow>(new UnboundedChannelOptions { SingleReader = true });
        var tail = invocation.System.ActorOf(Props.Create(() => new ClusterTailActor(channel.Writer)));
        try
        {
            await foreach (var row in channel.Reader.ReadAllAsync(ct))
            {
                var line = $"{AdminResult.FormatCell(row.At)} {row.Event,-22} {row.Address} {row.Status} [{row.Roles}]";
                yield return new AdminResult(line, Data: AdminResult.ToNode(row));
            }
        }
        finally
        {
            invocation.System.Stop(tail);
        }
    }

    /// <summary>A full Akka address, or host:port completed with this node's protocol and system name.</summary>
    public static Address ParseAddress(string text, Address self)
    {
        try
        {
            if (text.Contains("://", StringComparison.Ordinal))
                return Address.Parse(text);
            var colon = text.LastIndexOf(':');
            if (colon > 0 && int.TryParse(text[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port))
                return new Address(self.Protocol, self.System, text[..colon], port);
        }
        catch (UriFormatException)
        {
        }
        throw AdminException.BadRequest($"expected an address like {self} or host:port, found '{text}'");
    }

    /// <summary>Subscribes to membership events and forwards them, as rows, until stopped.</summary>
    private sealed class ClusterTailActor : ReceiveActor
    {
        private readonly ChannelWriter<ClusterEventRow> _writer;

        public ClusterTailActor(ChannelWriter<ClusterEventRow> writer)
        {
            _writer = writer;
            Receive<ClusterEvent.IMemberEvent>(e => Write(e.GetType().Name, e.Member));
            Receive<ClusterEvent.UnreachableMember>(e => Write("UnreachableMember", e.Member));
            Receive<ClusterEvent.ReachableMember>(e => Write("ReachableMember", e.Member));
            Receive<ClusterEvent.LeaderChanged>(e => _writer.TryWrite(new ClusterEventRow(DateTimeOffset.UtcNow, "LeaderChanged", e.Leader?.ToString() ?? "none", "-", "")));
            Receive<ClusterEvent.IClusterDomainEvent>(_ => { });
        }

        protected override void PreStart() =>
            Cluster.Get(Context.System).Subscribe(
                Self,
                ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
                typeof(ClusterEvent.IMemberEvent),
                typeof(ClusterEvent.IReachabilityEvent),
                typeof(ClusterEvent.LeaderChanged));

        protected override void PostStop()
        {
            Cluster.Get(Context.System).Unsubscribe(Self);
            _writer.TryComplete();
        }

        private void Write(string name, Member member) =>
            _writer.TryWrite(new ClusterEventRow(
                DateTimeOffset.UtcNow, name, member.Address.ToString(), member.Status.ToString(),
                string.Join(",", member.Roles.OrderBy(r => r, StringComparer.Ordinal))));
    }
}
