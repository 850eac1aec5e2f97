using System.Text.Json.Serialization;
using EasyParkPlus.Activities.Gateway;
using EasyParkPlus.Activities.Hosting;
using EasyParkPlus.Activities.Payments;
using EasyParkPlus.Api;
using EasyParkPlus.Api.Auth;
using EasyParkPlus.Api.Console;
using EasyParkPlus.Api.Endpoints;
using EasyParkPlus.Api.Infrastructure;
using EasyParkPlus.Data;
using EasyParkPlus.ServiceDefaults;
using EasyParkPlus.ServiceDefaults.Backups;
using EasyParkPlus.ServiceDefaults.Security;
using EasyParkPlus.ServiceDefaults.Temporal;
using EasyParkPlus.Workflows;
using Microsoft.Extensions.Caching.StackExchangeRedis;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddWalArchiveMonitoring();

builder.Services.AddOptions<ApiOptions>().BindConfiguration(ApiOptions.Section).ValidateDataAnnotations().ValidateOnStart();
builder.Services.AddOptions<RedisOptions>().BindConfiguration(RedisOptions.Section);
builder.Services.AddOptions<RateLimitOptions>().BindConfiguration(RateLimitOptions.Section).ValidateDataAnnotations().ValidateOnStart();
builder.Services.AddOptions<AvailabilityOptions>().BindConfiguration(AvailabilityOptions.Section).ValidateDataAnnotations().ValidateOnStart();
var apiOptions = builder.Configuration.GetSection(ApiOptions.Section).Get<ApiOptions>() ?? new ApiOptions();

// One NpgsqlDataSource for Data and the health check (AddEasyParkData's registration wins).
builder.Services.AddEasyParkData(builder.Configuration[$"{PostgresOptions.Section}:ConnectionString"] ?? "");
builder.Services.AddHostedService<StartupTasks>();
builder.AddStripe();
builder.AddEasyParkAuth();
// Failed logins are counted in Redis (shared by the api instances), in process while it is down.
builder.Services.AddSingleton<ILoginFailureStore, RedisLoginFailureStore>();
builder.Services.AddLoginThrottle();
builder.Services.AddEasyParkProblemDetails();
// Data annotations on the request records, checked before a handler runs (400 validation problem).
builder.Services.AddValidation();
builder.Services.AddEasyParkOpenApi();
builder.Services.AddMemoryCache();
// Availability is cached in memory and, when Redis is configured, in Redis on the process's one connection.
builder.Services.AddHybridCache();
if (!string.IsNullOrWhiteSpace(builder.Configuration[$"{RedisOptions.Section}:Configuration"]))
{
    builder.Services.AddStackExchangeRedisCache(_ => { });
    builder.Services.AddOptions<RedisCacheOptions>().Configure<RedisConnection, IOptions<RedisOptions>>((options, redis, redisOptions) =>
    {
        options.ConnectionMultiplexerFactory = () => Task.FromResult(redis.Multiplexer!);
        options.InstanceName = redisOptions.Value.KeyPrefix;
    });
}
builder.Services.AddOperatorConsole();
builder.Services.AddSingleton<RedisConnection>();
builder.Services.AddSingleton<AvailabilityCache>();
builder.Services.AddHealthChecks().AddCheck<RedisHealthCheck>("redis", tags: [HealthEndpoints.ReadyTag]);
builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.Converters.Add(new JsonStringEnumConverter()));
// A value that cannot be bound becomes an exception in every environment, so ApiExceptionHandler answers it with a clear
// problem (Production would otherwise send an empty 400).
builder.Services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);

// Gate and charger commands go to the ocpp-gateway when one is configured (./easypark run does);
// otherwise commands fail with a clear, non-retryable error and app-started parking still works.
if (!string.IsNullOrEmpty(builder.Configuration["Gateway:BaseUrl"]))
{
    builder.AddGatewayClient();
    GatewayLiveStateClient.Register(builder.Services);
}
builder.Services.TryAddSingleton<IGatewayClient, GatewayNotConfigured>();
builder.Services.TryAddSingleton<IGatewayLiveStateReader, NoGatewayLiveState>();
// The Temporal client the endpoints start, signal, query and list workflows with; the custom search attributes are
// registered at start-up. With Api:RunWorker the business workflows and their activities also run in this process
// (the single-process deployment); otherwise the worker process (worker/) runs them.
builder.AddEasyParkTemporalClient(EasyParkSearchAttributes.All);
builder.Services.AddSingleton(provider => new WorkflowCatalog(provider.GetServices<KnownWorkflow>()));
if (apiOptions.RunWorker)
{
    builder.AddEasyParkWorker();
}

builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = apiOptions.MaxRequestBodyBytes);

var app = builder.Build();

// Outermost, so no exception reaches the developer exception page (a stack trace with source paths) in Development.
app.UseExceptionHandler();
app.UseMiddleware<CorrelationId>();
app.UseEasyParkRequestLogging();
app.UseStatusCodePages();
app.UseRouting();
app.UseAuthentication();
app.UseMiddleware<RateLimitMiddleware>();
app.UseAuthorization();
app.UseMiddleware<IdempotencyMiddleware>();

app.MapHealthEndpoints();
app.MapEasyParkOpenApi();
var v1 = app.MapGroup("/api/v1");
v1.MapAuthEndpoints();
v1.MapVehicleEndpoints();
v1.MapPaymentMethodEndpoints();
v1.MapFacilityEndpoints();
v1.MapSessionEndpoints();
v1.MapReservationEndpoints();
v1.MapChargingEndpoints();
v1.MapBillingEndpoints();
v1.MapSubscriptionReadEndpoints();
v1.MapSubscriptionCommandEndpoints();
v1.MapAnalyticsEndpoints();
v1.MapWorkflowEndpoints();
v1.MapAlertEndpoints();
app.MapOperatorConsole();

app.Run();

/// <summary>The entry point, visible to <c>WebApplicationFactory</c> in the tests.</summary>
public partial class Program;
