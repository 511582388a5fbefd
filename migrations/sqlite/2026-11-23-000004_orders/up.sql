-- Consumer orders from the platform, and what is reserved for them.
-- The buyer's name, address and phone are sealed (AES-256-GCM, key id
-- alongside) and erased after the retention period; only a masked form is
-- kept in clear for the console.
CREATE TABLE orders (
    id                  blob PRIMARY KEY,
    order_no            text NOT NULL UNIQUE,
    platform_order_id   text NOT NULL UNIQUE,
    shop                text NOT NULL,
    market              text NOT NULL,
    destination_country text NOT NULL,
    service_level       text NOT NULL,
    ship_by             text NOT NULL,
    status              text NOT NULL,
    buyer_sealed        blob,
    buyer_key_id        text,
    buyer_masked        text NOT NULL,
    buyer_erased_at     text,
    cancelled_at        text,
    created_at          text NOT NULL,
    updated_at          text NOT NULL
);
CREATE INDEX orders_status ON orders (status, id);
CREATE INDEX orders_retention ON orders (cancelled_at) WHERE buyer_sealed IS NOT NULL;

CREATE TABLE order_lines (
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
-- Backorders are found by SKU, oldest order first.
CREATE INDEX order_lines_open ON order_lines (sku_id, order_id);

-- Which bins hold each line's reserved units (picking reads these).
CREATE TABLE order_allocations (
    order_id   blob NOT NULL REFERENCES orders (id),
    line_no    integer NOT NULL,
    bin_id     blob NOT NULL REFERENCES bins (id),
    quantity   integer NOT NULL CHECK (quantity >= 0),
    PRIMARY KEY (order_id, line_no, bin_id)
);
