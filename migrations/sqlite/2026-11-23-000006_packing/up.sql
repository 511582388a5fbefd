-- Packing: the tote each order is picked into, the carton catalog, parcels
-- and what is packed in them, and the supervisors' queue of outbound
-- exceptions (short picks, weight holds, picked units to put back).
ALTER TABLE pick_tasks ADD COLUMN tote text;
-- The tote an order's units are in, from its first pick until it is packed.
ALTER TABLE orders ADD COLUMN tote text;
CREATE INDEX orders_tote ON orders (tote) WHERE tote IS NOT NULL;

-- Shipping cartons, inner dimensions; the packer is offered the smallest
-- that fits.
CREATE TABLE carton_types (
    code          text PRIMARY KEY,
    length_mm     integer NOT NULL CHECK (length_mm > 0),
    width_mm      integer NOT NULL CHECK (width_mm > 0),
    height_mm     integer NOT NULL CHECK (height_mm > 0),
    tare_g        integer NOT NULL CHECK (tare_g >= 0),
    max_weight_g  integer NOT NULL CHECK (max_weight_g > 0),
    active        integer NOT NULL
);
INSERT INTO carton_types (code, length_mm, width_mm, height_mm, tare_g, max_weight_g, active) VALUES
    ('BOX-XS', 160, 110, 60, 45, 2000, TRUE),
    ('BOX-S', 220, 160, 100, 90, 5000, TRUE),
    ('BOX-M', 300, 220, 160, 160, 10000, TRUE),
    ('BOX-L', 400, 300, 220, 260, 20000, TRUE),
    ('BOX-XL', 530, 400, 320, 420, 30000, TRUE);

CREATE TABLE parcels (
    id                blob PRIMARY KEY,
    parcel_no         text NOT NULL UNIQUE,
    order_id          blob NOT NULL REFERENCES orders (id),
    tote              text NOT NULL,
    status            text NOT NULL,
    carton_code       text REFERENCES carton_types (code),
    expected_weight_g integer,
    weight_g          integer,
    route             text,
    tracking_no       text UNIQUE,
    packed_by         text NOT NULL,
    created_at        text NOT NULL,
    updated_at        text NOT NULL,
    packed_at         text
);
-- One live parcel per order.
CREATE UNIQUE INDEX parcels_live_order ON parcels (order_id) WHERE status <> 'cancelled';

CREATE TABLE parcel_items (
    parcel_id  blob NOT NULL REFERENCES parcels (id),
    line_no    integer NOT NULL,
    quantity   integer NOT NULL CHECK (quantity > 0),
    PRIMARY KEY (parcel_id, line_no)
);

CREATE TABLE outbound_exceptions (
    id          blob PRIMARY KEY,
    kind        text NOT NULL,
    status      text NOT NULL,
    order_id    blob NOT NULL REFERENCES orders (id),
    parcel_id   blob REFERENCES parcels (id),
    sku_id      blob REFERENCES skus (id),
    owner_id    blob REFERENCES suppliers (id),
    bin_id      blob,
    quantity    integer NOT NULL CHECK (quantity >= 0),
    detail      text NOT NULL,
    raised_by   text NOT NULL,
    raised_at   text NOT NULL,
    resolved_by text,
    resolved_at text,
    resolution  text
);
CREATE INDEX outbound_exceptions_open ON outbound_exceptions (status, raised_at);
