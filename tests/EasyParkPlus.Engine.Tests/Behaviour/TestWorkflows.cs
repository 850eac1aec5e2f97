namespace EasyParkPlus.Engine.Tests.Behaviour;

public interface IStepActivities
{
    [Activity]
    Task<string> StepAsync(string input);

    [Activity]
    Task<int> FlakyAsync(int failuresBeforeSuccess);

    [Activity]
    Task<string> RejectAsync(string reason);

    [Activity]
    Task<string> SlowWithHeartbeatAsync(string label);

    [Activity]
    Task ChargeAsync(string paymentId);

    [Activity]
    Task RefundAsync(string paymentId);
}

/// <summary>Fake activities that record what ran, when (virtual time) and in which attempt.</summary>
public sealed class StepActivities : IStepActivities
{
    private readonly Lock _gate = new();

    public List<(string Activity, int Attempt, DateTimeOffset At, string Detail)> Calls { get; } = [];

    public int Count(string activity)
    {
        lock (_gate)
        {
            return Calls.Count(c => c.Activity == activity);
        }
    }

    private void Record(string activity, string detail)
    {
        var context = ActivityExecutionContext.Current;
        lock (_gate)
        {
            Calls.Add((activity, context.Info.Attempt, context.TimeProvider.GetUtcNow(), detail));
        }
    }

    public Task<string> StepAsync(string input)
    {
        Record("Step", input);
        return Task.FromResult(input + "!");
    }

    public Task<int> FlakyAsync(int failuresBeforeSuccess)
    {
        var attempt = ActivityExecutionContext.Current.Info.Attempt;
        Record("Flaky", attempt.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return attempt <= failuresBeforeSuccess
            ? throw new InvalidOperationException($"transient failure {attempt}")
            : Task.FromResult(attempt);
    }

    public Task<string> RejectAsync(string reason)
    {
        Record("Reject", reason);
        throw new ApplicationFailureException(reason, "CardDeclined", nonRetryable: true);
    }

    public async Task<string> SlowWithHeartbeatAsync(string label)
    {
        var context = ActivityExecutionContext.Current;
        var progress = context.GetLastHeartbeatDetails<int>();
        Record("Slow", $"attempt {context.Info.Attempt} resumes at {progress}");
        if (context.Info.Attempt == 1)
        {
            context.Heartbeat(42);
            // Hangs without heartbeating again: the heartbeat timeout must end this attempt.
            await Task.Delay(TimeSpan.FromHours(1), context.TimeProvider, context.CancellationToken);
        }
        return $"{label} resumed from {progress}";
    }

    public Task ChargeAsync(string paymentId)
    {
        Record("Charge", paymentId);
        return Task.CompletedTask;
    }

    public Task RefundAsync(string paymentId)
    {
        Record("Refund", paymentId);
        return Task.CompletedTask;
    }
}

internal static class Options
{
    public static readonly ActivityOptions Quick = new() { StartToCloseTimeout = TimeSpan.FromSeconds(30) };
}

[Workflow]
public sealed class ThreeSteps
{
    [WorkflowRun]
    public async Task<string> RunAsync(string name)
    {
        var a = await Workflow.ExecuteActivityAsync((IStepActivities x) => x.StepAsync(name), Options.Quick);
        var b = await Workflow.ExecuteActivityAsync((IStepActivities x) => x.StepAsync(a), Options.Quick);
        return await Workflow.ExecuteActivityAsync((IStepActivities x) => x.StepAsync(b), Options.Quick);
    }
}

[Workflow]
public sealed class Collector
{
    private readonly List<string> _items = [];
    private bool _closed;

    [WorkflowQuery]
    public IReadOnlyList<string> Items => _items;

    [WorkflowQuery]
    public string Describe(string prefix) => $"{prefix}: {_items.Count} item(s)";

    [WorkflowSignal]
    public Task AddAsync(string item)
    {
        _items.Add(item);
        return Task.CompletedTask;
    }

    [WorkflowSignal]
    public Task CloseAsync()
    {
        _closed = true;
        return Task.CompletedTask;
    }

    [WorkflowRun]
    public async Task<string> RunAsync(string owner)
    {
        Workflow.UpsertSearchAttributes(new Dictionary<string, object?> { ["Owner"] = owner });
        await Workflow.WaitConditionAsync(() => _closed);
        return string.Join(",", _items);
    }
}

public sealed record GraceResult(DateTimeOffset WokeAt, bool Arrived, DateTimeOffset DecidedAt);

[Workflow]
public sealed class LongWait
{
    private bool _arrived;

    [WorkflowSignal]
    public Task ArriveAsync()
    {
        _arrived = true;
        return Task.CompletedTask;
    }

