namespace EasyParkPlus.Engine.Runtime;

/// <summary>An auto-reset wake-up: <see cref="Set"/> releases one pending or the next <see cref="WaitAsync"/>.</summary>
internal sealed class AsyncSignal
{
    private readonly Lock _gate = new();
    private TaskCompletionSource? _waiter;
    private bool _set;

    public void Set()
    {
        TaskCompletionSource? release;
        lock (_gate)
        {
            release = _waiter;
            _waiter = null;
            _set = release is null;
        }
        release?.TrySetResult();
    }

    /// <summary>Waits for <see cref="Set"/> or <paramref name="timeout"/>, whichever comes first.</summary>
    public async Task WaitAsync(TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        Task wait;
        lock (_gate)
        {
            if (_set)
            {
                _set = false;
                return;
            }
            _waiter ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            wait = _waiter.Task;
        }
        try
        {
            await wait.WaitAsync(timeout, time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }
    }
}
