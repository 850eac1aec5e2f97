using System.Text.Json.Nodes;

namespace EasyParkPlus.LocalStripe;

/// <summary>
/// An error the stand-in answers with, in Stripe's shape. <see cref="BeforeExecution"/> marks failures
/// Stripe reports before an endpoint starts (malformed parameters): those are not stored under the
/// idempotency key, so a corrected retry with the same key runs. Everything else is stored and replayed.
/// </summary>
internal sealed class StandInError : Exception
{
    private StandInError(int status, JsonObject error, bool beforeExecution)
        : base(error["message"]?.GetValue<string>())
    {
        Status = status;
        Error = error;
        BeforeExecution = beforeExecution;
    }

    public int Status { get; }

    public JsonObject Error { get; }

    public bool BeforeExecution { get; }

    public static StandInError Invalid(string message, string? code = null, string? param = null, bool beforeExecution = false, JsonObject? paymentIntent = null) =>
        Create(400, "invalid_request_error", message, code, param, null, paymentIntent, beforeExecution);

    public static StandInError Missing(string objectName, string id, string param) =>
        Create(404, "invalid_request_error", $"No such {objectName}: '{id}'", "resource_missing", param, null, null, beforeExecution: false);

    public static StandInError UnexpectedState(string message, JsonObject paymentIntent) =>
        Create(400, "invalid_request_error", message, "payment_intent_unexpected_state", null, null, paymentIntent, beforeExecution: false);

    public static StandInError Card(JsonObject error) => new(402, error, beforeExecution: false);

    public static StandInError Create(
        int status, string type, string message, string? code, string? param, string? declineCode, JsonObject? paymentIntent, bool beforeExecution)
    {
        var error = new JsonObject();
        if (code is not null)
        {
            error["code"] = code;
        }
        if (declineCode is not null)
        {
            error["decline_code"] = declineCode;
        }
        if (code is not null)
        {
            error["doc_url"] = "https://stripe.com/docs/error-codes/" + code.Replace('_', '-');
        }
        error["message"] = message;
        if (param is not null)
        {
            error["param"] = param;
        }
        if (paymentIntent is not null)
        {
            error["payment_intent"] = paymentIntent;
        }
        error["type"] = type;
        return new StandInError(status, error, beforeExecution);
    }

    public string ToJson() => new JsonObject { ["error"] = Error.DeepClone() }.ToJsonString(StandInJson.Indented);
}
