using System.Linq.Expressions;
using EasyParkPlus.Engine.Definitions;
using EasyParkPlus.Engine.Runtime;
using Microsoft.Extensions.Logging;

namespace EasyParkPlus.Engine;

/// <summary>
/// The deterministic API available inside workflow code. Every member must be called from the workflow's own
/// scheduler (i.e. from the run method, a signal handler, a query or code they await); anything else throws,
/// because its effect could not be replayed.
/// </summary>
public static class Workflow
{
    private static WorkflowInstance Instance =>
        WorkflowScheduler.CurrentInstance
        ?? throw new InvalidOperationException(
            "Workflow APIs can only be used from workflow code running on its scheduler. Code that escaped through " +
            "Task.Run, ConfigureAwait(false) or a thread cannot use them.");

    /// <summary>Whether the calling code runs inside a workflow.</summary>
    public static bool InWorkflow => WorkflowScheduler.CurrentInstance is not null;

    /// <summary>The workflow time: the same value on every replay of this workflow task.</summary>
    public static DateTimeOffset UtcNow => Instance.UtcNow;

    /// <summary>Identity of the current run.</summary>
    public static WorkflowInfo Info => Instance.Info;

    /// <summary>A logger that stays silent while history is being replayed.</summary>
    public static ILogger Logger => Instance.Logger;

    /// <summary>Cancelled when someone asks this workflow to cancel.</summary>
    public static CancellationToken CancellationToken => Instance.CancellationToken;

    /// <summary>Whether the code is replaying history rather than making new progress.</summary>
    public static bool IsReplaying => Instance.IsReplaying;

    /// <summary>A random generator seeded from the run, so replays draw the same numbers.</summary>
    public static Random Random => Instance.Random;

    /// <summary>The number of events in this run's history so far.</summary>
    public static int CurrentHistoryLength => Instance.HistoryLength;

    /// <summary>Whether the history has grown long enough that the workflow should continue as new.</summary>
    public static bool ContinueAsNewSuggested => Instance.ContinueAsNewSuggested;

    /// <summary>The current search attributes.</summary>
    public static IReadOnlyDictionary<string, System.Text.Json.JsonElement> SearchAttributes => Instance.SearchAttributes;

    /// <summary>A GUID drawn from <see cref="Random"/>, the same on every replay.</summary>
    public static Guid NewGuid() => Instance.NewGuid();

    /// <summary>Runs an activity and returns its result once it completes (after retries).</summary>
    /// <exception cref="ActivityFailureException">The activity failed for good, timed out or was cancelled.</exception>
    public static async Task<TResult> ExecuteActivityAsync<TActivity, TResult>(Expression<Func<TActivity, Task<TResult>>> call, ActivityOptions options)
    {
        var (name, input) = ReadActivityCall(call);
        var result = await Instance.ScheduleActivity(name, input, options);
        return (TResult)PayloadConverter.FromPayload(result, typeof(TResult))!;
    }

    /// <summary>Runs an activity that returns no result.</summary>
    /// <exception cref="ActivityFailureException">The activity failed for good, timed out or was cancelled.</exception>
    public static async Task ExecuteActivityAsync<TActivity>(Expression<Func<TActivity, Task>> call, ActivityOptions options)
    {
        var (name, input) = ReadActivityCall(call);
        await Instance.ScheduleActivity(name, input, options);
    }

    /// <summary>Runs an activity by type name (for activities not known as a .NET method).</summary>
    public static async Task<TResult> ExecuteActivityAsync<TResult>(string activityType, IReadOnlyList<object?> arguments, ActivityOptions options)
    {
        var input = PayloadConverter.ToArguments(arguments, [.. arguments.Select(a => a?.GetType() ?? typeof(object))]);
        var result = await Instance.ScheduleActivity(activityType, input, options);
        return (TResult)PayloadConverter.FromPayload(result, typeof(TResult))!;
    }

    private static (string Name, System.Text.Json.JsonElement Input) ReadActivityCall(LambdaExpression call)
    {
        var (method, arguments) = CallExpressions.Read(call, "An activity call");
        return (Names.OfActivity(method), PayloadConverter.ToArguments(arguments, [.. method.GetParameters().Select(p => p.ParameterType)]));
    }

    /// <summary>Waits for a durable timer; cancelled with <paramref name="cancellationToken"/> (default: the workflow's token).</summary>
    public static Task DelayAsync(TimeSpan delay, CancellationToken? cancellationToken = null) =>
        Instance.StartTimer(delay, cancellationToken ?? Instance.CancellationToken);

