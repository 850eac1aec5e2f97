using EasyParkPlus.Engine.Hosting;
using EasyParkPlus.Engine.Postgres;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace EasyParkPlus.Bench.Engine;

/// <summary>
/// A standalone worker process: `worker --connection ... --queue crash --name w1 --lease 2 --activity-delay-ms 20`.
/// It prints "ready" once its loops run, so a parent process can wait for it without sleeping. With
/// `--kill-after-steps N` it SIGKILLs itself right after the side effect of its N-th activity execution.
/// </summary>
internal static class WorkerProcess
{
    public static async Task<int> RunAsync(string[] args)
    {
        var arguments = new Arguments(args);
        var settings = new WorkerSettings(arguments.Text("name", $"worker-{Environment.ProcessId}"),
            TimeSpan.FromMilliseconds(arguments.Int("activity-delay-ms", 0)), arguments.Int("kill-after-steps", 0));
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddSingleton(NpgsqlDataSource.Create(arguments.ConnectionString));
        builder.Services.AddSingleton(settings);
        builder.Services.AddWorkflowEngine(o =>
            {
                o.Identity = settings.Name;
                o.WorkflowTaskLease = arguments.Seconds("lease", 10);
                o.ExpiryPollInterval = TimeSpan.FromMilliseconds(250);
            })
            .UsePostgres()
            .AddWorkflow<ThreeStepWorkflow>()
            .AddScopedActivities<RecordingActivities>()
            .AddWorker(arguments.Text("queue", "bench"), w =>
            {
                w.MaxConcurrentWorkflowTasks = arguments.Int("workflow-slots", 32);
                w.MaxConcurrentActivities = arguments.Int("activity-slots", 32);
            });
        using var host = builder.Build();
        await host.StartAsync();
        Console.Out.WriteLine("ready");
        await Console.Out.FlushAsync();
        await host.WaitForShutdownAsync();
        return 0;
    }
}
