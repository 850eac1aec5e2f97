using System.Net;
using EasyParkPlus.Activities.Payments;
using EasyParkPlus.LocalStripe;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EasyParkPlus.Activities.Tests.Payments;

/// <summary>Webhook deliveries checked through Stripe.net's EventUtility, on a clock the test moves.</summary>
public sealed class StripeWebhookVerifierTests
{
    private const string Secret = "whsec_endpointsecret";
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);

    private const string Payload =
        """{"id":"evt_1","object":"event","api_version":"2026-10-28.endive","created":1795348800,"data":{"object":{"id":"pi_1","object":"payment_intent","amount":1250,"amount_capturable":0,"amount_received":1250,"currency":"usd","capture_method":"automatic_async","status":"succeeded","metadata":{"workflow_id":"parking-123"}}},"livemode":false,"type":"payment_intent.succeeded"}""";

    private readonly ManualTimeProvider _clock = new(Now);

    private StripeWebhookVerifier Verifier => VerifierFor(Secret, _clock);

    [Fact]
    public void Verify_ValidSignature_ReturnsTheTypedEvent()
    {
        var result = Verifier.Verify(Payload, StripeWebhookSigner.SignatureHeader(Payload, Now, Secret));

        result.IsValid.Should().BeTrue(result.Reason);
        (result.Event!.Id, result.Event.Type, result.ObjectId).Should().Be(("evt_1", "payment_intent.succeeded", "pi_1"));
        var intent = result.Event.Data.Object.Should().BeOfType<Stripe.PaymentIntent>().Subject;
        (intent.Status, intent.AmountReceived, intent.Metadata["workflow_id"]).Should().Be(("succeeded", 1250L, "parking-123"));
    }

    [Fact]
    public void Verify_KnownAnswer_MatchesASignatureComputedOutsideDotnet()
    {
        // HMAC-SHA256 computed with Python's hmac module, so the signer and the verifier cannot share a mistake.
        const string KnownPayload =
            """{"id":"evt_known","object":"event","type":"payment_intent.succeeded","created":1767225600,"data":{"object":{"id":"pi_known","object":"payment_intent"}}}""";
        var verifier = VerifierFor("whsec_known_answer_secret", new ManualTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1767225660)));

        var result = verifier.Verify(KnownPayload, "t=1767225600,v1=edf5a7e77a35e2f3ab2dae0a119a4f0f9e7a9fc39f63a98f6d90ff6d5cb7826a");

        result.IsValid.Should().BeTrue(result.Reason);
        result.Event!.Id.Should().Be("evt_known");
    }

    [Fact]
    public void Verify_EventOfAnOlderApiVersion_IsAccepted()
    {
        var older = Payload.Replace("2026-10-28.endive", "2025-03-31.basil", StringComparison.Ordinal);

        var result = Verifier.Verify(older, StripeWebhookSigner.SignatureHeader(older, Now, Secret));

        result.IsValid.Should().BeTrue(result.Reason);
        result.Event!.ApiVersion.Should().Be("2025-03-31.basil");
    }

    [Fact]
    public void Verify_TamperedBody_IsRefused()
    {
        var header = StripeWebhookSigner.SignatureHeader(Payload, Now, Secret);

        var result = Verifier.Verify(Payload.Replace("1250", "1", StringComparison.Ordinal), header);

        result.IsValid.Should().BeFalse();
        result.Reason.Should().Contain("signature");
    }

    [Fact]
    public void Verify_SignedWithAnotherSecret_IsRefused()
    {
        var result = Verifier.Verify(Payload, StripeWebhookSigner.SignatureHeader(Payload, Now, "whsec_someoneelse"));

        result.Event.Should().BeNull();
    }

    [Theory]
    [InlineData(301, false)]
    [InlineData(299, true)]
    [InlineData(-301, false)]
    public void Verify_SignedTimestamp_MustLieWithinFiveMinutesOfOurClock(int clockAheadSeconds, bool accepted)
    {
        var header = StripeWebhookSigner.SignatureHeader(Payload, Now, Secret);
        _clock.Advance(TimeSpan.FromSeconds(clockAheadSeconds));

        var result = Verifier.Verify(Payload, header);

        result.IsValid.Should().Be(accepted, result.Reason);
        if (!accepted)
        {
            result.Reason.Should().Contain("tolerance");
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Verify_SeveralV1Signatures_AcceptsWhenAnyMatches(bool oursFirst)
    {
        var secrets = oursFirst ? new[] { Secret, "whsec_rolledaway" } : ["whsec_rolledaway", Secret];
        var header = StripeWebhookSigner.SignatureHeader(Payload, Now, secrets);

        var result = Verifier.Verify(Payload, header);

        header.Split(',').Should().HaveCount(3);
        result.IsValid.Should().BeTrue(result.Reason);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("garbage")]
    [InlineData("v1=abc")]
    [InlineData("t=notanumber,v1=abc")]
    [InlineData("t=1795348800,v0=6ffbb59b2300aae63f272406069a9788598b792a944a07aba816edb039989a39")]
    [InlineData("t=1795348800,v1=zz")]
    public void Verify_BadHeader_IsRefusedWithAReason(string? header)
    {
        var result = Verifier.Verify(Payload, header);

        result.IsValid.Should().BeFalse();
        result.Reason.Should().NotBeNullOrWhiteSpace();
    }

    [Theory]
    [InlineData("""{"hello":"world"}""")]
    [InlineData("not json at all")]
    public void Verify_SignedPayloadThatIsNotAnEvent_IsRefused(string notAnEvent)
    {
        var result = Verifier.Verify(notAnEvent, StripeWebhookSigner.SignatureHeader(notAnEvent, Now, Secret));

        result.IsValid.Should().BeFalse();
        result.Reason.Should().Contain("not a Stripe event");
    }

    [Fact]
    public async Task StandInEvent_ForAHold_VerifiesAndParsesThroughTheRealSignatureScheme()
    {
        await using var stripe = await StripeStandIn.StartAsync(_clock);
        using var services = new StripeTestServices(stripe.BaseUrl);
        var hold = await services.Client.V1.PaymentIntents.CreateAsync(new Stripe.PaymentIntentCreateOptions
        {
            Amount = 5000,
            Currency = "usd",
            CaptureMethod = "manual",
            PaymentMethod = "pm_card_visa",
            AllowedPaymentMethodTypes = ["card"],
            Confirm = true,
        });
        var payload = await stripe.CreateEventJsonAsync("payment_intent.amount_capturable_updated", hold.Id);

        var result = VerifierFor(StripeTestServices.WebhookSecret, _clock)
            .Verify(payload, StripeWebhookSigner.SignatureHeader(payload, Now, StripeTestServices.WebhookSecret));

        result.IsValid.Should().BeTrue(result.Reason);
        result.Event!.Created.Should().Be(Now.UtcDateTime);
        var intent = result.Event.Data.Object.Should().BeOfType<Stripe.PaymentIntent>().Subject;
        (intent.Id, intent.AmountCapturable).Should().Be((hold.Id, 5000L));
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
            using var body = new StreamReader(request.Body);
            received = Verifier.Verify(await body.ReadToEndAsync(), request.Headers["Stripe-Signature"].FirstOrDefault());
            return received.IsValid ? Results.Ok() : Results.BadRequest(received.Reason);
        });
        await app.StartAsync();
        using var http = new HttpClient();

        using var response = await StripeWebhookSigner.SendAsync(http, new Uri(app.Urls.Single() + "/webhooks/stripe"), Payload, Now, Secret);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        received.Should().NotBeNull();
        received!.Event!.Id.Should().Be("evt_1");
        await app.StopAsync();
    }

    private static StripeWebhookVerifier VerifierFor(string secret, TimeProvider clock) =>
        new(Options.Create(new StripeOptions { WebhookSecret = secret, WebhookTolerance = TimeSpan.FromMinutes(5) }), clock);
}
