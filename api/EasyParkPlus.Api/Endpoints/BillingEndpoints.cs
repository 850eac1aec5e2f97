using System.Security.Claims;
using System.Text;
using EasyParkPlus.Activities.Payments;
using EasyParkPlus.Api.Auth;
using EasyParkPlus.Api.Infrastructure;
using EasyParkPlus.Data;
using EasyParkPlus.Data.Billing;
using EasyParkPlus.Data.Storage;
using EasyParkPlus.Domain;
using EasyParkPlus.Domain.Charging;
using EasyParkPlus.Domain.Pricing;
using EasyParkPlus.Domain.Reservations;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace EasyParkPlus.Api.Endpoints;

public sealed record PricingResponse(
    string FacilityId, string SpaceType, long FirstHoursRateCents, int FirstHours, long HourlyRateCents, long DailyMaximumCents, int GraceMinutes,
    ChargingPricingResponse? Charging, int ReservationArrivalGraceMinutes, string Currency);

public sealed record ChargingPricingResponse(long SessionFeeCents, long EnergyPerKwhCents, long IdlePerMinuteCents, int IdleGraceMinutes);

public sealed record InvoiceLineResponse(int Position, string Code, string Description, decimal Quantity, string Unit, long UnitPriceCents, long AmountCents);

// Status: open, paid, partially_refunded, refunded, void, uncollectible. Refunds: what went back, when, and why.
public sealed record InvoiceResponse(
    Guid Id, string Kind, string Reference, string? FacilityId, string Currency, long TotalCents, string Status,
    DateTimeOffset IssuedAt, DateTimeOffset? PaidAt, string SourceWorkflowId, IReadOnlyList<InvoiceLineResponse> Lines,
    long RefundedCents, IReadOnlyList<InvoiceRefundResponse> Refunds);

public sealed record InvoiceRefundResponse(Guid Id, long AmountCents, DateTimeOffset RefundedAt, string? Reason, string Status);

public sealed record ReceiptResponse(Guid Id, long Number, Guid InvoiceId, long TotalCents, DateTimeOffset IssuedAt, string? EmailedTo, InvoiceResponse Invoice);

public sealed record WebhookResponse(string EventId, bool Duplicate);

/// <summary>Pricing, invoices, receipts and the Stripe webhook.</summary>
public static class BillingEndpoints
{
    public static IEndpointRouteBuilder MapBillingEndpoints(this IEndpointRouteBuilder api)
    {
        api.MapGet("/pricing", PricingAsync).WithTags("Billing").RequireAuthorization(Policies.Driver)
            .WithSummary("Tariff for a facility and space type (any signed-in user).");
        var invoices = api.MapGroup("/invoices").WithTags("Billing").RequireAuthorization(Policies.Driver);
        invoices.MapGet("/", ListInvoicesAsync).WithSummary("Invoices: a driver's own; operators all (filter by facility/customer).");
        invoices.MapGet("/{invoiceId:guid}", GetInvoiceAsync).WithSummary("One invoice (its customer or an operator).");
        invoices.MapGet("/{invoiceId:guid}/receipt", ReceiptOfInvoiceAsync).WithSummary("The receipt of a paid invoice (its customer or an operator).");
        api.MapGet("/receipts/{receiptId:guid}", GetReceiptAsync).WithTags("Billing").RequireAuthorization(Policies.Driver)
            .WithSummary("One receipt (its customer or an operator).");
        api.MapPost("/payments/stripe/webhook", WebhookAsync).WithTags("Billing").AllowAnonymous()
            .WithSummary("Stripe webhook (Stripe only: Stripe-Signature verified; deduplicated by event id).");
        return api;
    }

    internal static async Task<Results<Ok<PricingResponse>, NotFound, ValidationProblem>> PricingAsync(
        string? facilityId, string? spaceType, EasyParkDbContext db, CancellationToken ct)
    {
        var errors = new ValidationErrors();
        errors.Text("facilityId", facilityId, 16);
        errors.Enum<SpaceType>("spaceType", spaceType, out var type);
        if (!errors.IsEmpty)
        {
            return TypedResults.ValidationProblem(errors.ToDictionary());
        }
        if (!await db.Facilities.AnyAsync(f => f.Id == facilityId, ct))
        {
            return TypedResults.NotFound();
        }
        var tariff = ParkingTariff.Default;
        var rate = tariff.RateFor(type);
        var charging = type == SpaceType.Ev ? ChargingTariff.Default : null;
        return TypedResults.Ok(new PricingResponse(facilityId!, FacilityEndpoints.Lower(type), rate.FirstHoursRate.Cents, rate.FirstHours, rate.HourlyRate.Cents,
            rate.WindowCap.Cents, (int)tariff.Grace.TotalMinutes,
            charging is null ? null : new ChargingPricingResponse(charging.SessionFee.Cents, charging.EnergyPerKwh.Cents, charging.IdlePerMinute.Cents, (int)charging.IdleGrace.TotalMinutes),
            (int)ReservationPolicy.Default.ArrivalGrace.TotalMinutes, "usd"));
    }

