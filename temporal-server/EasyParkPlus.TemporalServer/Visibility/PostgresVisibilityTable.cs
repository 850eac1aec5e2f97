using System.Globalization;
using System.Text;
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using Temporalio.Api.Enums.V1;

namespace EasyParkPlus.TemporalServer.Visibility;

/// <summary>
/// The visibility table the PostgreSQL store keeps (one row per run), and how a
/// <see cref="VisibilityRecord"/> becomes a row and back. <see cref="PostgresVisibilitySql"/> writes
/// filters over exactly these columns.
/// </summary>
/// <remarks>
/// System attributes are columns; text columns use the "C" collation, so comparisons and ORDER BY
/// follow code points as the in-memory store does, and their btree indexes serve <c>=</c>, ranges and
/// <c>STARTS_WITH</c> (as <c>LIKE 'prefix%'</c>). Custom and predefined attributes live in one
/// <c>jsonb</c> object keyed by <c>Type:Name</c> (<c>"Keyword:CustomerId"</c>), so a value written
/// under an attribute's earlier type is never read as the current type; Datetime values are stored as
/// fixed-width UTC strings (<c>2026-12-07T10:00:00.000000Z</c>) whose code-point order is time order.
/// Equality, IN and KeywordList containment use <c>@&gt;</c>, served by the GIN index. The words of Text
/// attributes are precomputed (<see cref="TextTokens"/>) into <c>text_words</c>. The store may add
/// columns of its own (memo, payload copies, ...).
/// </remarks>
public static class PostgresVisibilityTable
{
    /// <summary>The columns a record fills, in the order of <see cref="Parameters"/>.</summary>
    public static IReadOnlyList<string> Columns { get; } =
    [
        "namespace_id", "run_id", "workflow_id", "workflow_type", "task_queue", "status", "start_time", "execution_time",
        "close_time", "execution_duration", "history_length", "history_size_bytes", "state_transition_count",
        "parent_workflow_id", "parent_run_id", "root_workflow_id", "root_run_id", "search_attributes", "text_words",
    ];

    /// <summary>DDL for the table and its indexes (idempotent).</summary>
    public static string CreateSql(string table = "visibility") => $$"""
        CREATE TABLE IF NOT EXISTS {{table}} (
            namespace_id text COLLATE "C" NOT NULL,
            run_id text COLLATE "C" NOT NULL,
            workflow_id text COLLATE "C" NOT NULL,
            workflow_type text COLLATE "C" NOT NULL,
            task_queue text COLLATE "C" NOT NULL,
            status smallint NOT NULL,                -- WorkflowExecutionStatus number (1 = Running)
            start_time timestamptz NOT NULL,
            execution_time timestamptz NOT NULL,
            close_time timestamptz,                  -- null while open
            execution_duration bigint,               -- nanoseconds, close - execution time; null while open
            history_length bigint NOT NULL,
            history_size_bytes bigint NOT NULL,
            state_transition_count bigint NOT NULL,
            parent_workflow_id text COLLATE "C",
            parent_run_id text COLLATE "C",
            root_workflow_id text COLLATE "C",
            root_run_id text COLLATE "C",
            search_attributes jsonb NOT NULL DEFAULT '{}',  -- "Type:Name" -> value
            text_words jsonb NOT NULL DEFAULT '{}',         -- "Text:Name" -> the value's words
            PRIMARY KEY (namespace_id, run_id)
        );
        CREATE INDEX IF NOT EXISTS {{table}}_default_order
            ON {{table}} (namespace_id, close_time DESC NULLS FIRST, start_time DESC, run_id);
        CREATE INDEX IF NOT EXISTS {{table}}_workflow_id ON {{table}} (namespace_id, workflow_id);
        CREATE INDEX IF NOT EXISTS {{table}}_workflow_type ON {{table}} (namespace_id, workflow_type, start_time DESC);
        CREATE INDEX IF NOT EXISTS {{table}}_status ON {{table}} (namespace_id, status, start_time DESC);
        CREATE INDEX IF NOT EXISTS {{table}}_search_attributes ON {{table}} USING gin (search_attributes jsonb_path_ops);
        """;

