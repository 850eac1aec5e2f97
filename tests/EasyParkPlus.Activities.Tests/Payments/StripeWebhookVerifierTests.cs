using System.Net;
using EasyParkPlus.Activities.Payments;
using EasyParkPlus.TestSupport.Stripe;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace EasyParkPlus.Activities.Tests.Payments;

public sealed class StripeWebhookVerifierTests
{
    private const string Secret = "whsec_endpointsecret";
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);

    private const string Payload =
        """{"id":"evt_1","object":"event","api_version":"2025-03-31.basil","created":1795348800,"data":{"object":{"id":"pi_1","object":"payment_intent","amount":1250,"amount_capturable":0,"amount_received":1250,"currency":"usd","capture_method":"automatic_async","status":"succeeded","metadata":{"workflow_id":"parking-123"}}},"livemode":false,"type":"payment_intent.succeeded"}""";

    private readonly ManualTimeProvider _clock = new(Now);

    private StripeWebhookVerifier Verifier => new(Secret, _clock, TimeSpan.FromMinutes(5));

    [Fact]
    public void Verify_ValidSignature_ReturnsTheEvent()
    {
        var result = Verifier.Verify(Payload, StripeWebhookSigner.SignatureHeader(Payload, Now, Secret));

        Assert.True(result.IsValid, result.Reason);
        var evt = result.Event!;
        Assert.Equal(("evt_1", "payment_intent.succeeded", "pi_1"), (evt.Id, evt.Type, evt.ObjectId));
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1795348800), evt.Created);
        var intent = evt.DataObjectAs<StripePaymentIntent>()!;
        Assert.Equal((PaymentIntentStatus.Succeeded, 1250L, "parking-123"), (intent.Status, intent.AmountReceived, intent.Metadata!["workflow_id"]));
    }

    [Fact]
    public void Verify_KnownAnswer_MatchesASignatureComputedOutsideDotnet()
    {
        // HMAC-SHA256 computed with Python's hmac module, so the signer and verifier cannot share a mistake.
        const string KnownPayload =
            """{"id":"evt_known","object":"event","type":"payment_intent.succeeded","created":1767225600,"data":{"object":{"id":"pi_known","object":"payment_intent"}}}""";
        var verifier = new StripeWebhookVerifier("whsec_known_answer_secret", new ManualTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1767225660)), TimeSpan.FromMinutes(5));

        var result = verifier.Verify(KnownPayload, "t=1767225600,v1=edf5a7e77a35e2f3ab2dae0a119a4f0f9e7a9fc39f63a98f6d90ff6d5cb7826a");

        Assert.True(result.IsValid, result.Reason);
        Assert.Equal("evt_known", result.Event!.Id);
    }

    [Fact]
    public void Verify_TamperedBody_IsSignatureMismatch()
    {
        var header = StripeWebhookSigner.SignatureHeader(Payload, Now, Secret);

        var result = Verifier.Verify(Payload.Replace("1250", "1", StringComparison.Ordinal), header);

        Assert.Equal(WebhookVerificationFailure.SignatureMismatch, result.Failure);
        Assert.Null(result.Event);
    }

    [Fact]
    public void Verify_SignedWithAnotherSecret_IsSignatureMismatch()
    {
        var result = Verifier.Verify(Payload, StripeWebhookSigner.SignatureHeader(Payload, Now, "whsec_someoneelse"));

        Assert.Equal(WebhookVerificationFailure.SignatureMismatch, result.Failure);
    }

    [Fact]
    public void Verify_TimestampBeyondTolerance_IsRejectedEvenWithAValidSignature()
    {
        var header = StripeWebhookSigner.SignatureHeader(Payload, Now, Secret);
        _clock.Advance(TimeSpan.FromSeconds(301));

        var result = Verifier.Verify(Payload, header);

        Assert.Equal(WebhookVerificationFailure.TimestampOutsideTolerance, result.Failure);
    }

    [Fact]
    public void Verify_TimestampJustWithinTolerance_IsAccepted()
    {
        var header = StripeWebhookSigner.SignatureHeader(Payload, Now, Secret);
        _clock.Advance(TimeSpan.FromSeconds(299));

        Assert.True(Verifier.Verify(Payload, header).IsValid);
    }

    [Fact]
    public void Verify_TimestampFarInTheFuture_IsRejected()
    {
        var header = StripeWebhookSigner.SignatureHeader(Payload, Now.AddMinutes(10), Secret);

        Assert.Equal(WebhookVerificationFailure.TimestampOutsideTolerance, Verifier.Verify(Payload, header).Failure);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Verify_SeveralV1Signatures_AcceptsWhenAnyMatches(bool oursFirst)
    {
        var secrets = oursFirst ? new[] { Secret, "whsec_rolledaway" } : ["whsec_rolledaway", Secret];
        var header = StripeWebhookSigner.SignatureHeader(Payload, Now, secrets);

        var result = Verifier.Verify(Payload, header);

        Assert.Equal(3, header.Split(',').Length);
        Assert.True(result.IsValid, result.Reason);
    }

    [Theory]
    [InlineData(null, WebhookVerificationFailure.MissingSignatureHeader)]
    [InlineData("", WebhookVerificationFailure.MissingSignatureHeader)]
    [InlineData("v1=abc", WebhookVerificationFailure.MalformedSignatureHeader)]
    [InlineData("t=notanumber,v1=abc", WebhookVerificationFailure.MalformedSignatureHeader)]
    [InlineData("t=1795348800,v0=6ffbb59b2300aae63f272406069a9788598b792a944a07aba816edb039989a39", WebhookVerificationFailure.NoV1Signature)]
    [InlineData("t=1795348800,v1=zz", WebhookVerificationFailure.SignatureMismatch)]
    public void Verify_BadHeader_SaysWhatIsWrong(string? header, WebhookVerificationFailure expected)
    {
        var result = Verifier.Verify(Payload, header);

        Assert.Equal(expected, result.Failure);
        Assert.False(string.IsNullOrWhiteSpace(result.Reason));
    }

    [Fact]
    public void Verify_SignedPayloadThatIsNotAnEvent_IsMalformedEvent()
    {
        const string NotAnEvent = """{"hello":"world"}""";

        var result = Verifier.Verify(NotAnEvent, StripeWebhookSigner.SignatureHeader(NotAnEvent, Now, Secret));

        Assert.Equal(WebhookVerificationFailure.MalformedEvent, result.Failure);
    }

    [Fact]
    public async Task StandInEvent_ForAPaymentIntent_VerifiesAndParsesThroughTheRealSignatureScheme()
    {
        await using var stripe = await StripeStandIn.StartAsync(_clock);
        using var services = new StripeTestServices(stripe.BaseUrl);
        var hold = await services.Client.CreateAuthorizationHoldAsync(new AuthorizationHoldRequest(5000, "pm_card_visa", "charging-1"), "charging-1/hold");
        var payload = await stripe.CreateEventJsonAsync("payment_intent.amount_capturable_updated", hold.Id);
        var verifier = new StripeWebhookVerifier(StripeTestServices.WebhookSecret, _clock, TimeSpan.FromMinutes(5));

        var result = verifier.Verify(payload, StripeWebhookSigner.SignatureHeader(payload, Now, StripeTestServices.WebhookSecret));

        Assert.True(result.IsValid, result.Reason);
        Assert.Equal(Now, result.Event!.Created);
        Assert.Equal((hold.Id, 5000L), (result.Event.DataObjectAs<StripePaymentIntent>()!.Id, result.Event.DataObjectAs<StripePaymentIntent>()!.AmountCapturable));
    }

    [Fact]
    public async Task SignerSendAsync_ToAWebhookEndpoint_DeliversARawBodyAndHeaderThatVerify()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        await using var app = builder.Build();
        WebhookVerificationResult? received = null;
        app.MapPost("/webhooks/stripe", async (HttpRequest request) =>
        {
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body);
            received = Verifier.Verify(body.ToArray(), request.Headers["Stripe-Signature"].FirstOrDefault());
            return received.IsValid ? Results.Ok() : Results.BadRequest(received.Reason);
        });
        await app.StartAsync();
        using var http = new HttpClient();

        using var response = await StripeWebhookSigner.SendAsync(http, new Uri(app.Urls.Single() + "/webhooks/stripe"), Payload, Now, Secret);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("evt_1", received?.Event?.Id);
        await app.StopAsync();
    }
}
