using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EasyParkPlus.LocalStripe;

/// <summary>A request the stand-in received, with the answer it gave (status 0: the client gave up before one).</summary>
public sealed record StripeRecordedRequest(
    string Method,
    string Path,
    string? IdempotencyKey,
    string? StripeVersion,
    string? ContentType,
    string RawBody,
    IReadOnlyList<KeyValuePair<string, string>> Parameters,
    int StatusCode,
    bool Replayed);

public sealed record StripeStandInPaymentIntent(
    string Id,
    string Status,
    long Amount,
    long AmountCapturable,
    long AmountReceived,
    long AmountRefunded,
    string Currency,
    string CaptureMethod,
    string? Customer,
    string? PaymentMethod,
    string? CancellationReason,
    IReadOnlyDictionary<string, string> Metadata);

public sealed record StripeStandInRefund(string Id, string PaymentIntent, long Amount, string? Reason, IReadOnlyDictionary<string, string> Metadata);

/// <summary>
/// A local Stripe for tests and offline development (`./easypark run` without a Stripe key), on a loopback port over real HTTP. It follows Stripe's documented
/// behaviour for the endpoints EasyParkPlus uses: form-encoded parameters (unknown ones refused),
/// <c>Bearer sk_test_...</c> keys, idempotency keys scoped per API key (replay byte-for-byte with
/// <c>Idempotent-Replayed: true</c>; other parameters under the same key: 400 <c>idempotency_error</c>;
/// malformed requests and front-door failures are not stored), test cards, PaymentIntent statuses,
/// manual capture, cancel, refunds, and Stripe's error bodies.
/// Supported: customers (create, retrieve, update), payment methods (attach, detach, retrieve, list by
/// customer as <c>GET /v1/payment_methods?customer=</c> and <c>GET /v1/customers/{id}/payment_methods</c>), payment intents (create, retrieve, confirm, capture, cancel), refunds (create, retrieve).
/// </summary>
public sealed class StripeStandIn : IAsyncDisposable
{
    /// <summary>Any <c>sk_test_</c> key is accepted; this one is the conventional choice.</summary>
    public const string ApiKey = "sk_test_easyparkstandin";

    /// <summary>The account's default API version, used when a request sends no <c>Stripe-Version</c>: the one Stripe.net 53 pins.</summary>
    public const string DefaultApiVersion = "2026-10-28.endive";

    private readonly WebApplication _app;
    private readonly StandInBank _bank;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Lock _sync = new();
    private readonly Dictionary<(string ApiKey, string Key), StoredResponse> _idempotency = [];
    private readonly List<StripeRecordedRequest> _requests = [];
    private readonly List<Fault> _faults = [];
    private readonly CancellationTokenSource _stopping = new();

    private StripeStandIn(WebApplication app, TimeProvider time)
    {
        _app = app;
        _time = time;
        _bank = new StandInBank(time);
    }

    /// <summary>The bound base address, e.g. <c>http://127.0.0.1:41234/</c>; use it as <c>Stripe:BaseUrl</c>.</summary>
    public string BaseUrl { get; private set; } = "";

    public Uri BaseUri => new(BaseUrl);

    public static async Task<StripeStandIn> StartAsync(TimeProvider? time = null, CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Development" });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        builder.Services.Configure<Microsoft.Extensions.Hosting.HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(2));
        var app = builder.Build();
        var standIn = new StripeStandIn(app, time ?? TimeProvider.System);
        app.MapMethods("/{**path}", ["GET", "POST", "DELETE"], standIn.HandleAsync);
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        standIn.BaseUrl = address.TrimEnd('/') + "/";
        return standIn;
    }

    public IReadOnlyList<StripeRecordedRequest> Requests
    {
        get
        {
            lock (_sync)
            {
                return [.. _requests];
            }
        }
    }

