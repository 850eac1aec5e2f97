namespace EasyParkPlus.Engine.Runtime;

internal static class Activation
{
    /// <summary>Runs workflow code off the caller's thread, so code that blocks its thread is reported instead of hanging the worker.</summary>
    public static async Task<IReadOnlyList<HistoryEvent>> RunAsync(WorkflowInstance instance, IReadOnlyList<HistoryEvent> events, DateTimeOffset now,
        string identity, TimeSpan deadlockTimeout, bool runLiveTask)
    {
        var activation = Task.Run(() => instance.Activate(events, now, identity, runLiveTask));
        try
        {
            return await activation.WaitAsync(deadlockTimeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new WorkflowDeterminismViolationException(
                $"Workflow {instance.Info.WorkflowType} held its thread for more than {deadlockTimeout.TotalSeconds:0.#} s " +
                "(a deadlock, Thread.Sleep, .Result or .Wait()). Workflow code must only await Workflow.* APIs.");
        }
    }
}
