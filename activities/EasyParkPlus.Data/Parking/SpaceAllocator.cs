using EasyParkPlus.Data.Storage;
using EasyParkPlus.Domain;
using Npgsql;

namespace EasyParkPlus.Data.Parking;

// Space allocation, release and reservation capacity holds, each one short transaction of raw SQL
// (callable from activities and safe under retries and concurrency):
// - A space row is picked with FOR UPDATE SKIP LOCKED, so concurrent entries take different
//   spaces without waiting for each other, and operators editing spaces never block allocation.
// - Reservations make some decisions count-then-act: walk-ins must leave room for capacity held
//   for reservations, and holds must not outnumber spaces. Those run under an exclusive
//   transaction-scoped advisory lock on (facility, space type). Plain walk-ins take that lock in
//   shared mode: they run in parallel with each other, and switch to the exclusive lock only when
//   a hold is in effect.
// - Idempotency comes from keys: a parking session holds at most one space (unique index on
//   parking_session_id), a reservation at most one hold and one space; asking again returns the
//   same answer.
public sealed class SpaceAllocator(NpgsqlDataSource dataSource, SpaceAllocatorOptions? options = null)
{
    private readonly SpaceAllocatorOptions _options = options ?? new SpaceAllocatorOptions();

    private static readonly string Available = EnumText.ToText(SpaceStatus.Available);
    private static readonly string Occupied = EnumText.ToText(SpaceStatus.Occupied);
    private static readonly string Reserved = EnumText.ToText(SpaceStatus.Reserved);
    private static readonly string Maintenance = EnumText.ToText(SpaceStatus.Maintenance);

