-- The active relay holds a lease with a deadline (see the PostgreSQL
-- migration): on SQLite it also keeps a second process from publishing.
CREATE TABLE relay_lease (
    id          integer PRIMARY KEY CHECK (id = 1),
    holder      text NOT NULL,
    epoch       integer NOT NULL,
    expires_at  text NOT NULL
);
INSERT INTO relay_lease (id, holder, epoch, expires_at) VALUES (1, '', 0, '1970-01-01T00:00:00.000000Z');
