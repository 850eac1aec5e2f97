using EasyParkPlus.Engine.Hosting;
using EasyParkPlus.Engine.Store;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Npgsql;

namespace EasyParkPlus.Engine.Postgres;

/// <summary>Wires the PostgreSQL store into the engine.</summary>
public static class PostgresEngineExtensions
{
    /// <summary>
    /// Uses PostgreSQL through the registered <see cref="NpgsqlDataSource"/> (or the one <paramref name="dataSource"/>
    /// picks): the store, the LISTEN/NOTIFY wake-ups, and, unless <paramref name="migrate"/> is false, the engine
    /// schema migration before anything else starts.
    /// </summary>
    public static WorkflowEngineBuilder UsePostgres(this WorkflowEngineBuilder builder, Func<IServiceProvider, NpgsqlDataSource>? dataSource = null, bool migrate = true)
    {
        var services = builder.Services;
        services.AddSingleton(sp => new PostgresWorkflowStore(dataSource?.Invoke(sp) ?? sp.GetRequiredService<NpgsqlDataSource>(),
            sp.GetRequiredService<IOptions<WorkflowEngineOptions>>().Value.Identity));
        services.AddSingleton<IWorkflowStore>(sp => sp.GetRequiredService<PostgresWorkflowStore>());
        services.AddHostedService<PostgresNotificationListener>();
        if (migrate)
        {
            services.AddHostedService<EngineSchemaMigrator>();
        }
        return builder;
    }

    /// <summary>Migrates the engine schema while the host is starting, before any hosted service's StartAsync runs.</summary>
    private sealed class EngineSchemaMigrator(PostgresWorkflowStore store) : IHostedLifecycleService
    {
        public Task StartingAsync(CancellationToken cancellationToken) => PostgresSchema.MigrateAsync(store.DataSource, cancellationToken);

        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
