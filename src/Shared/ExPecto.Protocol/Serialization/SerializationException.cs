namespace ExPecto.Protocol.Serialization;

public sealed class SerializationException(string message) : Exception(message);
