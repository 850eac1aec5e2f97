using Temporalio.Workflows;

namespace EasyParkPlus.Workflows;

// The workflow's deterministic clock as the DateTimeOffset the contracts carry (WorkflowTime.Now is a UTC DateTime).
internal static class WorkflowTime
{
    public static DateTimeOffset Now => new(Workflow.UtcNow, TimeSpan.Zero);
}
