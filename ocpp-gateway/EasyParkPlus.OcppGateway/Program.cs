using EasyParkPlus.OcppGateway;
using EasyParkPlus.OcppGateway.Gates;
using EasyParkPlus.OcppGateway.Internal;
using EasyParkPlus.OcppGateway.Ocpp;
using EasyParkPlus.OcppGateway.Workflows;
using EasyParkPlus.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddOcppGateway();
builder.AddGates();
builder.AddOcpp();
builder.AddWorkflowRouting();
// Devices on the public addresses, the internal command API on its own socket (Gateway:InternalListenUrl).
builder.WebHost.ConfigureKestrel((context, kestrel) => InternalListener.Configure(kestrel, context.Configuration));

builder.Services.AddProblemDetails();
builder.Services.AddExceptionHandler<GatewayExceptionHandler>();

var app = builder.Build();
app.Lifetime.ApplicationStarted.Register(app.Services.GetRequiredService<InternalListener>().LogBound);
// Outermost: no exception reaches a caller as a stack trace (nor the developer exception page in Development).
app.UseExceptionHandler();
app.Use(InternalListener.Separate);
app.UseWebSockets();
app.MapHealthEndpoints();

// Every command endpoint (chargers and gates) lives under /internal/v1, on the internal socket, and requires the internal key.
var internalApi = app.MapInternalApi();
app.MapGates(internalApi);
app.MapOcpp(internalApi);
app.Run();

/// <summary>The entry point, visible to <c>WebApplicationFactory</c> in the tests.</summary>
public partial class Program;
