using System.Collections.Concurrent;
using EasyParkPlus.TemporalConformance.Tests.Infrastructure;
using Google.Protobuf;
using Temporalio.Activities;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.WorkflowService.V1;
using Temporalio.Client;
using Temporalio.Exceptions;
using Temporalio.Workflows;

namespace EasyParkPlus.TemporalConformance.Tests;

/// <summary>Runs begin and end: continue-as-new, cancellation with cleanup, terminate, id policies, idempotent requests.</summary>
[Collection(DevServerCollection.Name)]
public sealed class LifecycleTests(DevServerFixture fixture)
{
    [Workflow]
    public sealed class CountdownWorkflow
    {
        [WorkflowRun]
        public Task<string> RunAsync(int remaining, string trail)
        {
            if (remaining > 0)
            {
                throw Workflow.CreateContinueAsNewException((CountdownWorkflow wf) => wf.RunAsync(remaining - 1, $"{trail}{remaining},"));
            }
            return Task.FromResult($"{trail}liftoff");
        }
    }

    [Workflow]
    public sealed class WaitWorkflow
    {
        private int _signals;

        [WorkflowRun]
        public async Task<string> RunAsync(bool fail)
        {
            if (fail)
            {
                throw new ApplicationFailureException("failing on purpose");
            }
            try
            {
                await Workflow.WaitConditionAsync(() => _signals >= 2);
                return $"{_signals} signals";
            }
            catch (Exception e) when (TemporalException.IsCanceledException(e))
            {
                // Cleanup must still run once the workflow is canceled: its activity gets a token of its own.
                using var detached = new CancellationTokenSource();
                await Workflow.ExecuteActivityAsync((Cleanup c) => c.ReleaseAsync(Workflow.Info.WorkflowId),
                    new() { StartToCloseTimeout = TimeSpan.FromSeconds(10), CancellationToken = detached.Token });
                throw;
            }
        }

        [WorkflowSignal]
        public Task PingAsync()
        {
            _signals++;
            return Task.CompletedTask;
        }

        [WorkflowQuery]
        public int Signals => _signals;
    }

    public sealed class Cleanup
    {
        public ConcurrentBag<string> Released { get; } = [];

        [Activity]
        public Task ReleaseAsync(string id)
        {
            Released.Add(id);
            return Task.CompletedTask;
        }
    }

    private Task RunAsync(Cleanup cleanup, Func<WorkerContext, Task> body) =>
        fixture.RunAsync(o => o.AddWorkflow<CountdownWorkflow>().AddWorkflow<WaitWorkflow>().AddAllActivities(cleanup), body);

    [Fact]
    public async Task GetResultAsync_WorkflowContinuesAsNew_FollowsTheRunsToTheLastResult()
    {
        await RunAsync(new(), async w =>
        {
            var handle = await w.Client.StartWorkflowAsync((CountdownWorkflow wf) => wf.RunAsync(3, ""), w.Options());

            (await handle.GetResultAsync()).Should().Be("3,2,1,liftoff");
            // The handle of a start names no run (it follows the chain); describe the first run by its id.
            var first = await w.Client.GetWorkflowHandle(handle.Id, handle.ResultRunId).DescribeAsync();
            first.Status.Should().Be(WorkflowExecutionStatus.ContinuedAsNew);
            var last = await w.Client.GetWorkflowHandle(handle.Id).DescribeAsync();
            last.Status.Should().Be(WorkflowExecutionStatus.Completed);
            last.RunId.Should().NotBe(handle.ResultRunId);
        });
    }

    [Fact]
    public async Task CancelAsync_WorkflowCleansUp_CanceledAfterTheCleanupActivity()
    {
        var cleanup = new Cleanup();
        await RunAsync(cleanup, async w =>
        {
            var handle = await w.Client.StartWorkflowAsync((WaitWorkflow wf) => wf.RunAsync(false), w.Options());
            await handle.SignalAsync(wf => wf.PingAsync());
            (await handle.QueryAsync(wf => wf.Signals)).Should().Be(1);
            await handle.CancelAsync();

            var error = (await handle.Invoking(h => h.GetResultAsync()).Should().ThrowAsync<WorkflowFailedException>()).Which;
            error.InnerException.Should().BeOfType<CanceledFailureException>();
            cleanup.Released.Should().Equal(handle.Id);
            var types = (await handle.FetchHistoryAsync()).Events.Select(e => e.EventType).ToList();
            types.Should().ContainInOrder(EventType.WorkflowExecutionCancelRequested, EventType.ActivityTaskCompleted, EventType.WorkflowExecutionCanceled);
        });
    }

    [Fact]
    public async Task TerminateAsync_RunningWorkflow_ClosedAsTerminatedWithTheReason()
    {
        await RunAsync(new(), async w =>
        {
            var handle = await w.Client.StartWorkflowAsync((WaitWorkflow wf) => wf.RunAsync(false), w.Options());
            await handle.TerminateAsync("no longer needed");

            var error = (await handle.Invoking(h => h.GetResultAsync()).Should().ThrowAsync<WorkflowFailedException>()).Which;
            error.InnerException.Should().BeOfType<TerminatedFailureException>().Which.Message.Should().Be("no longer needed");
            (await handle.DescribeAsync()).Status.Should().Be(WorkflowExecutionStatus.Terminated);
        });
    }

