-- See the PostgreSQL migration: a movement that makes stock available leaves
-- a wake-up for the SKU; backorders are filled after it commits.
CREATE TABLE stock_wakeups (
    sku_id  blob PRIMARY KEY,
    since   text NOT NULL
);
