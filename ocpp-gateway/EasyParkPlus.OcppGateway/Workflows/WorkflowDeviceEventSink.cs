using EasyParkPlus.OcppGateway.Devices;

namespace EasyParkPlus.OcppGateway.Workflows;

/// <summary>The production sink: stored device events move the parking and charging workflows forward.</summary>
public sealed class WorkflowDeviceEventSink(GateEventRouter gates, ChargerEventRouter chargers) : IDeviceEventSink
{
    public Task GateVehicleDetectedAsync(GateVehicleDetected e, CancellationToken ct) => gates.RouteAsync(e, ct);

    public Task ChargerTransactionEventAsync(ChargerTransactionEvent e, CancellationToken ct) => chargers.RouteAsync(e, ct);

    // Connector states are already stored for the api and console; no workflow waits on them (idle time comes
    // from the TransactionEvents' chargingState, which StatusNotification cannot tell).
    public Task ConnectorStatusAsync(ConnectorStatusChanged e, CancellationToken ct) => Task.CompletedTask;
}
