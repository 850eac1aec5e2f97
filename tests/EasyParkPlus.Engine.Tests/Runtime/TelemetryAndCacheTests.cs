using System.Collections.Concurrent;
using System.Diagnostics;
using EasyParkPlus.Engine.Runtime;
using EasyParkPlus.Engine.Store;
using EasyParkPlus.Engine.Testing;
using EasyParkPlus.Engine.Tests.Behaviour;

namespace EasyParkPlus.Engine.Tests.Runtime;

public sealed class TelemetryAndCacheTests
{
    [Fact]
    public async Task TraceContext_FlowsFromTheStartingSpan_ThroughHistory_IntoActivitySpans()
    {
        var spans = new ConcurrentBag<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is EngineTelemetry.Name or "test",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Add,
        };
        ActivitySource.AddActivityListener(listener);
        using var testSource = new ActivitySource("test");
        await using var env = WorkflowTestEnvironment.Create(b => b.AddWorkflow<ThreeSteps>().AddSingletonActivities<IStepActivities>(new StepActivities()));

        ActivityTraceId traceId;
        using (var request = testSource.StartActivity("POST /api/v1/sessions"))
        {
            traceId = request!.TraceId;
            await env.Client.StartWorkflowAsync((ThreeSteps wf) => wf.RunAsync("t"), new WorkflowOptions("traced-1", "test"));
        }
        await env.Client.GetWorkflowHandle("traced-1").WaitAsync();

        // Other tests run in parallel and emit spans too: look at this workflow's only.
        var activitySpans = spans.Where(s => s.OperationName == "RunActivity Step" && (string?)s.GetTagItem("workflow.id") == "traced-1").ToList();
        Assert.Equal(3, activitySpans.Count);
        Assert.All(activitySpans, s => Assert.Equal(traceId, s.TraceId));
        Assert.Contains(spans, s => s.OperationName == "StartWorkflow ThreeSteps" && (string?)s.GetTagItem("workflow.id") == "traced-1" && s.TraceId == traceId);
    }

    [Fact]
    public async Task Cache_KeepsAtMostItsCapacity_EvictingIdleInstances()
    {
        var cache = new WorkflowCache(capacity: 3);
        for (var i = 0; i < 10; i++)
        {
            using var lease = await cache.AcquireAsync(new ExecutionKey($"wf-{i}", "run"), CancellationToken.None);
            lease.Instance = new WorkflowInstance(EasyParkPlus.Engine.Definitions.WorkflowDefinition.For(typeof(ThreeSteps)),
                new WorkflowInfo($"wf-{i}", "run", "ThreeSteps", "test"), Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, 100);
        }

        Assert.Equal(3, cache.Count);
        Assert.Null(await cache.AcquireCachedAsync(new ExecutionKey("wf-0", "run"), CancellationToken.None));
        using var newest = await cache.AcquireCachedAsync(new ExecutionKey("wf-9", "run"), CancellationToken.None);
        Assert.NotNull(newest);
        Assert.Equal(1, cache.Trim(0.5));
    }
}
