using EasyParkPlus.Engine.Runtime;
using EasyParkPlus.Engine.Store;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EasyParkPlus.Engine.Hosting;

/// <summary>Registers workflows, activities and workers: <c>AddWorkflowEngine().AddWorkflow&lt;T&gt;().AddScopedActivities&lt;T&gt;()</c>.</summary>
public sealed class WorkflowEngineBuilder
{
    internal WorkflowEngineBuilder(IServiceCollection services, WorkflowRegistry registry)
    {
        Services = services;
        Registry = registry;
    }

    /// <summary>The service collection being configured.</summary>
    public IServiceCollection Services { get; }

    /// <summary>The workflow and activity types registered so far.</summary>
    public WorkflowRegistry Registry { get; }

    /// <summary>Registers a workflow class (needed to run it, query it, or validate its signals).</summary>
    public WorkflowEngineBuilder AddWorkflow<TWorkflow>() where TWorkflow : class
    {
        Registry.AddWorkflow(typeof(TWorkflow));
        return this;
    }

    /// <summary>Registers an activity class resolved per attempt from a fresh scope (a fresh DbContext per attempt).</summary>
    public WorkflowEngineBuilder AddScopedActivities<TActivities>() where TActivities : class
    {
        Registry.AddActivities(typeof(TActivities));
        Services.TryAddScoped<TActivities>();
        return this;
    }

    /// <summary>Registers an activity object shared by all attempts (fakes in tests, stateless adapters).</summary>
    public WorkflowEngineBuilder AddSingletonActivities<TActivities>(TActivities instance) where TActivities : class
    {
        Registry.AddActivities(typeof(TActivities));
        Services.AddSingleton(instance);
        return this;
    }

    /// <summary>Makes this process work on <paramref name="taskQueue"/>.</summary>
    public WorkflowEngineBuilder AddWorker(string taskQueue, Action<WorkerOptions>? configure = null)
    {
        Services.Configure<WorkflowEngineOptions>(options =>
        {
            var worker = new WorkerOptions { TaskQueue = taskQueue };
            configure?.Invoke(worker);
            options.Workers.RemoveAll(w => w.TaskQueue == taskQueue);
            options.Workers.Add(worker);
        });
        return this;
    }

    /// <summary>Uses <paramref name="store"/> as the engine's store.</summary>
    public WorkflowEngineBuilder UseStore(IWorkflowStore store)
    {
        Services.AddSingleton(store);
        return this;
    }
}

/// <summary>DI registration of the engine.</summary>
public static class WorkflowEngineServiceCollectionExtensions
{
    /// <summary>
    /// Adds the engine: options (section "WorkflowEngine"), the client, and a hosted worker for the queues added with
    /// <see cref="WorkflowEngineBuilder.AddWorker"/>. A store must be added too (e.g. <c>UsePostgres</c>).
    /// </summary>
    public static WorkflowEngineBuilder AddWorkflowEngine(this IServiceCollection services, Action<WorkflowEngineOptions>? configure = null)
    {
        var existing = services.FirstOrDefault(d => d.ServiceType == typeof(WorkflowRegistry))?.ImplementationInstance as WorkflowRegistry;
        if (existing is not null)
        {
            return new WorkflowEngineBuilder(services, existing);
        }
        var registry = new WorkflowRegistry();
        services.AddSingleton(registry);
        var options = services.AddOptions<WorkflowEngineOptions>().BindConfiguration(WorkflowEngineOptions.Section);
        if (configure is not null)
        {
            options.Configure(configure);
        }
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(sp => new WorkflowRuntime(sp.GetRequiredService<IWorkflowStore>(), registry, sp, sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILoggerFactory>(), sp.GetRequiredService<IOptions<WorkflowEngineOptions>>().Value));
        services.AddSingleton<IWorkflowClient>(sp =>
        {
            var engineOptions = sp.GetRequiredService<IOptions<WorkflowEngineOptions>>().Value;
            return new WorkflowClient(sp.GetRequiredService<IWorkflowStore>(), registry, sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ILoggerFactory>(), engineOptions, engineOptions.Workers.Count > 0 ? sp.GetRequiredService<WorkflowRuntime>() : null);
        });
        services.AddHostedService<WorkerHost>();
        return new WorkflowEngineBuilder(services, registry);
    }
}