    internal static async Task<Ok<InvoiceResponse[]>> ListInvoicesAsync(
        ClaimsPrincipal user, string? facilityId, Guid? customerId, int? limit, EasyParkDbContext db, CancellationToken ct)
    {
        var query = db.Invoices.AsNoTracking().Include(i => i.LineItems).AsQueryable();
        if (user.IsOperator())
        {
            if (customerId is not null)
            {
                query = query.Where(i => i.CustomerId == customerId);
            }
        }
        else
        {
            var me = user.CustomerId();
            query = query.Where(i => i.CustomerId == me);
        }
        if (!string.IsNullOrEmpty(facilityId))
        {
            query = query.Where(i => i.FacilityId == facilityId);
        }
        var rows = await query.OrderByDescending(i => i.IssuedAt).Take(Math.Clamp(limit ?? 50, 1, 500)).ToListAsync(ct);
        var refunds = await RefundsOfAsync(db, [.. rows.Select(i => i.Id)], ct);
        return TypedResults.Ok(rows.Select(i => ToResponse(i, refunds[i.Id])).ToArray());
    }

    internal static async Task<Results<Ok<InvoiceResponse>, NotFound>> GetInvoiceAsync(Guid invoiceId, ClaimsPrincipal user, EasyParkDbContext db, CancellationToken ct)
    {
        var invoice = await db.Invoices.AsNoTracking().Include(i => i.LineItems).FirstOrDefaultAsync(i => i.Id == invoiceId, ct);
        return invoice is null || !MaySee(user, invoice) ? TypedResults.NotFound() : TypedResults.Ok(ToResponse(invoice, (await RefundsOfAsync(db, [invoice.Id], ct))[invoice.Id]));
    }

    internal static async Task<Results<Ok<ReceiptResponse>, NotFound>> ReceiptOfInvoiceAsync(Guid invoiceId, ClaimsPrincipal user, EasyParkDbContext db, CancellationToken ct)
    {
        var receipt = await db.Receipts.AsNoTracking().Where(r => r.InvoiceId == invoiceId).OrderByDescending(r => r.IssuedAt).FirstOrDefaultAsync(ct);
        return receipt is null ? TypedResults.NotFound() : await ReceiptAsync(receipt, user, db, ct);
    }

    internal static async Task<Results<Ok<ReceiptResponse>, NotFound>> GetReceiptAsync(Guid receiptId, ClaimsPrincipal user, EasyParkDbContext db, CancellationToken ct)
    {
        var receipt = await db.Receipts.AsNoTracking().FirstOrDefaultAsync(r => r.Id == receiptId, ct);
        return receipt is null ? TypedResults.NotFound() : await ReceiptAsync(receipt, user, db, ct);
    }

    private static async Task<Results<Ok<ReceiptResponse>, NotFound>> ReceiptAsync(Receipt receipt, ClaimsPrincipal user, EasyParkDbContext db, CancellationToken ct)
    {
        var invoice = await db.Invoices.AsNoTracking().Include(i => i.LineItems).FirstAsync(i => i.Id == receipt.InvoiceId, ct);
        return !MaySee(user, invoice)
            ? TypedResults.NotFound()
            : TypedResults.Ok(new ReceiptResponse(receipt.Id, receipt.Number, receipt.InvoiceId, receipt.Total.Cents, receipt.IssuedAt, receipt.EmailedTo,
                ToResponse(invoice, (await RefundsOfAsync(db, [invoice.Id], ct))[invoice.Id])));
    }

