using System.Buffers.Binary;
using System.Text;
using EasyParkPlus.TemporalServer.History;
using Google.Protobuf;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.WorkflowService.V1;

namespace EasyParkPlus.TemporalServer.Frontend;

/// <summary>
/// Reading histories: paged forwards (with a long poll for new events, and the close-event filter a client's
/// GetResult waits on) and backwards (the Web UI's newest-first view). Only committed events are shown.
/// </summary>
public sealed class HistoryRpcs(HistoryEngine engine, RunResolver runs, RunWatchers watchers)
{
    private static readonly TimeSpan LongPoll = TimeSpan.FromSeconds(20);

    public void Map(RpcRegistry registry)
    {
        var ws = RpcRegistry.WorkflowService;
        registry.Map<GetWorkflowExecutionHistoryRequest, GetWorkflowExecutionHistoryResponse>(ws, "GetWorkflowExecutionHistory", GetAsync);
        registry.Map<GetWorkflowExecutionHistoryReverseRequest, GetWorkflowExecutionHistoryReverseResponse>(ws, "GetWorkflowExecutionHistoryReverse", GetReverseAsync);
    }

    private async ValueTask<GetWorkflowExecutionHistoryResponse> GetAsync(GetWorkflowExecutionHistoryRequest r, RpcContext context)
    {
        var ct = context.CancellationToken;
        var key = await runs.ResolveAsync(r.Namespace, r.Execution, ct);
        var (tokenRun, from) = PageToken.Decode(r.NextPageToken);
        if (tokenRun is not null && tokenRun != key.RunId)
        {
            throw RpcError.InvalidArgument("Invalid NextPageToken.");
        }
        var state = await engine.GetAsync(key, ct) ?? throw RpcError.WorkflowNotFound(key.WorkflowId, key.RunId);
        var timeout = context.LongPollTimeout(LongPoll, DateTimeOffset.UtcNow);
        var pageSize = r.MaximumPageSize is > 0 and <= ServerLimits.MaxHistoryPageSize ? r.MaximumPageSize : ServerLimits.MaxHistoryPageSize;

        if (r.HistoryEventFilterType == HistoryEventFilterType.CloseEvent)
        {
            if (state.IsRunning && r.WaitNewEvent)
            {
                state = await watchers.WaitUntilAsync(engine, key, s => !s.IsRunning, timeout, ct) ?? state;
            }
            var closed = new GetWorkflowExecutionHistoryResponse { History = new() };
            if (state.CloseEvent is { } close)
            {
                closed.History.Events.Add(close);
            }
            else if (r.WaitNewEvent)
            {
                closed.NextPageToken = PageToken.Encode(key.RunId, from);
            }
            return closed;
        }

        var next = Math.Max(from, 1);
        if (r.WaitNewEvent && state.IsRunning && next >= state.NextEventId)
        {
            state = await watchers.WaitUntilAsync(engine, key, s => !s.IsRunning || s.NextEventId > next, timeout, ct) ?? state;
        }
        var page = await engine.Store.ReadHistoryAsync(key, next, state.NextEventId, pageSize, reverse: false, ct);
        var response = new GetWorkflowExecutionHistoryResponse { History = new() };
        response.History.Events.AddRange(page);
        var after = page.Count > 0 ? page[^1].EventId + 1 : next;
        if (after < state.NextEventId || (r.WaitNewEvent && state.IsRunning))
        {
            response.NextPageToken = PageToken.Encode(key.RunId, after);
        }
        return response;
    }

    private async ValueTask<GetWorkflowExecutionHistoryReverseResponse> GetReverseAsync(GetWorkflowExecutionHistoryReverseRequest r, RpcContext context)
    {
        var ct = context.CancellationToken;
        var key = await runs.ResolveAsync(r.Namespace, r.Execution, ct);
        var state = await engine.GetAsync(key, ct) ?? throw RpcError.WorkflowNotFound(key.WorkflowId, key.RunId);
        var (tokenRun, before) = PageToken.Decode(r.NextPageToken);
        if (tokenRun is not null && tokenRun != key.RunId)
        {
            throw RpcError.InvalidArgument("Invalid NextPageToken.");
        }
        var to = tokenRun is null ? state.NextEventId : before;
        var pageSize = r.MaximumPageSize is > 0 and <= ServerLimits.MaxHistoryPageSize ? r.MaximumPageSize : ServerLimits.MaxHistoryPageSize;
        var page = await engine.Store.ReadHistoryAsync(key, 1, to, pageSize, reverse: true, ct);
        var response = new GetWorkflowExecutionHistoryReverseResponse { History = new() };
        response.History.Events.AddRange(page);
        if (page.Count > 0 && page[^1].EventId > 1)
        {
            response.NextPageToken = PageToken.Encode(key.RunId, page[^1].EventId);
        }
        return response;
    }

    /// <summary>A history page token: the run and the event id to continue from.</summary>
    internal static class PageToken
    {
        private const byte Magic = 0xE8;

        public static ByteString Encode(string runId, long eventId)
        {
            var run = Encoding.UTF8.GetBytes(runId);
            var bytes = new byte[1 + 8 + run.Length];
            bytes[0] = Magic;
            BinaryPrimitives.WriteInt64BigEndian(bytes.AsSpan(1), eventId);
            run.CopyTo(bytes, 9);
            return ByteString.CopyFrom(bytes);
        }

        public static (string? RunId, long EventId) Decode(ByteString token)
        {
            if (token.IsEmpty)
            {
                return (null, 1);
            }
            var span = token.Span;
            if (span.Length < 10 || span[0] != Magic)
            {
                throw RpcError.InvalidArgument("Invalid NextPageToken.");
            }
            var eventId = BinaryPrimitives.ReadInt64BigEndian(span[1..]);
            if (eventId < 1)
            {
                throw RpcError.InvalidArgument("Invalid NextPageToken.");
            }
            return (Encoding.UTF8.GetString(span[9..]), eventId);
        }
    }
}
