using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EasyParkPlus.Activities.Payments;

/// <summary>
/// Stripe's REST API over a typed <see cref="HttpClient"/> (Stripe.net is not installable here).
/// Every mutating call takes the caller's idempotency key, derived from workflow id and step
/// (<c>parking-123/capture</c>), so an activity retried after a crash or timeout replays Stripe's
/// first answer instead of charging again.
/// </summary>
/// <remarks>
/// The client never retries by itself. Retries belong to the workflow engine's activity retry
/// policy: it backs off durably (across process restarts), counts attempts against the activity's
/// limits, records each failure in history, and re-sends the same idempotency key. A second, hidden
/// retry loop here would multiply attempts, stretch the activity past its timeouts, and hide
/// failures from the history operators read. So this class only classifies failures
/// (<see cref="StripeException.IsRetryable"/>) and lets them propagate.
/// </remarks>
public sealed class StripeClient
{
    /// <summary>The API version every request pins, so a change of the account's default version cannot change response shapes under us.</summary>
    public const string ApiVersion = "2025-03-31.basil";

    private readonly HttpClient _http;
    private readonly StripeOptions _options;
    private readonly ILogger<StripeClient> _logger;

    public StripeClient(HttpClient http, IOptions<StripeOptions> options, ILogger<StripeClient> logger)
    {
        _http = http;
        _options = options.Value;
        _logger = logger;
    }

    public Task<StripeCustomer> CreateCustomerAsync(
        CreateCustomerRequest request, string idempotencyKey, CancellationToken cancellationToken = default)
    {
        var form = new StripeForm()
            .Add("email", request.Email)
            .Add("name", request.Name)
            .AddMetadata(request.Metadata);
        return PostAsync<StripeCustomer>("v1/customers", form, idempotencyKey, cancellationToken);
    }

    public Task<StripePaymentMethod> AttachPaymentMethodAsync(
        string customerId, string paymentMethodId, string idempotencyKey, CancellationToken cancellationToken = default)
    {
        var form = new StripeForm().Add("customer", RequireId(customerId, nameof(customerId)));
        return PostAsync<StripePaymentMethod>(
            $"v1/payment_methods/{Escape(RequireId(paymentMethodId, nameof(paymentMethodId)))}/attach", form, idempotencyKey, cancellationToken);
    }

    public Task<StripeCustomer> SetDefaultPaymentMethodAsync(
        string customerId, string paymentMethodId, string idempotencyKey, CancellationToken cancellationToken = default)
    {
        var form = new StripeForm().Add("invoice_settings[default_payment_method]", RequireId(paymentMethodId, nameof(paymentMethodId)));
        return PostAsync<StripeCustomer>(
            $"v1/customers/{Escape(RequireId(customerId, nameof(customerId)))}", form, idempotencyKey, cancellationToken);
    }

    /// <summary>
    /// Attaches a card (a <c>pm_...</c> from the app, or a test token such as <c>pm_card_visa</c>) and makes it
    /// the customer's default. Two Stripe calls, keyed <c>{idempotencyKey}/attach</c> and <c>{idempotencyKey}/default</c>.
    /// </summary>
    /// <returns>The attached payment method; its id differs from a test token's.</returns>
    public async Task<StripePaymentMethod> AttachDefaultPaymentMethodAsync(
        string customerId, string paymentMethodId, string idempotencyKey, CancellationToken cancellationToken = default)
    {
        RequireIdempotencyKey(idempotencyKey);
        RequireIdempotencyKey(idempotencyKey + "/default");
        var attached = await AttachPaymentMethodAsync(customerId, paymentMethodId, idempotencyKey + "/attach", cancellationToken);
        await SetDefaultPaymentMethodAsync(customerId, attached.Id, idempotencyKey + "/default", cancellationToken);
        return attached;
    }

    public async Task<IReadOnlyList<StripePaymentMethod>> ListCardPaymentMethodsAsync(
        string customerId, CancellationToken cancellationToken = default)
    {
        var path = $"v1/customers/{Escape(RequireId(customerId, nameof(customerId)))}/payment_methods?type=card&limit=100";
        var cards = new List<StripePaymentMethod>();
        while (true)
        {
            var page = await SendAsync<StripeList<StripePaymentMethod>>(HttpMethod.Get, path, null, null, cancellationToken);
            cards.AddRange(page.Data);
            if (!page.HasMore || page.Data.Count == 0)
            {
                return cards;
            }
            path = $"v1/customers/{Escape(customerId)}/payment_methods?type=card&limit=100&starting_after={Escape(page.Data[^1].Id)}";
        }
    }

