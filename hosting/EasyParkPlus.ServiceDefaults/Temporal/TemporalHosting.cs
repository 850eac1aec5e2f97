using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Temporalio.Client;
using Temporalio.Common;

namespace EasyParkPlus.ServiceDefaults.Temporal;

public static class TemporalHosting
{
    /// <summary>
    /// The options (validated on start), a lazily connecting <see cref="ITemporalClient"/> for them, and the start-up
    /// registration of <paramref name="searchAttributes"/> (idempotent) before anything else talks to the cluster.
    /// </summary>
    public static IHostApplicationBuilder AddEasyParkTemporalClient(this IHostApplicationBuilder builder, IReadOnlyList<SearchAttributeKey> searchAttributes)
    {
        builder.Services.AddOptions<TemporalOptions>().BindConfiguration(TemporalOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TemporalOptions>, TemporalOptionsValidation>());
        builder.Services.AddTemporalClient()
            .Configure<IOptions<TemporalOptions>>((client, configured) => Apply(client, configured.Value));
        builder.Services.AddSingleton(new SearchAttributeRegistration.Keys(searchAttributes));
        builder.Services.AddHostedService<SearchAttributeRegistration>();
        return builder;
    }

    /// <summary>The connection settings from our options: address, namespace, mTLS files or a Cloud API key.</summary>
    public static void Apply(TemporalClientConnectOptions client, TemporalOptions options)
    {
        client.TargetHost = options.Address;
        client.Namespace = options.Namespace;
        // Traces follow starts and signals into the workflows' activities (the worker takes the client's interceptors).
        client.Interceptors = [.. client.Interceptors ?? [], new TemporalTracing()];
        if (!string.IsNullOrEmpty(options.ClientCertPath) && !string.IsNullOrEmpty(options.ClientKeyPath))
        {
            client.Tls = new TlsOptions
            {
                ClientCert = File.ReadAllBytes(options.ClientCertPath),
                ClientPrivateKey = File.ReadAllBytes(options.ClientKeyPath),
            };
        }
        if (!string.IsNullOrEmpty(options.ApiKey))
        {
            // Temporal Cloud takes API keys over TLS only.
            client.ApiKey = options.ApiKey;
            client.Tls ??= new TlsOptions();
        }
    }
}
