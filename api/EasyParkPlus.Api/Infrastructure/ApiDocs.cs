using Microsoft.OpenApi;

namespace EasyParkPlus.Api.Infrastructure;

/// <summary>The OpenAPI document (/openapi/v1.json) with the bearer scheme, and Swagger UI at /docs.</summary>
public static class ApiDocs
{
    public static IServiceCollection AddEasyParkOpenApi(this IServiceCollection services) =>
        services.AddOpenApi("v1", o => o.AddDocumentTransformer((document, _, _) =>
        {
            document.Info = new OpenApiInfo
            {
                Title = "EasyParkPlus API",
                Version = "v1",
                Description = "Parking, reservations, EV charging, billing and operator workflows. Authenticate with POST /api/v1/auth/login, then send 'Authorization: Bearer <accessToken>'. Errors are RFC 7807 problem details.",
            };
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes["Bearer"] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                BearerFormat = "JWT",
                Description = "Access token from /api/v1/auth/login.",
            };
            document.Security ??= [];
            document.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("Bearer", document)] = [] });
            return Task.CompletedTask;
        }));

    public static WebApplication MapEasyParkOpenApi(this WebApplication app)
    {
        app.MapOpenApi().AllowAnonymous();
        app.UseSwaggerUI(o =>
        {
            o.RoutePrefix = "docs";
            o.SwaggerEndpoint("/openapi/v1.json", "EasyParkPlus API v1");
            o.DocumentTitle = "EasyParkPlus API";
        });
        return app;
    }
}