    // Assigns a space of the type to the parking session. With a reservation id whose hold is
    // active at this facility and type, the reservation's capacity is used (its promoted space,
    // or any free space), even when walk-ins are being turned away. `at` is the entry time: it
    // decides which holds are in effect and stamps the occupancy event.
    public async Task<SpaceAllocation> AllocateAsync(
        string facilityId, SpaceType spaceType, Guid parkingSessionId, DateTimeOffset at, Guid? reservationId = null, CancellationToken cancellationToken = default)
    {
        var exclusive = reservationId is not null;
        while (true)
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await LockCapacityAsync(connection, transaction, facilityId, spaceType, exclusive, cancellationToken);

            var existing = await FindSessionSpaceAsync(connection, transaction, parkingSessionId, cancellationToken);
            if (existing is not null)
            {
                return existing;
            }
            if (!exclusive && await HoldsInEffectAsync(connection, transaction, facilityId, spaceType, at, cancellationToken) > 0)
            {
                // Leaving room for the holds is a count-then-act decision: redo it under the exclusive lock.
                await transaction.RollbackAsync(cancellationToken);
                exclusive = true;
                continue;
            }

            SpaceAllocation allocation;
            try
            {
                var forReservation = reservationId is { } id
                    ? await AllocateForReservationAsync(connection, transaction, facilityId, spaceType, parkingSessionId, id, cancellationToken)
                    : null;
                allocation = forReservation ?? await AllocateWalkInAsync(connection, transaction, facilityId, spaceType, parkingSessionId, at, cancellationToken);
            }
            catch (PostgresException error) when (error is { SqlState: PostgresErrorCodes.UniqueViolation, ConstraintName: "uq_spaces_parking_session" })
            {
                // The same session was allocated concurrently (a retried activity racing its
                // first attempt); the next round returns that space.
                continue;
            }
            if (!allocation.IsAllocated)
            {
                return allocation;
            }

            await using (var occupancy = Command(connection, transaction, """
                INSERT INTO analytics.occupancy_events (facility_id, space_id, space_type, parking_session_id, kind, occurred_at)
                VALUES ($1, $2, $3, $4, 'occupied', $5)
                ON CONFLICT (parking_session_id, kind) DO NOTHING
                """, facilityId, allocation.SpaceId, EnumText.ToText(spaceType), parkingSessionId, at))
            {
                await occupancy.ExecuteNonQueryAsync(cancellationToken);
            }
            await transaction.CommitAsync(cancellationToken);
            return allocation;
        }
    }

    // Frees the session's space. Returns false when the session holds none (never allocated, or
    // already released), so retries are harmless.
    public async Task<bool> ReleaseAsync(Guid parkingSessionId, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = Command(connection, null, """
            WITH released AS (
                UPDATE parking.spaces
                SET status = $2, parking_session_id = NULL, reservation_id = NULL, status_changed_at = now()
                WHERE parking_session_id = $1
                RETURNING id, facility_id, space_type),
            vacated AS (
                INSERT INTO analytics.occupancy_events (facility_id, space_id, space_type, parking_session_id, kind, occurred_at)
                SELECT facility_id, id, space_type, $1, 'vacated', $3 FROM released
                ON CONFLICT (parking_session_id, kind) DO NOTHING)
            SELECT count(*) FROM released
            """, parkingSessionId, Available, at);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))! > 0;
    }

    // Promises capacity of the type for the slot. Refused when, at some moment of the slot, the
    // active holds overlapping it already equal the spaces of that type not in maintenance. A slot
    // that starts within the hold lookahead of `bookedAt` also needs a space free right now (beyond
    // the holds already in effect), since walk-ins parked now will still be there.
    // Idempotent per reservation id.
    public async Task<CapacityHoldResult> HoldAsync(
        Guid reservationId, string facilityId, SpaceType spaceType, DateTimeOffset slotStart, DateTimeOffset slotEnd, DateTimeOffset bookedAt,
        CancellationToken cancellationToken = default)
    {
        if (slotEnd <= slotStart)
        {
            throw new ArgumentException("A hold's slot must end after it starts.", nameof(slotEnd));
        }
        var type = EnumText.ToText(spaceType);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await LockCapacityAsync(connection, transaction, facilityId, spaceType, exclusive: true, cancellationToken);

        await using (var existing = Command(connection, transaction,
            "SELECT status FROM reservation.capacity_holds WHERE reservation_id = $1", reservationId))
        {
            if (await existing.ExecuteScalarAsync(cancellationToken) is string status)
            {
                return EnumText.Parse<Reservations.CapacityHoldStatus>(status) == Reservations.CapacityHoldStatus.Released
                    ? new CapacityHoldResult(CapacityHoldOutcome.Released, "This reservation's hold was released.")
                    : new CapacityHoldResult(CapacityHoldOutcome.Held, null);
            }
        }

        long capacity;
        long peak;
        await using (var counts = Command(connection, transaction, """
            WITH overlapping AS (
                SELECT slot_start, slot_end FROM reservation.capacity_holds
                WHERE facility_id = $1 AND space_type = $2 AND status <> 'released'
                  AND slot_start < $4 AND slot_end > $3)
            SELECT
                (SELECT count(*) FROM parking.spaces WHERE facility_id = $1 AND space_type = $2 AND status <> $5),
                -- Concurrent holds peak at the new slot's start or at a later hold's start.
                (SELECT coalesce(max((SELECT count(*) FROM overlapping o WHERE o.slot_start <= p.at AND o.slot_end > p.at)), 0)
                 FROM (SELECT $3::timestamptz AS at UNION SELECT slot_start FROM overlapping WHERE slot_start > $3) p)
            """, facilityId, type, slotStart, slotEnd, Maintenance))
        {
            await using var reader = await counts.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            capacity = reader.GetInt64(0);
            peak = reader.GetInt64(1);
        }
        if (peak >= capacity || (slotStart - _options.HoldLookahead <= bookedAt
            && await HeadroomAsync(connection, transaction, facilityId, spaceType, bookedAt, cancellationToken) <= 0))
        {
            return new CapacityHoldResult(CapacityHoldOutcome.Full,
                $"{facilityId} has no {type} space left to reserve for {slotStart:u} – {slotEnd:u}.");
        }

        await using (var insert = Command(connection, transaction, """
            INSERT INTO reservation.capacity_holds (reservation_id, facility_id, space_type, slot_start, slot_end, status)
            VALUES ($1, $2, $3, $4, $5, 'held')
            """, reservationId, facilityId, type, slotStart, slotEnd))
        {
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return new CapacityHoldResult(CapacityHoldOutcome.Held, null);
    }

    // Turns a held reservation into a concrete space in status "reserved" (e.g. when the driver
    // is on the way or the slot starts). Idempotent: a promoted hold returns its space.
    public async Task<HoldPromotion> PromoteHoldAsync(Guid reservationId, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // The advisory lock comes before any row lock (as in AllocateAsync), so read the hold's
        // facility and type first without locking it.
        var hold = await ReadHoldAsync(connection, transaction, reservationId, forUpdate: false, cancellationToken);
        if (hold is null)
        {
            return new HoldPromotion(HoldPromotionOutcome.HoldNotFound, null, null);
        }
        await LockCapacityAsync(connection, transaction, hold.FacilityId, hold.SpaceType, exclusive: true, cancellationToken);
        hold = (await ReadHoldAsync(connection, transaction, reservationId, forUpdate: true, cancellationToken))!;
        switch (hold.Status)
        {
            case Reservations.CapacityHoldStatus.Released:
                return new HoldPromotion(HoldPromotionOutcome.HoldReleased, null, null);
            case Reservations.CapacityHoldStatus.Promoted or Reservations.CapacityHoldStatus.Consumed:
                return new HoldPromotion(HoldPromotionOutcome.Promoted, hold.SpaceId, await LabelOfAsync(connection, transaction, hold.SpaceId!.Value, cancellationToken));
        }

        await using var reserve = Command(connection, transaction, """
            WITH picked AS (
                UPDATE parking.spaces SET status = $4, reservation_id = $3, status_changed_at = now()
                WHERE status = $5 AND id = (
                    SELECT id FROM parking.spaces
                    WHERE facility_id = $1 AND space_type = $2 AND status = $5
                    ORDER BY label LIMIT 1 FOR UPDATE SKIP LOCKED)
                RETURNING id, label),
            hold AS (
                UPDATE reservation.capacity_holds SET status = 'promoted', space_id = (SELECT id FROM picked), updated_at = now()
                WHERE reservation_id = $3 AND EXISTS (SELECT 1 FROM picked))
            SELECT id, label FROM picked
            """, hold.FacilityId, EnumText.ToText(hold.SpaceType), reservationId, Reserved, Available);
        await using (var reader = await reserve.ExecuteReaderAsync(cancellationToken))
        {
            if (!await reader.ReadAsync(cancellationToken))
            {
                return new HoldPromotion(HoldPromotionOutcome.NoSpaceAvailable, null, null);
            }
            var promotion = new HoldPromotion(HoldPromotionOutcome.Promoted, reader.GetGuid(0), reader.GetString(1));
            await reader.CloseAsync();
            await transaction.CommitAsync(cancellationToken);
            return promotion;
        }
    }

    // Gives a held or promoted reservation's capacity back (cancellation, no-show); a promoted
    // space becomes available again. A hold already consumed by the arrived car is left alone:
    // its space is freed when the parking session is released. Idempotent.
    public async Task<bool> ReleaseHoldAsync(Guid reservationId, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = Command(connection, null, """
            WITH hold AS (
                UPDATE reservation.capacity_holds SET status = 'released', updated_at = now()
                WHERE reservation_id = $1 AND status IN ('held', 'promoted')
                RETURNING reservation_id),
            space AS (
                UPDATE parking.spaces SET status = $2, reservation_id = NULL, status_changed_at = now()
                WHERE reservation_id = $1 AND status = $3 AND EXISTS (SELECT 1 FROM hold))
            SELECT count(*) FROM hold
            """, reservationId, Available, Reserved);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))! > 0;
    }

    // Per space type of the facility (all three types, zero counts included).
    public async Task<IReadOnlyList<SpaceAvailability>> GetAvailabilityAsync(string facilityId, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = Command(connection, null, """
            SELECT t.space_type,
                count(s.id),
                count(s.id) FILTER (WHERE s.status = $2),
                count(s.id) FILTER (WHERE s.status = $3),
                count(s.id) FILTER (WHERE s.status = $4),
                count(s.id) FILTER (WHERE s.status = $5),
                (SELECT count(*) FROM reservation.capacity_holds h
                 WHERE h.facility_id = $1 AND h.space_type = t.space_type AND h.status = 'held'
                   AND h.slot_start - $7::interval <= $6 AND h.slot_end > $6)
            FROM unnest($8::text[]) AS t (space_type)
            LEFT JOIN parking.spaces s ON s.facility_id = $1 AND s.space_type = t.space_type
            GROUP BY t.space_type
            """, facilityId, Available, Occupied, Reserved, Maintenance, at, _options.HoldLookahead,
            Enum.GetValues<SpaceType>().Select(EnumText.ToText).ToArray());
        var result = new List<SpaceAvailability>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var free = (int)reader.GetInt64(2);
            var held = (int)reader.GetInt64(6);
            result.Add(new SpaceAvailability(
                EnumText.Parse<SpaceType>(reader.GetString(0)),
                Total: (int)reader.GetInt64(1),
                Available: Math.Max(0, free - held),
                Occupied: (int)reader.GetInt64(3),
                Reserved: (int)reader.GetInt64(4),
                Maintenance: (int)reader.GetInt64(5),
                HeldForReservations: held));
        }
        return [.. result.OrderBy(availability => availability.SpaceType)];
    }

    private async Task<SpaceAllocation> AllocateWalkInAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string facilityId, SpaceType spaceType, Guid parkingSessionId, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var type = EnumText.ToText(spaceType);
        // Free spaces beyond the capacity held for reservations in effect (none under the shared
        // lock, where this is just "a free space").
        await using var command = Command(connection, transaction, """
            UPDATE parking.spaces SET status = $5, parking_session_id = $3, status_changed_at = now()
            WHERE status = $4
              AND (SELECT count(*) FROM parking.spaces WHERE facility_id = $1 AND space_type = $2 AND status = $4)
                - (SELECT count(*) FROM reservation.capacity_holds
                   WHERE facility_id = $1 AND space_type = $2 AND status = 'held'
                     AND slot_start - $6::interval <= $7 AND slot_end > $7) > 0
              AND id = (
                SELECT id FROM parking.spaces
                WHERE facility_id = $1 AND space_type = $2 AND status = $4
                ORDER BY label LIMIT 1 FOR UPDATE SKIP LOCKED)
            RETURNING id, label
            """, facilityId, type, parkingSessionId, Available, Occupied, _options.HoldLookahead, at);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? SpaceAllocation.Allocated(reader.GetGuid(0), reader.GetString(1))
            : SpaceAllocation.Full($"{facilityId} has no free {type} space.");
    }

    // Held (not yet promoted) capacity whose slot is in effect at `at`, lookahead included.
    private async Task<long> HoldsInEffectAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string facilityId, SpaceType spaceType, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, transaction, """
            SELECT count(*) FROM reservation.capacity_holds
            WHERE facility_id = $1 AND space_type = $2 AND status = 'held' AND slot_start - $3::interval <= $4 AND slot_end > $4
            """, facilityId, EnumText.ToText(spaceType), _options.HoldLookahead, at);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    // Free spaces a walk-in arriving at `at` could take.
    private async Task<long> HeadroomAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string facilityId, SpaceType spaceType, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, transaction,
            "SELECT count(*) FROM parking.spaces WHERE facility_id = $1 AND space_type = $2 AND status = $3",
            facilityId, EnumText.ToText(spaceType), Available);
        var free = (long)(await command.ExecuteScalarAsync(cancellationToken))!;
        return free - await HoldsInEffectAsync(connection, transaction, facilityId, spaceType, at, cancellationToken);
    }

    // Null when the reservation has no active hold for this facility and type: the car is then
    // treated as a walk-in.
    private static async Task<SpaceAllocation?> AllocateForReservationAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string facilityId, SpaceType spaceType, Guid parkingSessionId, Guid reservationId, CancellationToken cancellationToken)
    {
        var hold = await ReadHoldAsync(connection, transaction, reservationId, forUpdate: true, cancellationToken);
        if (hold is null || hold.FacilityId != facilityId || hold.SpaceType != spaceType
            || hold.Status is not (Reservations.CapacityHoldStatus.Held or Reservations.CapacityHoldStatus.Promoted))
        {
            return null;
        }
        // The promoted space if there is one, otherwise any free space: the hold's capacity was
        // kept out of walk-in allocation, so one is there unless spaces went into maintenance.
        await using var command = Command(connection, transaction, """
            WITH target AS (
                -- coalesce evaluates the second subquery (and locks a free space) only when needed.
                SELECT coalesce(
                    (SELECT id FROM parking.spaces WHERE reservation_id = $3 AND status = $6),
                    (SELECT id FROM parking.spaces
                     WHERE facility_id = $1 AND space_type = $2 AND status = $5
                     ORDER BY label LIMIT 1 FOR UPDATE SKIP LOCKED)) AS id),
            taken AS (
                UPDATE parking.spaces SET status = $7, parking_session_id = $4, reservation_id = $3, status_changed_at = now()
                WHERE id = (SELECT id FROM target) AND status IN ($5, $6)
                RETURNING id, label),
            hold AS (
                UPDATE reservation.capacity_holds
                SET status = 'consumed', space_id = (SELECT id FROM taken), parking_session_id = $4, updated_at = now()
                WHERE reservation_id = $3 AND EXISTS (SELECT 1 FROM taken))
            SELECT id, label FROM taken
            """, facilityId, EnumText.ToText(spaceType), reservationId, parkingSessionId, Available, Reserved, Occupied);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? SpaceAllocation.Allocated(reader.GetGuid(0), reader.GetString(1))
            : SpaceAllocation.Full($"{facilityId} has no free {EnumText.ToText(spaceType)} space, even for the reservation.");
    }

    private static async Task<SpaceAllocation?> FindSessionSpaceAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid parkingSessionId, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, transaction, "SELECT id, label FROM parking.spaces WHERE parking_session_id = $1", parkingSessionId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? SpaceAllocation.Allocated(reader.GetGuid(0), reader.GetString(1)) : null;
    }

    private static async Task<HoldRow?> ReadHoldAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid reservationId, bool forUpdate, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, transaction,
            "SELECT facility_id, space_type, status, space_id FROM reservation.capacity_holds WHERE reservation_id = $1" + (forUpdate ? " FOR UPDATE" : ""),
            reservationId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }
        return new HoldRow(
            reader.GetString(0),
            EnumText.Parse<SpaceType>(reader.GetString(1)),
            EnumText.Parse<Reservations.CapacityHoldStatus>(reader.GetString(2)),
            reader.IsDBNull(3) ? null : reader.GetGuid(3));
    }

    private static async Task<string?> LabelOfAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid spaceId, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, transaction, "SELECT label FROM parking.spaces WHERE id = $1", spaceId);
        return (string?)await command.ExecuteScalarAsync(cancellationToken);
    }

    private static async Task LockCapacityAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string facilityId, SpaceType spaceType, bool exclusive, CancellationToken cancellationToken)
    {
        var function = exclusive ? "pg_advisory_xact_lock" : "pg_advisory_xact_lock_shared";
        await using var command = Command(connection, transaction,
            $"SELECT {function}(hashtextextended('easypark.capacity:' || $1 || ':' || $2, 0))", facilityId, EnumText.ToText(spaceType));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static NpgsqlCommand Command(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, params object?[] values)
    {
        var command = new NpgsqlCommand(sql, connection, transaction);
        foreach (var value in values)
        {
            // timestamptz only takes UTC offsets; callers may pass any offset for the same instant.
            command.Parameters.Add(new NpgsqlParameter { Value = value is DateTimeOffset time ? time.ToUniversalTime() : value ?? DBNull.Value });
        }
        return command;
    }

    private sealed record HoldRow(string FacilityId, SpaceType SpaceType, Reservations.CapacityHoldStatus Status, Guid? SpaceId);
}

public sealed class SpaceAllocatorOptions
{
    // Walk-ins stop taking capacity held for a reservation this long before its slot starts: a car
    // parking now may well still be there when the reserved driver arrives.
    public TimeSpan HoldLookahead { get; set; } = TimeSpan.FromHours(1);
}
