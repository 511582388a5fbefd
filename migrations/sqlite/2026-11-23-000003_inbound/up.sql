-- Inbound (stock-up orders, ASNs, receiving, QC, putaway) and the stock
-- ledger. Quantities are whole units.

-- Readable, gap-free-per-day document numbers (ASN-261123-0001): one counter
-- row per prefix and day, bumped in the creating transaction.
CREATE TABLE document_counters (
    prefix   text NOT NULL,
    day      text NOT NULL,
    last_no  integer NOT NULL,
    PRIMARY KEY (prefix, day)
);

-- 备货单: the platform asks a supplier for stock.
CREATE TABLE stock_orders (
    id              blob PRIMARY KEY,
    order_no        text NOT NULL UNIQUE,
    platform_ref    text NOT NULL UNIQUE,
    supplier_id     blob NOT NULL REFERENCES suppliers (id),
    warehouse_code  text NOT NULL,
    deliver_by      text NOT NULL,
    arrive_by       text NOT NULL,
    status          text NOT NULL,
    decline_reason  text,
    accepted_at     text,
    shipped_at      text,
    arrived_at      text,
    created_at      text NOT NULL,
    updated_at      text NOT NULL
);
CREATE INDEX stock_orders_supplier ON stock_orders (supplier_id, id);
CREATE INDEX stock_orders_status ON stock_orders (status, deliver_by);

CREATE TABLE stock_order_lines (
    order_id   blob NOT NULL REFERENCES stock_orders (id),
    sku_id     blob NOT NULL REFERENCES skus (id),
    quantity   integer NOT NULL CHECK (quantity > 0),
    shipped    integer NOT NULL CHECK (shipped >= 0),
    received   integer NOT NULL CHECK (received >= 0),
    passed     integer NOT NULL CHECK (passed >= 0),
    put_away   integer NOT NULL CHECK (put_away >= 0),
    PRIMARY KEY (order_id, sku_id)
);

-- 发货单: what a supplier ships, in which cartons.
CREATE TABLE asns (
    id                blob PRIMARY KEY,
    asn_no            text NOT NULL UNIQUE,
    supplier_id       blob NOT NULL REFERENCES suppliers (id),
    carrier           text,
    tracking_no       text,
    estimated_arrival text NOT NULL,
    status            text NOT NULL,
    carton_count      integer NOT NULL CHECK (carton_count > 0),
    cartons_arrived   integer NOT NULL CHECK (cartons_arrived >= 0),
    reject_reason     text,
    reject_note       text,
    submitted_at      text,
    arrived_at        text,
    received_at       text,
    inspected_at      text,
    completed_at      text,
    created_at        text NOT NULL,
    updated_at        text NOT NULL
);
-- One live shipment per tracking number (a cancelled one frees it).
CREATE UNIQUE INDEX asns_tracking_live ON asns (tracking_no)
    WHERE tracking_no IS NOT NULL AND status <> 'cancelled';
CREATE INDEX asns_supplier ON asns (supplier_id, id);
CREATE INDEX asns_status ON asns (status, id);

CREATE TABLE asn_lines (
    asn_id          blob NOT NULL REFERENCES asns (id),
    sku_id          blob NOT NULL REFERENCES skus (id),
    stock_order_id  blob REFERENCES stock_orders (id),
    expected        integer NOT NULL CHECK (expected > 0),
    received        integer NOT NULL CHECK (received >= 0),
    damaged         integer NOT NULL CHECK (damaged >= 0),
    qc_passed       integer NOT NULL CHECK (qc_passed >= 0),
    qc_failed       integer NOT NULL CHECK (qc_failed >= 0),
    put_away        integer NOT NULL CHECK (put_away >= 0 AND put_away <= qc_passed),
    PRIMARY KEY (asn_id, sku_id)
);
CREATE INDEX asn_lines_stock_order ON asn_lines (stock_order_id);

CREATE TABLE asn_cartons (
    asn_id              blob NOT NULL REFERENCES asns (id),
    carton_no           integer NOT NULL CHECK (carton_no > 0),
    label               text NOT NULL UNIQUE,
    arrived_at          text,
    receiving_by        text,
    receiving_started_at text,
    closed_at           text,
    PRIMARY KEY (asn_id, carton_no)
);

-- What each carton should hold and what was counted in it.
CREATE TABLE asn_carton_items (
    asn_id     blob NOT NULL,
    carton_no  integer NOT NULL,
    sku_id     blob NOT NULL REFERENCES skus (id),
    expected   integer NOT NULL CHECK (expected >= 0),
    counted    integer NOT NULL CHECK (counted >= 0),
    damaged    integer NOT NULL CHECK (damaged >= 0),
    PRIMARY KEY (asn_id, carton_no, sku_id),
    FOREIGN KEY (asn_id, carton_no) REFERENCES asn_cartons (asn_id, carton_no)
);

CREATE TABLE receiving_exceptions (
    id          blob PRIMARY KEY,
    asn_id      blob NOT NULL REFERENCES asns (id),
    carton_no   integer,
    kind        text NOT NULL,
    sku_id      blob,
    code        text NOT NULL,
    quantity    integer NOT NULL CHECK (quantity >= 0),
    note        text NOT NULL,
    actor       text NOT NULL,
    created_at  text NOT NULL
);
CREATE INDEX receiving_exceptions_asn ON receiving_exceptions (asn_id, id);

