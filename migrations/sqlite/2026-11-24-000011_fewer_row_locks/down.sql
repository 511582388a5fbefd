CREATE TABLE stock_movements_old (
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
INSERT INTO stock_movements_old SELECT id, owner_id, sku_id, quantity, from_bucket, from_bin, to_bucket, to_bin, reason, document_no, note, actor, created_at FROM stock_movements;
DROP TABLE stock_movements;
ALTER TABLE stock_movements_old RENAME TO stock_movements;
CREATE INDEX stock_movements_sku ON stock_movements (owner_id, sku_id, id);
CREATE INDEX stock_movements_document ON stock_movements (document_no);

CREATE TABLE order_allocations_old (
    order_id   blob NOT NULL REFERENCES orders (id),
    line_no    integer NOT NULL,
    bin_id     blob NOT NULL REFERENCES bins (id),
    quantity   integer NOT NULL CHECK (quantity >= 0),
    PRIMARY KEY (order_id, line_no, bin_id)
);
INSERT INTO order_allocations_old SELECT order_id, line_no, bin_id, quantity FROM order_allocations;
DROP TABLE order_allocations;
ALTER TABLE order_allocations_old RENAME TO order_allocations;
