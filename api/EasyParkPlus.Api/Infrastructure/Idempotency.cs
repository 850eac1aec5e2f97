using System.Security.Cryptography;
using Npgsql;

namespace EasyParkPlus.Api.Infrastructure;

/// <summary>Marks a POST that starts something: it honours the Idempotency-Key header.</summary>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Class)]
public sealed class IdempotentAttribute : Attribute;

public static class IdempotencyExtensions
{
    public static TBuilder Idempotent<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new IdempotentAttribute());
}

/// <summary>
/// Idempotency-Key on endpoints marked <see cref="IdempotentAttribute"/>: the first request with a key runs and its
/// response (status below 500) is stored in PostgreSQL; a repeat with the same body gets that response again
/// (header Idempotent-Replayed: true) without running anything; the same key with another body is refused with 422;
/// a repeat while the first is still running gets 409. Keys are scoped to the caller, so two clients never collide.
/// </summary>
public sealed partial class IdempotencyMiddleware(RequestDelegate next, NpgsqlDataSource db, IProblemDetailsService problems, ILogger<IdempotencyMiddleware> logger)
{
    public const string Header = "Idempotency-Key";

    public async Task InvokeAsync(HttpContext context)
    {
        var key = context.Request.Headers[Header].ToString();
        if (key.Length == 0 || context.GetEndpoint()?.Metadata.GetMetadata<IdempotentAttribute>() is null)
        {
            await next(context);
            return;
        }
        if (key.Length > 200 || key.Any(c => c < 0x21 || c > 0x7e))
        {
            await ProblemAsync(context, 400, "Idempotency-Key must be 1-200 printable ASCII characters without spaces.");
            return;
        }

        context.Request.EnableBuffering();
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body, context.RequestAborted);
        context.Request.Body.Position = 0;
        var hash = RequestHash(context.Request.Method, context.Request.Path.Value ?? "", body.ToArray());
        var scope = context.User.FindFirst("sub")?.Value is { } sub ? "sub:" + sub : "anon";

        var stored = await ClaimAsync(scope, key, context.Request.Method, context.Request.Path.Value ?? "", hash, context.RequestAborted);
        if (stored is not null)
        {
            await ReplayAsync(context, stored, hash);
            return;
        }

        var original = context.Response.Body;
        using var buffer = new MemoryStream();
        context.Response.Body = buffer;
        var completed = false;
        try
        {
            await next(context);
            completed = true;
        }
        finally
        {
            context.Response.Body = original;
            var status = context.Response.StatusCode;
            if (completed && status < 500)
            {
                await CompleteAsync(scope, key, status, context.Response.ContentType, context.Response.Headers.Location.ToString(), buffer.ToArray());
            }
            else
            {
                // Failed runs are not remembered, so the client may retry with the same key.
                await ForgetAsync(scope, key);
            }
            if (completed)
            {
                buffer.Position = 0;
                await buffer.CopyToAsync(original, context.RequestAborted);
            }
        }
    }

    private static string RequestHash(string method, string path, byte[] body)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(System.Text.Encoding.UTF8.GetBytes($"{method} {path}\n"));
        sha.AppendData(body);
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    private sealed record StoredResponse(string RequestHash, int? StatusCode, string? ContentType, string? Location, byte[]? Body);

    // Inserts the key as "in flight"; returns the existing row when the key was already used.
    private async Task<StoredResponse?> ClaimAsync(string scope, string key, string method, string path, string hash, CancellationToken ct)
    {
        await using var insert = db.CreateCommand("""
            INSERT INTO api.idempotency_keys (scope, key, method, path, request_hash) VALUES ($1, $2, $3, $4, $5)
            ON CONFLICT (scope, key) DO NOTHING
            """);
        insert.Parameters.Add(new() { Value = scope });
        insert.Parameters.Add(new() { Value = key });
        insert.Parameters.Add(new() { Value = method });
        insert.Parameters.Add(new() { Value = path });
        insert.Parameters.Add(new() { Value = hash });
        if (await insert.ExecuteNonQueryAsync(ct) == 1)
        {
            return null;
        }
        await using var select = db.CreateCommand(
            "SELECT request_hash, status_code, content_type, location, response_body FROM api.idempotency_keys WHERE scope = $1 AND key = $2");
        select.Parameters.Add(new() { Value = scope });
        select.Parameters.Add(new() { Value = key });
        await using var reader = await select.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
        {
            // Deleted between the two statements (the first run failed): treat as in flight, the client retries.
            return new StoredResponse(hash, null, null, null, null);
        }
        return new StoredResponse(reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetInt32(1), reader.IsDBNull(2) ? null : reader.GetString(2),
            reader.IsDBNull(3) ? null : reader.GetString(3), reader.IsDBNull(4) ? null : (byte[])reader[4]);
    }

    private async Task ReplayAsync(HttpContext context, StoredResponse stored, string hash)
    {
        if (stored.RequestHash != hash)
        {
            await ProblemAsync(context, StatusCodes.Status422UnprocessableEntity,
                "This Idempotency-Key was already used with a different request body or path.");
            return;
        }
        if (stored.StatusCode is null)
        {
            await ProblemAsync(context, StatusCodes.Status409Conflict, "A request with this Idempotency-Key is still being processed; retry shortly.");
            return;
        }
        LogReplay(logger, context.Request.Path.Value ?? "");
        context.Response.StatusCode = stored.StatusCode.Value;
        context.Response.Headers["Idempotent-Replayed"] = "true";
        if (stored.ContentType is not null)
        {
            context.Response.ContentType = stored.ContentType;
        }
        if (!string.IsNullOrEmpty(stored.Location))
        {
            context.Response.Headers.Location = stored.Location;
        }
        if (stored.Body is { Length: > 0 })
        {
            await context.Response.Body.WriteAsync(stored.Body, context.RequestAborted);
        }
    }

    private async Task CompleteAsync(string scope, string key, int status, string? contentType, string location, byte[] body)
    {
        await using var update = db.CreateCommand("""
            UPDATE api.idempotency_keys SET status_code = $3, content_type = $4, location = $5, response_body = $6, completed_at = now()
            WHERE scope = $1 AND key = $2
            """);
        update.Parameters.Add(new() { Value = scope });
        update.Parameters.Add(new() { Value = key });
        update.Parameters.Add(new() { Value = status });
        update.Parameters.Add(new() { Value = (object?)contentType ?? DBNull.Value });
        update.Parameters.Add(new() { Value = location });
        update.Parameters.Add(new() { Value = body });
        await update.ExecuteNonQueryAsync(CancellationToken.None);
    }

    private async Task ForgetAsync(string scope, string key)
    {
        await using var delete = db.CreateCommand("DELETE FROM api.idempotency_keys WHERE scope = $1 AND key = $2");
        delete.Parameters.Add(new() { Value = scope });
        delete.Parameters.Add(new() { Value = key });
        await delete.ExecuteNonQueryAsync(CancellationToken.None);
    }

    private Task ProblemAsync(HttpContext context, int status, string title)
    {
        context.Response.StatusCode = status;
        return problems.WriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = { Status = status, Title = title } }).AsTask();
    }

    [LoggerMessage(EventId = 5030, Level = LogLevel.Information, Message = "Replayed the stored response for an Idempotency-Key on {Path}")]
    private static partial void LogReplay(ILogger logger, string path);
}
