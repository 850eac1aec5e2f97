using System.Text.Json;
using System.Text.Json.Nodes;
using EasyParkPlus.Api.Auth;
using EasyParkPlus.Api.Infrastructure;
using EasyParkPlus.ServiceDefaults.Temporal;
using EasyParkPlus.Workflows;
using Google.Protobuf;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.History.V1;
using Temporalio.Client;
using Temporalio.Exceptions;
using TemporalFailure = Temporalio.Api.Failure.V1.Failure;

namespace EasyParkPlus.Api.Endpoints;

public sealed record WorkflowSummary(
    string WorkflowId, string RunId, string WorkflowType, string TaskQueue, string Status, DateTimeOffset StartTime, DateTimeOffset? CloseTime,
    long HistoryLength, IReadOnlyDictionary<string, JsonElement> SearchAttributes);

public sealed record WorkflowListResponse(IReadOnlyList<WorkflowSummary> Workflows, string? NextPageToken);

/// <summary>A failure as an operator sees it: what, of which type, and its cause; never where in the code it was thrown.</summary>
public sealed record FailureView(string Message, string? Type, bool NonRetryable, FailureView? Cause);

public sealed record PendingActivityView(
    string ActivityId, string ActivityType, string State, int Attempt, DateTimeOffset? LastStartedTime, DateTimeOffset? ScheduledTime,
    DateTimeOffset? NextAttemptTime, FailureView? LastFailure);

public sealed record PendingTimerView(long StartedEventId, DateTimeOffset FireAt);

public sealed record WorkflowDetailResponse(
    WorkflowSummary Execution, JsonElement? Result, FailureView? Failure, IReadOnlyList<PendingActivityView> PendingActivities,
    IReadOnlyList<PendingTimerView> PendingTimers, bool WorkflowTaskPending, int WorkflowTaskAttempt, FailureView? LastWorkflowTaskFailure,
    JsonElement? State, string? StateError, IReadOnlyList<string> Signals);

public sealed record HistoryEventResponse(long EventId, DateTimeOffset Timestamp, string EventType, string Description, JsonElement Attributes);

public sealed record SignalRequest([Identifier(100, "_.-")] string? SignalName, JsonElement? Input, [Text(500, Optional = true)] string? Reason);

public sealed record ReasonRequest([Text(500)] string? Reason);

public sealed record OperatorActionResponse(string WorkflowId, string Action, string Outcome);

public sealed record AuditEntry(long Id, DateTimeOffset OccurredAt, string ActorId, string? ActorEmail, string Action, string WorkflowId, string? RunId,
    JsonElement Detail, string Outcome, string? CorrelationId);

