using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Stripe;

namespace EasyParkPlus.Activities.Payments;

public static class StripeServiceCollectionExtensions
{
    internal const string HttpClientName = "Stripe";

    private static readonly AppInfo AppInfo = new() { Name = "EasyParkPlus" };

    /// <summary>Stripe.net's <see cref="StripeClient"/> on our HTTP client, its validated options and the webhook verifier.</summary>
    public static IHostApplicationBuilder AddStripe(this IHostApplicationBuilder builder)
    {
        builder.Services.AddStripe();
        return builder;
    }

    public static IServiceCollection AddStripe(this IServiceCollection services)
    {
        services.AddOptions<StripeOptions>()
            .BindConfiguration(StripeOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        services.AddHttpClient(HttpClientName, (provider, http) => http.Timeout = provider.GetRequiredService<IOptions<StripeOptions>>().Value.RequestTimeout)
            .ConfigurePrimaryHttpMessageHandler(provider => new SocketsHttpHandler
            {
                ConnectTimeout = provider.GetRequiredService<IOptions<StripeOptions>>().Value.ConnectTimeout,
                // Long-lived pooled connections would never see a DNS change of api.stripe.com.
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            })
            // The factory's request logging would otherwise be one configuration change away from printing the API key.
            .RedactLoggedHeaders(_ => true);

        // Scoped, like the activities and endpoints that use it: each scope gets a client on a fresh factory handler.
        services.TryAddScoped(provider =>
        {
            var options = provider.GetRequiredService<IOptions<StripeOptions>>().Value;
            var http = provider.GetRequiredService<IHttpClientFactory>().CreateClient(HttpClientName);
            return new StripeClient(new StripeClientOptions
            {
                ApiKey = options.ApiKey,
                ApiBase = options.BaseUrl.TrimEnd('/'),
                // Temporal owns retries: it backs off durably, records each failure in history and re-sends the same
                // idempotency key. A second, hidden retry loop here would multiply attempts and stretch timeouts.
                HttpClient = new SystemNetHttpClient(http, maxNetworkRetries: 0, appInfo: AppInfo, enableTelemetry: false),
            });
        });
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<StripeWebhookVerifier>();
        return services;
    }
}
