namespace EasyParkPlus.Domain;

// Facilities are identified by short codes everywhere (records, workflow ids, OCPP station ids).
public static class FacilityCodes
{
    public const string Boston = "BOS";
    public const string Philadelphia = "PHL";

    public static IReadOnlyList<string> Launch { get; } = [Boston, Philadelphia];
}