/// <summary>The operators' view of Temporal: list (list-filter language), describe, history, signal, cancel, terminate (each action audited).</summary>
public static class WorkflowEndpoints
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static IEndpointRouteBuilder MapWorkflowEndpoints(this IEndpointRouteBuilder api)
    {
        var group = api.MapGroup("/workflows").WithTags("Workflows (operators)").RequireAuthorization(Policies.Operator);
        group.MapGet("/", ListAsync).WithSummary("List workflows, newest first; filters: type, status, facility, plate, customer, from/to (start time) (Operator).");
        group.MapGet("/{workflowId}", DescribeAsync).WithSummary("Status, pending activities and timers, last task failure and the workflow's Status query (Operator).");
        group.MapGet("/{workflowId}/history", HistoryAsync).WithSummary("The run's full history (Operator).");
        group.MapGet("/{workflowId}/audit", AuditAsync).WithSummary("Operator actions taken on this workflow (Operator).");
        group.MapPost("/{workflowId}/signal", SignalAsync).Idempotent()
            .WithSummary("Send a signal (e.g. PaymentReceivedAtBooth); the Idempotency-Key doubles as the signal's request id (Operator, audited).");
        group.MapPost("/{workflowId}/cancel", CancelAsync).Idempotent().WithSummary("Request cancellation (Operator, audited).");
        group.MapPost("/{workflowId}/terminate", TerminateAsync).Idempotent()
            .WithSummary("Terminate at once with a reason (Operator, audited).");
        return api;
    }

    internal static async Task<Results<Ok<WorkflowListResponse>, ValidationProblem>> ListAsync(
        string? type, string? status, string? facility, string? plate, string? customer, DateTimeOffset? from, DateTimeOffset? to,
        int? pageSize, string? pageToken, ITemporalClient client, CancellationToken ct)
    {
        var errors = new ValidationErrors();
        errors.Text("type", type, 100, required: false);
        errors.Enum<WorkflowExecutionStatus>("status", status, out var workflowStatus, required: false);
        if (status is not null && workflowStatus == WorkflowExecutionStatus.Unspecified)
        {
            errors.Add("status", "'status' must be a workflow status such as Running or Completed.");
        }
        errors.Text("facility", facility, 32, required: false);
        errors.Text("plate", plate, 32, required: false);
        errors.Text("customer", customer, 64, required: false);
        var filter = PageTokens.Filter(type, status, facility, plate, customer, from, to);
        string? cursor = null;
        byte[]? next = null;
        if (errors.Text("pageToken", pageToken, 1000, required: false) && !(PageTokens.TryRead(pageToken, filter, out cursor) && TryDecode(cursor, out next)))
        {
            errors.Add("pageToken", "'pageToken' is not a token this search returned; start again without it.");
        }
        if (pageSize is < 1 or > 500)
        {
            errors.Add("pageSize", "'pageSize' must be between 1 and 500.");
        }
        if (from is not null && to is not null && from > to)
        {
            errors.Add("from", "'from' must not be after 'to'.");
        }
        if (!errors.IsEmpty)
        {
            return TypedResults.ValidationProblem(errors.ToDictionary());
        }
        var query = new ListFilter()
            .Type(string.IsNullOrWhiteSpace(type) ? null : type.Trim())
            .Status(status is null ? null : workflowStatus.StatusName())
            .Equal(EasyParkSearchAttributes.FacilityId, string.IsNullOrWhiteSpace(facility) ? null : facility.Trim().ToUpperInvariant())
            .Equal(EasyParkSearchAttributes.Plate, string.IsNullOrWhiteSpace(plate) ? null
                : Domain.LicensePlate.TryNormalize(plate, out var normalized) ? normalized : plate.Trim())
            .Equal(EasyParkSearchAttributes.CustomerId, string.IsNullOrWhiteSpace(customer) ? null : customer.Trim())
            .StartedFrom(from)
            .StartedTo(to);
        WorkflowListPage page;
        try
        {
            page = await client.ListWorkflowsPaginatedAsync(query.ToString(), next,
                new() { PageSize = pageSize ?? 50, Rpc = new() { CancellationToken = ct } });
        }
        catch (RpcException e) when (e.Code == RpcException.StatusCode.InvalidArgument && next is not null)
        {
            // A token that decodes but whose cursor the cluster cannot use (edited by hand).
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["pageToken"] = ["'pageToken' is not a token this search returned; start again without it."] });
        }
        return TypedResults.Ok(new WorkflowListResponse([.. page.Workflows.Select(Summary)],
            page.NextPageToken is { Length: > 0 } more ? PageTokens.Issue(Convert.ToBase64String(more), filter) : null));
    }

    internal static async Task<Results<Ok<WorkflowDetailResponse>, NotFound>> DescribeAsync(
        string workflowId, ITemporalClient client, WorkflowCatalog catalog, CancellationToken ct)
    {
        if (await client.DescribeOrNullAsync(workflowId, ct) is not { } d)
        {
            return TypedResults.NotFound();
        }
        var entry = catalog.Find(d.WorkflowType);
        JsonElement? state = null;
        string? stateError = null;
        if (entry?.StatusType is { } statusType)
        {
            try
            {
                var answer = await client.GetWorkflowHandle(workflowId, d.RunId).QueryAsync<JsonElement>("Status", [], new() { Rpc = new() { CancellationToken = ct } });
                state = WorkflowJson.Reshape(answer, statusType);
            }
            catch (Exception e) when (e is WorkflowQueryFailedException or WorkflowQueryRejectedException or RpcException)
            {
                stateError = e.Message;
            }
        }
        // Temporal keeps a run's failure and its workflow tasks' failures in the history, not in the description.
        var events = await client.GetWorkflowHandle(workflowId, d.RunId).FetchHistoryEventsAsync(new() { Rpc = new() { CancellationToken = ct } }).ToListAsync(ct);
        var closeFailure = CloseFailure(events.LastOrDefault());
        var lastTask = events.LastOrDefault(e => e.EventType is EventType.WorkflowTaskCompleted or EventType.WorkflowTaskFailed);
        var raw = await client.WorkflowService.DescribeWorkflowExecutionAsync(new()
        {
            Namespace = client.Options.Namespace,
            Execution = new() { WorkflowId = workflowId, RunId = d.RunId },
        }, new() { CancellationToken = ct });
        return TypedResults.Ok(new WorkflowDetailResponse(Summary(d), await client.ResultAsync(d, catalog, ct), closeFailure,
            [.. raw.PendingActivities.Select(a => new PendingActivityView(a.ActivityId, a.ActivityType?.Name ?? "", a.State.ToString(), a.Attempt,
                a.LastStartedTime?.ToDateTimeOffset(), a.ScheduledTime?.ToDateTimeOffset(), a.NextAttemptScheduleTime?.ToDateTimeOffset(),
                View(a.LastFailure)))],
            PendingTimers(events),
            raw.PendingWorkflowTask is not null, raw.PendingWorkflowTask?.Attempt ?? 0, View(lastTask?.WorkflowTaskFailedEventAttributes?.Failure),
            state, stateError, entry is null ? [] : [.. entry.Signals.Keys.Order(StringComparer.Ordinal)]));
    }

    internal static async Task<Results<Ok<HistoryEventResponse[]>, NotFound>> HistoryAsync(string workflowId, ITemporalClient client, CancellationToken ct)
    {
        List<HistoryEvent> events;
        try
        {
            events = await client.GetWorkflowHandle(workflowId).FetchHistoryEventsAsync(new() { Rpc = new() { CancellationToken = ct } }).ToListAsync(ct);
        }
        catch (RpcException e) when (e.Code == RpcException.StatusCode.NotFound)
        {
            return TypedResults.NotFound();
        }
        return TypedResults.Ok(events.Select(e => new HistoryEventResponse(e.EventId, e.EventTime.ToDateTimeOffset(), e.EventType.ToString(),
            HistoryText.Describe(e), WithoutTraces(Attributes(e)))).ToArray());
    }

    internal static async Task<Results<Accepted<OperatorActionResponse>, NotFound, ValidationProblem>> SignalAsync(
        string workflowId, SignalRequest request, HttpContext http, ITemporalClient client, WorkflowCatalog catalog, NpgsqlDataSource db, CancellationToken ct)
    {
        if (await client.DescribeOrNullAsync(workflowId, ct) is not { } d)
        {
            return TypedResults.NotFound();
        }
        var entry = catalog.Find(d.WorkflowType);
        if (entry is null || !entry.Signals.TryGetValue(request.SignalName!, out var parameterTypes))
        {
            var known = entry is null ? "none known to this api" : string.Join(", ", entry.Signals.Keys.Order(StringComparer.Ordinal));
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["signalName"] = [$"'{request.SignalName}' is not a signal of {d.WorkflowType} (signals: {known})."] });
        }
        var arguments = ArgumentsFor(parameterTypes, request.Input, out var error);
        if (error is not null)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["input"] = [error] });
        }
        return await AuditedAsync(http, db, "signal", workflowId, d.RunId,
            new { signalName = request.SignalName, input = request.Input, reason = request.Reason },
            () => client.GetWorkflowHandle(workflowId).SignalAsync(request.SignalName!, arguments, new() { Rpc = new() { CancellationToken = ct } }));
    }

    internal static async Task<Results<Accepted<OperatorActionResponse>, NotFound, ValidationProblem>> CancelAsync(
        string workflowId, ReasonRequest request, HttpContext http, ITemporalClient client, NpgsqlDataSource db, CancellationToken ct) =>
        await AuditedAsync(http, db, "cancel", workflowId, null, new { reason = request.Reason },
            () => client.GetWorkflowHandle(workflowId).CancelAsync(new() { Rpc = new() { CancellationToken = ct } }));

    internal static async Task<Results<Accepted<OperatorActionResponse>, NotFound, ValidationProblem>> TerminateAsync(
        string workflowId, ReasonRequest request, HttpContext http, ITemporalClient client, NpgsqlDataSource db, CancellationToken ct)
    {
        var reason = $"{request.Reason!.Trim()} (by {http.User.FindFirst("email")?.Value ?? http.User.FindFirst("sub")?.Value})";
        return await AuditedAsync(http, db, "terminate", workflowId, null, new { reason = request.Reason },
            () => client.GetWorkflowHandle(workflowId).TerminateAsync(reason, new() { Rpc = new() { CancellationToken = ct } }));
    }

    internal static async Task<Ok<AuditEntry[]>> AuditAsync(string workflowId, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var command = db.CreateCommand("""
            SELECT id, occurred_at, actor_id, actor_email, action, workflow_id, run_id, detail::text, outcome, correlation_id
            FROM api.operator_audit WHERE workflow_id = $1 ORDER BY id
            """);
        command.Parameters.Add(new() { Value = workflowId });
        await using var reader = await command.ExecuteReaderAsync(ct);
        var entries = new List<AuditEntry>();
        while (await reader.ReadAsync(ct))
        {
            entries.Add(new AuditEntry(reader.GetInt64(0), reader.GetFieldValue<DateTimeOffset>(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3),
                reader.GetString(4), reader.GetString(5), reader.IsDBNull(6) ? null : reader.GetString(6), JsonDocument.Parse(reader.GetString(7)).RootElement.Clone(),
                reader.GetString(8), reader.IsDBNull(9) ? null : reader.GetString(9)));
        }
        return TypedResults.Ok(entries.ToArray());
    }

    // Runs the action and records who did what with which outcome, whether it worked or not.
    private static async Task<Results<Accepted<OperatorActionResponse>, NotFound, ValidationProblem>> AuditedAsync(
        HttpContext http, NpgsqlDataSource db, string action, string workflowId, string? runId, object detail, Func<Task> run)
    {
        string outcome;
        Results<Accepted<OperatorActionResponse>, NotFound, ValidationProblem> result;
        try
        {
            await run();
            outcome = "accepted";
            result = TypedResults.Accepted($"/api/v1/workflows/{Uri.EscapeDataString(workflowId)}", new OperatorActionResponse(workflowId, action, outcome));
        }
        catch (RpcException e) when (e.Code == RpcException.StatusCode.NotFound)
        {
            outcome = "not_found";
            result = TypedResults.NotFound();
        }
        catch (RpcException e) when (e.Code is RpcException.StatusCode.InvalidArgument or RpcException.StatusCode.FailedPrecondition)
        {
            // Temporal's wording names its internals; the operator gets the api's.
            outcome = "rejected";
            result = TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["input"] = ["The workflow does not accept this input."] });
        }
        await using var insert = db.CreateCommand("""
            INSERT INTO api.operator_audit (occurred_at, actor_id, actor_email, action, workflow_id, run_id, detail, outcome, correlation_id)
            VALUES (now(), $1, $2, $3, $4, $5, $6::jsonb, $7, $8)
            """);
        insert.Parameters.Add(new() { Value = http.User.FindFirst("sub")?.Value ?? "unknown" });
        insert.Parameters.Add(new() { Value = (object?)http.User.FindFirst("email")?.Value ?? DBNull.Value });
        insert.Parameters.Add(new() { Value = action });
        insert.Parameters.Add(new() { Value = workflowId });
        insert.Parameters.Add(new() { Value = (object?)runId ?? DBNull.Value });
        insert.Parameters.Add(new() { Value = JsonSerializer.Serialize(detail, Json) });
        insert.Parameters.Add(new() { Value = outcome });
        insert.Parameters.Add(new() { Value = (object?)(http.Items[CorrelationId.ItemKey] as string) ?? DBNull.Value });
        await insert.ExecuteNonQueryAsync(CancellationToken.None);
        return result;
    }

    // The signal's arguments: none, or the one input value checked against its parameter's type.
    private static object?[] ArgumentsFor(IReadOnlyList<Type> parameterTypes, JsonElement? input, out string? error)
    {
        error = null;
        if (parameterTypes.Count == 0)
        {
            return [];
        }
        if (parameterTypes.Count > 1)
        {
            error = "Signals with more than one parameter cannot be sent from the api.";
            return [];
        }
        if (input is null || input.Value.ValueKind == JsonValueKind.Undefined)
        {
            error = "'input' is required for this signal.";
            return [];
        }
        try
        {
            var value = WorkflowJson.Read(input.Value, parameterTypes[0]);
            if (value is null)
            {
                error = "'input' must not be null.";
                return [];
            }
            return [value];
        }
        catch (JsonException ex) when (ex.Path is { Length: > 1 } path)
        {
            error = $"'input' does not fit the signal: '{path.TrimStart('$').TrimStart('.')}' has a value of the wrong type or format.";
            return [];
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or ArgumentException or InvalidOperationException)
        {
            error = "'input' does not fit the signal: it must be a JSON object with the signal's fields.";
            return [];
        }
    }

    // History keeps where a failure was thrown for whoever reads the database or the worker's log; an operator's answer
    // shows no stack trace or source path (the problem's correlation id and the run id lead to it in the logs).
    // Timers started and neither fired nor canceled (Temporal's describe lists no timers; the history has them).
    private static List<PendingTimerView> PendingTimers(List<HistoryEvent> events)
    {
        var done = events.Select(e => e.TimerFiredEventAttributes?.StartedEventId ?? e.TimerCanceledEventAttributes?.StartedEventId).OfType<long>().ToHashSet();
        return [.. events.Where(e => e.TimerStartedEventAttributes is not null && !done.Contains(e.EventId))
            .Select(e => new PendingTimerView(e.EventId, e.EventTime.ToDateTimeOffset() + e.TimerStartedEventAttributes.StartToFireTimeout.ToTimeSpan()))];
    }

    // Why a closed run did not complete, from its closing event: the failure, or the terminate reason, cancel or timeout.
    private static FailureView? CloseFailure(HistoryEvent? last) => last?.AttributesCase switch
    {
        HistoryEvent.AttributesOneofCase.WorkflowExecutionFailedEventAttributes => View(last.WorkflowExecutionFailedEventAttributes.Failure),
        HistoryEvent.AttributesOneofCase.WorkflowExecutionTerminatedEventAttributes =>
            new FailureView(last.WorkflowExecutionTerminatedEventAttributes.Reason, "Terminated", true, null),
        HistoryEvent.AttributesOneofCase.WorkflowExecutionCanceledEventAttributes => new FailureView("The workflow was canceled.", "Canceled", true, null),
        HistoryEvent.AttributesOneofCase.WorkflowExecutionTimedOutEventAttributes => new FailureView("The workflow timed out.", "TimedOut", true, null),
        _ => null,
    };

    private static FailureView? View(TemporalFailure? failure) =>
        failure is null ? null : new FailureView(failure.Message, failure.ApplicationFailureInfo?.Type is { Length: > 0 } type ? type : null,
            failure.ApplicationFailureInfo?.NonRetryable ?? false, View(failure.Cause));

    // The event's attributes as Temporal's JSON (the one attribute set it carries).
    private static JsonElement Attributes(HistoryEvent e)
    {
        var field = HistoryEvent.Descriptor.Oneofs.Single(o => o.Name == "attributes").Accessor.GetCaseFieldDescriptor(e);
        var json = field?.Accessor.GetValue(e) is IMessage attributes ? JsonFormatter.Default.Format(attributes) : "{}";
        return JsonDocument.Parse(json).RootElement.Clone();
    }

    private static JsonElement WithoutTraces(JsonElement element) =>
        JsonSerializer.SerializeToElement(Strip(JsonNode.Parse(element.GetRawText())), Json);

    private static JsonNode? Strip(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var name in obj.Select(p => p.Key).Where(k => k.Equals("stackTrace", StringComparison.OrdinalIgnoreCase)).ToList())
                {
                    obj.Remove(name);
                }
                foreach (var (_, child) in obj)
                {
                    Strip(child);
                }
                break;
            case JsonArray array:
                foreach (var child in array)
                {
                    Strip(child);
                }
                break;
        }
        return node;
    }

    private static WorkflowSummary Summary(WorkflowExecution e) =>
        new(e.Id, e.RunId, e.WorkflowType, e.TaskQueue, e.Status.StatusName(), e.StartTime, e.CloseTime, e.HistoryLength,
            e.TypedSearchAttributes.UntypedValues.ToDictionary(p => p.Key.Name, p => JsonSerializer.SerializeToElement(p.Value, Json)));

    private static bool TryDecode(string? cursor, out byte[]? next)
    {
        next = null;
        if (cursor is null)
        {
            return true;
        }
        var buffer = new byte[cursor.Length];
        if (!Convert.TryFromBase64String(cursor, buffer, out var written) || written == 0)
        {
            return false;
        }
        next = buffer[..written];
        return true;
    }
}
