using System.Collections.Concurrent;
using EasyParkPlus.TemporalConformance.Tests.Infrastructure;
using Temporalio.Activities;
using Temporalio.Api.Enums.V1;
using Temporalio.Exceptions;
using Temporalio.Workflows;

namespace EasyParkPlus.TemporalConformance.Tests;

/// <summary>Signals (also while a workflow task is in flight), signal-with-start, queries (open and closed), updates.</summary>
[Collection(DevServerCollection.Name)]
public sealed class MessagingTests(DevServerFixture fixture)
{
    [Workflow]
    public sealed class CartWorkflow
    {
        private readonly List<string> _items = [];
        private bool _checkout;

        [WorkflowRun]
        public async Task<string> RunAsync(string gate)
        {
            await Workflow.WaitConditionAsync(() => _items.Count > 0 || _checkout);
            if (gate.Length > 0)
            {
                // A workflow task held open by a local activity: signals sent meanwhile are buffered and arrive in the next one.
                await Workflow.ExecuteLocalActivityAsync(() => Gates.PassAsync(gate), new() { StartToCloseTimeout = TimeSpan.FromSeconds(30) });
            }
            await Workflow.WaitConditionAsync(() => _checkout);
            return string.Join(",", _items);
        }

        [WorkflowSignal]
        public Task AddAsync(string item)
        {
            _items.Add(item);
            return Task.CompletedTask;
        }

        [WorkflowSignal]
        public Task CheckoutAsync()
        {
            _checkout = true;
            return Task.CompletedTask;
        }

        [WorkflowQuery]
        public int Count => _items.Count;

        [WorkflowUpdate]
        public Task<int> AddWithCountAsync(string item)
        {
            _items.Add(item);
            return Task.FromResult(_items.Count);
        }

        [WorkflowUpdateValidator(nameof(AddWithCountAsync))]
        public void ValidateAddWithCount(string item)
        {
            if (string.IsNullOrWhiteSpace(item))
            {
                throw new ApplicationFailureException("an item needs a name");
            }
        }
    }

    /// <summary>A local activity the test holds open until it has done what must happen while the workflow task is out.</summary>
    public static class Gates
    {
        private static readonly ConcurrentDictionary<string, (TaskCompletionSource Entered, TaskCompletionSource Released)> Open = new();

        public static (TaskCompletionSource Entered, TaskCompletionSource Released) Of(string gate) =>
            Open.GetOrAdd(gate, _ => (new(TaskCreationOptions.RunContinuationsAsynchronously), new(TaskCreationOptions.RunContinuationsAsynchronously)));

        [Activity]
        public static async Task PassAsync(string gate)
        {
            var (entered, released) = Of(gate);
            entered.TrySetResult();
            await released.Task;
        }
    }

    private Task RunAsync(Func<WorkerContext, Task> body) =>
        fixture.RunAsync(o => o.AddWorkflow<CartWorkflow>().AddActivity(Gates.PassAsync), body);

    [Fact]
    public async Task SignalAsync_WhileAWorkflowTaskRuns_BufferedAndDeliveredAfterIt()
    {
        await RunAsync(async w =>
        {
            var gate = Guid.NewGuid().ToString("N");
            var (entered, released) = Gates.Of(gate);
            var handle = await w.Client.StartWorkflowAsync((CartWorkflow wf) => wf.RunAsync(gate), w.Options());
            await handle.SignalAsync(wf => wf.AddAsync("coffee"));
            // The next signals land while the workflow task that runs the local activity is out.
            await entered.Task.WaitAsync(TimeSpan.FromSeconds(30));
            await handle.SignalAsync(wf => wf.AddAsync("milk"));
            await handle.SignalAsync(wf => wf.CheckoutAsync());
            released.TrySetResult();

            (await handle.GetResultAsync()).Should().Be("coffee,milk");
            var events = (await handle.FetchHistoryAsync()).Events.ToList();
            var milk = events.FindIndex(e => e.WorkflowExecutionSignaledEventAttributes?.SignalName == "Add" && e.WorkflowExecutionSignaledEventAttributes.Input.Payloads_[0].Data.ToStringUtf8().Contains("milk", StringComparison.Ordinal));
            // Buffered: written after the completion of the task that was running when it arrived, never inside it.
            events.Take(milk).Last(e => e.EventType is EventType.WorkflowTaskStarted or EventType.WorkflowTaskCompleted)
                .EventType.Should().Be(EventType.WorkflowTaskCompleted);
            events.Take(milk).Should().Contain(e => e.EventType == EventType.MarkerRecorded, "the slow task recorded its local activity before the signal");
            events.Select(e => e.EventId).Should().Equal(Enumerable.Range(1, events.Count).Select(i => (long)i));
        });
    }

