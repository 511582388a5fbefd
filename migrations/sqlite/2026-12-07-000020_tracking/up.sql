-- Tracking to the door: carriers' milestones per parcel (the raw code kept
-- next to the status it was normalised to), the parcel's latest milestone,
-- its delivery, a suspicion that it is lost, and claims against carriers.
CREATE TABLE tracking_events (
    id              blob PRIMARY KEY,
    parcel_id       blob NOT NULL REFERENCES parcels (id),
    tracking_no     text NOT NULL,
    carrier         text NOT NULL,
    raw_code        text NOT NULL,
    status          text NOT NULL,
    event_at        text NOT NULL,
    location        text NOT NULL,
    incident_reason text,
    received_at     text NOT NULL
);
-- A carrier (or an aggregator) sending the same scan twice is the rule, not
-- the exception: the second is dropped here.
CREATE UNIQUE INDEX tracking_events_once ON tracking_events (tracking_no, raw_code, event_at);
CREATE INDEX tracking_events_of_parcel ON tracking_events (parcel_id, event_at);

-- The latest milestone (by rank, then time: never backwards), the delivery,
-- and when the lost-parcel sweep suspected it (once per parcel).
ALTER TABLE parcels ADD COLUMN milestone_status text;
ALTER TABLE parcels ADD COLUMN milestone_at text;
ALTER TABLE parcels ADD COLUMN delivered_at text;
ALTER TABLE parcels ADD COLUMN lost_suspected_at text;
-- The sweep reads parcels on their way by status; erasure reads deliveries.
CREATE INDEX parcels_on_the_way ON parcels (status, milestone_at);
CREATE INDEX parcels_delivered ON parcels (delivered_at) WHERE delivered_at IS NOT NULL;

CREATE TABLE claims (
    id            blob PRIMARY KEY,
    claim_no      text NOT NULL UNIQUE,
    parcel_id     blob NOT NULL REFERENCES parcels (id),
    status        text NOT NULL,
    reason        text NOT NULL,
    opened_by     text NOT NULL,
    opened_at     text NOT NULL,
    amount_minor  integer CHECK (amount_minor >= 0),
    currency      text,
    note          text,
    decided_by    text,
    decided_at    text,
    CHECK ((amount_minor IS NULL) = (currency IS NULL))
);
-- One open claim per parcel.
CREATE UNIQUE INDEX claims_one_open ON claims (parcel_id) WHERE status = 'open';