    /// <summary>Waits until <paramref name="condition"/> holds; it is re-checked whenever the workflow makes progress.</summary>
    public static Task WaitConditionAsync(Func<bool> condition, CancellationToken? cancellationToken = null) =>
        Instance.WaitCondition(condition, null, cancellationToken ?? Instance.CancellationToken);

    /// <summary>Waits until <paramref name="condition"/> holds or <paramref name="timeout"/> passes; true if the condition held.</summary>
    public static Task<bool> WaitConditionAsync(Func<bool> condition, TimeSpan timeout, CancellationToken? cancellationToken = null) =>
        Instance.WaitCondition(condition, timeout, cancellationToken ?? Instance.CancellationToken);

    /// <summary>Deterministic <c>Task.WhenAny</c>: completes with the first of <paramref name="tasks"/> to complete.</summary>
    public static Task<Task> WhenAnyAsync(params Task[] tasks)
    {
        _ = Instance;
        return Task.Factory.ContinueWhenAny(tasks, t => t, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Current);
    }

    /// <summary>Deterministic <c>Task.WhenAll</c>.</summary>
    public static Task WhenAllAsync(params Task[] tasks)
    {
        _ = Instance;
        return Task.Factory.ContinueWhenAll(tasks, done =>
        {
            var failure = done.FirstOrDefault(t => t.IsFaulted || t.IsCanceled);
            return failure ?? Task.CompletedTask;
        }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Current).Unwrap();
    }

    /// <summary>Starts a child workflow and returns once it has started.</summary>
    public static async Task<ChildWorkflowHandle<TResult>> StartChildWorkflowAsync<TWorkflow, TResult>(
        Expression<Func<TWorkflow, Task<TResult>>> run, ChildWorkflowOptions? options = null)
    {
        var (definition, input) = ReadRunCall(run);
        var (started, result) = Instance.StartChild(definition, input, options ?? new());
        var runId = await started;
        return new ChildWorkflowHandle<TResult>(runId, result);
    }

    /// <summary>Starts a child workflow and waits for its result.</summary>
    /// <exception cref="ChildWorkflowFailureException">The child failed, was cancelled or terminated.</exception>
    public static async Task<TResult> ExecuteChildWorkflowAsync<TWorkflow, TResult>(
        Expression<Func<TWorkflow, Task<TResult>>> run, ChildWorkflowOptions? options = null)
    {
        var handle = await StartChildWorkflowAsync(run, options);
        return await handle.GetResultAsync();
    }

    /// <summary>Builds the exception that, thrown from the run method, continues this workflow as a new run.</summary>
    public static ContinueAsNewException CreateContinueAsNewException<TWorkflow>(Expression<Func<TWorkflow, Task>> run, ContinueAsNewOptions? options = null)
    {
        var (definition, input) = ReadRunCall(run);
        return new ContinueAsNewException(definition.Name, input, options ?? new());
    }

    /// <summary>Adds, changes or (with a null value) removes search attributes of this run.</summary>
    public static void UpsertSearchAttributes(IReadOnlyDictionary<string, object?> updates) => Instance.UpsertSearchAttributes(updates);

    internal static (WorkflowDefinition Definition, System.Text.Json.JsonElement Input) ReadRunCall(LambdaExpression run)
    {
        var (method, arguments) = CallExpressions.Read(run, "A workflow run call");
        var definition = WorkflowDefinition.For(method.DeclaringType!);
        if (method != definition.RunMethod)
        {
            throw new ArgumentException($"{method.Name} is not the [WorkflowRun] method of {definition.Type.Name}.", nameof(run));
        }
        return (definition, PayloadConverter.ToArguments(arguments, definition.RunParameterTypes));
    }
}

/// <summary>A started child workflow.</summary>
public sealed class ChildWorkflowHandle<TResult>
{
    private readonly Task<System.Text.Json.JsonElement?> _result;

    internal ChildWorkflowHandle(string runId, Task<System.Text.Json.JsonElement?> result)
    {
        RunId = runId;
        _result = result;
    }

    /// <summary>The child's run id.</summary>
    public string RunId { get; }

    /// <summary>Waits for the child's result.</summary>
    /// <exception cref="ChildWorkflowFailureException">The child failed, was cancelled or terminated.</exception>
    public async Task<TResult> GetResultAsync() => (TResult)PayloadConverter.FromPayload(await _result, typeof(TResult))!;
}
