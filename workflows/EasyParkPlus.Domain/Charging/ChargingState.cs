namespace EasyParkPlus.Domain.Charging;

// OCPP 2.0.1 `ChargingStateEnumType`, as reported in TransactionEvent.transactionInfo.chargingState.
public enum ChargingState
{
    Charging,
    EVConnected,
    SuspendedEV,
    SuspendedEVSE,
    Idle,
}

// A charging-state change with the charger's own timestamp (device time is the billing truth).
public readonly record struct ChargingStateChange(DateTimeOffset At, ChargingState State);
