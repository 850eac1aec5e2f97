using EasyParkPlus.OcppGateway.Gates;
using EasyParkPlus.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddGates();

var app = builder.Build();
app.UseWebSockets();
app.MapHealthEndpoints();
app.MapGates(app.MapGroup("/internal/v1"));
app.Run();

/// <summary>The entry point, visible to <c>WebApplicationFactory</c> in the tests.</summary>
public partial class Program;
