namespace EasyParkPlus.Api.Auth;

/// <summary>Role claim values carried in access tokens (the contract shared with the console and gateway).</summary>
public static class Roles
{
    public const string Driver = "driver";
    public const string Operator = "operator";
    public const string Admin = "admin";
    public const string Device = "device";

    public const string ClaimType = "role";
}

/// <summary>Authorization policy names every endpoint states.</summary>
public static class Policies
{
    /// <summary>Any signed-in user (driver, operator or admin; devices excluded).</summary>
    public const string Driver = "Driver";

    /// <summary>Operators and admins.</summary>
    public const string Operator = "Operator";

    public const string Admin = "Admin";

    /// <summary>Gate controllers and chargers with a device credential.</summary>
    public const string Device = "Device";
}
