-- After-sales: the return policy as dated data (versions per market, added
-- never edited), the platform's return requests with the version they were
-- decided under and the decision, their lines, and the costs each party
-- bears (for settlement to book).
CREATE TABLE return_policies (
    id             blob PRIMARY KEY,
    market         text NOT NULL,
    version        integer NOT NULL,
    effective_from text NOT NULL,
    rules          text NOT NULL,
    note           text NOT NULL,
    created_by     text NOT NULL,
    created_at     text NOT NULL,
    UNIQUE (market, version),
    UNIQUE (market, effective_from)
);

CREATE TABLE returns (
    id                  blob PRIMARY KEY,
    return_no           text NOT NULL UNIQUE,
    platform_return_id  text NOT NULL UNIQUE,
    order_id            blob NOT NULL REFERENCES orders (id),
    return_type         text NOT NULL,
    reason_code         text NOT NULL,
    reason_class        text NOT NULL,
    status              text NOT NULL,
    return_tracking_no  text,
    policy_id           blob NOT NULL REFERENCES return_policies (id),
    decision            text NOT NULL,
    currency            text NOT NULL,
    refund_minor        bigint NOT NULL CHECK (refund_minor >= 0),
    shipping_cost_minor bigint CHECK (shipping_cost_minor >= 0),
    requested_at        text NOT NULL,
    created_at          text NOT NULL,
    updated_at          text NOT NULL
);
CREATE INDEX returns_of_order ON returns (order_id);
CREATE INDEX returns_by_status ON returns (status, created_at);

CREATE TABLE return_lines (
    return_id        blob NOT NULL REFERENCES returns (id),
    line_no          integer NOT NULL,
    sku_id           blob NOT NULL,
    owner_id         blob NOT NULL,
    quantity         integer NOT NULL CHECK (quantity > 0),
    unit_price_minor bigint NOT NULL,
    keep             boolean NOT NULL,
    PRIMARY KEY (return_id, line_no)
);
-- A supplier reads the returns of its goods.
CREATE INDEX return_lines_of_owner ON return_lines (owner_id, return_id);

CREATE TABLE return_liabilities (
    id           blob PRIMARY KEY,
    return_id    blob NOT NULL REFERENCES returns (id),
    party        text NOT NULL,
    -- The supplier whose goods a supplier-borne cost is for.
    owner_id     blob,
    kind         text NOT NULL,
    amount_minor bigint NOT NULL CHECK (amount_minor >= 0),
    currency     text NOT NULL,
    created_at   text NOT NULL
);
CREATE INDEX return_liabilities_of_return ON return_liabilities (return_id);

-- The US market's first policy (2023): items under USD 20 are kept, buyer
-- remorse gets its return shipping in full, quality and logistics up to
-- USD 10; the platform bears remorse, the supplier quality, the carrier
-- logistics. Later versions are added as data (POST /api/v1/return-policies).
INSERT INTO return_policies VALUES
 (X'019ab0000000700080000000000000a1', 'US', 1, '2023-01-01T00:00:00.000000Z', '{"keep_item_under":{"amount_minor":2000,"currency":"USD"},"return_shipping":{"buyer_remorse":{"percent":100,"cap":null},"quality":{"percent":100,"cap":{"amount_minor":1000,"currency":"USD"}},"logistics":{"percent":100,"cap":{"amount_minor":1000,"currency":"USD"}}},"bearer":{"buyer_remorse":"platform","quality":"supplier","logistics":"carrier"}}',
  'US 2023: under USD 20 refunded without return; return shipping in full for buyer remorse, up to USD 10 for quality and logistics.',
  'migration', '2026-12-07T00:00:00.000000Z');
