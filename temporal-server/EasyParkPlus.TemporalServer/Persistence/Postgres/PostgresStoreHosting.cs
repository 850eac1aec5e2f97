using EasyParkPlus.TemporalServer.Cli;
using Npgsql;

namespace EasyParkPlus.TemporalServer.Persistence.Postgres;

/// <summary>
/// Picks the store from the options: PostgreSQL when a connection string is configured (<c>--postgres</c>, or the
/// configuration key <c>TemporalServer:Postgres</c>, i.e. the environment variable <c>TemporalServer__Postgres</c>),
/// in memory otherwise. <c>--store memory|postgres</c> makes the choice explicit.
/// </summary>
public static class PostgresStoreHosting
{
    public const string ConfigurationKey = "TemporalServer:Postgres";
    public const string FallbackKey = "TemporalServer:QueuePollFallbackMs";

    /// <summary>The options with the connection string filled in from configuration when the command line gave none.</summary>
    /// <exception cref="InvalidOperationException">PostgreSQL was asked for but no connection string is configured.</exception>
    public static ServerOptions Resolve(ServerOptions options, IConfiguration configuration)
    {
        var connectionString = options.PostgresConnectionString ?? configuration[ConfigurationKey];
        if (configuration[FallbackKey] is { } fallback)
        {
            options = options with
            {
                QueuePollFallback = TimeSpan.FromMilliseconds(int.TryParse(fallback, System.Globalization.CultureInfo.InvariantCulture, out var ms) && ms > 0
                    ? ms
                    : throw new InvalidOperationException($"{FallbackKey} must be a positive number of milliseconds, not '{fallback}'")),
            };
        }
        return options.Store switch
        {
            StoreKind.Memory => options with { PostgresConnectionString = null },
            StoreKind.Postgres when string.IsNullOrWhiteSpace(connectionString) => throw new InvalidOperationException(
                $"--store postgres needs a connection string: --postgres \"Host=...\" or the environment variable {ConfigurationKey.Replace(":", "__", StringComparison.Ordinal)}"),
            _ => options with { PostgresConnectionString = string.IsNullOrWhiteSpace(connectionString) ? null : connectionString },
        };
    }

    /// <summary>Registers the PostgreSQL store (before the in-memory default) when the options name a database.</summary>
    public static void AddPostgresStoreIfConfigured(IServiceCollection services, ServerOptions options)
    {
        if (options.PostgresConnectionString is not { } connectionString)
        {
            return;
        }
        services.AddSingleton(_ => PostgresServerStore.CreateDataSource(connectionString));
        services.AddSingleton(sp => new PostgresServerStore(sp.GetRequiredService<NpgsqlDataSource>()));
        services.AddSingleton<IServerStore>(sp => sp.GetRequiredService<PostgresServerStore>());
        services.AddHostedService<PostgresWorkSharing>();
    }

    /// <summary>Brings the schema up to date; a no-op on the in-memory store.</summary>
    public static async Task MigrateIfConfiguredAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        if (services.GetService<IServerStore>() is PostgresServerStore store)
        {
            await PostgresSchema.MigrateAsync(store.DataSource, cancellationToken);
        }
    }
}
