using System.Text;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Core;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Status = Google.Rpc.Status;

namespace EasyParkPlus.TemporalServer.Http;

/// <summary>
/// Temporal's HTTP API (<c>/api/v1/...</c>), transcoded onto the server's gRPC methods the way grpc-gateway does it:
/// the verb and path pick the method by its <c>google.api.http</c> rule, path variables and the query string (or the
/// JSON body, for rules with <c>body: "*"</c>) fill the request message, and the response or the gRPC status comes
/// back in the proto3 JSON mapping (<see cref="ApiJson"/>, <see cref="ApiErrors"/>).
/// </summary>
internal sealed partial class HttpApiEndpoints(HttpApiRoutes routes, IApiMethodInvoker invoker, ILogger<HttpApiEndpoints> logger)
{
    /// <summary>Temporal's frontend caps HTTP API requests at gRPC's default message size.</summary>
    public const int MaxRequestBytes = 4 * 1024 * 1024;

    public async Task<ContentHttpResult> HandleAsync(HttpContext http)
    {
        var cancel = http.RequestAborted;
        try
        {
            var segments = PathSegments(http.Request);
            if (routes.Find(http.Request.Method, segments) is not { } found)
            {
                return routes.AnyVerbMatches(segments)
                    ? Error(ApiErrors.Of(StatusCode.Unimplemented, "Method Not Allowed"), StatusCodes.Status405MethodNotAllowed)
                    : Error(ApiErrors.Of(StatusCode.NotFound, "Not Found"));
            }
            var (binding, pathValues) = found;
            var request = await BindRequestAsync(binding, pathValues, http.Request, cancel);
            var response = await invoker.InvokeAsync(binding.Method, request, cancel);
            return Json(ApiJson.Formatter.Format(ResponseBody(binding, response)), StatusCodes.Status200OK);
        }
        catch (HttpBindingException ex)
        {
            return Error(ApiErrors.Of(StatusCode.InvalidArgument, ex.Message));
        }
        catch (Exception ex) when (ex is InvalidProtocolBufferException or InvalidJsonException)
        {
            // The JSON body is not JSON, or does not fit the request message (unknown field, wrong type).
            return Error(ApiErrors.Of(StatusCode.InvalidArgument, ex.Message));
        }
        catch (RpcException ex)
        {
            return Error(ApiErrors.FromException(ex));
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            return Error(ApiErrors.Of(StatusCode.Cancelled, "The client closed the request."));
        }
        catch (Exception ex)
        {
            LogFailed(logger, http.Request.Method, http.Request.Path, ex);
            return Error(ApiErrors.Of(StatusCode.Internal, "Internal error."));
        }
    }

    private static async Task<IMessage> BindRequestAsync(
        HttpBinding binding, IReadOnlyList<KeyValuePair<string, string>> pathValues, HttpRequest request, CancellationToken cancel)
    {
        var input = binding.Method.InputType;
        IMessage message;
        if (binding.Body == "*")
        {
            // The whole request comes from the body; the query string is not read (grpc-gateway's rule).
            var body = await ReadBodyAsync(request, cancel);
            message = string.IsNullOrWhiteSpace(body) ? New(input) : ApiJson.Parser.Parse(body, input);
        }
        else
        {
            message = New(input);
            if (binding.Body.Length > 0)
            {
                var field = input.FindFieldByName(binding.Body);
                var body = await ReadBodyAsync(request, cancel);
                if (!string.IsNullOrWhiteSpace(body))
                {
                    field.Accessor.SetValue(message, ApiJson.Parser.Parse(body, field.MessageType));
                }
            }
            foreach (var (key, values) in request.Query)
            {
                foreach (var value in values)
                {
                    // Parameters that name no field are ignored, as grpc-gateway does (pretty, cache busters, ...).
                    FieldPathBinder.TrySet(message, key, value ?? "");
                }
            }
        }
        // Path variables last: they win over the same field given in the body or the query string.
        foreach (var (fieldPath, value) in pathValues)
        {
            if (!FieldPathBinder.TrySet(message, fieldPath, value))
            {
                throw new HttpBindingException($"The path names '{fieldPath}', which {input.Name} does not have.");
            }
        }
        return message;
    }

    private static IMessage New(MessageDescriptor type) => type.Parser.ParseFrom(ByteString.Empty);

    private static async Task<string> ReadBodyAsync(HttpRequest request, CancellationToken cancel)
    {
        if (request.ContentLength > MaxRequestBytes)
        {
            throw new HttpBindingException($"The request body is larger than {MaxRequestBytes} bytes.");
        }
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancel)) > 0)
        {
            if (buffer.Length + read > MaxRequestBytes)
            {
                throw new HttpBindingException($"The request body is larger than {MaxRequestBytes} bytes.");
            }
            buffer.Write(chunk, 0, read);
        }
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
        }
        catch (DecoderFallbackException)
        {
            throw new HttpBindingException("The request body is not UTF-8 text.");
        }
    }

    private static IMessage ResponseBody(HttpBinding binding, IMessage response) =>
        binding.ResponseBody.Length > 0 && response.Descriptor.FindFieldByName(binding.ResponseBody) is { FieldType: FieldType.Message } field
            ? (IMessage?)field.Accessor.GetValue(response) ?? New(field.MessageType)
            : response;

    /// <summary>
    /// The path after /api/v1/, split on '/' before percent-decoding (from the raw request target, since ASP.NET Core
    /// keeps %2F but decodes the rest), so a workflow id with a '/' in it stays one segment.
    /// </summary>
    private static List<string> PathSegments(HttpRequest request)
    {
        var raw = request.HttpContext.Features.Get<IHttpRequestFeature>()?.RawTarget;
        var path = raw is { Length: > 0 } && raw.StartsWith(HttpApiRoutes.Prefix, StringComparison.Ordinal)
            ? raw.Split('?', 2)[0]
            : (request.PathBase + request.Path).ToUriComponent();
        return path.Split('/').Skip(1).Select(Uri.UnescapeDataString).ToList();
    }

    private static ContentHttpResult Json(string body, int status) => TypedResults.Content(body, "application/json", Encoding.UTF8, status);

    private static ContentHttpResult Error(Status status, int? httpStatus = null)
    {
        string body;
        try
        {
            body = ApiJson.Formatter.Format(status);
        }
        catch (InvalidOperationException)
        {
            // A detail of a type outside Temporal's API cannot be written as JSON; the code and message still can.
            body = ApiJson.Formatter.Format(new Status { Code = status.Code, Message = status.Message });
        }
        return Json(body, httpStatus ?? ApiErrors.HttpStatus((StatusCode)status.Code));
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "HTTP API call {Method} {Path} failed")]
    private static partial void LogFailed(ILogger logger, string method, string path, Exception exception);
}
