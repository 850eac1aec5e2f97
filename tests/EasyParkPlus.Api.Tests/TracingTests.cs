using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EasyParkPlus.Api.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace EasyParkPlus.Api.Tests;

/// <summary>The api with its worker, exporting its spans to memory instead of OTLP.</summary>
public sealed class TracingApiFixture : ApiFixture
{
    public ConcurrentQueue<Activity> Spans { get; } = new();

    protected override void ConfigureServices(IServiceCollection services) =>
        services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddProcessor(new SimpleActivityExportProcessor(new QueueExporter(Spans))));

    private sealed class QueueExporter(ConcurrentQueue<Activity> spans) : BaseExporter<Activity>
    {
        public override ExportResult Export(in Batch<Activity> batch)
        {
            foreach (var span in batch)
            {
                spans.Enqueue(span);
            }
            return ExportResult.Success;
        }
    }
}

/// <summary>Activity sources are process-wide: while other api hosts of this test process serve requests, their spans reach
/// this fixture's exporter too and a span found by name may be theirs. So these tests run alone.</summary>
[CollectionDefinition(nameof(TracingTests), DisableParallelization = true)]
public sealed class TracingCollection;

/// <summary>One trace follows a request through the api, the workflow engine and the activities to PostgreSQL and Stripe.</summary>
[Collection(nameof(TracingTests))]
public sealed class TracingTests(TracingApiFixture api) : IClassFixture<TracingApiFixture>
{
    [Fact]
    public async Task AddPaymentMethod_Request_TracesItsSqlAndItsStripeCallsInOneTrace()
    {
        var (driver, _) = await api.NewDriverAsync("Traced Driver");
        using (driver)
        {
            var me = (await driver.GetFromJsonAsync<JsonElement>("api/v1/me")).GetProperty("id").GetGuid();

            using var card = await driver.PostAsJsonAsync($"api/v1/users/{me}/payment-methods", new { paymentMethodId = "pm_card_visa" });

            card.StatusCode.Should().Be(HttpStatusCode.Created);
            var request = await WaitForSpanAsync(s => s.Kind == ActivityKind.Server && s.DisplayName == "POST /api/v1/users/{userId:guid}/payment-methods/");
            var trace = SpansOf(request.TraceId);
            trace.Should().Contain(s => s.Source.Name == "Npgsql" && IsUnder(s, request), "the endpoint reads and writes the customer and its card");
            trace.Where(s => s.Kind == ActivityKind.Client && s.Source.Name == "System.Net.Http" && IsUnder(s, request))
                .Select(s => s.GetTagItem("url.full") as string).Should().Contain(url => url!.EndsWith("/v1/customers", StringComparison.Ordinal))
                .And.Contain(url => url!.EndsWith("/attach", StringComparison.Ordinal), "the Stripe calls are HTTP client spans of the request");
        }
    }

    [Fact]
    public async Task CreateReservation_Request_WorkflowStartActivityItsSqlAndItsStripeCall_AreOneTrace()
    {
        var (driver, _) = await api.NewDriverAsync("Traced Reserver");
        using (driver)
        {
            var me = (await driver.GetFromJsonAsync<JsonElement>("api/v1/me")).GetProperty("id").GetGuid();
            (await driver.PostAsJsonAsync($"api/v1/users/{me}/payment-methods", new { paymentMethodId = "pm_card_visa" })).Dispose();
            var slotStart = api.Clock.GetUtcNow().AddMinutes(10);

            using var reserve = await driver.PostAsJsonAsync("api/v1/reservations",
                new { facilityId = "BOS", spaceType = "regular", slotStart, slotEnd = slotStart.AddHours(2), plate = "TRC 2026" });

            reserve.StatusCode.Should().Be(HttpStatusCode.Accepted);
            var request = await WaitForSpanAsync(s => s.Kind == ActivityKind.Server && s.DisplayName == "POST /api/v1/reservations/");
            // The prepayment is charged by an activity the worker runs after the request has answered: wait for its Stripe call.
            var stripeCall = await WaitForSpanAsync(s => s.TraceId == request.TraceId && s.Kind == ActivityKind.Client
                && (s.GetTagItem("url.full") as string)?.EndsWith("/v1/payment_intents", StringComparison.Ordinal) == true);
            // A span is exported when it ends, and the activity's own span ends after its Stripe call and the SQL that records the payment.
            var activity = await WaitForSpanAsync(s => s.TraceId == request.TraceId
                && s.DisplayName.StartsWith("RunActivity ", StringComparison.Ordinal) && IsUnder(stripeCall, s));
            var trace = SpansOf(request.TraceId);
            var start = trace.Should().ContainSingle(s => s.DisplayName == "StartWorkflow Reservation").Which;
            IsUnder(start, request).Should().BeTrue("the workflow start is part of the request");
            trace.Should().Contain(s => s.Source.Name == "Npgsql" && IsUnder(s, activity), "the charging activity records the payment");
        }
    }

    private List<Activity> SpansOf(ActivityTraceId traceId) => [.. api.Spans.Where(s => s.TraceId == traceId)];

    // Whether child descends from ancestor, through parents recorded in this process.
    private bool IsUnder(Activity child, Activity ancestor)
    {
        var byId = api.Spans.GroupBy(s => s.SpanId).ToDictionary(g => g.Key, g => g.First());
        for (var parent = child.ParentSpanId; parent != default; parent = byId.TryGetValue(parent, out var span) ? span.ParentSpanId : default)
        {
            if (parent == ancestor.SpanId)
            {
                return true;
            }
        }
        return false;
    }

    private async Task<Activity> WaitForSpanAsync(Func<Activity, bool> match)
    {
        var deadline = DateTimeOffset.UtcNow.AddSeconds(30);
        while (true)
        {
            if (api.Spans.FirstOrDefault(match) is { } span)
            {
                return span;
            }
            DateTimeOffset.UtcNow.Should().BeBefore(deadline, "the span should have been exported by now (exported: {0})",
                string.Join(", ", api.Spans.Select(s => $"{s.Source.Name}/{s.Kind}/{s.DisplayName}").Distinct().Take(40)));
            await Task.Delay(50);
        }
    }
}
