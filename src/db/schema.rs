//! Table definitions for diesel. Written by hand because the portable column
//! types (`PortableUuid`, `UtcInstant`) are ours; the test
//! `tests/api/schema.rs` checks every table and column here (through
//! `all_tables!`) against the tables both migration folders create.

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::*;

    suppliers (id) {
        id -> PortableUuid,
        code -> Text,
        name_zh -> Text,
        name_en -> Text,
        contact_name -> Text,
        contact_email -> Text,
        contact_phone -> Text,
        return_address -> Text,
        status -> Text,
        created_at -> UtcInstant,
        updated_at -> UtcInstant,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::*;

    staff_users (id) {
        id -> PortableUuid,
        username -> Text,
        display_name -> Text,
        role -> Text,
        password_hash -> Text,
        active -> Bool,
        created_at -> UtcInstant,
        last_login_at -> Nullable<UtcInstant>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::*;

    console_sessions (token_hash) {
        token_hash -> Text,
        user_id -> PortableUuid,
        csrf_token -> Text,
        created_at -> UtcInstant,
        expires_at -> UtcInstant,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::*;

    api_keys (id) {
        id -> PortableUuid,
        prefix -> Text,
        key_hash -> Text,
        kind -> Text,
        supplier_id -> Nullable<PortableUuid>,
        user_id -> Nullable<PortableUuid>,
        label -> Text,
        created_at -> UtcInstant,
        last_used_at -> Nullable<UtcInstant>,
        revoked_at -> Nullable<UtcInstant>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::*;

    skus (id) {
        id -> PortableUuid,
        supplier_id -> PortableUuid,
        sku_code -> Text,
        barcode -> Text,
        name_zh -> Text,
        name_en -> Text,
        declared_weight_g -> Integer,
        declared_length_mm -> Integer,
        declared_width_mm -> Integer,
        declared_height_mm -> Integer,
        declared_value_minor -> BigInt,
        declared_currency -> Text,
        hs_code -> Text,
        origin_country -> Text,
        supply_price_minor -> BigInt,
        supply_currency -> Text,
        sensitive_flags -> Integer,
        status -> Text,
        measured_weight_g -> Nullable<Integer>,
        measured_length_mm -> Nullable<Integer>,
        measured_width_mm -> Nullable<Integer>,
        measured_height_mm -> Nullable<Integer>,
        measured_at -> Nullable<UtcInstant>,
        created_at -> UtcInstant,
        updated_at -> UtcInstant,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::*;

    zones (id) {
        id -> PortableUuid,
        code -> Text,
        name -> Text,
        sequence -> Integer,
        created_at -> UtcInstant,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::*;

    bins (id) {
        id -> PortableUuid,
        code -> Text,
        zone_id -> PortableUuid,
        aisle -> Integer,
        bay -> Integer,
        level -> Integer,
        bin_type -> Text,
        capacity_units -> Nullable<Integer>,
        walk_order -> BigInt,
        active -> Bool,
        created_at -> UtcInstant,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::*;

    idempotency_records (scope, idempotency_key) {
        scope -> Text,
        idempotency_key -> Text,
        request_hash -> Text,
        status_code -> Integer,
        response_body -> Text,
        created_at -> UtcInstant,
    }
}

diesel::joinable!(skus -> suppliers (supplier_id));
diesel::joinable!(bins -> zones (zone_id));
diesel::joinable!(console_sessions -> staff_users (user_id));

/// Calls the macro `$m` with every table, so that the one list serves
/// diesel's joins here and the schema test (which checks each table's
/// columns against what the migrations build).
#[macro_export]
macro_rules! all_tables {
    ($($m:ident)::+) => {
        $($m)::+! {
            suppliers,
            staff_users,
            console_sessions,
            api_keys,
            skus,
            zones,
            bins,
            idempotency_records,
            outbox,
            event_sequences,
            outbox_state,
            outbox_relay
        }
    };
}

all_tables!(diesel::allow_tables_to_appear_in_same_query);

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::*;

    outbox (id) {
        id -> PortableUuid,
        position -> Nullable<BigInt>,
        event_type -> Text,
        aggregate_kind -> Text,
        aggregate_id -> PortableUuid,
        document_no -> Text,
        owner_id -> Nullable<PortableUuid>,
        sequence -> BigInt,
        occurred_at -> UtcInstant,
        payload -> Text,
        published_at -> Nullable<UtcInstant>,
        attempts -> Integer,
        next_attempt_at -> Nullable<UtcInstant>,
        last_error -> Nullable<Text>,
        parked_at -> Nullable<UtcInstant>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::*;

    event_sequences (aggregate_kind, aggregate_id) {
        aggregate_kind -> Text,
        aggregate_id -> PortableUuid,
        last_sequence -> BigInt,
    }
}

diesel::table! {
    outbox_state (id) {
        id -> Integer,
        last_position -> BigInt,
    }
}

diesel::table! {
    outbox_relay (id) {
        id -> Integer,
        published_upto -> BigInt,
    }
}
