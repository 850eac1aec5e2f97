using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace EasyParkPlus.Data.Parking;

// Something an operator must look at; written by workflow activities, acknowledged in the console.
public class OperatorAlert
{
    public Guid Id { get; set; }

    public required string WorkflowId { get; set; }

    public required string FacilityId { get; set; }

    // "overstay", "pay_station_timeout", "card_declined", ...
    public required string Kind { get; set; }

    public required string Message { get; set; }

    public DateTimeOffset RaisedAt { get; set; }

    public DateTimeOffset? AcknowledgedAt { get; set; }

    public string? AcknowledgedBy { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}

internal sealed class OperatorAlertConfiguration : IEntityTypeConfiguration<OperatorAlert>
{
    public void Configure(EntityTypeBuilder<OperatorAlert> builder)
    {
        builder.ToTable("operator_alerts", Schemas.Parking);
        builder.Property(alert => alert.Id).ValueGeneratedNever();
        builder.HasIndex(alert => new { alert.WorkflowId, alert.Kind }).IsUnique();
        builder.HasIndex(alert => new { alert.FacilityId, alert.RaisedAt }).IsDescending(false, true).HasFilter("acknowledged_at IS NULL");
    }
}
