namespace EasyParkPlus.Data;

// One PostgreSQL schema per bounded context that the EF model maps; the gateway's (gateway, gates), the api's (api) and
// our Temporal server's (temporal) are written with plain SQL and are not in it.
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
