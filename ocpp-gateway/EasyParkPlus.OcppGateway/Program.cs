using System.Security.Cryptography;
using System.Text;
using EasyParkPlus.OcppGateway.Gates;
using EasyParkPlus.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddGates();

var app = builder.Build();
app.UseWebSockets();
app.MapHealthEndpoints();

// Minimal internal-key check until the gateway's own internal API group replaces it.
var internalKey = Encoding.UTF8.GetBytes(app.Configuration["Gateway:InternalApiKey"] ?? "");
var internalApi = app.MapGroup("/internal/v1").AddEndpointFilter(async (context, next) =>
{
    var presented = Encoding.UTF8.GetBytes(context.HttpContext.Request.Headers["X-EasyPark-Internal-Key"].ToString());
    return internalKey.Length > 0 && CryptographicOperations.FixedTimeEquals(presented, internalKey)
        ? await next(context)
        : TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Internal API key required");
});
app.MapGates(internalApi);
app.Run();

/// <summary>The entry point, visible to <c>WebApplicationFactory</c> in the tests.</summary>
public partial class Program;
