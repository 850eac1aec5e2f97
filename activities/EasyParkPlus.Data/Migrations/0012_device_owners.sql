-- One ownership claim for every device a gateway instance holds the socket of, stations and gates alike (it replaces
-- gateway.station_owners and gates.gate_owners). The holding instance renews claimed_at while it runs; a claim not
-- renewed within the gateway's lease belongs to an instance that died and counts as no claim (the device is offline).
CREATE TABLE gateway.device_owners (
    kind          text NOT NULL CHECK (kind IN ('station', 'gate')),
    device_id     text NOT NULL,
    instance_id   text NOT NULL,
    internal_url  text NOT NULL,
    claimed_at    timestamptz NOT NULL,
    PRIMARY KEY (kind, device_id)
);
CREATE INDEX ix_device_owners_instance ON gateway.device_owners (instance_id);

INSERT INTO gateway.device_owners (kind, device_id, instance_id, internal_url, claimed_at)
SELECT 'station', station_id, instance_id, internal_url, claimed_at FROM gateway.station_owners
UNION ALL
SELECT 'gate', gate_id, instance_id, internal_url, claimed_at FROM gates.gate_owners;

DROP TABLE gateway.station_owners;
DROP TABLE gates.gate_owners;