    [Fact]
    public async Task SignalWithStart_NotRunningThenRunning_StartsOnceAndSignalsBoth()
    {
        await RunAsync(async w =>
        {
            var options = w.Options();
            options.SignalWithStart((CartWorkflow wf) => wf.AddAsync("bread"));
            var first = await w.Client.StartWorkflowAsync((CartWorkflow wf) => wf.RunAsync(""), options);
            var again = w.Options(options.Id);
            again.SignalWithStart((CartWorkflow wf) => wf.AddAsync("jam"));
            var second = await w.Client.StartWorkflowAsync((CartWorkflow wf) => wf.RunAsync(""), again);

            second.ResultRunId.Should().Be(first.ResultRunId);
            await first.SignalAsync(wf => wf.CheckoutAsync());
            (await first.GetResultAsync()).Should().Be("bread,jam");
        });
    }

    [Fact]
    public async Task QueryAsync_OpenAndClosedWorkflow_AnsweredByTheWorker()
    {
        await RunAsync(async w =>
        {
            var handle = await w.Client.StartWorkflowAsync((CartWorkflow wf) => wf.RunAsync(""), w.Options());
            await handle.SignalAsync(wf => wf.AddAsync("apples"));
            (await handle.QueryAsync(wf => wf.Count)).Should().Be(1);
            await handle.SignalAsync(wf => wf.AddAsync("pears"));
            await handle.SignalAsync(wf => wf.CheckoutAsync());
            await handle.GetResultAsync();

            (await handle.QueryAsync(wf => wf.Count)).Should().Be(2);
            var rejected = () => handle.QueryAsync(wf => wf.Count, new() { RejectCondition = QueryRejectCondition.NotOpen });
            (await rejected.Should().ThrowAsync<WorkflowQueryRejectedException>()).Which.WorkflowStatus.Should().Be(WorkflowExecutionStatus.Completed);
        });
    }

    [Fact]
    public async Task ExecuteUpdateAsync_ValidatorAcceptsOrRejects_OnlyAcceptedUpdatesChangeTheWorkflow()
    {
        await RunAsync(async w =>
        {
            var handle = await w.Client.StartWorkflowAsync((CartWorkflow wf) => wf.RunAsync(""), w.Options());

            (await handle.ExecuteUpdateAsync(wf => wf.AddWithCountAsync("tea"))).Should().Be(1);
            var invalid = () => handle.ExecuteUpdateAsync(wf => wf.AddWithCountAsync(" "));
            (await invalid.Should().ThrowAsync<WorkflowUpdateFailedException>()).Which.InnerException!.Message.Should().Be("an item needs a name");
            (await handle.ExecuteUpdateAsync(wf => wf.AddWithCountAsync("cake"))).Should().Be(2);

            await handle.SignalAsync(wf => wf.CheckoutAsync());
            (await handle.GetResultAsync()).Should().Be("tea,cake");
            var events = (await handle.FetchHistoryAsync()).Events;
            events.Count(e => e.EventType == EventType.WorkflowExecutionUpdateAccepted).Should().Be(2);
            events.Count(e => e.EventType == EventType.WorkflowExecutionUpdateCompleted).Should().Be(2);
        });
    }
}