    /// <summary>An upsert of one run's row by (namespace_id, run_id), taking <see cref="Parameters"/>.</summary>
    public static string UpsertSql(string table = "visibility") =>
        $"INSERT INTO {table} ({string.Join(", ", Columns)}) VALUES ({string.Join(", ", Columns.Select(column => "@" + column))}) "
        + $"ON CONFLICT (namespace_id, run_id) DO UPDATE SET "
        + string.Join(", ", Columns.Skip(2).Select(column => $"{column} = EXCLUDED.{column}"));

    /// <summary>The values of one row, named after <see cref="Columns"/>.</summary>
    public static IReadOnlyList<SqlParameterValue> Parameters(string namespaceId, VisibilityRecord record) =>
    [
        new("namespace_id", NpgsqlDbType.Text, namespaceId),
        new("run_id", NpgsqlDbType.Text, record.RunId),
        new("workflow_id", NpgsqlDbType.Text, record.WorkflowId),
        new("workflow_type", NpgsqlDbType.Text, record.WorkflowType),
        new("task_queue", NpgsqlDbType.Text, record.TaskQueue),
        new("status", NpgsqlDbType.Smallint, (short)record.Status),
        new("start_time", NpgsqlDbType.TimestampTz, Utc(record.StartTime)),
        new("execution_time", NpgsqlDbType.TimestampTz, Utc(record.ExecutionTime)),
        new("close_time", NpgsqlDbType.TimestampTz, record.CloseTime is { } closed ? Utc(closed) : DBNull.Value),
        new("execution_duration", NpgsqlDbType.Bigint, record.ExecutionDurationNanoseconds is { } duration ? duration : DBNull.Value),
        new("history_length", NpgsqlDbType.Bigint, record.HistoryLength),
        new("history_size_bytes", NpgsqlDbType.Bigint, record.HistorySizeBytes),
        new("state_transition_count", NpgsqlDbType.Bigint, record.StateTransitionCount),
        new("parent_workflow_id", NpgsqlDbType.Text, (object?)record.ParentWorkflowId ?? DBNull.Value),
        new("parent_run_id", NpgsqlDbType.Text, (object?)record.ParentRunId ?? DBNull.Value),
        new("root_workflow_id", NpgsqlDbType.Text, (object?)record.RootWorkflowId ?? DBNull.Value),
        new("root_run_id", NpgsqlDbType.Text, (object?)record.RootRunId ?? DBNull.Value),
        new("search_attributes", NpgsqlDbType.Jsonb, SearchAttributesJson(record.SearchAttributes)),
        new("text_words", NpgsqlDbType.Jsonb, TextWordsJson(record.SearchAttributes)),
    ];

    /// <summary>The columns <see cref="Read"/> expects, for a SELECT list.</summary>
    public static string SelectList { get; } = string.Join(", ", Columns.Skip(1).SkipLast(1));

    /// <summary>Reads a record from a row selected with <see cref="SelectList"/> starting at <paramref name="first"/>.</summary>
    public static VisibilityRecord Read(NpgsqlDataReader row, int first = 0)
    {
        string? Text(int i) => row.IsDBNull(first + i) ? null : row.GetString(first + i);
        DateTimeOffset Time(int i) => new(row.GetFieldValue<DateTime>(first + i), TimeSpan.Zero);
        return new VisibilityRecord
        {
            RunId = row.GetString(first),
            WorkflowId = row.GetString(first + 1),
            WorkflowType = row.GetString(first + 2),
            TaskQueue = row.GetString(first + 3),
            Status = (WorkflowExecutionStatus)row.GetInt16(first + 4),
            StartTime = Time(5),
            ExecutionTime = Time(6),
            CloseTime = row.IsDBNull(first + 7) ? null : Time(7),
            HistoryLength = row.GetInt64(first + 9),
            HistorySizeBytes = row.GetInt64(first + 10),
            StateTransitionCount = row.GetInt64(first + 11),
            ParentWorkflowId = Text(12),
            ParentRunId = Text(13),
            RootWorkflowId = Text(14),
            RootRunId = Text(15),
            SearchAttributes = ParseSearchAttributes(row.GetString(first + 16)),
        };
    }

