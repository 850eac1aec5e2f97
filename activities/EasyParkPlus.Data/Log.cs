using Microsoft.Extensions.Logging;

namespace EasyParkPlus.Data;

// EventIds 3000-3099 belong to EasyParkPlus.Data.
internal static partial class Log
{
    [LoggerMessage(EventId = 3000, Level = LogLevel.Information, Message = "Applied schema migration {MigrationId} in {ElapsedMs} ms")]
    public static partial void MigrationApplied(ILogger logger, string migrationId, long elapsedMs);

    [LoggerMessage(EventId = 3001, Level = LogLevel.Debug, Message = "Schema is up to date ({MigrationCount} migrations)")]
    public static partial void SchemaUpToDate(ILogger logger, int migrationCount);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Information, Message = "Seeded {FacilityCount} facilities with {SpacesPerFacility} spaces and {ChargersPerFacility} chargers each")]
    public static partial void Seeded(ILogger logger, int facilityCount, int spacesPerFacility, int chargersPerFacility);
}
