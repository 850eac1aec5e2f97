using System.Diagnostics;
using EasyParkPlus.TemporalConformance.Tests.Infrastructure;
using Temporalio.Activities;
using Temporalio.Client;
using Temporalio.Workflows;

namespace EasyParkPlus.TemporalConformance.Tests;

/// <summary>Time skipping through the SDK's own API, against our server started as the test server.</summary>
[Collection(TimeSkippingCollection.Name)]
public sealed class TimeSkippingTests(TimeSkippingFixture fixture)
{
    [Workflow]
    public sealed class GreetThenWaitWorkflow
    {
        [WorkflowRun]
        public async Task<GreetingResult> RunAsync(string name, TimeSpan wait)
        {
            var greeting = await Workflow.ExecuteActivityAsync(() => Greetings.Greet(name), new() { StartToCloseTimeout = TimeSpan.FromMinutes(1) });
            var before = Workflow.UtcNow;
            await Workflow.DelayAsync(wait);
            return new(greeting, Workflow.UtcNow - before);
        }
    }

    public sealed record GreetingResult(string Greeting, TimeSpan Waited);

    public static class Greetings
    {
        [Activity]
        public static string Greet(string name) => $"Hello, {name}";
    }

    [TimeSkippingFact]
    public async Task ExecuteWorkflowAsync_ActivityThenThirtyDayTimer_CompletesInUnderASecond()
    {
        await fixture.RunAsync(o => o.AddWorkflow<GreetThenWaitWorkflow>().AddActivity(Greetings.Greet), async w =>
        {
            // A first run warms up both processes (JIT), so the measured one times the server, not start-up.
            await w.Client.ExecuteWorkflowAsync((GreetThenWaitWorkflow wf) => wf.RunAsync("warm-up", TimeSpan.FromSeconds(1)), w.Options());
            var stopwatch = Stopwatch.StartNew();
            var result = await w.Client.ExecuteWorkflowAsync((GreetThenWaitWorkflow wf) => wf.RunAsync("parker", TimeSpan.FromDays(30)), w.Options());
            stopwatch.Stop();

            result.Greeting.Should().Be("Hello, parker");
            // Workflow time moves with real time while a task is out, so the timer's task sees a little more.
            result.Waited.Should().BeCloseTo(TimeSpan.FromDays(30), TimeSpan.FromSeconds(5)).And.BeGreaterThanOrEqualTo(TimeSpan.FromDays(30));
            stopwatch.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(1));
        });
    }
}
