using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace EasyParkPlus.Activities.Payments;

public static class StripeServiceCollectionExtensions
{
    /// <summary>The Stripe client (typed <see cref="HttpClient"/>), its validated options and the webhook verifier.</summary>
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

        services.AddHttpClient<StripeClient>((provider, http) =>
            {
                var options = provider.GetRequiredService<IOptions<StripeOptions>>().Value;
                http.BaseAddress = new Uri(options.BaseUrl.EndsWith('/') ? options.BaseUrl : options.BaseUrl + "/");
                http.Timeout = options.RequestTimeout;
            })
            .ConfigurePrimaryHttpMessageHandler(provider => new SocketsHttpHandler
            {
                ConnectTimeout = provider.GetRequiredService<IOptions<StripeOptions>>().Value.ConnectTimeout,
                // Long-lived pooled connections would never see a DNS change of api.stripe.com.
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            })
            // The factory's request logging would otherwise be one configuration change away from printing the API key.
            .RedactLoggedHeaders(_ => true);

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<StripeWebhookVerifier>();
        return services;
    }
}
