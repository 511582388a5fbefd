-- The active relay holds a lease with a deadline instead of a session
-- advisory lock: a relay that is frozen (stopped, not dead) keeps its
-- connection and so kept the lock for as long as it was frozen. A lease
-- runs out; the leader renews it every second and stops publishing as soon
-- as it cannot be sure it still holds it, and a standby takes it over once
-- it has run out.
CREATE TABLE relay_lease (
    id          integer PRIMARY KEY CHECK (id = 1),
    holder      text NOT NULL,
    epoch       bigint NOT NULL,
    expires_at  timestamptz NOT NULL
);
INSERT INTO relay_lease (id, holder, epoch, expires_at) VALUES (1, '', 0, '1970-01-01T00:00:00Z');
