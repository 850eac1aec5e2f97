using Npgsql;

namespace EasyParkPlus.Api.Infrastructure;

/// <summary>
/// One money movement as the reports count it: a paid invoice (positive, on the day it was paid) or a refund of one
/// (negative, on the day it was made). <see cref="RefundId"/> is null for the invoice itself.
/// </summary>
public sealed record LedgerEntry(
    Guid InvoiceId, Guid? RefundId, string FacilityId, string Kind, DateTimeOffset At, DateOnly Day, long AmountCents, string? Reason);

/// <summary>
/// The one place that says what revenue is, for the revenue analytics, the dashboard's "revenue today" and the
/// accounting export: net of refunds, each refund on its own day (a refund in December does not rewrite November).
/// Days are the facility's local ones.
/// </summary>
public static class MoneyLedger
{
    // Invoices stay income once paid, whatever later refunds did to their status.
    public const string PaidStatuses = "('paid', 'partially_refunded', 'refunded')";

    // A refund Stripe accepted counts from the moment it was made; failed and cancelled ones never moved money.
    public const string MadeRefundStatuses = "('succeeded', 'pending')";

    public static async Task<List<LedgerEntry>> ReadAsync(
        NpgsqlDataSource db, DateTimeOffset from, DateTimeOffset to, string? facilityId, CancellationToken ct)
    {
        await using var command = db.CreateCommand($"""
            SELECT i.id, NULL::uuid, coalesce(i.facility_id, ''), i.kind, i.paid_at,
                   (i.paid_at AT TIME ZONE coalesce(f.time_zone, 'UTC'))::date, i.total_cents, NULL::text
            FROM billing.invoices i
            LEFT JOIN parking.facilities f ON f.id = i.facility_id
            WHERE i.status IN {PaidStatuses} AND i.paid_at >= $1 AND i.paid_at < $2 AND ($3::text IS NULL OR i.facility_id = $3)
            UNION ALL
            SELECT i.id, r.id, coalesce(i.facility_id, ''), i.kind, r.created_at,
                   (r.created_at AT TIME ZONE coalesce(f.time_zone, 'UTC'))::date, -r.amount_cents, r.reason
            FROM billing.refunds r
            JOIN billing.payments p ON p.id = r.payment_id
            JOIN billing.invoices i ON i.id = p.invoice_id
            LEFT JOIN parking.facilities f ON f.id = i.facility_id
            WHERE r.status IN {MadeRefundStatuses} AND r.created_at >= $1 AND r.created_at < $2 AND ($3::text IS NULL OR i.facility_id = $3)
            ORDER BY 5, 1, 2 NULLS FIRST
            """);
        command.Parameters.Add(new() { Value = from });
        command.Parameters.Add(new() { Value = to });
        command.Parameters.Add(new() { Value = string.IsNullOrEmpty(facilityId) ? DBNull.Value : facilityId, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        await using var reader = await command.ExecuteReaderAsync(ct);
        var entries = new List<LedgerEntry>();
        while (await reader.ReadAsync(ct))
        {
            entries.Add(new LedgerEntry(reader.GetGuid(0), reader.IsDBNull(1) ? null : reader.GetGuid(1), reader.GetString(2), reader.GetString(3),
                reader.GetFieldValue<DateTimeOffset>(4), reader.GetFieldValue<DateOnly>(5), reader.GetInt64(6), reader.IsDBNull(7) ? null : reader.GetString(7)));
        }
        return entries;
    }
}
