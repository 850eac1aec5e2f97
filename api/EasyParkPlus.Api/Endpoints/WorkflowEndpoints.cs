using System.Text.Json;
using System.Text.Json.Nodes;
using EasyParkPlus.Api.Auth;
using EasyParkPlus.Api.Infrastructure;
using EasyParkPlus.Engine;
using EasyParkPlus.Engine.Store;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace EasyParkPlus.Api.Endpoints;

public sealed record WorkflowSummary(
    string WorkflowId, string RunId, string WorkflowType, string TaskQueue, string Status, DateTimeOffset StartTime, DateTimeOffset? CloseTime,
    long HistoryLength, IReadOnlyDictionary<string, JsonElement> SearchAttributes);

public sealed record WorkflowListResponse(IReadOnlyList<WorkflowSummary> Workflows, string? NextPageToken);

public sealed record WorkflowDetailResponse(
    WorkflowSummary Execution, JsonElement? Result, Failure? Failure, IReadOnlyList<PendingActivityInfo> PendingActivities,
    IReadOnlyList<PendingTimerInfo> PendingTimers, bool WorkflowTaskPending, int WorkflowTaskAttempt, Failure? LastWorkflowTaskFailure,
    JsonElement? State, string? StateError, IReadOnlyList<string> Signals);

public sealed record HistoryEventResponse(long EventId, DateTimeOffset Timestamp, string EventType, string Description, JsonElement Attributes);

