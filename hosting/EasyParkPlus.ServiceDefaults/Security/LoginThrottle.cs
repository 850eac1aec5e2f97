using System.Collections.Concurrent;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace EasyParkPlus.ServiceDefaults.Security;

/// <summary>Bound from "LoginThrottle".</summary>
public sealed class LoginThrottleOptions
{
    public const string Section = "LoginThrottle";

    public bool Enabled { get; set; } = true;

    /// <summary>Failed logins one identity (e-mail, gate id, station id) may have within <see cref="Window"/>.</summary>
    [Range(1, 10_000)]
    public int MaxFailuresPerIdentity { get; set; } = 10;

    /// <summary>Failed logins one client address may have within <see cref="Window"/>, whatever identities it tried.</summary>
    [Range(1, 100_000)]
    public int MaxFailuresPerAddress { get; set; } = 10;

    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How long an address that logged in successfully stays exempt from its identity's lock (not its own).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "365.00:00:00")]
    public TimeSpan KnownAddressFor { get; set; } = TimeSpan.FromDays(30);

    /// <summary>Prefix of the shared counters' keys (Redis), so installations sharing a server do not mix.</summary>
    [Required]
    public string KeyPrefix { get; set; } = "easypark:login";
}

/// <summary>Where failure timestamps are kept: in process, or shared (the api's Redis).</summary>
public interface ILoginFailureStore
{
    /// <summary>Adds a failure at <paramref name="at"/> and forgets those older than <paramref name="window"/>.</summary>
    Task RecordAsync(string key, DateTimeOffset at, TimeSpan window, int keep);

    /// <summary>The failures of the last <paramref name="window"/>, oldest first (at most the last few kept).</summary>
    Task<IReadOnlyList<DateTimeOffset>> FailuresAsync(string key, DateTimeOffset now, TimeSpan window);

    Task ForgetAsync(string key);

    Task MarkAsync(string key, DateTimeOffset until);

    Task<bool> IsMarkedAsync(string key, DateTimeOffset now);
}

/// <summary>
/// Counts failed logins per identity and per client address (a sliding window: 10 in 15 minutes by default) and answers
/// "wait this long" before a password is even hashed, so guessing costs the guesser time and us no CPU. The lock ends
/// on its own when the oldest failure leaves the window. A successful login clears its identity's count and remembers
/// the address, which then stays exempt from that identity's lock: a gate's own controller keeps connecting while
/// someone elsewhere hammers its id (its address's own count still applies).
/// </summary>
public sealed class LoginThrottle(ILoginFailureStore store, IOptions<LoginThrottleOptions> options, TimeProvider time)
{
    /// <summary>Null when a login may be tried now; otherwise how long to wait.</summary>
    public async Task<TimeSpan?> RetryAfterAsync(string scope, string identity, IPAddress? address)
    {
        var o = options.Value;
        if (!o.Enabled)
        {
            return null;
        }
        var now = time.GetUtcNow();
        var byAddress = Wait(await store.FailuresAsync(AddressKey(scope, address), now, o.Window), o.MaxFailuresPerAddress, o.Window, now);
        if (byAddress is not null)
        {
            return byAddress;
        }
        var byIdentity = Wait(await store.FailuresAsync(IdentityKey(scope, identity), now, o.Window), o.MaxFailuresPerIdentity, o.Window, now);
        if (byIdentity is not null && await store.IsMarkedAsync(KnownKey(scope, identity, address), now))
        {
            return null;
        }
        return byIdentity;
    }

    public async Task FailedAsync(string scope, string identity, IPAddress? address)
    {
        var o = options.Value;
        if (!o.Enabled)
        {
            return;
        }
        var now = time.GetUtcNow();
        await store.RecordAsync(AddressKey(scope, address), now, o.Window, o.MaxFailuresPerAddress);
        await store.RecordAsync(IdentityKey(scope, identity), now, o.Window, o.MaxFailuresPerIdentity);
    }

    public async Task SucceededAsync(string scope, string identity, IPAddress? address)
    {
        var o = options.Value;
        if (!o.Enabled)
        {
            return;
        }
        await store.ForgetAsync(IdentityKey(scope, identity));
        if (o.KnownAddressFor > TimeSpan.Zero)
        {
            await store.MarkAsync(KnownKey(scope, identity, address), time.GetUtcNow() + o.KnownAddressFor);
        }
    }

