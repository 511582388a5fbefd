-- Failed console logins, shared by every instance: a username is locked
-- after too many failures from any address, an address after too many
-- failures across usernames. Rows older than the lockout window are
-- deleted as new failures come in.
CREATE TABLE login_failures (
    id        uuid PRIMARY KEY,
    username  text NOT NULL,
    address   text NOT NULL,
    failed_at timestamptz NOT NULL
);
CREATE INDEX login_failures_by_username ON login_failures (username, failed_at);
CREATE INDEX login_failures_by_address ON login_failures (address, failed_at);
CREATE INDEX login_failures_by_time ON login_failures (failed_at);
