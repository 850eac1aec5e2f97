using System.Security.Claims;
using EasyParkPlus.Activities.Payments;
using EasyParkPlus.Api.Auth;
using EasyParkPlus.Api.Infrastructure;
using EasyParkPlus.Data;
using EasyParkPlus.Data.Accounts;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace EasyParkPlus.Api.Endpoints;

public sealed record AddPaymentMethodRequest([PaymentMethodId] string? PaymentMethodId);

public sealed record PaymentMethodResponse(Guid Id, string Brand, string Last4, int? ExpMonth, int? ExpYear, bool IsDefault);

/// <summary>
/// Cards of a user, saved with Stripe (the app tokenises the card; we only ever see the pm_ id). The newest card is
/// the default that the workflows charge off-session at exit and for reservations and passes.
/// </summary>
public static class PaymentMethodEndpoints
{
    public static IEndpointRouteBuilder MapPaymentMethodEndpoints(this IEndpointRouteBuilder api)
    {
        var group = api.MapGroup("/users/{userId:guid}/payment-methods").WithTags("Accounts").RequireAuthorization(Policies.Driver);
        group.MapGet("/", ListAsync).WithSummary("Saved cards of a user (the user themself, or an operator).");
        group.MapPost("/", AddAsync).Idempotent()
            .WithSummary("Attach a card (pm_...) with Stripe and make it the default (the user themself).");
        return api;
    }

    internal static async Task<Results<Ok<PaymentMethodResponse[]>, NotFound>> ListAsync(Guid userId, ClaimsPrincipal user, EasyParkDbContext db, CancellationToken ct)
    {
        if (!user.MayActFor(userId))
        {
            return TypedResults.NotFound();
        }
        var methods = await db.PaymentMethods.AsNoTracking().Where(m => m.CustomerId == userId).OrderByDescending(m => m.CreatedAt).ToListAsync(ct);
        return TypedResults.Ok(methods.Select(ToResponse).ToArray());
    }

    internal static async Task<Results<Created<PaymentMethodResponse>, NotFound, ProblemHttpResult>> AddAsync(
        Guid userId, AddPaymentMethodRequest request, ClaimsPrincipal user, EasyParkDbContext db, Stripe.StripeClient stripe, TimeProvider time, CancellationToken ct)
    {
        // Only the card holder adds a card: an operator acting for a driver must not attach cards to their account.
        var customer = user.CustomerId() == userId ? await db.Customers.FirstOrDefaultAsync(c => c.Id == userId, ct) : null;
        if (customer is null)
        {
            return TypedResults.NotFound();
        }
        Stripe.PaymentMethod attached;
        try
        {
            if (customer.StripeCustomerId is null)
            {
                var created = await stripe.V1.Customers.CreateAsync(new Stripe.CustomerCreateOptions
                {
                    Email = customer.Email,
                    Name = customer.Name,
                    Metadata = new() { ["customer_id"] = customer.Id.ToString() },
                }, new Stripe.RequestOptions { IdempotencyKey = $"customer-{customer.Id}" }, ct);
                customer.StripeCustomerId = created.Id;
                customer.UpdatedAt = time.GetUtcNow();
                await db.SaveChangesAsync(ct);
            }
            // Attaching a test token (pm_card_visa) creates a payment method with an id of its own: the default is that one.
            var key = $"pm-{customer.Id}-{request.PaymentMethodId}";
            attached = await stripe.V1.PaymentMethods.AttachAsync(request.PaymentMethodId!,
                new Stripe.PaymentMethodAttachOptions { Customer = customer.StripeCustomerId }, new Stripe.RequestOptions { IdempotencyKey = key + "/attach" }, ct);
            await stripe.V1.Customers.UpdateAsync(customer.StripeCustomerId,
                new Stripe.CustomerUpdateOptions { InvoiceSettings = new() { DefaultPaymentMethod = attached.Id } },
                new Stripe.RequestOptions { IdempotencyKey = key + "/default" }, ct);
        }
        catch (Exception exception) when (StripeFailure.From(exception, ct) is { } error)
        {
            return error.Kind switch
            {
                StripeFailureKind.CardDeclined => TypedResults.Problem(title: "The card was declined.", detail: error.Message, statusCode: StatusCodes.Status402PaymentRequired),
                StripeFailureKind.InvalidRequest => TypedResults.Problem(title: "Stripe refused the payment method.", detail: error.Message, statusCode: StatusCodes.Status422UnprocessableEntity),
                _ => TypedResults.Problem(title: "The payment provider is unavailable; try again.", statusCode: StatusCodes.Status503ServiceUnavailable),
            };
        }
        var existing = await db.PaymentMethods.FirstOrDefaultAsync(m => m.StripePaymentMethodId == attached.Id, ct);
        await db.PaymentMethods.Where(m => m.CustomerId == userId && m.IsDefault && m.StripePaymentMethodId != attached.Id)
            .ExecuteUpdateAsync(s => s.SetProperty(m => m.IsDefault, false), ct);
        if (existing is null)
        {
            existing = new PaymentMethod
            {
                Id = Guid.NewGuid(),
                CustomerId = userId,
                StripeCustomerId = customer.StripeCustomerId,
                StripePaymentMethodId = attached.Id,
                Brand = attached.Card?.Brand ?? attached.Type,
                Last4 = attached.Card?.Last4 ?? "",
                ExpMonth = (int?)attached.Card?.ExpMonth,
                ExpYear = (int?)attached.Card?.ExpYear,
                IsDefault = true,
                CreatedAt = time.GetUtcNow(),
            };
            db.PaymentMethods.Add(existing);
        }
        existing.IsDefault = true;
        await db.SaveChangesAsync(ct);
        return TypedResults.Created($"/api/v1/users/{userId}/payment-methods/{existing.Id}", ToResponse(existing));
    }

    private static PaymentMethodResponse ToResponse(PaymentMethod m) => new(m.Id, m.Brand, m.Last4, m.ExpMonth, m.ExpYear, m.IsDefault);
}
