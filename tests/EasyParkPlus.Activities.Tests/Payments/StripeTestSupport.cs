using System.Collections.Concurrent;
using EasyParkPlus.Activities.Payments;
using EasyParkPlus.LocalStripe;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EasyParkPlus.Activities.Tests.Payments;

/// <summary>The production wiring (<see cref="StripeServiceCollectionExtensions.AddStripe(IServiceCollection)"/>) pointed at a stand-in.</summary>
internal sealed class StripeTestServices : IDisposable
{
    public const string WebhookSecret = "whsec_standin_secret";

    private readonly ServiceProvider _provider;
    private readonly IServiceScope _scope;

    public StripeTestServices(string baseUrl, string apiKey = StripeStandIn.ApiKey, TimeSpan? requestTimeout = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Stripe:ApiKey"] = apiKey,
            ["Stripe:BaseUrl"] = baseUrl,
            ["Stripe:WebhookSecret"] = WebhookSecret,
            ["Stripe:RequestTimeout"] = (requestTimeout ?? TimeSpan.FromSeconds(10)).ToString("c"),
        };
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Trace).AddProvider(Logs));
        services.AddStripe();
        _provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        _scope = _provider.CreateScope();
    }

    public CapturingLoggerProvider Logs { get; } = new();

    /// <summary>The scoped client, as an activity attempt or a request gets it.</summary>
    public Stripe.StripeClient Client => _scope.ServiceProvider.GetRequiredService<Stripe.StripeClient>();

    public T Get<T>()
        where T : notnull => _provider.GetRequiredService<T>();

    public void Dispose()
    {
        _scope.Dispose();
        _provider.Dispose();
    }
}

internal sealed class CapturingLoggerProvider : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyCollection<string> Lines => _lines;

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _lines);

    public void Dispose()
    {
    }

    private sealed class Logger(string category, ConcurrentQueue<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            // Structured values too, so a secret passed as a parameter but not rendered is still caught.
            var values = state is IEnumerable<KeyValuePair<string, object?>> pairs ? string.Join(";", pairs.Select(p => $"{p.Key}={p.Value}")) : "";
            lines.Enqueue($"{logLevel} {category} {formatter(state, exception)} {values} {exception}");
        }
    }
}

/// <summary>A clock tests set by hand (Microsoft.Extensions.TimeProvider.Testing is not available here).</summary>
internal sealed class ManualTimeProvider(DateTimeOffset now) : TimeProvider
{
    private DateTimeOffset _now = now;

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}
