namespace ExPecto.Protocol.Messages;

/// <summary>Every message and event of the cluster protocol; binds <see cref="Serialization.ExPectoSerializer"/>.</summary>
public interface IExPectoMessage;

/// <summary>Messages addressed to one gene entity; the extractor routes on (JobId, GeneId).</summary>
public interface IGeneMessage : IExPectoMessage
{
    string JobId { get; }
    string GeneId { get; }
}

/// <summary>Events persisted by a gene entity.</summary>
public interface IGeneEvent : IExPectoMessage;

/// <summary>Events persisted by the job manager.</summary>
public interface IJobEvent : IExPectoMessage
{
    string JobId { get; }
}