    [Fact]
    public async Task StartWorkflowAsync_IdReusePolicies_DecideOnAClosedRun()
    {
        await RunAsync(new(), async w =>
        {
            var id = $"reuse-{Guid.NewGuid():N}";
            await w.Client.ExecuteWorkflowAsync((CountdownWorkflow wf) => wf.RunAsync(0, ""), w.Options(id));

            var reject = w.Options(id);
            reject.IdReusePolicy = WorkflowIdReusePolicy.RejectDuplicate;
            await w.Client.Invoking(c => c.StartWorkflowAsync((CountdownWorkflow wf) => wf.RunAsync(0, ""), reject)).Should().ThrowAsync<WorkflowAlreadyStartedException>();

            var failedOnly = w.Options(id);
            failedOnly.IdReusePolicy = WorkflowIdReusePolicy.AllowDuplicateFailedOnly;
            await w.Client.Invoking(c => c.StartWorkflowAsync((CountdownWorkflow wf) => wf.RunAsync(0, ""), failedOnly)).Should().ThrowAsync<WorkflowAlreadyStartedException>();

            // After a failed run, "failed only" lets the id be used again; so does the default.
            var failing = await w.Client.StartWorkflowAsync((WaitWorkflow wf) => wf.RunAsync(true), w.Options(id));
            await failing.Invoking(h => h.GetResultAsync()).Should().ThrowAsync<WorkflowFailedException>();
            var again = await w.Client.StartWorkflowAsync((CountdownWorkflow wf) => wf.RunAsync(0, ""), failedOnly);
            (await again.GetResultAsync()).Should().Be("liftoff");
        });
    }

    [Fact]
    public async Task StartWorkflowAsync_IdConflictPolicies_DecideOnARunningRun()
    {
        await RunAsync(new(), async w =>
        {
            var id = $"conflict-{Guid.NewGuid():N}";
            var running = await w.Client.StartWorkflowAsync((WaitWorkflow wf) => wf.RunAsync(false), w.Options(id));

            await w.Client.Invoking(c => c.StartWorkflowAsync((WaitWorkflow wf) => wf.RunAsync(false), w.Options(id))).Should().ThrowAsync<WorkflowAlreadyStartedException>();

            var useExisting = w.Options(id);
            useExisting.IdConflictPolicy = WorkflowIdConflictPolicy.UseExisting;
            var same = await w.Client.StartWorkflowAsync((WaitWorkflow wf) => wf.RunAsync(false), useExisting);
            same.ResultRunId.Should().Be(running.ResultRunId);

            var terminateExisting = w.Options(id);
            terminateExisting.IdConflictPolicy = WorkflowIdConflictPolicy.TerminateExisting;
            var replacement = await w.Client.StartWorkflowAsync((WaitWorkflow wf) => wf.RunAsync(false), terminateExisting);
            replacement.ResultRunId.Should().NotBe(running.ResultRunId);
            (await w.Client.GetWorkflowHandle(id, running.ResultRunId).DescribeAsync()).Status.Should().Be(WorkflowExecutionStatus.Terminated);
            await replacement.TerminateAsync();
        });
    }

    [Fact]
    public async Task StartAndSignal_SameRequestIdTwice_AppliedOnce()
    {
        await RunAsync(new(), async w =>
        {
            var service = w.Client.Connection.WorkflowService;
            var start = new StartWorkflowExecutionRequest
            {
                Namespace = w.Client.Options.Namespace,
                WorkflowId = $"idempotent-{Guid.NewGuid():N}",
                WorkflowType = new WorkflowType { Name = "WaitWorkflow" },
                TaskQueue = new() { Name = w.TaskQueue },
                Input = new Payloads { Payloads_ = { Json("false") } },
                RequestId = Guid.NewGuid().ToString(),
                Identity = "conformance",
            };
            var first = await service.StartWorkflowExecutionAsync(start);
            var repeat = await service.StartWorkflowExecutionAsync(start);
            repeat.RunId.Should().Be(first.RunId);

            var signal = new SignalWorkflowExecutionRequest
            {
                Namespace = w.Client.Options.Namespace,
                WorkflowExecution = new() { WorkflowId = start.WorkflowId },
                SignalName = "Ping",
                RequestId = Guid.NewGuid().ToString(),
                Identity = "conformance",
            };
            await service.SignalWorkflowExecutionAsync(signal);
            await service.SignalWorkflowExecutionAsync(signal);

            var handle = w.Client.GetWorkflowHandle<WaitWorkflow>(start.WorkflowId);
            await Eventually.DescribeRawAsync(w.Client, handle.Id, d => d.PendingWorkflowTask is null);
            (await handle.QueryAsync(wf => wf.Signals)).Should().Be(1);
            (await handle.FetchHistoryAsync()).Events.Count(e => e.EventType == EventType.WorkflowExecutionSignaled).Should().Be(1);
            await handle.TerminateAsync();
        });
    }

    private static Payload Json(string json) => new()
    {
        Metadata = { ["encoding"] = ByteString.CopyFromUtf8("json/plain") },
        Data = ByteString.CopyFromUtf8(json),
    };
}
