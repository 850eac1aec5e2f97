using System.Text;
using EasyParkPlus.TemporalServer.Frontend;
using Google.Protobuf;

namespace EasyParkPlus.TemporalServer.History;

public enum TaskTokenKind : byte
{
    WorkflowTask = 1,
    ActivityTask = 2,
    QueryTask = 3,
}

/// <summary>
/// What a worker hands back to complete a task: which run, which workflow task or activity (scheduled event id),
/// and the stamp of the attempt it was given. A token whose stamp no longer matches the run's state is stale and
/// refused (the fencing of invariant 5). The encoding is ours and opaque to clients; a malformed one is
/// InvalidArgument.
/// </summary>
public sealed record TaskToken(TaskTokenKind Kind, RunKey Run, long ScheduledEventId, long Stamp, int Attempt, string Name = "")
{
    private const byte Magic = 0xE7;
    private const byte FormatVersion = 1;

    public ByteString Encode()
    {
        using var stream = new MemoryStream(64);
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(Magic);
            writer.Write(FormatVersion);
            writer.Write((byte)Kind);
            writer.Write(Run.Namespace);
            writer.Write(Run.WorkflowId);
            writer.Write(Run.RunId);
            writer.Write(ScheduledEventId);
            writer.Write(Stamp);
            writer.Write(Attempt);
            writer.Write(Name);
        }
        return ByteString.CopyFrom(stream.GetBuffer(), 0, (int)stream.Length);
    }

    /// <exception cref="RpcError">InvalidArgument when the bytes are not a token of the expected kind.</exception>
    public static TaskToken Decode(ByteString bytes, TaskTokenKind expected)
    {
        if (bytes.IsEmpty)
        {
            throw RpcError.InvalidArgument("Task token not set on request.");
        }
        try
        {
            using var reader = new BinaryReader(new MemoryStream(bytes.ToByteArray()), Encoding.UTF8);
            if (reader.ReadByte() != Magic || reader.ReadByte() != FormatVersion)
            {
                throw new InvalidDataException("unknown token format");
            }
            var kind = (TaskTokenKind)reader.ReadByte();
            var token = new TaskToken(kind, new RunKey(reader.ReadString(), reader.ReadString(), reader.ReadString()),
                reader.ReadInt64(), reader.ReadInt64(), reader.ReadInt32(), reader.ReadString());
            if (reader.BaseStream.Position != reader.BaseStream.Length || kind != expected)
            {
                throw new InvalidDataException("not a token of this kind");
            }
            return token;
        }
        catch (Exception e) when (e is EndOfStreamException or InvalidDataException or IOException or ArgumentException or DecoderFallbackException)
        {
            throw RpcError.InvalidArgument("Error deserializing task token.");
        }
    }
}