    // Locked while the window holds `max` failures: until the oldest of the last `max` leaves it.
    private static TimeSpan? Wait(IReadOnlyList<DateTimeOffset> failures, int max, TimeSpan window, DateTimeOffset now)
    {
        if (failures.Count < max)
        {
            return null;
        }
        var wait = failures[^max] + window - now;
        return wait > TimeSpan.Zero ? wait : null;
    }

    private string IdentityKey(string scope, string identity) => $"{options.Value.KeyPrefix}:{scope}:id:{identity.Trim().ToLowerInvariant()}";

    private string AddressKey(string scope, IPAddress? address) => $"{options.Value.KeyPrefix}:{scope}:ip:{Normalize(address)}";

    private string KnownKey(string scope, string identity, IPAddress? address) =>
        $"{options.Value.KeyPrefix}:{scope}:known:{identity.Trim().ToLowerInvariant()}:{Normalize(address)}";

    // An IPv4 client seen through a dual-stack socket is the same client as over IPv4.
    private static string Normalize(IPAddress? address) =>
        address is null ? "none" : (address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address).ToString();
}

/// <summary>
/// Failures in process memory: per instance, on the host's clock. Bounded: expired keys are swept as the table grows,
/// and each key keeps only the last few timestamps the lock needs.
/// </summary>
public sealed class InMemoryLoginFailureStore(TimeProvider time) : ILoginFailureStore
{
    private const int SweepAbove = 50_000;
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    public Task RecordAsync(string key, DateTimeOffset at, TimeSpan window, int keep)
    {
        var entry = _entries.GetOrAdd(key, _ => new Entry());
        lock (entry)
        {
            entry.Failures.Add(at);
            entry.Failures.RemoveAll(t => t <= at - window);
            if (entry.Failures.Count > keep)
            {
                entry.Failures.RemoveRange(0, entry.Failures.Count - keep);
            }
            entry.ExpiresAt = at + window;
        }
        SweepIfLarge();
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<DateTimeOffset>> FailuresAsync(string key, DateTimeOffset now, TimeSpan window)
    {
        if (!_entries.TryGetValue(key, out var entry))
        {
            return Task.FromResult<IReadOnlyList<DateTimeOffset>>([]);
        }
        lock (entry)
        {
            return Task.FromResult<IReadOnlyList<DateTimeOffset>>([.. entry.Failures.Where(t => t > now - window)]);
        }
    }

    public Task ForgetAsync(string key)
    {
        _entries.TryRemove(key, out _);
        return Task.CompletedTask;
    }

    public Task MarkAsync(string key, DateTimeOffset until)
    {
        var entry = _entries.GetOrAdd(key, _ => new Entry());
        lock (entry)
        {
            entry.ExpiresAt = until;
        }
        SweepIfLarge();
        return Task.CompletedTask;
    }

    public Task<bool> IsMarkedAsync(string key, DateTimeOffset now) =>
        Task.FromResult(_entries.TryGetValue(key, out var entry) && entry.ExpiresAt > now);

    private void SweepIfLarge()
    {
        if (_entries.Count <= SweepAbove)
        {
            return;
        }
        var now = time.GetUtcNow();
        foreach (var (key, entry) in _entries)
        {
            if (entry.ExpiresAt <= now)
            {
                _entries.TryRemove(key, out _);
            }
        }
    }

    private sealed class Entry
    {
        public List<DateTimeOffset> Failures { get; } = [];

        public DateTimeOffset ExpiresAt { get; set; }
    }
}

public static class LoginThrottleExtensions
{
    /// <summary>The throttle with in-process counters, unless the host registered a shared <see cref="ILoginFailureStore"/> first.</summary>
    public static IServiceCollection AddLoginThrottle(this IServiceCollection services)
    {
        services.AddOptions<LoginThrottleOptions>().BindConfiguration(LoginThrottleOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<InMemoryLoginFailureStore>();
        services.TryAddSingleton<ILoginFailureStore>(provider => provider.GetRequiredService<InMemoryLoginFailureStore>());
        services.TryAddSingleton<LoginThrottle>();
        return services;
    }

    /// <summary>429 with Retry-After (whole seconds, rounded up) and a problem body.</summary>
    public static ProblemHttpResult TooManyFailedLogins(HttpContext context, TimeSpan retryAfter)
    {
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        return TypedResults.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Too many failed logins.",
            detail: $"Too many failed logins for this account or from this address; try again in {seconds} s.");
    }
}
