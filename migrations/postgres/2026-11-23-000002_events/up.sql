-- The transactional outbox: one row per event, written in the transaction
-- of the state change it reports, published by the relay.
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
    attempts        integer NOT NULL,
    next_attempt_at timestamptz,
    last_error      text,
    parked_at       timestamptz,
    UNIQUE (aggregate_kind, aggregate_id, sequence)
);
CREATE INDEX outbox_unsequenced ON outbox (id) WHERE position IS NULL;
CREATE INDEX outbox_unpublished ON outbox (position) WHERE published_at IS NULL;
CREATE INDEX outbox_published_at ON outbox (published_at);
-- Failed events, which hold back their document's later ones.
CREATE INDEX outbox_held ON outbox (aggregate_kind, aggregate_id)
    WHERE published_at IS NULL AND (parked_at IS NOT NULL OR next_attempt_at IS NOT NULL);
CREATE INDEX outbox_owner_position ON outbox (owner_id, position);

-- The last sequence number given to each aggregate's events; kept apart
-- from the outbox so that numbering survives the outbox's clean-up.
CREATE TABLE event_sequences (
    aggregate_kind  text NOT NULL,
    aggregate_id    uuid NOT NULL,
    last_sequence   bigint NOT NULL,
    PRIMARY KEY (aggregate_kind, aggregate_id)
);

-- One row: the last feed position handed out.
CREATE TABLE outbox_state (
    id              integer PRIMARY KEY,
    last_position   bigint NOT NULL
);
INSERT INTO outbox_state (id, last_position) VALUES (1, 0);
