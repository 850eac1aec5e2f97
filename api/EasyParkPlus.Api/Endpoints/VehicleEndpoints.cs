using System.Security.Claims;
using EasyParkPlus.Api.Auth;
using EasyParkPlus.Api.Infrastructure;
using EasyParkPlus.Data;
using EasyParkPlus.Data.Accounts;
using EasyParkPlus.Domain;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace EasyParkPlus.Api.Endpoints;

public sealed record AddVehicleRequest(
    [Plate] string? Plate, [EnumName(typeof(FuelType))] string? Fuel, [EnumName(typeof(VehicleKind), Optional = true)] string? Kind,
    [Text(60, Optional = true)] string? Nickname);

public sealed record VehicleResponse(Guid Id, string Plate, string Fuel, string Kind, string? Nickname, DateTimeOffset CreatedAt);

/// <summary>Vehicles of a user. Drivers reach only their own user id (another id answers 404); operators reach any.</summary>
public static class VehicleEndpoints
{
    public static IEndpointRouteBuilder MapVehicleEndpoints(this IEndpointRouteBuilder api)
    {
        var group = api.MapGroup("/users/{userId:guid}/vehicles").WithTags("Accounts").RequireAuthorization(Policies.Driver);
        group.MapGet("/", ListAsync).WithSummary("Vehicles of a user (the user themself, or an operator).");
        group.MapPost("/", AddAsync).Idempotent().WithSummary("Add a vehicle (the user themself, or an operator).");
        group.MapDelete("/{vehicleId:guid}", RemoveAsync).WithSummary("Remove a vehicle (the user themself, or an operator).");
        return api;
    }

    /// <summary>Whether <paramref name="user"/> may act for the account <paramref name="userId"/>.</summary>
    public static bool MayActFor(this ClaimsPrincipal user, Guid userId) => user.IsOperator() || user.CustomerId() == userId;

    internal static async Task<Results<Ok<VehicleResponse[]>, NotFound>> ListAsync(Guid userId, ClaimsPrincipal user, EasyParkDbContext db, CancellationToken ct)
    {
        if (!user.MayActFor(userId))
        {
            return TypedResults.NotFound();
        }
        var vehicles = await db.Vehicles.AsNoTracking().Where(v => v.CustomerId == userId).OrderBy(v => v.CreatedAt).ToListAsync(ct);
        return TypedResults.Ok(vehicles.Select(ToResponse).ToArray());
    }

    internal static async Task<Results<Created<VehicleResponse>, NotFound, ProblemHttpResult>> AddAsync(
        Guid userId, AddVehicleRequest request, ClaimsPrincipal user, EasyParkDbContext db, TimeProvider time, CancellationToken ct)
    {
        if (!user.MayActFor(userId) || !await db.Customers.AnyAsync(c => c.Id == userId, ct))
        {
            return TypedResults.NotFound();
        }
        var plate = LicensePlate.Normalize(request.Plate!);
        if (await db.Vehicles.AnyAsync(v => v.CustomerId == userId && v.Plate == plate, ct))
        {
            return TypedResults.Problem(title: $"Vehicle {plate} is already on this account.", statusCode: StatusCodes.Status409Conflict);
        }
        var vehicle = new Vehicle
        {
            Id = Guid.NewGuid(),
            CustomerId = userId,
            Plate = plate,
            Fuel = Enum.Parse<FuelType>(request.Fuel!, ignoreCase: true),
            Kind = request.Kind is null ? VehicleKind.Car : Enum.Parse<VehicleKind>(request.Kind, ignoreCase: true),
            Nickname = request.Nickname?.Trim(),
            CreatedAt = time.GetUtcNow(),
        };
        db.Vehicles.Add(vehicle);
        await db.SaveChangesAsync(ct);
        return TypedResults.Created($"/api/v1/users/{userId}/vehicles/{vehicle.Id}", ToResponse(vehicle));
    }

    internal static async Task<Results<NoContent, NotFound>> RemoveAsync(Guid userId, Guid vehicleId, ClaimsPrincipal user, EasyParkDbContext db, CancellationToken ct)
    {
        if (!user.MayActFor(userId))
        {
            return TypedResults.NotFound();
        }
        var removed = await db.Vehicles.Where(v => v.CustomerId == userId && v.Id == vehicleId).ExecuteDeleteAsync(ct);
        return removed == 0 ? TypedResults.NotFound() : TypedResults.NoContent();
    }

    private static VehicleResponse ToResponse(Vehicle v) =>
        new(v.Id, v.Plate, v.Fuel.ToString().ToLowerInvariant(), v.Kind.ToString().ToLowerInvariant(), v.Nickname, v.CreatedAt);
}
