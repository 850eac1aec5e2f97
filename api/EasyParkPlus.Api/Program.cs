using EasyParkPlus.Activities.Payments;
using EasyParkPlus.Api;
using EasyParkPlus.Api.Auth;
using EasyParkPlus.Api.Infrastructure;
using EasyParkPlus.Data;
using EasyParkPlus.Engine.Hosting;
using EasyParkPlus.Engine.Postgres;
using EasyParkPlus.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();

builder.Services.AddOptions<ApiOptions>().BindConfiguration(ApiOptions.Section).ValidateDataAnnotations().ValidateOnStart();
var apiOptions = builder.Configuration.GetSection(ApiOptions.Section).Get<ApiOptions>() ?? new ApiOptions();

// One NpgsqlDataSource for Data, the engine and the health check (AddEasyParkData's registration wins).
builder.Services.AddEasyParkData(builder.Configuration[$"{PostgresOptions.Section}:ConnectionString"] ?? "");
builder.Services.AddHostedService<StartupTasks>();
builder.AddStripe();
builder.AddEasyParkAuth();
builder.Services.AddEasyParkProblemDetails();

var engine = builder.Services.AddWorkflowEngine().UsePostgres();
if (apiOptions.RunWorker)
{
    engine.AddWorker(apiOptions.TaskQueue);
}

builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = apiOptions.MaxRequestBodyBytes);

var app = builder.Build();

app.UseMiddleware<CorrelationId>();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseAuthentication();
app.UseAuthorization();

app.MapHealthEndpoints();
var v1 = app.MapGroup("/api/v1");
v1.MapAuthEndpoints();

app.Run();

/// <summary>The entry point, visible to <c>WebApplicationFactory</c> in the tests.</summary>
public partial class Program;
