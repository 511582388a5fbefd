-- Manifests (one per line-haul departure), the bags on them, the dock's
-- handover scans and the customs broker's receipts per parcel.
CREATE TABLE manifests (
    id                 uuid PRIMARY KEY,
    manifest_no        text NOT NULL UNIQUE,
    channel_id         uuid NOT NULL REFERENCES channels (id),
    carrier            text NOT NULL,
    master_waybill     text NOT NULL,
    transport_mode     text NOT NULL,
    transport_ref      text NOT NULL,
    planned_departure  timestamptz NOT NULL,
    status             text NOT NULL,
    bag_count          integer NOT NULL CHECK (bag_count >= 0),
    parcel_count       integer NOT NULL CHECK (parcel_count >= 0),
    weight_g           bigint NOT NULL CHECK (weight_g >= 0),
    created_by         text NOT NULL,
    created_at         timestamptz NOT NULL,
    closed_by          text,
    closed_at          timestamptz,
    handed_over_by     text,
    handed_over_at     timestamptz,
    driver_name        text,
    vehicle_no         text,
    override_by        text,
    override_note      text,
    updated_at         timestamptz NOT NULL
);
CREATE INDEX manifests_by_status ON manifests (status, created_at);

CREATE TABLE manifest_bags (
    manifest_id   uuid NOT NULL REFERENCES manifests (id),
    bag_id        uuid NOT NULL REFERENCES bags (id),
    added_by      text NOT NULL,
    added_at      timestamptz NOT NULL,
    loaded_by     text,
    loaded_at     timestamptz,
    pulled_at     timestamptz,
    pulled_reason text,
    PRIMARY KEY (manifest_id, bag_id)
);
-- A bag is on one manifest at a time; one pulled off (missing at the dock)
-- may go on the next.
CREATE UNIQUE INDEX manifest_bags_one_manifest ON manifest_bags (bag_id) WHERE pulled_at IS NULL;

CREATE TABLE handover_scans (
    id          uuid PRIMARY KEY,
    manifest_id uuid NOT NULL REFERENCES manifests (id),
    bag_id      uuid NOT NULL REFERENCES bags (id),
    code        text NOT NULL,
    scanned_by  text NOT NULL,
    scanned_at  timestamptz NOT NULL
);
CREATE INDEX handover_scans_of_manifest ON handover_scans (manifest_id, scanned_at);

-- Every receipt is kept (history); a parcel's answer is its latest.
CREATE TABLE customs_receipts (
    id          uuid PRIMARY KEY,
    manifest_id uuid NOT NULL REFERENCES manifests (id),
    parcel_id   uuid NOT NULL REFERENCES parcels (id),
    status      text NOT NULL,
    reason      text,
    received_at timestamptz NOT NULL,
    recorded_by text NOT NULL,
    recorded_at timestamptz NOT NULL
);
CREATE INDEX customs_receipts_of_parcel ON customs_receipts (manifest_id, parcel_id, received_at);
