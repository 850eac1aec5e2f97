using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.ExceptionServices;
using EasyParkPlus.Engine.Store;

namespace EasyParkPlus.Engine.Tests.Behaviour;

/// <summary>Passes every call through to a real store and records it, so a test can see which writes a step took.</summary>
public class RecordingStore : DispatchProxy
{
    private readonly ConcurrentQueue<(string Method, object?[]? Arguments)> _calls = new();
    private IWorkflowStore _inner = null!;

    /// <summary>The store to hand to the engine, and the recorder that watches it.</summary>
    public static (IWorkflowStore Store, RecordingStore Recorder) Wrap(IWorkflowStore inner)
    {
        var proxy = Create<IWorkflowStore, RecordingStore>();
        var recorder = (RecordingStore)proxy;
        recorder._inner = inner;
        return (proxy, recorder);
    }

    public int Count(string method) => _calls.Count(c => c.Method == method);

    public IReadOnlyList<WorkflowTaskCommit> Commits =>
        [.. _calls.Where(c => c.Method == nameof(IWorkflowStore.CommitWorkflowTaskAsync)).Select(c => (WorkflowTaskCommit)c.Arguments![0]!)];

    public void Clear() => _calls.Clear();

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        _calls.Enqueue((targetMethod.Name, args));
        try
        {
            return targetMethod.Invoke(_inner, args);
        }
        catch (TargetInvocationException ex) when (ex.InnerException is not null)
        {
            ExceptionDispatchInfo.Throw(ex.InnerException);
            throw;
        }
    }
}
