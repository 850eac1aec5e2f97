namespace EasyParkPlus.Domain.Pricing;

// One line of an itemised price; it becomes an invoice line item and a receipt line as is.
// `Amount` is authoritative: for energy it is the half-up rounded product, so it can differ from
// `Quantity × UnitPrice` by less than a cent.
public sealed record PriceLine(string Code, string Description, decimal Quantity, string Unit, Money UnitPrice, Money Amount);

// Stable line codes: invoices, receipts and reports group by them, so they never change meaning.
public static class PriceLineCodes
{
    public const string ParkingGrace = "PARKING_GRACE";
    public const string ParkingFirstHours = "PARKING_FIRST_HOURS";
    public const string ParkingHours = "PARKING_HOURS";
    public const string ParkingDailyMaximum = "PARKING_DAILY_MAXIMUM";
    public const string ReservationCredit = "RESERVATION_CREDIT";
    public const string ChargingSessionFee = "CHARGING_SESSION_FEE";
    public const string ChargingEnergy = "CHARGING_ENERGY";
    public const string ChargingIdle = "CHARGING_IDLE";
    public const string Subscription = "SUBSCRIPTION";
    public const string OperatorAdjustment = "OPERATOR_ADJUSTMENT";
}

// Units printed next to line quantities.
public static class PriceUnits
{
    public const string Hour = "h";
    public const string Day = "day";
    public const string KilowattHour = "kWh";
    public const string Minute = "min";
    public const string Each = "each";
    public const string Month = "month";
}