    /// <summary>A group of <see cref="PostgresVisibilitySql.CountStatement"/>'s answer (status number and count) as the evaluator names it.</summary>
    public static VisibilityCountGroup StatusGroup(short status, long count) =>
        new([new KeywordValue(VisibilityLiterals.StatusName((WorkflowExecutionStatus)status))], count);

    /// <summary>The key of an attribute in <c>search_attributes</c> and <c>text_words</c>.</summary>
    public static string Key(string name, IndexedValueType type) => $"{type}:{name}";

    /// <summary>The fixed-width UTC form Datetime attributes are stored in.</summary>
    public static string DatetimeText(DateTimeOffset time) =>
        VisibilityTime.Truncate(time).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    public static string SearchAttributesJson(IReadOnlyDictionary<string, SearchAttributeValue> attributes) =>
        Json(writer =>
        {
            foreach (var (name, value) in attributes.OrderBy(pair => pair.Key, StringComparer.Ordinal))
            {
                writer.WritePropertyName(Key(name, value.Type));
                WriteValue(writer, value);
            }
        });

    public static string TextWordsJson(IReadOnlyDictionary<string, SearchAttributeValue> attributes) =>
        Json(writer =>
        {
            foreach (var (name, value) in attributes.OrderBy(pair => pair.Key, StringComparer.Ordinal))
            {
                if (value is TextValue text)
                {
                    writer.WritePropertyName(Key(name, IndexedValueType.Text));
                    writer.WriteStartArray();
                    text.Tokens.ToList().ForEach(writer.WriteStringValue);
                    writer.WriteEndArray();
                }
            }
        });

    internal static void WriteValue(Utf8JsonWriter writer, SearchAttributeValue value)
    {
        switch (value)
        {
            case KeywordValue keyword: writer.WriteStringValue(keyword.Value); break;
            case TextValue text: writer.WriteStringValue(text.Value); break;
            case IntValue integer: writer.WriteNumberValue(integer.Value); break;
            case DoubleValue real: writer.WriteRawValue(VisibilityNumber.Of(real.Value).ToDecimalText()); break;
            case BoolValue flag: writer.WriteBooleanValue(flag.Value); break;
            case DatetimeValue time: writer.WriteStringValue(DatetimeText(time.Value)); break;
            case KeywordListValue list:
                writer.WriteStartArray();
                foreach (var item in list.Values)
                {
                    writer.WriteStringValue(item);
                }
                writer.WriteEndArray();
                break;
            default: throw new InvalidOperationException($"unknown search attribute value {value.GetType().Name}");
        }
    }

    internal static string Json(Action<Utf8JsonWriter> writeProperties) => JsonText(writer =>
    {
        writer.WriteStartObject();
        writeProperties(writer);
        writer.WriteEndObject();
    });

    internal static string JsonText(Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            write(writer);
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static Dictionary<string, SearchAttributeValue> ParseSearchAttributes(string json)
    {
        var attributes = new Dictionary<string, SearchAttributeValue>(StringComparer.Ordinal);
        using var document = JsonDocument.Parse(json);
        foreach (var property in document.RootElement.EnumerateObject())
        {
            var colon = property.Name.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && Enum.TryParse<IndexedValueType>(property.Name[..colon], out var type)
                && SearchAttributePayloads.FromJson(property.Value, type) is { } value)
            {
                attributes[property.Name[(colon + 1)..]] = value;
            }
        }
        return attributes;
    }

    private static DateTime Utc(DateTimeOffset time) => VisibilityTime.Truncate(time).UtcDateTime;
}

/// <summary>
/// A named, typed SQL parameter. Fragments hand these out instead of <see cref="NpgsqlParameter"/>s,
/// which can belong to one command only, so one fragment can serve several commands.
/// </summary>
public sealed record SqlParameterValue(string Name, NpgsqlDbType Type, object Value)
{
    public NpgsqlParameter ToNpgsql() => new(Name, Type) { Value = Value };
}