    /// <summary>
    /// Verifies the signature over the raw body, records the event once (by Stripe's event id) and updates the
    /// payment it is about. A replayed delivery answers 200 with duplicate=true and changes nothing.
    /// </summary>
    internal static async Task<Results<Ok<WebhookResponse>, ProblemHttpResult>> WebhookAsync(
        HttpRequest request, StripeWebhookVerifier verifier, NpgsqlDataSource dataSource, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, ct);
        var payload = Encoding.UTF8.GetString(buffer.ToArray());
        var result = verifier.Verify(payload, request.Headers["Stripe-Signature"].ToString());
        if (result.Event is not { } stripeEvent)
        {
            return TypedResults.Problem(title: "Invalid Stripe signature or payload.", detail: result.Reason, statusCode: StatusCodes.Status400BadRequest);
        }
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await using var insert = new NpgsqlCommand("""
            INSERT INTO api.stripe_webhook_events (event_id, type, object_id, payload) VALUES ($1, $2, $3, $4::jsonb)
            ON CONFLICT (event_id) DO NOTHING
            """, connection, transaction);
        insert.Parameters.Add(new() { Value = stripeEvent.Id });
        insert.Parameters.Add(new() { Value = stripeEvent.Type });
        insert.Parameters.Add(new() { Value = (object?)result.ObjectId ?? DBNull.Value });
        insert.Parameters.Add(new() { Value = payload });
        if (await insert.ExecuteNonQueryAsync(ct) == 0)
        {
            return TypedResults.Ok(new WebhookResponse(stripeEvent.Id, Duplicate: true));
        }
        var newStatus = stripeEvent.Type switch
        {
            "payment_intent.succeeded" => PaymentStatus.Succeeded,
            "payment_intent.payment_failed" => PaymentStatus.Failed,
            "payment_intent.canceled" => PaymentStatus.Canceled,
            "payment_intent.amount_capturable_updated" => PaymentStatus.RequiresCapture,
            _ => (PaymentStatus?)null,
        };
        if (newStatus is not null && result.ObjectId is not null)
        {
            // Only forward moves: a late "capturable" never overwrites a final state the activities already wrote.
            await using var update = new NpgsqlCommand("""
                UPDATE billing.payments SET status = $2, updated_at = now()
                WHERE stripe_payment_intent_id = $1 AND status NOT IN ('succeeded', 'canceled', 'failed')
                """, connection, transaction);
            update.Parameters.Add(new() { Value = result.ObjectId });
            update.Parameters.Add(new() { Value = Storage(newStatus.Value) });
            await update.ExecuteNonQueryAsync(ct);
        }
        await transaction.CommitAsync(ct);
        return TypedResults.Ok(new WebhookResponse(stripeEvent.Id, Duplicate: false));
    }

    private static string Storage(PaymentStatus status) => EnumText.ToText(status);

    private static bool MaySee(ClaimsPrincipal user, Invoice invoice) => user.IsOperator() || (invoice.CustomerId is not null && invoice.CustomerId == user.CustomerId());

    // Refunds belong to an invoice through the payment they gave back; failed or cancelled ones are listed but count for nothing.
    private static async Task<ILookup<Guid, Refund>> RefundsOfAsync(EasyParkDbContext db, IReadOnlyCollection<Guid> invoiceIds, CancellationToken ct) =>
        (await (from r in db.Refunds.AsNoTracking()
                join p in db.Payments.AsNoTracking() on r.PaymentId equals p.Id
                where p.InvoiceId != null && invoiceIds.Contains(p.InvoiceId.Value)
                orderby r.CreatedAt
                select new { InvoiceId = p.InvoiceId!.Value, Refund = r }).ToListAsync(ct))
        .ToLookup(x => x.InvoiceId, x => x.Refund);

    public static InvoiceResponse ToResponse(Invoice i, IEnumerable<Refund> refunds) => new(i.Id, FacilityEndpoints.Lower(i.Kind), i.Reference, i.FacilityId,
        i.Currency, i.Total.Cents, EnumText.ToText(i.Status), i.IssuedAt, i.PaidAt, i.SourceWorkflowId,
        [.. i.LineItems.OrderBy(l => l.Position).Select(l => new InvoiceLineResponse(l.Position, l.Code, l.Description, l.Quantity, l.Unit, l.UnitPrice.Cents, l.Amount.Cents))],
        refunds.Where(r => r.Status is RefundStatus.Succeeded or RefundStatus.Pending).Sum(r => r.Amount.Cents),
        [.. refunds.Select(r => new InvoiceRefundResponse(r.Id, r.Amount.Cents, r.CreatedAt, r.Reason, EnumText.ToText(r.Status)))]);
}
