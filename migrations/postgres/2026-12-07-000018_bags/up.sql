-- Sorting into bags (集包): parcels of one channel and destination go into
-- one bag; a bag is closed with its weight, compared with its parcels'.
CREATE TABLE bags (
    id               uuid PRIMARY KEY,
    bag_no           text NOT NULL UNIQUE,
    channel_id       uuid NOT NULL REFERENCES channels (id),
    destination      text NOT NULL,
    status           text NOT NULL,
    parcel_count     integer NOT NULL CHECK (parcel_count >= 0),
    parcels_weight_g bigint NOT NULL CHECK (parcels_weight_g >= 0),
    weight_g         integer,
    tolerance_g      integer,
    hold_reason      text,
    opened_by        text NOT NULL,
    opened_at        timestamptz NOT NULL,
    closed_by        text,
    closed_at        timestamptz,
    updated_at       timestamptz NOT NULL
);
-- At most one open bag per channel and destination: the sort screen names it.
CREATE UNIQUE INDEX bags_one_open ON bags (channel_id, destination) WHERE status = 'open';
CREATE INDEX bags_by_status ON bags (status, opened_at);

CREATE TABLE bag_parcels (
    bag_id    uuid NOT NULL REFERENCES bags (id),
    parcel_id uuid NOT NULL REFERENCES parcels (id),
    weight_g  integer NOT NULL,
    added_by  text NOT NULL,
    added_at  timestamptz NOT NULL,
    PRIMARY KEY (bag_id, parcel_id)
);
-- A parcel is in one bag at a time.
CREATE UNIQUE INDEX bag_parcels_one_bag ON bag_parcels (parcel_id);
