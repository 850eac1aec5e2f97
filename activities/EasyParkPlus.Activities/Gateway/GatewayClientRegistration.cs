using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace EasyParkPlus.Activities.Gateway;

/// <summary>The caller's view of the <c>Gateway</c> section: where the gateway is and the internal key.</summary>
public sealed class GatewayClientOptions
{
    public const string Section = "Gateway";

    // env EASYPARK_GATEWAY_URL (mapped by ServiceDefaults).
    [Required]
    [Url]
    public string BaseUrl { get; set; } = "";

    // env EASYPARK_GATEWAY_INTERNAL_KEY (mapped by the builder overload of AddGatewayClient).
    [Required]
    [MinLength(16)]
    public string InternalApiKey { get; set; } = "";

    // Longer than the gateway's own wait for a device (Ocpp:CallTimeout, 30 s), so the gateway's 504 arrives first;
    // keep it below the activity's start-to-close timeout.
    [Range(typeof(TimeSpan), "00:00:00.050", "00:05:00")]
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(40);

    [Range(typeof(TimeSpan), "00:00:00.050", "00:01:00")]
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);
}

public static class GatewayClientRegistration
{
    /// <summary>Maps EASYPARK_GATEWAY_INTERNAL_KEY onto Gateway:InternalApiKey (no default: `./easypark run` makes one), then registers the client.</summary>
    public static IHostApplicationBuilder AddGatewayClient(this IHostApplicationBuilder builder)
    {
        var key = Environment.GetEnvironmentVariable("EASYPARK_GATEWAY_INTERNAL_KEY");
        if (!string.IsNullOrEmpty(key))
        {
            builder.Configuration.AddInMemoryCollection([new("Gateway:InternalApiKey", key)]);
        }
        builder.Services.AddGatewayClient();
        return builder;
    }

    public static IServiceCollection AddGatewayClient(this IServiceCollection services)
    {
        services.AddOptions<GatewayClientOptions>().BindConfiguration(GatewayClientOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddHttpClient<IGatewayClient, GatewayClient>((provider, http) =>
            {
                var options = provider.GetRequiredService<IOptions<GatewayClientOptions>>().Value;
                http.BaseAddress = new Uri(options.BaseUrl.TrimEnd('/') + "/");
                http.Timeout = options.RequestTimeout;
                http.DefaultRequestHeaders.Add(GatewayClient.KeyHeader, options.InternalApiKey);
            })
            .ConfigurePrimaryHttpMessageHandler(provider => new SocketsHttpHandler
            {
                ConnectTimeout = provider.GetRequiredService<IOptions<GatewayClientOptions>>().Value.ConnectTimeout,
            })
            // Request logging must never print the internal key.
            .RedactLoggedHeaders([GatewayClient.KeyHeader]);
        return services;
    }
}
