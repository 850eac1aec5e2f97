using Google.Protobuf;
using Grpc.Core;
using Status = Google.Rpc.Status;

namespace EasyParkPlus.TemporalServer.Http;

/// <summary>
/// gRPC outcomes in HTTP the way grpc-gateway writes them (Temporal's frontend and UI server both use its mapping):
/// the status code picks the HTTP status, and the body is the google.rpc.Status in JSON, <c>{"code": 5, "message":
/// "...", "details": [{"@type": "type.googleapis.com/temporal.api.errordetails.v1.NotFoundFailure", ...}]}</c>.
/// </summary>
internal static class ApiErrors
{
    public static int HttpStatus(StatusCode code) => code switch
    {
        StatusCode.OK => StatusCodes.Status200OK,
        StatusCode.Cancelled => 499, // client closed request
        StatusCode.InvalidArgument or StatusCode.FailedPrecondition or StatusCode.OutOfRange => StatusCodes.Status400BadRequest,
        StatusCode.DeadlineExceeded => StatusCodes.Status504GatewayTimeout,
        StatusCode.NotFound => StatusCodes.Status404NotFound,
        StatusCode.AlreadyExists or StatusCode.Aborted => StatusCodes.Status409Conflict,
        StatusCode.PermissionDenied => StatusCodes.Status403Forbidden,
        StatusCode.Unauthenticated => StatusCodes.Status401Unauthorized,
        StatusCode.ResourceExhausted => StatusCodes.Status429TooManyRequests,
        StatusCode.Unimplemented => StatusCodes.Status501NotImplemented,
        StatusCode.Unavailable => StatusCodes.Status503ServiceUnavailable,
        _ => StatusCodes.Status500InternalServerError,
    };

    /// <summary>The status a handler raised, with the details it attached in <c>grpc-status-details-bin</c>.</summary>
    public static Status FromException(RpcException ex)
    {
        var detailsBin = ex.Trailers.GetValueBytes("grpc-status-details-bin");
        if (detailsBin is { Length: > 0 })
        {
            try
            {
                var status = Status.Parser.ParseFrom(detailsBin);
                if (status.Code == (int)ex.StatusCode)
                {
                    return status;
                }
            }
            catch (InvalidProtocolBufferException)
            {
                // A malformed details trailer still leaves the code and message to report.
            }
        }
        return new Status { Code = (int)ex.StatusCode, Message = ex.Status.Detail };
    }

    public static Status Of(StatusCode code, string message) => new() { Code = (int)code, Message = message };
}
