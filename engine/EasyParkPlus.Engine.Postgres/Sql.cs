using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace EasyParkPlus.Engine.Postgres;

/// <summary>Parameter and serialisation helpers for the hand-written SQL of the store.</summary>
internal static class Sql
{
    public const string NotifyChannel = "engine_work";
    public const string ClosedChannel = "engine_closed";

    /// <summary>Our guard function's error: the history moved on or a claim was lost.</summary>
    public const string ConflictState = "EP001";

    /// <summary>Our guard function's error: an eager start found the workflow id taken.</summary>
    public const string AlreadyExistsState = "EP002";

    public static NpgsqlBatchCommand Command(string sql, params NpgsqlParameter[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.AddRange(parameters);
        return command;
    }

    public static NpgsqlCommand Command(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, params NpgsqlParameter[] parameters)
    {
        var command = new NpgsqlCommand(sql, connection, transaction);
        command.Parameters.AddRange(parameters);
        return command;
    }

    public static NpgsqlParameter Text(string? value) => new() { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text };

    public static NpgsqlParameter Long(long? value) => new() { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bigint };

    public static NpgsqlParameter Int(int value) => new NpgsqlParameter<int> { TypedValue = value };

    public static NpgsqlParameter Short(short value) => new NpgsqlParameter<short> { TypedValue = value };

    public static NpgsqlParameter Bool(bool value) => new NpgsqlParameter<bool> { TypedValue = value };

    public static NpgsqlParameter Time(DateTimeOffset? value) =>
        new() { Value = value is { } t ? t.ToUniversalTime() : DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz };

    public static NpgsqlParameter Json(string? json) => new() { Value = (object?)json ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Jsonb };

    public static NpgsqlParameter TextArray(IReadOnlyCollection<string?> values) =>
        new() { Value = values.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text };

    public static NpgsqlParameter JsonArray(IReadOnlyCollection<string> values) =>
        new() { Value = values.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb };

    public static NpgsqlParameter LongArray(IReadOnlyCollection<long?> values) =>
        new() { Value = values.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint };

    public static NpgsqlParameter TimeArray(IReadOnlyCollection<DateTimeOffset?> values) =>
        new() { Value = values.Select(v => v?.ToUniversalTime()).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz };

    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, PayloadConverter.Options);

    public static string SerializeEvent(HistoryEventAttributes attributes) => JsonSerializer.Serialize(attributes, PayloadConverter.Options);

    public static HistoryEventAttributes DeserializeEvent(string json) =>
        JsonSerializer.Deserialize<HistoryEventAttributes>(json, PayloadConverter.Options)
        ?? throw new InvalidOperationException("A history event has no attributes.");

    public static T? Deserialize<T>(string? json) => json is null ? default : JsonSerializer.Deserialize<T>(json, PayloadConverter.Options);

    public static JsonElement? Element(string? json) => json is null ? null : JsonElement.Parse(json);

    public static string? Raw(JsonElement? element) => element?.GetRawText();

    public static long? Milliseconds(TimeSpan? span) => span is { } s ? (long)s.TotalMilliseconds : null;

    public static TimeSpan? FromMilliseconds(long? ms) => ms is { } m ? TimeSpan.FromMilliseconds(m) : null;

    public static T? Nullable<T>(this NpgsqlDataReader reader, int ordinal) where T : struct =>
        reader.IsDBNull(ordinal) ? null : reader.GetFieldValue<T>(ordinal);

    public static string? NullableString(this NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    public static DateTimeOffset Time(this NpgsqlDataReader reader, int ordinal) => reader.GetFieldValue<DateTimeOffset>(ordinal);

    public static DateTimeOffset? NullableTime(this NpgsqlDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetFieldValue<DateTimeOffset>(ordinal);

    /// <summary>Whether a failed write means "someone else changed this first": the caller reloads and retries.</summary>
    public static bool IsConflict(PostgresException ex) =>
        ex.SqlState is ConflictState or PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected;
}
