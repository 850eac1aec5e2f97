using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using EasyParkPlus.Data.GatewayApi;
using Refit;

namespace EasyParkPlus.Activities.Gateway;

/// <summary>The caller's view of the <c>Gateway</c> section: where the gateway is and the internal key.</summary>
public sealed class GatewayClientOptions
{
    public const string Section = "Gateway";

    // env EASYPARK_GATEWAY_URL (mapped by ServiceDefaults).
    [Required]
    [System.ComponentModel.DataAnnotations.Url]
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
        services.AddRefitGeneratedClient<IGatewayApi>(GatewayApiJson.Default)
            .ConfigureHttpClient((provider, http) =>
            {
                var options = provider.GetRequiredService<IOptions<GatewayClientOptions>>().Value;
                http.BaseAddress = new Uri(options.BaseUrl.TrimEnd('/'));
                http.Timeout = options.RequestTimeout;
                http.DefaultRequestHeaders.Add(GatewayClient.KeyHeader, options.InternalApiKey);
            })
            .ConfigurePrimaryHttpMessageHandler(provider => new SocketsHttpHandler
            {
                ConnectTimeout = provider.GetRequiredService<IOptions<GatewayClientOptions>>().Value.ConnectTimeout,
            })
            // Request logging must never print the internal key.
            .RedactLoggedHeaders([GatewayClient.KeyHeader]);
        services.AddTransient<IGatewayClient, GatewayClient>();
        return services;
    }
}

/// <summary>The internal API's JSON, generated at build time for Refit's generated client: camelCase, nulls left out.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(StartTransactionRequest))]
[JsonSerializable(typeof(StopTransactionRequest))]
[JsonSerializable(typeof(StationCommandResponse))]
[JsonSerializable(typeof(ReservePowerRequest))]
[JsonSerializable(typeof(ReservePowerResponse))]
[JsonSerializable(typeof(ReleasePowerRequest))]
[JsonSerializable(typeof(OpenGateRequest))]
[JsonSerializable(typeof(GateMessageRequest))]
[JsonSerializable(typeof(GateCommandResponse))]
[JsonSerializable(typeof(TransactionEventsRequest))]
[JsonSerializable(typeof(TransactionEventsResponse))]
internal sealed partial class GatewayApiJson : JsonSerializerContext;
