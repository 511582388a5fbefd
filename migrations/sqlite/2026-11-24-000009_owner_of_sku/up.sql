-- Stock, the ledger and order lines name both the SKU and its owner. One
-- foreign key on the pair, to the SKU's own (id, supplier), says more than
-- the two single ones (the owner IS the SKU's supplier, not merely some
-- supplier) and costs one check per row instead of two. SQLite cannot
-- change a table's foreign keys, so the three tables are rebuilt (nothing
-- refers to them).
CREATE UNIQUE INDEX skus_id_supplier_key ON skus (id, supplier_id);

CREATE TABLE order_lines_new (
    order_id          blob NOT NULL REFERENCES orders (id),
    line_no           integer NOT NULL CHECK (line_no > 0),
    sku_id            blob NOT NULL,
    owner_id          blob NOT NULL,
    quantity          integer NOT NULL CHECK (quantity > 0),
    allocated         integer NOT NULL CHECK (allocated >= 0),
    cancelled         integer NOT NULL CHECK (cancelled >= 0),
    unit_price_minor  integer NOT NULL CHECK (unit_price_minor >= 0),
    currency          text NOT NULL,
    PRIMARY KEY (order_id, line_no),
    CHECK (allocated + cancelled <= quantity),
    FOREIGN KEY (sku_id, owner_id) REFERENCES skus (id, supplier_id)
);
INSERT INTO order_lines_new (order_id, line_no, sku_id, owner_id, quantity, allocated, cancelled, unit_price_minor, currency)
    SELECT order_id, line_no, sku_id, owner_id, quantity, allocated, cancelled, unit_price_minor, currency FROM order_lines;
DROP TABLE order_lines;
ALTER TABLE order_lines_new RENAME TO order_lines;
-- Backorders are looked up among open lines only.
CREATE INDEX order_lines_open ON order_lines (sku_id, order_id) WHERE allocated + cancelled < quantity;

CREATE TABLE stock_balances_new (
    owner_id    blob NOT NULL,
    sku_id      blob NOT NULL,
    bin_id      blob NOT NULL,
    bucket      text NOT NULL,
    quantity    integer NOT NULL CHECK (quantity >= 0),
    updated_at  text NOT NULL,
    first_in_at text,
    PRIMARY KEY (owner_id, sku_id, bin_id, bucket),
    FOREIGN KEY (sku_id, owner_id) REFERENCES skus (id, supplier_id)
);
INSERT INTO stock_balances_new (owner_id, sku_id, bin_id, bucket, quantity, updated_at, first_in_at)
    SELECT owner_id, sku_id, bin_id, bucket, quantity, updated_at, first_in_at FROM stock_balances;
DROP TABLE stock_balances;
ALTER TABLE stock_balances_new RENAME TO stock_balances;
CREATE INDEX stock_balances_sku ON stock_balances (sku_id, bucket);
CREATE INDEX stock_balances_bin ON stock_balances (bin_id);

CREATE TABLE stock_movements_new (
    id           blob PRIMARY KEY,
    owner_id     blob NOT NULL,
    sku_id       blob NOT NULL,
    quantity     integer NOT NULL CHECK (quantity > 0),
    from_bucket  text,
    from_bin     blob,
    to_bucket    text,
    to_bin       blob,
    reason       text NOT NULL,
    document_no  text NOT NULL,
    note         text NOT NULL,
    actor        text NOT NULL,
    created_at   text NOT NULL,
    CHECK (from_bucket IS NOT NULL OR to_bucket IS NOT NULL),
    FOREIGN KEY (sku_id, owner_id) REFERENCES skus (id, supplier_id)
);
INSERT INTO stock_movements_new (id, owner_id, sku_id, quantity, from_bucket, from_bin, to_bucket, to_bin, reason, document_no, note, actor, created_at)
    SELECT id, owner_id, sku_id, quantity, from_bucket, from_bin, to_bucket, to_bin, reason, document_no, note, actor, created_at FROM stock_movements;
DROP TABLE stock_movements;
ALTER TABLE stock_movements_new RENAME TO stock_movements;
CREATE INDEX stock_movements_sku ON stock_movements (owner_id, sku_id, id);
CREATE INDEX stock_movements_document ON stock_movements (document_no);

-- An event has no feed position until the sequencer gives it one; the
-- supplier feed's index needs no entry before that. (The position's own
-- UNIQUE is part of the table on SQLite and stays whole: same rule, one
-- entry more per event.)
DROP INDEX outbox_owner_position;
CREATE INDEX outbox_owner_position ON outbox (owner_id, position) WHERE position IS NOT NULL;

-- Buyers are erased from cancelled orders only.
DROP INDEX orders_retention;
CREATE INDEX orders_retention ON orders (cancelled_at) WHERE buyer_sealed IS NOT NULL AND cancelled_at IS NOT NULL;