public sealed record SignalRequest(string? SignalName, JsonElement? Input, string? Reason) : IValidatable
{
    public void Validate(ValidationErrors errors)
    {
        if (errors.Text("signalName", SignalName, 100) && !SignalName.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-'))
        {
            errors.Add("signalName", "'signalName' may contain only letters, digits, '_', '.' and '-'.");
        }
        errors.Text("reason", Reason, 500, required: false);
    }
}

public sealed record ReasonRequest(string? Reason) : IValidatable
{
    public void Validate(ValidationErrors errors) => errors.Text("reason", Reason, 500);
}

public sealed record OperatorActionResponse(string WorkflowId, string Action, string Outcome);

public sealed record AuditEntry(long Id, DateTimeOffset OccurredAt, string ActorId, string? ActorEmail, string Action, string WorkflowId, string? RunId,
    JsonElement Detail, string Outcome, string? CorrelationId);

/// <summary>The operators' view of the engine: list, describe, history, signal, cancel, terminate (each action audited).</summary>
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
        group.MapPost("/{workflowId}/signal", SignalAsync).Validate<SignalRequest>().Idempotent()
            .WithSummary("Send a signal (e.g. PaymentReceivedAtBooth); the Idempotency-Key doubles as the signal's request id (Operator, audited).");
        group.MapPost("/{workflowId}/cancel", CancelAsync).Validate<ReasonRequest>().Idempotent().WithSummary("Request cancellation (Operator, audited).");
        group.MapPost("/{workflowId}/terminate", TerminateAsync).Validate<ReasonRequest>().Idempotent()
            .WithSummary("Terminate at once with a reason (Operator, audited).");
        return api;
    }

    internal static async Task<Results<Ok<WorkflowListResponse>, ValidationProblem>> ListAsync(
        string? type, string? status, string? facility, string? plate, string? customer, DateTimeOffset? from, DateTimeOffset? to,
        int? pageSize, string? pageToken, IWorkflowClient client, CancellationToken ct)
    {
        var errors = new ValidationErrors();
        errors.Text("type", type, 100, required: false);
        errors.Enum<WorkflowStatus>("status", status, out var workflowStatus, required: false);
        errors.Text("facility", facility, 32, required: false);
        errors.Text("plate", plate, 32, required: false);
        errors.Text("customer", customer, 64, required: false);
        var filter = PageTokens.Filter(type, status, facility, plate, customer, from, to);
        string? cursor = null;
        if (errors.Text("pageToken", pageToken, 1000, required: false) && !PageTokens.TryRead(pageToken, filter, out cursor))
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
        var attributes = new Dictionary<string, object?>();
        if (!string.IsNullOrWhiteSpace(facility))
        {
            attributes["FacilityId"] = facility.Trim().ToUpperInvariant();
        }
        if (!string.IsNullOrWhiteSpace(plate))
        {
            attributes["Plate"] = Domain.LicensePlate.TryNormalize(plate, out var normalized) ? normalized : plate.Trim();
        }
        if (!string.IsNullOrWhiteSpace(customer))
        {
            attributes["CustomerId"] = customer.Trim();
        }
        WorkflowListPage page;
        try
        {
            page = await client.ListWorkflowsAsync(new WorkflowListQuery
            {
                WorkflowType = string.IsNullOrWhiteSpace(type) ? null : type.Trim(),
                Statuses = status is null ? null : [workflowStatus],
                StartedAfter = from,
                StartedBefore = to,
                SearchAttributes = attributes.Count == 0 ? null : attributes,
                PageSize = pageSize ?? 50,
                PageToken = cursor,
            }, ct);
        }
        catch (ArgumentException) when (cursor is not null)
        {
            // A token that decodes but whose cursor the store cannot use (edited by hand).
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["pageToken"] = ["'pageToken' is not a token this search returned; start again without it."] });
        }
        return TypedResults.Ok(new WorkflowListResponse([.. page.Executions.Select(Summary)], page.NextPageToken is { } next ? PageTokens.Issue(next, filter) : null));
    }

    internal static async Task<Results<Ok<WorkflowDetailResponse>, NotFound>> DescribeAsync(string workflowId, IWorkflowClient client, CancellationToken ct)
    {
        WorkflowExecutionDescription d;
        try
        {
            d = await client.DescribeWorkflowAsync(workflowId, cancellationToken: ct);
        }
        catch (WorkflowNotFoundException)
        {
            return TypedResults.NotFound();
        }
        var definition = client.Registry.FindWorkflow(d.Execution.WorkflowType);
        JsonElement? state = null;
        string? stateError = null;
        if (definition?.Queries.ContainsKey("Status") == true)
        {
            try
            {
                state = await client.QueryWorkflowAsync(workflowId, d.Execution.RunId, "Status", PayloadConverter.ToArguments([], []), ct);
            }
            catch (WorkflowEngineException ex)
            {
                stateError = ex.Message;
            }
        }
        return TypedResults.Ok(new WorkflowDetailResponse(Summary(d.Execution), d.Execution.Result, WithoutTrace(d.Execution.Failure),
            [.. d.PendingActivities.Select(a => a with { LastFailure = WithoutTrace(a.LastFailure) })], d.PendingTimers,
            d.WorkflowTaskPending, d.WorkflowTaskAttempt, WithoutTrace(d.LastWorkflowTaskFailure), state, stateError,
            definition is null ? [] : [.. definition.Signals.Keys.Order(StringComparer.Ordinal)]));
    }

    internal static async Task<Results<Ok<HistoryEventResponse[]>, NotFound>> HistoryAsync(string workflowId, IWorkflowClient client, CancellationToken ct)
    {
        IReadOnlyList<HistoryEvent> events;
        try
        {
            events = await client.GetWorkflowHistoryAsync(workflowId, cancellationToken: ct);
        }
        catch (WorkflowNotFoundException)
        {
            return TypedResults.NotFound();
        }
        return TypedResults.Ok(events.Select(e => new HistoryEventResponse(e.EventId, e.Timestamp, e.EventType, e.Attributes.Describe(),
            WithoutTraces(JsonSerializer.SerializeToElement(e.Attributes, Json)))).ToArray());
    }

    internal static async Task<Results<Accepted<OperatorActionResponse>, NotFound, ValidationProblem>> SignalAsync(
        string workflowId, SignalRequest request, HttpContext http, IWorkflowClient client, NpgsqlDataSource db, CancellationToken ct)
    {
        WorkflowExecutionDescription d;
        try
        {
            d = await client.DescribeWorkflowAsync(workflowId, cancellationToken: ct);
        }
        catch (WorkflowNotFoundException)
        {
            return TypedResults.NotFound();
        }
        var definition = client.Registry.FindWorkflow(d.Execution.WorkflowType);
        if (definition is null || !definition.Signals.TryGetValue(request.SignalName!, out var signal))
        {
            var known = definition is null ? "none known to this api" : string.Join(", ", definition.Signals.Keys.Order(StringComparer.Ordinal));
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["signalName"] = [$"'{request.SignalName}' is not a signal of {d.Execution.WorkflowType} (signals: {known})."] });
        }
        var arguments = ArgumentsFor(signal.ParameterTypes, request.Input, out var error);
        if (error is not null)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["input"] = [error] });
        }
        var requestId = http.Request.Headers[IdempotencyMiddleware.Header].ToString() is { Length: > 0 } key ? "api:" + key : null;
        return await AuditedAsync(http, db, "signal", workflowId, d.Execution.RunId,
            new { signalName = request.SignalName, input = request.Input, reason = request.Reason },
            () => client.SignalWorkflowAsync(workflowId, null, request.SignalName!, arguments, requestId, ct));
    }

    internal static async Task<Results<Accepted<OperatorActionResponse>, NotFound, ValidationProblem>> CancelAsync(
        string workflowId, ReasonRequest request, HttpContext http, IWorkflowClient client, NpgsqlDataSource db, CancellationToken ct) =>
        await AuditedAsync(http, db, "cancel", workflowId, null, new { reason = request.Reason },
            () => client.CancelWorkflowAsync(workflowId, null, request.Reason, ct));

    internal static async Task<Results<Accepted<OperatorActionResponse>, NotFound, ValidationProblem>> TerminateAsync(
        string workflowId, ReasonRequest request, HttpContext http, IWorkflowClient client, NpgsqlDataSource db, CancellationToken ct)
    {
        var reason = $"{request.Reason!.Trim()} (by {http.User.FindFirst("email")?.Value ?? http.User.FindFirst("sub")?.Value})";
        return await AuditedAsync(http, db, "terminate", workflowId, null, new { reason = request.Reason },
            () => client.TerminateWorkflowAsync(workflowId, null, reason, ct));
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
        catch (WorkflowNotFoundException)
        {
            outcome = "not_found";
            result = TypedResults.NotFound();
        }
        catch (WorkflowInvalidArgumentException)
        {
            // The engine's wording names .NET types; the operator gets the api's.
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

    // The signal's parameters as the engine's argument array: none, or the one input value checked against its type.
    private static JsonElement ArgumentsFor(IReadOnlyList<Type> parameterTypes, JsonElement? input, out string? error)
    {
        error = null;
        if (parameterTypes.Count == 0)
        {
            return PayloadConverter.ToArguments([], []);
        }
        if (parameterTypes.Count > 1)
        {
            error = "Signals with more than one parameter cannot be sent from the api.";
            return default;
        }
        if (input is null || input.Value.ValueKind == JsonValueKind.Undefined)
        {
            error = "'input' is required for this signal.";
            return default;
        }
        try
        {
            var value = input.Value.Deserialize(parameterTypes[0], PayloadConverter.Options);
            if (value is null && parameterTypes[0].IsValueType)
            {
                error = "'input' must not be null.";
                return default;
            }
            return PayloadConverter.ToArguments([value], parameterTypes);
        }
        catch (JsonException ex) when (ex.Path is { Length: > 1 } path)
        {
            error = $"'input' does not fit the signal: '{path.TrimStart('$').TrimStart('.')}' has a value of the wrong type or format.";
            return default;
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or ArgumentException or InvalidOperationException)
        {
            error = "'input' does not fit the signal: it must be a JSON object with the signal's fields.";
            return default;
        }
    }

    // History keeps where a failure was thrown for whoever reads the database or the worker's log; an operator's answer
    // shows no stack trace or source path (the problem's correlation id and the run id lead to it in the logs).
    private static Failure? WithoutTrace(Failure? failure) =>
        failure is null ? null : failure with { StackTrace = null, Cause = WithoutTrace(failure.Cause) };

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

    private static WorkflowSummary Summary(WorkflowExecutionInfo e) =>
        new(e.WorkflowId, e.RunId, e.WorkflowType, e.TaskQueue, e.Status.ToString(), e.StartTime, e.CloseTime, e.HistoryLength, e.SearchAttributes);
}
