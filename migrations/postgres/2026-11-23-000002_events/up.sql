-- The transactional outbox: one row per event, written in the transaction
-- of the state change it reports, published by the relay.
--
-- Marking an event published only sets published_at, which no index and no
-- index predicate mentions: on PostgreSQL that update is HOT (no index
-- entries), and fillfactor leaves room in each page for it.
CREATE TABLE outbox (
    id              uuid PRIMARY KEY,
    -- Feed order, assigned after commit by the single sequencer, so that a
    -- reader never skips a row that committed late. NULL until assigned.
    position        bigint UNIQUE,
    event_type      text NOT NULL,
    aggregate_kind  text NOT NULL,
    aggregate_id    uuid NOT NULL,
    document_no     text NOT NULL,
    owner_id        uuid,
    sequence        bigint NOT NULL,
    occurred_at     timestamptz NOT NULL,
    payload         text NOT NULL,
    published_at    timestamptz,
    -- > 0 once an attempt failed; such events are found through outbox_failed.
    attempts        integer NOT NULL,
    next_attempt_at timestamptz,
    last_error      text,
    parked_at       timestamptz,
    UNIQUE (aggregate_kind, aggregate_id, sequence)
) WITH (fillfactor = 80);
CREATE INDEX outbox_unsequenced ON outbox (id) WHERE position IS NULL;
CREATE INDEX outbox_owner_position ON outbox (owner_id, position);
-- Events that ever failed (waiting to retry, parked, or since published);
-- the unpublished ones hold back their document's later events. The
-- predicate leaves published_at out so that marking stays index-free.
CREATE INDEX outbox_failed ON outbox (aggregate_kind, aggregate_id, sequence) WHERE attempts > 0;

-- The last sequence number given to each aggregate's events; kept apart
-- from the outbox so that numbering survives the outbox's clean-up.
CREATE TABLE event_sequences (
    aggregate_kind  text NOT NULL,
    aggregate_id    uuid NOT NULL,
    last_sequence   bigint NOT NULL,
    PRIMARY KEY (aggregate_kind, aggregate_id)
);

-- One row: the last feed position handed out (written by the sequencer).
CREATE TABLE outbox_state (
    id              integer PRIMARY KEY,
    last_position   bigint NOT NULL
);
INSERT INTO outbox_state (id, last_position) VALUES (1, 0);

-- One row: every event at or below this position is published or failed
-- (written by the relay after each settled part). The relay starts reading
-- after it.
CREATE TABLE outbox_relay (
    id              integer PRIMARY KEY,
    published_upto  bigint NOT NULL
);
INSERT INTO outbox_relay (id, published_upto) VALUES (1, 0);
