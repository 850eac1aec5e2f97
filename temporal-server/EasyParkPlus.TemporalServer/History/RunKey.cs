namespace EasyParkPlus.TemporalServer.History;

/// <summary>Names one run of a workflow: the namespace (by name), the workflow id and the run id.</summary>
public readonly record struct RunKey(string Namespace, string WorkflowId, string RunId)
{
    public override string ToString() => $"{Namespace}/{WorkflowId}/{RunId}";
}

/// <summary>Names a workflow id within a namespace (all of its runs).</summary>
public readonly record struct WorkflowKey(string Namespace, string WorkflowId);
