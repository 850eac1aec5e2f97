using System.Security.Claims;
using EasyParkPlus.Activities.Payments;
using EasyParkPlus.Api.Auth;
using EasyParkPlus.Api.Infrastructure;
using EasyParkPlus.Data;
using EasyParkPlus.Data.Accounts;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace EasyParkPlus.Api.Endpoints;

public sealed record AddPaymentMethodRequest(string? PaymentMethodId) : IValidatable
{
    public void Validate(ValidationErrors errors)
    {
        if (errors.Text("paymentMethodId", PaymentMethodId, 100)
            && (!PaymentMethodId.StartsWith("pm_", StringComparison.Ordinal) || !PaymentMethodId.All(c => char.IsAsciiLetterOrDigit(c) || c == '_')))
        {
            errors.Add("paymentMethodId", "'paymentMethodId' must be a Stripe payment method id (pm_...).");
        }
    }
}

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
        group.MapPost("/", AddAsync).Validate<AddPaymentMethodRequest>().Idempotent()
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
        Guid userId, AddPaymentMethodRequest request, ClaimsPrincipal user, EasyParkDbContext db, StripeClient stripe, TimeProvider time, CancellationToken ct)
    {
        // Only the card holder adds a card: an operator acting for a driver must not attach cards to their account.
        var customer = user.CustomerId() == userId ? await db.Customers.FirstOrDefaultAsync(c => c.Id == userId, ct) : null;
        if (customer is null)
        {
            return TypedResults.NotFound();
        }
        StripePaymentMethod attached;
        try
        {
            if (customer.StripeCustomerId is null)
            {
                var created = await stripe.CreateCustomerAsync(new CreateCustomerRequest
                {
                    Email = customer.Email,
                    Name = customer.Name,
                    Metadata = new Dictionary<string, string> { ["customer_id"] = customer.Id.ToString() },
                }, $"customer-{customer.Id}", ct);
                customer.StripeCustomerId = created.Id;
                customer.UpdatedAt = time.GetUtcNow();
                await db.SaveChangesAsync(ct);
            }
            attached = await stripe.AttachDefaultPaymentMethodAsync(customer.StripeCustomerId, request.PaymentMethodId!, $"pm-{customer.Id}-{request.PaymentMethodId}", ct);
        }
        catch (StripeException ex)
        {
            return ex.Kind switch
            {
                StripeErrorKind.CardDeclined => TypedResults.Problem(title: "The card was declined.", detail: ex.Message, statusCode: StatusCodes.Status402PaymentRequired),
                StripeErrorKind.InvalidRequest => TypedResults.Problem(title: "Stripe refused the payment method.", detail: ex.Message, statusCode: StatusCodes.Status422UnprocessableEntity),
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
                ExpMonth = attached.Card?.ExpMonth,
                ExpYear = attached.Card?.ExpYear,
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
