using System.Diagnostics;
using Temporalio.Api.Common.V1;
using Temporalio.Client;
using Temporalio.Client.Interceptors;
using Temporalio.Converters;
using Temporalio.Worker.Interceptors;

namespace EasyParkPlus.ServiceDefaults.Temporal;

/// <summary>
/// Carries the caller's trace through Temporal: a workflow start or signal is a client span whose W3C context travels in
/// a Temporal header; the workflow hands that context on to the activities, children and continue-as-new runs it starts
/// (workflow code makes no spans of its own: it replays); an activity runs in a span under it, so its SQL and HTTP calls
/// join the request's trace. Registered on the client, it reaches the worker built from that client too.
/// </summary>
public sealed class TemporalTracing : IClientInterceptor, IWorkerInterceptor
{
    public static readonly ActivitySource Source = new("EasyParkPlus.Temporal");

    /// <summary>The header holding {"traceparent": ..., "tracestate": ...}.</summary>
    public const string HeaderKey = "easypark-trace";

    public ClientOutboundInterceptor InterceptClient(ClientOutboundInterceptor nextInterceptor) => new ClientOutbound(nextInterceptor);

    public WorkflowInboundInterceptor InterceptWorkflow(WorkflowInboundInterceptor nextInterceptor) => new WorkflowInbound(nextInterceptor);

    public ActivityInboundInterceptor InterceptActivity(ActivityInboundInterceptor nextInterceptor) => new ActivityInbound(nextInterceptor);

    // The current span's context as a header; headers unchanged when nothing is traced.
    private static IDictionary<string, Payload>? WithContext(IDictionary<string, Payload>? headers, Activity? span)
    {
        if (span?.Id is not { } traceparent || span.IdFormat != ActivityIdFormat.W3C)
        {
            return headers;
        }
        var carrier = new Dictionary<string, string> { ["traceparent"] = traceparent };
        if (span.TraceStateString is { Length: > 0 } state)
        {
            carrier["tracestate"] = state;
        }
        return WithHeader(headers, DataConverter.Default.PayloadConverter.ToPayload(carrier));
    }

    private static Dictionary<string, Payload> WithHeader(IDictionary<string, Payload>? headers, Payload context) =>
        new(headers ?? new Dictionary<string, Payload>()) { [HeaderKey] = context };

    private static ActivityContext ParentFrom(IReadOnlyDictionary<string, Payload>? headers)
    {
        if (headers is null || !headers.TryGetValue(HeaderKey, out var payload))
        {
            return default;
        }
        var carrier = DataConverter.Default.PayloadConverter.ToValue<Dictionary<string, string>>(payload);
        return carrier.TryGetValue("traceparent", out var traceparent)
            && ActivityContext.TryParse(traceparent, carrier.GetValueOrDefault("tracestate"), isRemote: true, out var context)
            ? context
            : default;
    }

    private static void Failed(Activity? span, Exception e) => span?.SetStatus(ActivityStatusCode.Error, e.GetType().Name);

    private sealed class ClientOutbound(ClientOutboundInterceptor next) : ClientOutboundInterceptor(next)
    {
        public override async Task<WorkflowHandle<TWorkflow, TResult>> StartWorkflowAsync<TWorkflow, TResult>(StartWorkflowInput input)
        {
            using var span = Source.StartActivity($"StartWorkflow {input.Workflow}", ActivityKind.Client);
            span?.SetTag("temporal.workflow.id", input.Options.Id);
            try
            {
                return await base.StartWorkflowAsync<TWorkflow, TResult>(input with { Headers = WithContext(input.Headers, span) });
            }
            catch (Exception e)
            {
                Failed(span, e);
                throw;
            }
        }

        public override async Task SignalWorkflowAsync(SignalWorkflowInput input)
        {
            using var span = Source.StartActivity($"SignalWorkflow {input.Signal}", ActivityKind.Client);
            span?.SetTag("temporal.workflow.id", input.Id);
            try
            {
                await base.SignalWorkflowAsync(input with { Headers = WithContext(input.Headers, span) });
            }
            catch (Exception e)
            {
                Failed(span, e);
                throw;
            }
        }
    }

    // Deterministic: only copies the start's header onto what the workflow schedules, which replays identically.
    private sealed class WorkflowInbound(WorkflowInboundInterceptor next) : WorkflowInboundInterceptor(next)
    {
        private readonly WorkflowContext _context = new();

        public override void Init(WorkflowOutboundInterceptor outbound) => base.Init(new WorkflowOutbound(outbound, _context));

        public override Task<object?> ExecuteWorkflowAsync(ExecuteWorkflowInput input)
        {
            if (Temporalio.Workflows.Workflow.Info.Headers is { } headers && headers.TryGetValue(HeaderKey, out var context))
            {
                _context.Payload = context;
            }
            return base.ExecuteWorkflowAsync(input);
        }
    }

    private sealed class WorkflowContext
    {
        public Payload? Payload { get; set; }

        public IDictionary<string, Payload>? On(IDictionary<string, Payload>? headers) => Payload is null ? headers : WithHeader(headers, Payload);
    }

    private sealed class WorkflowOutbound(WorkflowOutboundInterceptor next, WorkflowContext context) : WorkflowOutboundInterceptor(next)
    {
        public override Task<TResult> ScheduleActivityAsync<TResult>(ScheduleActivityInput input) =>
            base.ScheduleActivityAsync<TResult>(input with { Headers = context.On(input.Headers) });

        public override Task<TResult> ScheduleLocalActivityAsync<TResult>(ScheduleLocalActivityInput input) =>
            base.ScheduleLocalActivityAsync<TResult>(input with { Headers = context.On(input.Headers) });

        public override Task<Temporalio.Workflows.ChildWorkflowHandle<TWorkflow, TResult>> StartChildWorkflowAsync<TWorkflow, TResult>(StartChildWorkflowInput input) =>
            base.StartChildWorkflowAsync<TWorkflow, TResult>(input with { Headers = context.On(input.Headers) });

        public override Temporalio.Workflows.ContinueAsNewException CreateContinueAsNewException(CreateContinueAsNewExceptionInput input) =>
            base.CreateContinueAsNewException(input with { Headers = context.On(input.Headers) });
    }

    private sealed class ActivityInbound(ActivityInboundInterceptor next) : ActivityInboundInterceptor(next)
    {
        public override async Task<object?> ExecuteActivityAsync(ExecuteActivityInput input)
        {
            using var span = Source.StartActivity($"RunActivity {input.Activity.Name}", ActivityKind.Server, ParentFrom(input.Headers));
            try
            {
                return await base.ExecuteActivityAsync(input);
            }
            catch (Exception e)
            {
                Failed(span, e);
                throw;
            }
        }
    }
}
