using EasyParkPlus.Api.Auth;
using EasyParkPlus.Data;
using EasyParkPlus.Data.Accounts;
using EasyParkPlus.Data.Seeding;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;

namespace EasyParkPlus.Api.Infrastructure;

/// <summary>
/// Migrates and seeds the database while the host starts, before the workflow worker and Kestrel start
/// (registered ahead of them), so the first request and the first workflow task see the full schema.
/// </summary>
public sealed partial class StartupTasks(
    NpgsqlDataSource dataSource,
    IServiceScopeFactory scopes,
    IOptions<ApiOptions> api,
    IOptions<AuthOptions> auth,
    IOptions<SeedOptions> seed,
    TimeProvider time,
    ILogger<StartupTasks> logger) : IHostedLifecycleService
{
    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        if (api.Value.MigrateOnStart)
        {
            await EasyParkDatabase.MigrateAsync(dataSource, logger, cancellationToken);
        }
        if (api.Value.SeedOnStart)
        {
            await EasyParkSeeder.SeedAsync(dataSource, seed.Value, logger, cancellationToken);
        }
        if (auth.Value.SeedDevelopmentAccounts == true && auth.Value.DevelopmentPassword.Length < 12)
        {
            LogNoDevelopmentPassword(logger);
        }
        else if (auth.Value.SeedDevelopmentAccounts == true)
        {
            await SeedAccountAsync("operator@easypark.local", "Development operator", CustomerRole.Operator, cancellationToken);
            await SeedAccountAsync("admin@easypark.local", "Development admin", CustomerRole.Admin, cancellationToken);
        }
    }

    private async Task SeedAccountAsync(string email, string name, CustomerRole role, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<EasyParkDbContext>();
        var hasher = scope.ServiceProvider.GetRequiredService<IPasswordHasher<Customer>>();
        if (await db.Customers.FirstOrDefaultAsync(c => c.Email == email, ct) is { } existing)
        {
            // The configured password is the development accounts' only one: a new installation's replaces an old one.
            if (existing.PasswordHash is null || hasher.VerifyHashedPassword(existing, existing.PasswordHash, auth.Value.DevelopmentPassword) == PasswordVerificationResult.Failed)
            {
                existing.PasswordHash = hasher.HashPassword(existing, auth.Value.DevelopmentPassword);
                await db.SaveChangesAsync(ct);
            }
            return;
        }
        var now = time.GetUtcNow();
        var customer = new Customer { Id = Guid.NewGuid(), Email = email, Name = name, Role = role, CreatedAt = now, UpdatedAt = now };
        customer.PasswordHash = hasher.HashPassword(customer, auth.Value.DevelopmentPassword);
        db.Customers.Add(customer);
        try
        {
            await db.SaveChangesAsync(ct);
            LogSeededAccount(logger, email);
        }
        catch (DbUpdateException)
        {
            // Another api instance seeded it at the same moment.
        }
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 5010, Level = LogLevel.Information, Message = "Seeded development account {Email}")]
    private static partial void LogSeededAccount(ILogger logger, string email);

    [LoggerMessage(EventId = 5011, Level = LogLevel.Warning, Message = "Development accounts not seeded: Auth:DevelopmentPassword is not set (./easypark run sets one per installation)")]
    private static partial void LogNoDevelopmentPassword(ILogger logger);
}
