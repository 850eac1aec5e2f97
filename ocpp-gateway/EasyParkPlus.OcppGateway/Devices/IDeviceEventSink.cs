namespace EasyParkPlus.OcppGateway.Devices;

// TEMPORARY stand-in until wip/gateway lands; not committed.
public interface IDeviceEventSink
{
    Task GateVehicleDetectedAsync(GateVehicleDetected e, CancellationToken ct);
}

public enum GateEventDirection { Entry, Exit }

public sealed record GateVehicleDetected(string EventId, string GateId, string FacilityId, GateEventDirection Direction, string Plate, DateTimeOffset Timestamp, string? PhotoRef);
