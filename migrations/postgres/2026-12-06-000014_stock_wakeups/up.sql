-- A movement that makes stock available no longer fills the orders waiting
-- for it inside its own transaction (which held the SKU's lock while it took
-- the orders' locks: two such movements of different SKUs, filling one order
-- with both, deadlocked). It leaves a wake-up for the SKU in the same
-- transaction; the use case that moved the stock fills the backorders right
-- after it commits, one order a transaction, and a background sweep picks up
-- any wake-up left behind (a crash between the two).
CREATE TABLE stock_wakeups (
    sku_id  uuid PRIMARY KEY,
    since   timestamptz NOT NULL
);

-- Advisory locks that turn a deadlock into a serialization failure (SQLSTATE
-- 40001), which every write path retries: diesel reports SQLSTATE 40001 as
-- such but 40P01 only as text. With one lock order deadlocks should not
-- happen; if one ever does, it is retried like any other conflict.
CREATE FUNCTION custody_lock_keys(keys text[]) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    n bigint;
BEGIN
    SELECT count(pg_advisory_xact_lock(hashtextextended(k, 0))) INTO n FROM unnest(keys) AS k;
    RETURN n;
EXCEPTION WHEN deadlock_detected THEN
    RAISE EXCEPTION 'deadlock while taking locks' USING ERRCODE = 'serialization_failure';
END;
$$;
