using Google.Protobuf.WellKnownTypes;

namespace EasyParkPlus.TemporalServer.History;

/// <summary>Conversions between protobuf time types and .NET ones; an unset duration is zero.</summary>
public static class ProtoTime
{
    public static TimeSpan ToTimeSpanOrZero(this Duration? duration) => duration is null ? TimeSpan.Zero : duration.ToTimeSpan();

    public static Duration ToDuration(this TimeSpan span) => Duration.FromTimeSpan(span);

    public static Timestamp ToProtoTimestamp(this DateTimeOffset time) => Timestamp.FromDateTimeOffset(time);

    public static Timestamp? ToProtoTimestamp(this DateTimeOffset? time) => time is { } t ? Timestamp.FromDateTimeOffset(t) : null;

    /// <summary>Whether a duration is set and positive.</summary>
    public static bool IsPositive(this Duration? duration) => duration is not null && (duration.Seconds > 0 || (duration.Seconds == 0 && duration.Nanos > 0));

    /// <summary>Whether a duration is negative (invalid for every timeout field).</summary>
    public static bool IsNegative(this Duration? duration) => duration is not null && (duration.Seconds < 0 || duration.Nanos < 0);
}