-- 抽检: one inspection lot per ASN line, planned by ISO 2859-1.
CREATE TABLE qc_inspections (
    id               blob PRIMARY KEY,
    asn_id           blob NOT NULL REFERENCES asns (id),
    sku_id           blob NOT NULL REFERENCES skus (id),
    lot_size         integer NOT NULL CHECK (lot_size > 0),
    aql              text NOT NULL,
    inspection_level text NOT NULL,
    code_letter      text NOT NULL,
    sample_size      integer NOT NULL CHECK (sample_size > 0),
    accept_no        integer NOT NULL,
    reject_no        integer NOT NULL,
    sampled          integer NOT NULL CHECK (sampled >= 0),
    major_defects    integer NOT NULL CHECK (major_defects >= 0),
    critical_defects integer NOT NULL CHECK (critical_defects >= 0),
    status           text NOT NULL,
    inspector        text,
    started_at       text,
    completed_at     text,
    created_at       text NOT NULL,
    UNIQUE (asn_id, sku_id)
);

CREATE TABLE qc_samples (
    inspection_id  blob NOT NULL REFERENCES qc_inspections (id),
    unit_no        integer NOT NULL CHECK (unit_no > 0),
    result         text NOT NULL,
    defect_code    text,
    note           text NOT NULL,
    photo_url      text,
    actor          text NOT NULL,
    created_at     text NOT NULL,
    PRIMARY KEY (inspection_id, unit_no)
);

-- Stock: balances per owner x SKU x bin x bucket, derived from the ledger
-- and kept in the same transaction. bin_id is the nil UUID for stock that
-- has no bin yet (at the dock, in receiving or QC). A balance can never go
-- below zero: the CHECK backs up the guarded decrement.
CREATE TABLE stock_balances (
    owner_id    blob NOT NULL REFERENCES suppliers (id),
    sku_id      blob NOT NULL REFERENCES skus (id),
    bin_id      blob NOT NULL,
    bucket      text NOT NULL,
    quantity    integer NOT NULL CHECK (quantity >= 0),
    updated_at  text NOT NULL,
    PRIMARY KEY (owner_id, sku_id, bin_id, bucket)
);
CREATE INDEX stock_balances_sku ON stock_balances (sku_id, bucket);
CREATE INDEX stock_balances_bin ON stock_balances (bin_id);

-- The append-only ledger: every change of any balance is one row.
CREATE TABLE stock_movements (
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
CREATE INDEX stock_movements_sku ON stock_movements (owner_id, sku_id, id);
CREATE INDEX stock_movements_document ON stock_movements (document_no);

-- Cycle counts: the counter sees no expected figures until submitted.
CREATE TABLE cycle_counts (
    id            blob PRIMARY KEY,
    count_no      text NOT NULL UNIQUE,
    bin_id        blob NOT NULL REFERENCES bins (id),
    status        text NOT NULL,
    created_by    text NOT NULL,
    counted_by    text,
    decided_by    text,
    created_at    text NOT NULL,
    submitted_at  text,
    decided_at    text
);

CREATE TABLE cycle_count_lines (
    count_id   blob NOT NULL REFERENCES cycle_counts (id),
    owner_id   blob NOT NULL REFERENCES suppliers (id),
    sku_id     blob NOT NULL REFERENCES skus (id),
    expected   integer NOT NULL,
    counted    integer,
    PRIMARY KEY (count_id, owner_id, sku_id)
);

-- Penalty rules are data: what triggers one and how its amount is worked out.
CREATE TABLE penalty_rules (
    id              blob PRIMARY KEY,
    code            text NOT NULL UNIQUE,
    kind            text NOT NULL,
    fixed_minor     integer NOT NULL CHECK (fixed_minor >= 0),
    per_unit_minor  integer NOT NULL CHECK (per_unit_minor >= 0),
    currency        text NOT NULL,
    active          integer NOT NULL,
    effective_from  text NOT NULL,
    effective_to    text,
    description     text NOT NULL,
    created_at      text NOT NULL
);

CREATE TABLE penalties (
    id            blob PRIMARY KEY,
    supplier_id   blob NOT NULL REFERENCES suppliers (id),
    asn_id        blob NOT NULL REFERENCES asns (id),
    rule_id       blob NOT NULL REFERENCES penalty_rules (id),
    kind          text NOT NULL,
    units         integer NOT NULL,
    amount_minor  integer NOT NULL,
    currency      text NOT NULL,
    basis         text NOT NULL,
    created_at    text NOT NULL
);
CREATE INDEX penalties_supplier ON penalties (supplier_id, id);

-- The default rules; operations change them as data (new rows with their
-- effective dates), never in code.
INSERT INTO penalty_rules VALUES
 (X'019ab000000070008000000000000001', 'LATE-ARRIVAL', 'late_arrival', 5000, 0, 'CNY', 1,
  '2026-01-01T00:00:00.000000Z', NULL, 'Shipment arrived after the stock-up order''s arrive-by time: CNY 50 per shipment.', '2026-11-23T00:00:00.000000Z'),
 (X'019ab000000070008000000000000002', 'SHORT-SHIPMENT', 'short_shipment', 0, 200, 'CNY', 1,
  '2026-01-01T00:00:00.000000Z', NULL, 'Units announced on the ASN but not received: CNY 2 per unit.', '2026-11-23T00:00:00.000000Z'),
 (X'019ab000000070008000000000000003', 'QUALITY-FAILURE', 'quality_failure', 10000, 500, 'CNY', 1,
  '2026-01-01T00:00:00.000000Z', NULL, 'A lot rejected by quality inspection: CNY 100 per lot plus CNY 5 per unit returned.', '2026-11-23T00:00:00.000000Z');
