namespace EasyParkPlus.Data;

// One PostgreSQL schema per bounded context. The workflow engine's "engine" schema is not ours.
public static class Schemas
{
    public const string Parking = "parking";
    public const string Reservation = "reservation";
    public const string Charging = "charging";
    public const string Billing = "billing";
    public const string Accounts = "accounts";
    public const string Analytics = "analytics";

    public static IReadOnlyList<string> All { get; } = [Parking, Reservation, Charging, Billing, Accounts, Analytics];
}