    [WorkflowRun]
    public async Task<GraceResult> RunAsync(TimeSpan sleep, TimeSpan grace)
    {
        await Workflow.DelayAsync(sleep);
        var wokeAt = Workflow.UtcNow;
        var arrived = await Workflow.WaitConditionAsync(() => _arrived, grace);
        return new GraceResult(wokeAt, arrived, Workflow.UtcNow);
    }
}

[Workflow]
public sealed class Retrying
{
    [WorkflowRun]
    public Task<int> RunAsync(int failures) =>
        Workflow.ExecuteActivityAsync((IStepActivities x) => x.FlakyAsync(failures), new ActivityOptions
        {
            StartToCloseTimeout = TimeSpan.FromSeconds(10),
            RetryPolicy = new RetryPolicy { InitialInterval = TimeSpan.FromSeconds(1), BackoffCoefficient = 2, MaximumInterval = TimeSpan.FromSeconds(5), MaximumAttempts = 10 },
        });
}

[Workflow]
public sealed class RetryingUntilExhausted
{
    [WorkflowRun]
    public async Task<string> RunAsync()
    {
        try
        {
            await Workflow.ExecuteActivityAsync((IStepActivities x) => x.FlakyAsync(100), new ActivityOptions
            {
                StartToCloseTimeout = TimeSpan.FromSeconds(10),
                RetryPolicy = new RetryPolicy { InitialInterval = TimeSpan.FromSeconds(1), MaximumAttempts = 3 },
            });
            return "unexpected success";
        }
        catch (ActivityFailureException ex)
        {
            return $"{ex.Attempt}:{ex.InnerException?.Message}";
        }
    }
}

[Workflow]
public sealed class Rejecting
{
    [WorkflowRun]
    public async Task<string> RunAsync()
    {
        try
        {
            return await Workflow.ExecuteActivityAsync((IStepActivities x) => x.RejectAsync("card declined"), Options.Quick);
        }
        catch (ActivityFailureException ex) when (ex.InnerException is ApplicationFailureException app)
        {
            return $"{app.ErrorType} after {ex.Attempt}";
        }
    }
}

[Workflow]
public sealed class Heartbeating
{
    [WorkflowRun]
    public Task<string> RunAsync() =>
        Workflow.ExecuteActivityAsync((IStepActivities x) => x.SlowWithHeartbeatAsync("job"), new ActivityOptions
        {
            StartToCloseTimeout = TimeSpan.FromHours(2),
            HeartbeatTimeout = TimeSpan.FromSeconds(20),
            RetryPolicy = new RetryPolicy { InitialInterval = TimeSpan.FromSeconds(1), MaximumAttempts = 2 },
        });
}

[Workflow]
public sealed class ChargeThenWait
{
    [WorkflowRun]
    public async Task RunAsync(string paymentId)
    {
        await Workflow.ExecuteActivityAsync((IStepActivities x) => x.ChargeAsync(paymentId), Options.Quick);
        try
        {
            await Workflow.DelayAsync(TimeSpan.FromDays(1));
        }
        catch (OperationCanceledException)
        {
            // Compensation runs after cancellation, so it must not inherit the workflow's cancelled token.
            await Workflow.ExecuteActivityAsync((IStepActivities x) => x.RefundAsync(paymentId), Options.Quick with { CancellationToken = CancellationToken.None });
            throw;
        }
    }
}

[Workflow]
public sealed class Child
{
    [WorkflowRun]
    public async Task<int> RunAsync(int value)
    {
        if (value < 0)
        {
            throw new ApplicationFailureException("negative input", "InvalidInput");
        }
        await Workflow.DelayAsync(TimeSpan.FromMinutes(value));
        return value * 2;
    }
}

[Workflow]
public sealed class Parent
{
    [WorkflowRun]
    public async Task<string> RunAsync(int value)
    {
        try
        {
            var doubled = await Workflow.ExecuteChildWorkflowAsync((Child c) => c.RunAsync(value), new ChildWorkflowOptions { Id = $"{Workflow.Info.WorkflowId}-child" });
            return $"child returned {doubled}";
        }
        catch (ChildWorkflowFailureException ex) when (ex.InnerException is ApplicationFailureException app)
        {
            return $"child failed: {app.ErrorType}";
        }
    }
}

[Workflow]
public sealed class Counter
{
    [WorkflowRun]
    public async Task<int> RunAsync(int count, int stopAt)
    {
        await Workflow.DelayAsync(TimeSpan.FromDays(1));
        if (count + 1 < stopAt)
        {
            throw Workflow.CreateContinueAsNewException((Counter c) => c.RunAsync(count + 1, stopAt));
        }
        return count + 1;
    }
}

[Workflow]
public sealed class Failing
{
    [WorkflowRun]
    public Task RunAsync() => throw new ApplicationFailureException("business rule broken", "RuleBroken");
}

/// <summary>Handles an unbounded stream of signals, continuing as new when the engine suggests it.</summary>
[Workflow]
public sealed class Ledger
{
    private long _total;
    private int _pending;

    [WorkflowQuery]
    public long Total => _total;

    [WorkflowSignal]
    public Task AddAsync(long amount)
    {
        _total += amount;
        _pending++;
        return Task.CompletedTask;
    }

    [WorkflowRun]
    public async Task<long> RunAsync(long carried)
    {
        _total += carried;
        while (true)
        {
            await Workflow.WaitConditionAsync(() => _pending > 0);
            _pending = 0;
            await Workflow.ExecuteActivityAsync((IStepActivities x) => x.StepAsync("booked"), Options.Quick);
            if (_total >= 1000)
            {
                return _total;
            }
            if (Workflow.ContinueAsNewSuggested)
            {
                throw Workflow.CreateContinueAsNewException((Ledger l) => l.RunAsync(_total));
            }
        }
    }
}

/// <summary>Its Break signal handler has a bug (it throws), which fails the workflow task until fixed code is deployed.</summary>
[Workflow]
public sealed class Fragile
{
    private bool _done;

    [WorkflowSignal]
    public Task BreakAsync() => throw new InvalidOperationException("bug in the signal handler");

    [WorkflowSignal]
    public Task DoneAsync()
    {
        _done = true;
        return Task.CompletedTask;
    }

    [WorkflowRun]
    public async Task RunAsync() => await Workflow.WaitConditionAsync(() => _done);
}
