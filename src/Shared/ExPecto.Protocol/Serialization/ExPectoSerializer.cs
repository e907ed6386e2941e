using System.Text.Json;
using System.Text.Json.Serialization;
using Akka.Actor;
using Akka.Serialization;
using ExPecto.Protocol.Messages;
using ExPecto.Protocol.Schedules;
using ExPecto.Protocol.State;

namespace ExPecto.Protocol.Serialization;

/// <summary>
/// Serializes every <see cref="IExPectoMessage"/> (wire messages, journal events, snapshots) as UTF-8 JSON under a
/// short, stable manifest. Manifests are extend-only: persisted events outlive the code that wrote them, so a
/// manifest is never reused or renamed, and record changes only add optional members.
/// </summary>
public sealed class ExPectoSerializer : SerializerWithStringManifest
{
    public const int Id = 9117;
    public const string Name = "expecto";

    private static readonly Dictionary<Type, string> s_manifests = new()
    {
        // gene commands and replies
        [typeof(LeaseGene)] = "LG",
        [typeof(RenewLease)] = "RL",
        [typeof(CompleteGene)] = "CG",
        [typeof(FailGene)] = "FG",
        [typeof(RevokeLease)] = "VL",
        [typeof(SettlementRecorded)] = "SR",
        [typeof(WorkGranted)] = "WG",
        [typeof(LeaseAccepted)] = "LA",
        [typeof(LeaseDeclined)] = "LD",
        [typeof(CompletionAcked)] = "CA",
        [typeof(LeaseLost)] = "LL",
        [typeof(GeneReady)] = "GR",
        [typeof(GeneSettled)] = "GS",
        [typeof(ResetGene)] = "RG",
        [typeof(WakeGene)] = "WK",
        [typeof(HandBackGene)] = "HB",
        // gene events
        [typeof(GeneLeased)] = "E-GL",
        [typeof(GeneLeaseRenewed)] = "E-GRN",
        [typeof(GeneLeaseEnded)] = "E-GLE",
        [typeof(GeneCommitted)] = "E-GC",
        [typeof(GeneFailed)] = "E-GF",
        [typeof(GeneSettlementAcknowledged)] = "E-GSA",
        [typeof(GeneReset)] = "E-GRS",
        [typeof(GeneHandedBack)] = "E-GHB",
        // job manager
        [typeof(SubmitJob)] = "SJ",
        [typeof(SubmitJobResponse)] = "SJR",
        [typeof(GetJobStatus)] = "GJS",
        [typeof(JobStatusResponse)] = "JSR",
        [typeof(RegisterWorker)] = "RW",
        [typeof(JobSubmitted)] = "E-JS",
        [typeof(JobGeneSettled)] = "E-JGS",
        [typeof(JobFinished)] = "E-JF",
        [typeof(JobBookSnapshot)] = "S-JB",
        [typeof(GetWorkers)] = "GW",
        [typeof(WorkerListResponse)] = "WLR",
        [typeof(ControlJob)] = "CJ",
        [typeof(ControlJobResponse)] = "CJR",
        [typeof(JobPaused)] = "E-JP",
        [typeof(JobResumed)] = "E-JRS",
        [typeof(JobCancelled)] = "E-JC",
        [typeof(JobReopened)] = "E-JRO",
        [typeof(JobCompacted)] = "E-JCP",
        [typeof(JobGenesSettled)] = "E-JGB",
        // schedule manager
        [typeof(AddSchedule)] = "AS",
        [typeof(RemoveSchedule)] = "RS",
        [typeof(RunScheduleNow)] = "RSN",
        [typeof(ListSchedules)] = "LS",
        [typeof(ScheduleListResponse)] = "LSR",
        [typeof(ScheduleReply)] = "SRP",
        [typeof(ScheduleAdded)] = "E-SA",
        [typeof(ScheduleRemoved)] = "E-SRM",
        [typeof(ScheduleOccurrenceSkipped)] = "E-SOS",
        [typeof(ScheduleRunStarted)] = "E-SRS",
        [typeof(ScheduleRunUpToDate)] = "E-SRU",
        [typeof(ScheduleRunFailed)] = "E-SRF",
        [typeof(ScheduleRunFinished)] = "E-SRD",
        [typeof(ScheduleBookSnapshot)] = "S-SB",
    };

    private static readonly Dictionary<string, Type> s_types = s_manifests.ToDictionary(kv => kv.Value, kv => kv.Key);

    private readonly JsonSerializerOptions _json;

    public ExPectoSerializer(ExtendedActorSystem system) : base(system)
    {
        _json = new JsonSerializerOptions
        {
            NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
            Converters = { new ActorRefConverter(system) },
        };
    }

    public override int Identifier => Id;

    public static IEnumerable<Type> BoundTypes => [typeof(IExPectoMessage)];

    public override string Manifest(object o) =>
        s_manifests.TryGetValue(o.GetType(), out var m) ? m : throw new ArgumentException($"no manifest for {o.GetType()}");

    public override byte[] ToBinary(object obj) => JsonSerializer.SerializeToUtf8Bytes(obj, obj.GetType(), _json);

    public override object FromBinary(byte[] bytes, string manifest) =>
        s_types.TryGetValue(manifest, out var type)
            ? JsonSerializer.Deserialize(bytes, type, _json) ?? throw new SerializationException($"null payload for {manifest}")
            : throw new SerializationException($"unknown manifest '{manifest}'");

    private sealed class ActorRefConverter(ExtendedActorSystem system) : JsonConverter<IActorRef>
    {
        public override bool CanConvert(Type typeToConvert) => typeof(IActorRef).IsAssignableFrom(typeToConvert);

        public override IActorRef Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            string? path = reader.GetString();
            return string.IsNullOrEmpty(path) ? ActorRefs.Nobody : system.Provider.ResolveActorRef(path);
        }

        public override void Write(Utf8JsonWriter writer, IActorRef value, JsonSerializerOptions options) =>
            writer.WriteStringValue(Akka.Serialization.Serialization.SerializedActorPath(value));
    }
}
