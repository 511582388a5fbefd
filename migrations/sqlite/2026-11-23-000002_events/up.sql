-- The transactional outbox: one row per event, written in the transaction
-- of the state change it reports, published by the relay.
--
-- Marking an event published only sets published_at, which no index and no
-- index predicate mentions, so it touches no index.
CREATE TABLE outbox (
    id              blob PRIMARY KEY,
    -- Feed order, assigned after commit by the single sequencer, so that a
    -- reader never skips a row that committed late. NULL until assigned.
    position        integer UNIQUE,
    event_type      text NOT NULL,
    aggregate_kind  text NOT NULL,
    aggregate_id    blob NOT NULL,
    document_no     text NOT NULL,
    owner_id        blob,
    sequence        integer NOT NULL,
    occurred_at     text NOT NULL,
    payload         text NOT NULL,
    published_at    text,
    -- > 0 once an attempt failed; such events are found through outbox_failed.
    attempts        integer NOT NULL,
    next_attempt_at text,
    last_error      text,
    parked_at       text,
    UNIQUE (aggregate_kind, aggregate_id, sequence)
);
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
    aggregate_id    blob NOT NULL,
    last_sequence   integer NOT NULL,
    PRIMARY KEY (aggregate_kind, aggregate_id)
);

-- One row: the last feed position handed out (written by the sequencer).
CREATE TABLE outbox_state (
    id              integer PRIMARY KEY,
    last_position   integer NOT NULL
);
INSERT INTO outbox_state (id, last_position) VALUES (1, 0);

-- One row: every event at or below this position is published or failed
-- (written by the relay after each settled part). The relay starts reading
-- after it.
CREATE TABLE outbox_relay (
    id              integer PRIMARY KEY,
    published_upto  integer NOT NULL
);
INSERT INTO outbox_relay (id, published_upto) VALUES (1, 0);
