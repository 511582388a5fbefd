DROP INDEX orders_retention;
CREATE INDEX orders_retention ON orders (cancelled_at) WHERE buyer_sealed IS NOT NULL;
DROP INDEX outbox_owner_position;
CREATE INDEX outbox_owner_position ON outbox (owner_id, position);

CREATE TABLE stock_movements_old (
    id           blob PRIMARY KEY,
    owner_id     blob NOT NULL REFERENCES suppliers (id),
    sku_id       blob NOT NULL REFERENCES skus (id),
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
    CHECK (from_bucket IS NOT NULL OR to_bucket IS NOT NULL)
);
INSERT INTO stock_movements_old SELECT id, owner_id, sku_id, quantity, from_bucket, from_bin, to_bucket, to_bin, reason, document_no, note, actor, created_at FROM stock_movements;
DROP TABLE stock_movements;
ALTER TABLE stock_movements_old RENAME TO stock_movements;
CREATE INDEX stock_movements_sku ON stock_movements (owner_id, sku_id, id);
CREATE INDEX stock_movements_document ON stock_movements (document_no);

CREATE TABLE stock_balances_old (
    owner_id    blob NOT NULL REFERENCES suppliers (id),
    sku_id      blob NOT NULL REFERENCES skus (id),
    bin_id      blob NOT NULL,
    bucket      text NOT NULL,
    quantity    integer NOT NULL CHECK (quantity >= 0),
    updated_at  text NOT NULL,
    first_in_at text,
    PRIMARY KEY (owner_id, sku_id, bin_id, bucket)
);
INSERT INTO stock_balances_old SELECT owner_id, sku_id, bin_id, bucket, quantity, updated_at, first_in_at FROM stock_balances;
DROP TABLE stock_balances;
ALTER TABLE stock_balances_old RENAME TO stock_balances;
CREATE INDEX stock_balances_sku ON stock_balances (sku_id, bucket);
CREATE INDEX stock_balances_bin ON stock_balances (bin_id);

CREATE TABLE order_lines_old (
    order_id          blob NOT NULL REFERENCES orders (id),
    line_no           integer NOT NULL CHECK (line_no > 0),
    sku_id            blob NOT NULL REFERENCES skus (id),
    owner_id          blob NOT NULL REFERENCES suppliers (id),
    quantity          integer NOT NULL CHECK (quantity > 0),
    allocated         integer NOT NULL CHECK (allocated >= 0),
    cancelled         integer NOT NULL CHECK (cancelled >= 0),
    unit_price_minor  integer NOT NULL CHECK (unit_price_minor >= 0),
    currency          text NOT NULL,
    PRIMARY KEY (order_id, line_no),
    CHECK (allocated + cancelled <= quantity)
);
INSERT INTO order_lines_old SELECT order_id, line_no, sku_id, owner_id, quantity, allocated, cancelled, unit_price_minor, currency FROM order_lines;
DROP TABLE order_lines;
ALTER TABLE order_lines_old RENAME TO order_lines;
CREATE INDEX order_lines_open ON order_lines (sku_id, order_id);

DROP INDEX skus_id_supplier_key;
