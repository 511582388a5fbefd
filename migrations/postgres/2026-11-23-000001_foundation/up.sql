-- Foundation: suppliers, staff and their sessions, API keys, catalog,
-- warehouse layout, idempotency records.

CREATE TABLE suppliers (
    id              uuid PRIMARY KEY,
    code            text NOT NULL UNIQUE,
    name_zh         text NOT NULL,
    name_en         text NOT NULL,
    contact_name    text NOT NULL,
    contact_email   text NOT NULL,
    contact_phone   text NOT NULL,
    return_address  text NOT NULL,
    status          text NOT NULL,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL
);

CREATE TABLE staff_users (
    id              uuid PRIMARY KEY,
    username        text NOT NULL UNIQUE,
    display_name    text NOT NULL,
    role            text NOT NULL,
    password_hash   text NOT NULL,
    active          boolean NOT NULL,
    created_at      timestamptz NOT NULL,
    last_login_at   timestamptz
);

CREATE TABLE console_sessions (
    token_hash      text PRIMARY KEY,
    user_id         uuid NOT NULL REFERENCES staff_users (id) ON DELETE CASCADE,
    csrf_token      text NOT NULL,
    created_at      timestamptz NOT NULL,
    expires_at      timestamptz NOT NULL
);
CREATE INDEX console_sessions_user ON console_sessions (user_id);

CREATE TABLE api_keys (
    id              uuid PRIMARY KEY,
    prefix          text NOT NULL,
    key_hash        text NOT NULL UNIQUE,
    kind            text NOT NULL,
    supplier_id     uuid REFERENCES suppliers (id),
    user_id         uuid REFERENCES staff_users (id),
    label           text NOT NULL,
    created_at      timestamptz NOT NULL,
    last_used_at    timestamptz,
    revoked_at      timestamptz
);
CREATE INDEX api_keys_supplier ON api_keys (supplier_id);

CREATE TABLE skus (
    id                   uuid PRIMARY KEY,
    supplier_id          uuid NOT NULL REFERENCES suppliers (id),
    sku_code             text NOT NULL,
    barcode              text NOT NULL UNIQUE,
    name_zh              text NOT NULL,
    name_en              text NOT NULL,
    declared_weight_g    integer NOT NULL,
    declared_length_mm   integer NOT NULL,
    declared_width_mm    integer NOT NULL,
    declared_height_mm   integer NOT NULL,
    declared_value_minor bigint NOT NULL,
    declared_currency    text NOT NULL,
    hs_code              text NOT NULL,
    origin_country       text NOT NULL,
    supply_price_minor   bigint NOT NULL,
    supply_currency      text NOT NULL,
    sensitive_flags      integer NOT NULL,
    status               text NOT NULL,
    measured_weight_g    integer,
    measured_length_mm   integer,
    measured_width_mm    integer,
    measured_height_mm   integer,
    measured_at          timestamptz,
    created_at           timestamptz NOT NULL,
    updated_at           timestamptz NOT NULL,
    UNIQUE (supplier_id, sku_code)
);

CREATE TABLE zones (
    id              uuid PRIMARY KEY,
    code            text NOT NULL UNIQUE,
    name            text NOT NULL,
    sequence        integer NOT NULL,
    created_at      timestamptz NOT NULL
);

CREATE TABLE bins (
    id              uuid PRIMARY KEY,
    code            text NOT NULL UNIQUE,
    zone_id         uuid NOT NULL REFERENCES zones (id),
    aisle           integer NOT NULL,
    bay             integer NOT NULL,
    level           integer NOT NULL,
    bin_type        text NOT NULL,
    capacity_units  integer,
    walk_order      bigint NOT NULL,
    active          boolean NOT NULL,
    created_at      timestamptz NOT NULL
);
CREATE INDEX bins_zone ON bins (zone_id);
CREATE INDEX bins_walk_order ON bins (walk_order);

CREATE TABLE idempotency_records (
    scope           text NOT NULL,
    idempotency_key text NOT NULL,
    request_hash    text NOT NULL,
    status_code     integer NOT NULL,
    response_body   text NOT NULL,
    created_at      timestamptz NOT NULL,
    PRIMARY KEY (scope, idempotency_key)
);
