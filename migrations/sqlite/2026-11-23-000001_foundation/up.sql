-- Foundation: suppliers, staff and their sessions, API keys, catalog,
-- warehouse layout, idempotency records.

CREATE TABLE suppliers (
    id              blob PRIMARY KEY,
    code            text NOT NULL UNIQUE,
    name_zh         text NOT NULL,
    name_en         text NOT NULL,
    contact_name    text NOT NULL,
    contact_email   text NOT NULL,
    contact_phone   text NOT NULL,
    return_address  text NOT NULL,
    status          text NOT NULL,
    created_at      text NOT NULL,
    updated_at      text NOT NULL
);

CREATE TABLE staff_users (
    id              blob PRIMARY KEY,
    username        text NOT NULL UNIQUE,
    display_name    text NOT NULL,
    role            text NOT NULL,
    password_hash   text NOT NULL,
    active          integer NOT NULL,
    created_at      text NOT NULL,
    last_login_at   text
);

CREATE TABLE console_sessions (
    token_hash      text PRIMARY KEY,
    user_id         blob NOT NULL REFERENCES staff_users (id) ON DELETE CASCADE,
    csrf_token      text NOT NULL,
    created_at      text NOT NULL,
    expires_at      text NOT NULL
);
CREATE INDEX console_sessions_user ON console_sessions (user_id);

CREATE TABLE api_keys (
    id              blob PRIMARY KEY,
    prefix          text NOT NULL,
    key_hash        text NOT NULL UNIQUE,
    kind            text NOT NULL,
    supplier_id     blob REFERENCES suppliers (id),
    user_id         blob REFERENCES staff_users (id),
    label           text NOT NULL,
    created_at      text NOT NULL,
    last_used_at    text,
    revoked_at      text
);
CREATE INDEX api_keys_supplier ON api_keys (supplier_id);

CREATE TABLE skus (
    id                   blob PRIMARY KEY,
    supplier_id          blob NOT NULL REFERENCES suppliers (id),
    sku_code             text NOT NULL,
    barcode              text NOT NULL UNIQUE,
    name_zh              text NOT NULL,
    name_en              text NOT NULL,
    declared_weight_g    integer NOT NULL,
    declared_length_mm   integer NOT NULL,
    declared_width_mm    integer NOT NULL,
    declared_height_mm   integer NOT NULL,
    declared_value_minor integer NOT NULL,
    declared_currency    text NOT NULL,
    hs_code              text NOT NULL,
    origin_country       text NOT NULL,
    supply_price_minor   integer NOT NULL,
    supply_currency      text NOT NULL,
    sensitive_flags      integer NOT NULL,
    status               text NOT NULL,
    measured_weight_g    integer,
    measured_length_mm   integer,
    measured_width_mm    integer,
    measured_height_mm   integer,
    measured_at          text,
    created_at           text NOT NULL,
    updated_at           text NOT NULL,
    UNIQUE (supplier_id, sku_code)
);

CREATE TABLE zones (
    id              blob PRIMARY KEY,
    code            text NOT NULL UNIQUE,
    name            text NOT NULL,
    sequence        integer NOT NULL,
    created_at      text NOT NULL
);

CREATE TABLE bins (
    id              blob PRIMARY KEY,
    code            text NOT NULL UNIQUE,
    zone_id         blob NOT NULL REFERENCES zones (id),
    aisle           integer NOT NULL,
    bay             integer NOT NULL,
    level           integer NOT NULL,
    bin_type        text NOT NULL,
    capacity_units  integer,
    walk_order      integer NOT NULL,
    active          integer NOT NULL,
    created_at      text NOT NULL
);
CREATE INDEX bins_zone ON bins (zone_id);
CREATE INDEX bins_walk_order ON bins (walk_order);

CREATE TABLE idempotency_records (
    scope           text NOT NULL,
    idempotency_key text NOT NULL,
    request_hash    text NOT NULL,
    status_code     integer NOT NULL,
    response_body   text NOT NULL,
    created_at      text NOT NULL,
    PRIMARY KEY (scope, idempotency_key)
);