    /// <summary>
    /// An automatic-capture payment confirmed at once against a saved card with <c>off_session=true</c>.
    /// Declines throw a non-retryable <see cref="StripeException"/>; a card that needs 3-D Secure throws
    /// one with <see cref="StripeException.IsAuthenticationRequired"/>.
    /// </summary>
    public Task<StripePaymentIntent> ChargeSavedCardOffSessionAsync(
        OffSessionPaymentRequest request, string idempotencyKey, CancellationToken cancellationToken = default)
    {
        var form = new StripeForm()
            .Add("amount", RequireAmount(request.AmountCents, nameof(request.AmountCents)))
            .Add("currency", request.Currency)
            .Add("customer", RequireId(request.CustomerId, nameof(request.CustomerId)))
            .Add("payment_method", RequireId(request.PaymentMethodId, nameof(request.PaymentMethodId)))
            .AddListItem("payment_method_types", "card")
            .Add("confirm", true)
            .Add("off_session", true)
            .Add("description", request.Description)
            .AddMetadata(WithWorkflowId(request.Metadata, request.WorkflowId));
        return PostAsync<StripePaymentIntent>("v1/payment_intents", form, idempotencyKey, cancellationToken);
    }

    /// <summary>
    /// A confirmed <c>capture_method=manual</c> PaymentIntent: on success its status is <c>requires_capture</c>
    /// and <c>amount_capturable</c> is held on the card (about 7 days) until captured or cancelled.
    /// </summary>
    public Task<StripePaymentIntent> CreateAuthorizationHoldAsync(
        AuthorizationHoldRequest request, string idempotencyKey, CancellationToken cancellationToken = default)
    {
        var form = new StripeForm()
            .Add("amount", RequireAmount(request.AmountCents, nameof(request.AmountCents)))
            .Add("currency", request.Currency)
            .Add("capture_method", "manual")
            .Add("customer", request.CustomerId)
            .Add("payment_method", RequireId(request.PaymentMethodId, nameof(request.PaymentMethodId)))
            .AddListItem("payment_method_types", "card")
            .Add("confirm", true);
        if (request.OffSession)
        {
            form.Add("off_session", true);
        }
        form.Add("description", request.Description)
            .AddMetadata(WithWorkflowId(request.Metadata, request.WorkflowId));
        return PostAsync<StripePaymentIntent>("v1/payment_intents", form, idempotencyKey, cancellationToken);
    }

    public Task<StripePaymentIntent> GetPaymentIntentAsync(string paymentIntentId, CancellationToken cancellationToken = default) =>
        SendAsync<StripePaymentIntent>(
            HttpMethod.Get, $"v1/payment_intents/{Escape(RequireId(paymentIntentId, nameof(paymentIntentId)))}", null, null, cancellationToken);

    /// <summary>Captures a hold; <paramref name="amountToCapture"/> (≤ <c>amount_capturable</c>) or, when null, all of it. The rest is released.</summary>
    public Task<StripePaymentIntent> CapturePaymentIntentAsync(
        string paymentIntentId, long? amountToCapture, string idempotencyKey, CancellationToken cancellationToken = default)
    {
        var form = new StripeForm()
            .Add("amount_to_capture", amountToCapture is { } amount ? RequireAmount(amount, nameof(amountToCapture)) : null);
        return PostAsync<StripePaymentIntent>(
            $"v1/payment_intents/{Escape(RequireId(paymentIntentId, nameof(paymentIntentId)))}/capture", form, idempotencyKey, cancellationToken);
    }

    /// <summary>Cancels a PaymentIntent that has not succeeded; for a hold this releases the authorised amount.</summary>
    public Task<StripePaymentIntent> CancelPaymentIntentAsync(
        string paymentIntentId, CancellationReason reason, string idempotencyKey, CancellationToken cancellationToken = default)
    {
        var form = new StripeForm().Add("cancellation_reason", ToWire(reason));
        return PostAsync<StripePaymentIntent>(
            $"v1/payment_intents/{Escape(RequireId(paymentIntentId, nameof(paymentIntentId)))}/cancel", form, idempotencyKey, cancellationToken);
    }

    /// <summary>Refunds all or part of what a PaymentIntent captured; the total refunded can never exceed the amount captured.</summary>
    public Task<StripeRefund> CreateRefundAsync(RefundRequest request, string idempotencyKey, CancellationToken cancellationToken = default)
    {
        var form = new StripeForm()
            .Add("payment_intent", RequireId(request.PaymentIntentId, nameof(request.PaymentIntentId)))
            .Add("amount", request.AmountCents is { } amount ? RequireAmount(amount, nameof(request.AmountCents)) : null)
            .Add("reason", request.Reason is { } reason ? ToWire(reason) : null)
            .AddMetadata(WithWorkflowId(request.Metadata, request.WorkflowId));
        return PostAsync<StripeRefund>("v1/refunds", form, idempotencyKey, cancellationToken);
    }

