namespace EasyParkPlus.TemporalConformance.Tests.Infrastructure;

/// <summary>
/// Which server the suite runs against: a real Temporal frontend when <c>TEMPORAL_ADDRESS</c> is set (namespace
/// <c>TEMPORAL_NAMESPACE</c>, default "default"), otherwise our own server, launched by the SDK's
/// <c>WorkflowEnvironment</c> from its build output, on the store <c>EASYPARK_TEMPORAL_STORE</c> names
/// ("memory", the default; "postgres" once the PostgreSQL store exists).
/// </summary>
public static class ConformanceTarget
{
    public static string? RealServerAddress => Environment.GetEnvironmentVariable("TEMPORAL_ADDRESS") is { Length: > 0 } address ? address : null;

    public static string RealServerNamespace => Environment.GetEnvironmentVariable("TEMPORAL_NAMESPACE") is { Length: > 0 } ns ? ns : "default";

    public static string Store => Environment.GetEnvironmentVariable("EASYPARK_TEMPORAL_STORE") is { Length: > 0 } store ? store : "memory";

    public static bool OnRealServer => RealServerAddress is not null;
}

/// <summary>A test that needs time skipping, which only our server (as the test server) offers.</summary>
public sealed class TimeSkippingFactAttribute : FactAttribute
{
    public TimeSkippingFactAttribute()
    {
        if (ConformanceTarget.OnRealServer)
        {
            Skip = "TEMPORAL_ADDRESS names a real Temporal server, which has no time-skipping test service.";
        }
    }
}

/// <summary>A test of our own server only (its command line, its executable), not of the Temporal API.</summary>
public sealed class OwnServerFactAttribute : FactAttribute
{
    public OwnServerFactAttribute()
    {
        if (ConformanceTarget.OnRealServer)
        {
            Skip = "TEMPORAL_ADDRESS is set: this test is about our own server binary.";
        }
    }
}
