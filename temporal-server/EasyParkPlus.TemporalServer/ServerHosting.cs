using System.Net;
using EasyParkPlus.TemporalServer.Cli;
using EasyParkPlus.TemporalServer.Frontend;
using EasyParkPlus.TemporalServer.History;
using EasyParkPlus.TemporalServer.Http;
using EasyParkPlus.TemporalServer.Matching;
using EasyParkPlus.TemporalServer.Persistence;
using EasyParkPlus.TemporalServer.Persistence.InMemory;
using EasyParkPlus.TemporalServer.Persistence.Postgres;
using EasyParkPlus.TemporalServer.TestService;
using EasyParkPlus.TemporalServer.Timers;
using Grpc.AspNetCore.Server.Model;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace EasyParkPlus.TemporalServer;

/// <summary>Wires the server into an ASP.NET Core host: gRPC on HTTP/2 (cleartext) at the configured address.</summary>
public static class ServerHosting
{
    /// <summary>Largest request accepted; larger ones are ResourceExhausted, payloads over 2 MiB inside are InvalidArgument.</summary>
    private const int MaxReceiveMessageSize = 64 * 1024 * 1024;

    public static WebApplication Build(ServerOptions options, Action<IServiceCollection>? configure = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        if (options.JsonLogs)
        {
            builder.Logging.AddJsonConsole();
        }
        else
        {
            builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        }
        builder.Logging.SetMinimumLevel(options.LogLevel);
        builder.Logging.AddFilter("Microsoft.AspNetCore", options.LogLevel < LogLevel.Warning ? LogLevel.Warning : options.LogLevel);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            var address = options.Ip is "localhost" ? IPAddress.Loopback : IPAddress.Parse(options.Ip);
            kestrel.Listen(address, options.Port, listen => listen.Protocols = HttpProtocols.Http2);
            kestrel.Limits.Http2.MaxStreamsPerConnection = 1000;
        });
        builder.Services.AddGrpc(grpc =>
        {
            grpc.MaxReceiveMessageSize = MaxReceiveMessageSize;
            grpc.MaxSendMessageSize = null;
        });
        options = PostgresStoreHosting.Resolve(options, builder.Configuration);
        builder.Services.AddTemporalServer(options);
        configure?.Invoke(builder.Services);

        var app = builder.Build();
        app.MapGrpcService<WorkflowServiceEndpoint>();
        app.MapGrpcService<OperatorServiceEndpoint>();
        if (options.TimeSkipping)
        {
            app.MapGrpcService<TestServiceEndpoint>();
        }
        return app;
    }

    public static IServiceCollection AddTemporalServer(this IServiceCollection services, ServerOptions options)
    {
        services.AddSingleton(options);
        services.TryAddSingleton(TimeProvider.System);
        PostgresStoreHosting.AddPostgresStoreIfConfigured(services, options);
        services.TryAddSingleton<IServerStore, InMemoryServerStore>();
        services.AddSingleton(sp =>
        {
            var logger = sp.GetRequiredService<ILogger<ServerClock>>();
            return new ServerClock(sp.GetRequiredService<TimeProvider>(), options.TimeSkipping, e => Log.ClockCallbackFailed(logger, e));
        });
        services.AddSingleton<CommitFeed>();
        services.AddSingleton<HistoryEngine>();
        services.AddSingleton<WorkflowStarter>();
        services.AddSingleton<RunWatchers>();
        services.AddSingleton<TimerProcessor>();
        services.AddSingleton<TransferProcessor>();
        services.AddSingleton<TaskQueueManager>();
        services.AddSingleton<PendingQueries>();
        services.AddSingleton<NamespaceRegistry>();
        services.AddSingleton<RunResolver>();
        services.AddSingleton<NamespaceRpcs>();
        services.AddSingleton<ExecutionRpcs>();
        services.AddSingleton<HistoryRpcs>();
        services.AddSingleton<DescribeRpcs>();
        services.AddSingleton<WorkflowTaskRpcs>();
        services.AddSingleton<ActivityTaskRpcs>();
        services.AddSingleton<QueryUpdateRpcs>();
        services.AddSingleton<VisibilityRpcs>();
        services.AddSingleton<TestServiceRpcs>();
        services.AddSingleton(sp =>
        {
            var registry = new RpcRegistry();
            sp.GetRequiredService<NamespaceRpcs>().Map(registry);
            sp.GetRequiredService<ExecutionRpcs>().Map(registry);
            sp.GetRequiredService<HistoryRpcs>().Map(registry);
            sp.GetRequiredService<DescribeRpcs>().Map(registry);
            sp.GetRequiredService<WorkflowTaskRpcs>().Map(registry);
            sp.GetRequiredService<ActivityTaskRpcs>().Map(registry);
            sp.GetRequiredService<QueryUpdateRpcs>().Map(registry);
            sp.GetRequiredService<VisibilityRpcs>().Map(registry);
            if (options.TimeSkipping)
            {
                sp.GetRequiredService<TestServiceRpcs>().Map(registry);
            }
            registry.Seal();
            return registry;
        });
        services.AddSingleton<WorkflowServiceEndpoint>();
        services.AddSingleton<OperatorServiceEndpoint>();
        services.AddSingleton<TestServiceEndpoint>();
        services.AddSingleton<IServiceMethodProvider<WorkflowServiceEndpoint>, GrpcServiceBinding<WorkflowServiceEndpoint>>();
        services.AddSingleton<IServiceMethodProvider<OperatorServiceEndpoint>, GrpcServiceBinding<OperatorServiceEndpoint>>();
        services.AddSingleton<IServiceMethodProvider<TestServiceEndpoint>, GrpcServiceBinding<TestServiceEndpoint>>();
        return services;
    }

    /// <summary>Connects the in-process parts to the commit feed and creates the namespaces; call before serving.</summary>
    public static async Task InitializeAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var options = services.GetRequiredService<ServerOptions>();
        await PostgresStoreHosting.MigrateIfConfiguredAsync(services, cancellationToken);
        var feed = services.GetRequiredService<CommitFeed>();
        feed.Subscribe(services.GetRequiredService<TimerProcessor>());
        feed.Subscribe(services.GetRequiredService<TaskQueueManager>());
        feed.Subscribe(services.GetRequiredService<TransferProcessor>());
        feed.Subscribe(services.GetRequiredService<RunWatchers>());
        await services.GetRequiredService<NamespaceRegistry>().InitializeAsync(options.Namespaces, options.SearchAttributes, cancellationToken);
        _ = services.GetRequiredService<RpcRegistry>();
        if (options.TimeSkipping)
        {
            // Like the Java test server binary: time skipping starts locked until a client unlocks it.
            services.GetRequiredService<ServerClock>().Lock();
        }
    }

    /// <summary>
    /// Starts the Web UI beside a built server: a host of its own on the UI port whose HTTP API calls the server's
    /// dispatch point in process, exactly as its gRPC methods do.
    /// </summary>
    public static async Task<WebApplication> StartWebUiAsync(IServiceProvider server, WebUiOptions options, CancellationToken cancellationToken = default)
    {
        var invoker = new RegistryApiInvoker(server.GetRequiredService<RpcRegistry>());
        var ui = WebUiServer.Build(options, invoker, server.GetRequiredService<ILoggerFactory>());
        await ui.StartAsync(cancellationToken);
        return ui;
    }

    /// <summary>Where a started Web UI host listens, e.g. http://127.0.0.1:8233/.</summary>
    public static Uri WebUiAddress(WebApplication ui) => WebUiServer.Address(ui);

    /// <summary>Starts a server in this process and returns it with the address it listens on (port 0 picks a free port).</summary>
    public static async Task<(WebApplication App, string Address)> StartAsync(ServerOptions options, CancellationToken cancellationToken = default)
    {
        var app = Build(options);
        await InitializeAsync(app.Services, cancellationToken);
        await app.StartAsync(cancellationToken);
        return (app, Address(app));
    }

    /// <summary>The host:port a started server listens on (the port it got when asked for 0).</summary>
    public static string Address(WebApplication app) =>
        new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()).Authority;
}