    public async Task<IReadOnlyList<StripeStandInPaymentIntent>> GetPaymentIntentsAsync()
    {
        await _gate.WaitAsync();
        try
        {
            return _bank.PaymentIntents
                .Select(pi => new StripeStandInPaymentIntent(
                    pi.Id, pi.Status, pi.Amount, pi.AmountCapturable, pi.AmountReceived, pi.AmountRefunded, pi.Currency, pi.CaptureMethod,
                    pi.CustomerId, pi.PaymentMethodId, pi.CancellationReason, new Dictionary<string, string>(pi.Metadata)))
                .ToList();
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<IReadOnlyList<StripeStandInRefund>> GetRefundsAsync()
    {
        await _gate.WaitAsync();
        try
        {
            return _bank.Refunds
                .Select(r => new StripeStandInRefund(r.Id, r.PaymentIntentId, r.Amount, r.Reason, new Dictionary<string, string>(r.Metadata)))
                .ToList();
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// The next <paramref name="times"/> requests to <paramref name="path"/> (e.g. <c>/v1/payment_intents</c>) fail with
    /// <paramref name="statusCode"/> (429 rate limit, 500/502/503 api_error, ...) before reaching the API, as Stripe's
    /// rate limiter and load balancers do: nothing is executed or stored under the idempotency key.
    /// <paramref name="shouldRetry"/> adds <c>Stripe-Should-Retry</c>.
    /// </summary>
    public void FailNext(string path, int statusCode, int times = 1, bool? shouldRetry = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(statusCode, 400);
        lock (_sync)
        {
            _faults.Add(new Fault(path, times, statusCode, shouldRetry, null, false));
        }
    }

    /// <summary>
    /// Holds the next response to <paramref name="path"/> for <paramref name="delay"/> (<see cref="Timeout.InfiniteTimeSpan"/>:
    /// until the client gives up). With <paramref name="afterExecution"/> the request is executed and stored first, so the
    /// client times out on an operation Stripe did apply: the case idempotency keys exist for.
    /// </summary>
    public void DelayNext(string path, TimeSpan delay, bool afterExecution = false)
    {
        lock (_sync)
        {
            _faults.Add(new Fault(path, 1, null, null, delay, afterExecution));
        }
    }

    /// <summary>A Stripe event (<c>evt_...</c>) wrapping the current state of a stand-in object, as webhooks deliver it.</summary>
    public async Task<string> CreateEventJsonAsync(string type, string objectId)
    {
        await _gate.WaitAsync();
        try
        {
            var dataObject = _bank.FindObjectJson(objectId) ?? throw new ArgumentException($"The stand-in has no object '{objectId}'.", nameof(objectId));
            return StripeWebhookSigner.CreateEventJson("evt_" + Guid.NewGuid().ToString("N")[..24], type, _time.GetUtcNow(), dataObject);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _app.StopAsync();
        await _app.DisposeAsync();
        _stopping.Dispose();
        _gate.Dispose();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var method = request.Method;
        var path = request.Path.Value ?? "/";
        var idempotencyKey = request.Headers["Idempotency-Key"].FirstOrDefault();
        var stripeVersion = request.Headers["Stripe-Version"].FirstOrDefault();
        string rawBody;
        using (var reader = new StreamReader(request.Body, Encoding.UTF8))
        {
            rawBody = await reader.ReadToEndAsync(context.RequestAborted);
        }
        var form = StandInForm.Parse(method == "GET" ? request.QueryString.Value ?? "" : rawBody);

        void Record(int status, bool replayed)
        {
            lock (_sync)
            {
                _requests.Add(new StripeRecordedRequest(
                    method, path, idempotencyKey, stripeVersion, request.ContentType, rawBody, form.Pairs, status, replayed));
            }
        }

        if (Authenticate(request) is not { } apiKey)
        {
            var unauthorized = StandInError.Create(401, "invalid_request_error", request.Headers.Authorization.Count == 0
                ? "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY')."
                : "Invalid API Key provided; the stand-in accepts test secret keys (sk_test_...).", null, null, null, null, true);
            Record(401, false);
            await WriteAsync(context, 401, unauthorized.ToJson(), replayed: false, shouldRetry: null);
            return;
        }

        var fault = TakeFault(path);
        if (fault is { Delay: { } before, AfterExecution: false } && !await DelayAsync(before, context))
        {
            Record(0, false);
            return;
        }
        if (fault is { StatusCode: { } failWith })
        {
            Record(failWith, false);
            await WriteAsync(context, failWith, FaultBody(failWith), replayed: false, fault.ShouldRetry);
            return;
        }

        int status;
        string body;
        var replayed = false;
        await _gate.WaitAsync(context.RequestAborted);
        try
        {
            (status, body, replayed) = Execute(method, path, request, stripeVersion, idempotencyKey, apiKey, form);
        }
        finally
        {
            _gate.Release();
        }
        if (fault is { Delay: { } after, AfterExecution: true } && !await DelayAsync(after, context))
        {
            Record(0, replayed);
            return;
        }
        Record(status, replayed);
        await WriteAsync(context, status, body, replayed, shouldRetry: null);
    }

    private (int Status, string Body, bool Replayed) Execute(
        string method, string path, HttpRequest request, string? stripeVersion, string? idempotencyKey, string apiKey, StandInForm form)
    {
        // Stripe ignores idempotency keys on GET and DELETE: they are idempotent anyway.
        var keyed = method == "POST" && idempotencyKey is not null;
        var fingerprint = form.Fingerprint(method, path);
        if (keyed && _idempotency.TryGetValue((apiKey, idempotencyKey!), out var stored))
        {
            if (stored.Fingerprint == fingerprint)
            {
                return (stored.Status, stored.Body, true);
            }
            var mismatch = StandInError.Create(400, "idempotency_error",
                $"Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '{idempotencyKey}' if you meant to execute a different request.",
                null, null, null, null, beforeExecution: true);
            return (400, mismatch.ToJson(), false);
        }

        int status;
        string body;
        var store = keyed;
        try
        {
            CheckRequest(method, request, stripeVersion, idempotencyKey);
            var result = _bank.Dispatch(method, path.Trim('/').Split('/'), form, stripeVersion ?? DefaultApiVersion)
                ?? throw StandInError.Create(404, "invalid_request_error",
                    $"Unrecognized request URL ({method}: {path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.",
                    null, null, null, null, beforeExecution: true);
            status = 200;
            body = result.ToJsonString(StandInJson.Indented);
        }
        catch (StandInError error)
        {
            status = error.Status;
            body = error.ToJson();
            store &= !error.BeforeExecution;
        }
        if (store)
        {
            _idempotency[(apiKey, idempotencyKey!)] = new StoredResponse(fingerprint, status, body);
        }
        return (status, body, false);
    }

    private static void CheckRequest(string method, HttpRequest request, string? stripeVersion, string? idempotencyKey)
    {
        if (stripeVersion is not null && !System.Text.RegularExpressions.Regex.IsMatch(stripeVersion, @"^\d{4}-\d{2}-\d{2}(\.[a-z]+)?$"))
        {
            throw StandInError.Create(400, "invalid_request_error", $"Invalid Stripe API version: {stripeVersion}", "api_version_invalid", null, null, null, true);
        }
        if (idempotencyKey is { Length: > 255 })
        {
            throw StandInError.Create(400, "invalid_request_error", "Idempotency keys can be no longer than 255 characters.", null, null, null, null, true);
        }
        if (method == "POST" && request.ContentLength is > 0
            && request.ContentType?.StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase) != true)
        {
            throw StandInError.Create(400, "invalid_request_error",
                $"Invalid request: unsupported Content-Type {request.ContentType}. If error persists and you need assistance, please contact support@stripe.com.",
                null, null, null, null, true);
        }
    }

    private static string? Authenticate(HttpRequest request)
    {
        var header = request.Headers.Authorization.FirstOrDefault();
        string? key = null;
        if (header?.StartsWith("Bearer ", StringComparison.Ordinal) == true)
        {
            key = header["Bearer ".Length..].Trim();
        }
        else if (header?.StartsWith("Basic ", StringComparison.Ordinal) == true)
        {
            // curl -u sk_test_...: sends the key as the Basic user name.
            try
            {
                key = Encoding.UTF8.GetString(Convert.FromBase64String(header["Basic ".Length..].Trim())).Split(':')[0];
            }
            catch (FormatException)
            {
                key = null;
            }
        }
        return key is { Length: > 8 } && key.StartsWith("sk_test_", StringComparison.Ordinal) ? key : null;
    }

    private Fault? TakeFault(string path)
    {
        lock (_sync)
        {
            var fault = _faults.FirstOrDefault(f => f.Path == path);
            if (fault is null)
            {
                return null;
            }
            fault.Remaining--;
            if (fault.Remaining <= 0)
            {
                _faults.Remove(fault);
            }
            return fault;
        }
    }

    /// <summary>False when the client went away (or the stand-in is stopping) during the delay.</summary>
    private async Task<bool> DelayAsync(TimeSpan delay, HttpContext context)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stopping.Token);
        try
        {
            await Task.Delay(delay, _time, linked.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static string FaultBody(int status)
    {
        var error = status switch
        {
            429 => StandInError.Create(429, "invalid_request_error",
                "Request rate limit exceeded. Learn more about rate limits here https://stripe.com/docs/rate-limits.", "rate_limit", null, null, null, true),
            >= 500 => StandInError.Create(status, "api_error",
                "An unknown error occurred while processing your request.", null, null, null, null, true),
            _ => StandInError.Create(status, "invalid_request_error", "Injected failure.", null, null, null, null, true),
        };
        return error.ToJson();
    }

    private static async Task WriteAsync(HttpContext context, int status, string body, bool replayed, bool? shouldRetry)
    {
        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = "application/json";
        response.Headers["Request-Id"] = "req_" + Guid.NewGuid().ToString("N")[..14];
        response.Headers["Stripe-Version"] = context.Request.Headers["Stripe-Version"].FirstOrDefault() ?? DefaultApiVersion;
        if (context.Request.Headers["Idempotency-Key"].FirstOrDefault() is { } key && context.Request.Method == "POST")
        {
            response.Headers["Idempotency-Key"] = key;
        }
        if (replayed)
        {
            response.Headers["Idempotent-Replayed"] = "true";
        }
        if (shouldRetry is { } retry)
        {
            response.Headers["Stripe-Should-Retry"] = retry ? "true" : "false";
        }
        await response.WriteAsync(body, Encoding.UTF8, context.RequestAborted);
    }

    private sealed record StoredResponse(string Fingerprint, int Status, string Body);

    private sealed class Fault(string path, int times, int? statusCode, bool? shouldRetry, TimeSpan? delay, bool afterExecution)
    {
        public string Path { get; } = path;
        public int Remaining { get; set; } = times;
        public int? StatusCode { get; } = statusCode;
        public bool? ShouldRetry { get; } = shouldRetry;
        public TimeSpan? Delay { get; } = delay;
        public bool AfterExecution { get; } = afterExecution;
    }
}