    private Task<T> PostAsync<T>(string path, StripeForm form, string idempotencyKey, CancellationToken cancellationToken) =>
        SendAsync<T>(HttpMethod.Post, path, form, RequireIdempotencyKey(idempotencyKey), cancellationToken);

    private async Task<T> SendAsync<T>(
        HttpMethod method, string path, StripeForm? form, string? idempotencyKey, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _options.ApiKey);
        request.Headers.Add("Stripe-Version", ApiVersion);
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }
        if (form is not null)
        {
            request.Content = form.ToContent();
        }

        var logPath = "/" + path.Split('?')[0];
        var started = Stopwatch.GetTimestamp();
        HttpResponseMessage response;
        try
        {
            // ResponseContentRead: the whole body arrives within HttpClient.Timeout, so a stalled body is a timeout too.
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (OperationCanceledException ex)
        {
            Log.StripeCallDidNotComplete(_logger, method.Method, logPath, "timeout", idempotencyKey, ex);
            throw new StripeException(
                $"Stripe {method} {logPath} got no response within {_http.Timeout.TotalSeconds:0.###} s; it may or may not have been applied.",
                StripeErrorKind.Timeout, isRetryable: true, innerException: ex);
        }
        catch (HttpRequestException ex)
        {
            Log.StripeCallDidNotComplete(_logger, method.Method, logPath, ex.HttpRequestError.ToString(), idempotencyKey, ex);
            throw new StripeException(
                $"Stripe {method} {logPath} failed before a response arrived: {ex.Message}",
                StripeErrorKind.ConnectionFailure, isRetryable: true, innerException: ex);
        }

        using (response)
        {
            var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
            var status = (int)response.StatusCode;
            var requestId = Header(response, "Request-Id");
            var elapsedMs = (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            if (response.IsSuccessStatusCode)
            {
                var replayed = Header(response, "Idempotent-Replayed") == "true";
                Log.StripeCallSucceeded(_logger, method.Method, logPath, status, elapsedMs, requestId, idempotencyKey, replayed);
                return Parse<T>(method, logPath, body, requestId);
            }

            bool? shouldRetry = Header(response, "Stripe-Should-Retry") switch
            {
                "true" => true,
                "false" => false,
                _ => null,
            };
            var failure = StripeException.FromResponse(method.Method, logPath, status, body, requestId, shouldRetry);
            Log.StripeCallFailed(
                _logger, method.Method, logPath, status, failure.ErrorType, failure.Code, failure.DeclineCode, requestId, idempotencyKey, failure.IsRetryable);
            throw failure;
        }
    }

    private static T Parse<T>(HttpMethod method, string path, byte[] body, string? requestId)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(body, StripeJson.Options)
                ?? throw new JsonException("The body is JSON null.");
        }
        catch (JsonException ex)
        {
            // The call succeeded at Stripe; a retry with the same key would replay the same body, so it cannot help.
            throw new StripeException(
                $"Stripe {method} {path} answered with a body that is not a {typeof(T).Name} [{requestId ?? "no request id"}].",
                StripeErrorKind.UnexpectedResponse, isRetryable: false, requestId: requestId, innerException: ex);
        }
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

    private static Dictionary<string, string> WithWorkflowId(IReadOnlyDictionary<string, string>? metadata, string workflowId)
    {
        var merged = metadata is null ? new Dictionary<string, string>(StringComparer.Ordinal) : new Dictionary<string, string>(metadata, StringComparer.Ordinal);
        merged["workflow_id"] = RequireId(workflowId, nameof(workflowId));
        return merged;
    }

    private static string RequireIdempotencyKey(string idempotencyKey)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(idempotencyKey);
        if (idempotencyKey.Length > 255)
        {
            throw new ArgumentException("Stripe idempotency keys are at most 255 characters.", nameof(idempotencyKey));
        }
        return idempotencyKey;
    }

    private static string RequireId(string id, string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id, name);
        return id;
    }

    private static long RequireAmount(long cents, string name)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(cents, name);
        return cents;
    }

    private static string Escape(string segment) => Uri.EscapeDataString(segment);

    private static string ToWire(CancellationReason reason) => reason switch
    {
        CancellationReason.Abandoned => "abandoned",
        CancellationReason.Duplicate => "duplicate",
        CancellationReason.Fraudulent => "fraudulent",
        CancellationReason.RequestedByCustomer => "requested_by_customer",
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, null),
    };

    private static string ToWire(RefundReason reason) => reason switch
    {
        RefundReason.Duplicate => "duplicate",
        RefundReason.Fraudulent => "fraudulent",
        RefundReason.RequestedByCustomer => "requested_by_customer",
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, null),
    };

    private sealed record StripeList<T>(IReadOnlyList<T> Data, bool HasMore);
}
