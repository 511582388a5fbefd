-- Shipping channels (渠道) as data. A channel's rules are versioned: a
-- change adds a version and never edits one, and a parcel keeps the
-- version it was routed with.
CREATE TABLE channels (
    id              uuid PRIMARY KEY,
    code            text NOT NULL UNIQUE,
    current_version integer NOT NULL,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL
);

CREATE TABLE channel_versions (
    channel_id         uuid NOT NULL REFERENCES channels (id),
    version            integer NOT NULL CHECK (version > 0),
    active             boolean NOT NULL,
    name               text NOT NULL,
    carrier            text NOT NULL,
    carrier_code       text NOT NULL,
    service            text NOT NULL,
    -- ISO 3166-1 alpha-2 codes, comma-separated, sorted.
    destinations       text NOT NULL,
    service_levels     text NOT NULL,
    -- Warehouse local time of day, HH:MM.
    cutoff_local       text NOT NULL,
    volumetric_divisor integer NOT NULL CHECK (volumetric_divisor > 0),
    max_weight_g       integer NOT NULL CHECK (max_weight_g > 0),
    max_side_mm        integer NOT NULL CHECK (max_side_mm > 0),
    max_dims_sum_mm    integer NOT NULL CHECK (max_dims_sum_mm > 0),
    -- Sensitive-goods flags the channel may carry (the SKU flag bits).
    allowed_flags      integer NOT NULL,
    tracking_source    text NOT NULL,
    s10_indicator      text,
    label_layout       text NOT NULL,
    customs_form       text NOT NULL,
    rate_currency      text NOT NULL,
    rate_base_minor    bigint NOT NULL CHECK (rate_base_minor >= 0),
    rate_per_kg_minor  bigint NOT NULL CHECK (rate_per_kg_minor >= 0),
    lost_after_days    integer NOT NULL CHECK (lost_after_days > 0),
    created_by         text NOT NULL,
    created_at         timestamptz NOT NULL,
    PRIMARY KEY (channel_id, version)
);

-- Tracking numbers a carrier pre-assigned, imported as ranges: prefix,
-- a zero-padded serial from first to last, suffix.
CREATE TABLE tracking_ranges (
    id          uuid PRIMARY KEY,
    channel_id  uuid NOT NULL REFERENCES channels (id),
    prefix      text NOT NULL,
    suffix      text NOT NULL,
    width       integer NOT NULL CHECK (width BETWEEN 1 AND 18),
    first_no    bigint NOT NULL CHECK (first_no >= 0),
    last_no     bigint NOT NULL,
    next_no     bigint NOT NULL,
    imported_by text NOT NULL,
    imported_at timestamptz NOT NULL,
    CHECK (last_no >= first_no),
    CHECK (next_no BETWEEN first_no AND last_no + 1)
);
CREATE INDEX tracking_ranges_open ON tracking_ranges (channel_id, imported_at) WHERE next_no <= last_no;

-- What routing decided for a parcel at the pack station.
ALTER TABLE parcels ADD COLUMN channel_id uuid REFERENCES channels (id);
ALTER TABLE parcels ADD COLUMN channel_version integer;
ALTER TABLE parcels ADD COLUMN volumetric_weight_g integer;
ALTER TABLE parcels ADD COLUMN chargeable_weight_g integer;
ALTER TABLE parcels ADD COLUMN hold_reason text;
