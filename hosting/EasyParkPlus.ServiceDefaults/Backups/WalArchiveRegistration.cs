using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace EasyParkPlus.ServiceDefaults.Backups;

public static class WalArchiveRegistration
{
    /// <summary>
    /// The "wal-archive" readiness check and the monitor that logs archive failures and publishes the archive's age as
    /// a metric. One process per deployment is enough (the api); the database is the same for all.
    /// </summary>
    public static IHostApplicationBuilder AddWalArchiveMonitoring(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<WalArchiveOptions>()
            .BindConfiguration(WalArchiveOptions.Section)
            .Validate(WalArchiveOptions.IsValid, "WalArchive:MaxAge and WalArchive:CheckInterval must be positive.")
            .ValidateOnStart();
        if (!builder.Configuration.GetValue($"{WalArchiveOptions.Section}:Enabled", true))
        {
            return builder;
        }
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddMetrics();
        builder.Services.AddHostedService<WalArchiveMonitor>();
        builder.Services.AddHealthChecks().AddCheck<WalArchiveHealthCheck>("wal-archive", tags: [HealthEndpoints.ReadyTag]);
        return builder;
    }
}
