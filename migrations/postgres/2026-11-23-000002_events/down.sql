DROP TABLE outbox_relay;
DROP TABLE outbox_state;
DROP TABLE event_sequences;
DROP TABLE outbox;
