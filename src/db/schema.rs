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
diesel::joinable!(asns -> suppliers (supplier_id));
diesel::joinable!(asn_lines -> asns (asn_id));
diesel::joinable!(asn_lines -> skus (sku_id));
diesel::joinable!(stock_orders -> suppliers (supplier_id));
diesel::joinable!(stock_order_lines -> stock_orders (order_id));
diesel::joinable!(stock_order_lines -> skus (sku_id));
diesel::joinable!(qc_inspections -> skus (sku_id));
diesel::joinable!(stock_balances -> skus (sku_id));
diesel::joinable!(penalties -> penalty_rules (rule_id));
diesel::joinable!(order_lines -> orders (order_id));
diesel::joinable!(pick_tasks -> orders (order_id));
diesel::joinable!(pick_tasks -> skus (sku_id));
diesel::joinable!(pick_tasks -> bins (bin_id));
diesel::joinable!(label_prints -> parcels (parcel_id));
diesel::joinable!(receiving_exceptions -> asns (asn_id));
diesel::joinable!(asn_cartons -> asns (asn_id));

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
            outbox_relay,
            document_counters,
            stock_orders,
            stock_order_lines,
            asns,
            asn_lines,
            asn_cartons,
            asn_carton_items,
            receiving_exceptions,
            qc_inspections,
            qc_samples,
            stock_balances,
            stock_movements,
            cycle_counts,
            cycle_count_lines,
            penalty_rules,
            penalties,
            orders,
            order_lines,
            order_allocations,
            waves,
            pick_tasks,
            carton_types,
            parcels,
            parcel_items,
            outbound_exceptions,
            console_work,
            label_prints,
            relay_lease,
            stock_wakeups,
            pii_reads
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
diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::*;

    document_counters (prefix, day) {
        prefix -> Text,
        day -> Text,
        last_no -> Integer,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::*;

    stock_orders (id) {
        id -> PortableUuid,
        order_no -> Text,
        platform_ref -> Text,
        supplier_id -> PortableUuid,
        warehouse_code -> Text,
        deliver_by -> UtcInstant,
        arrive_by -> UtcInstant,
        status -> Text,
        decline_reason -> Nullable<Text>,
        accepted_at -> Nullable<UtcInstant>,
        shipped_at -> Nullable<UtcInstant>,
        arrived_at -> Nullable<UtcInstant>,
        created_at -> UtcInstant,
        updated_at -> UtcInstant,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::*;

    stock_order_lines (order_id, sku_id) {
        order_id -> PortableUuid,
        sku_id -> PortableUuid,
        quantity -> Integer,
        shipped -> Integer,
        received -> Integer,
        passed -> Integer,
        put_away -> Integer,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::*;

    asns (id) {
        id -> PortableUuid,
        asn_no -> Text,
        supplier_id -> PortableUuid,
        carrier -> Nullable<Text>,
        tracking_no -> Nullable<Text>,
        estimated_arrival -> UtcInstant,
        status -> Text,
        carton_count -> Integer,
        cartons_arrived -> Integer,
        reject_reason -> Nullable<Text>,
        reject_note -> Nullable<Text>,
        submitted_at -> Nullable<UtcInstant>,
        arrived_at -> Nullable<UtcInstant>,
        received_at -> Nullable<UtcInstant>,
        inspected_at -> Nullable<UtcInstant>,
        completed_at -> Nullable<UtcInstant>,
        created_at -> UtcInstant,
        updated_at -> UtcInstant,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::*;

    asn_lines (asn_id, sku_id) {
        asn_id -> PortableUuid,
        sku_id -> PortableUuid,
        stock_order_id -> Nullable<PortableUuid>,
        expected -> Integer,
        received -> Integer,
        damaged -> Integer,
        qc_passed -> Integer,
        qc_failed -> Integer,
        put_away -> Integer,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::*;

    asn_cartons (asn_id, carton_no) {
        asn_id -> PortableUuid,
        carton_no -> Integer,
        label -> Text,
        arrived_at -> Nullable<UtcInstant>,
        receiving_by -> Nullable<Text>,
        receiving_started_at -> Nullable<UtcInstant>,
        closed_at -> Nullable<UtcInstant>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::*;

    asn_carton_items (asn_id, carton_no, sku_id) {
        asn_id -> PortableUuid,
        carton_no -> Integer,
        sku_id -> PortableUuid,
        expected -> Integer,
        counted -> Integer,
        damaged -> Integer,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::*;

    receiving_exceptions (id) {
        id -> PortableUuid,
        asn_id -> PortableUuid,
        carton_no -> Nullable<Integer>,
        kind -> Text,
        sku_id -> Nullable<PortableUuid>,
        code -> Text,
        quantity -> Integer,
        note -> Text,
        actor -> Text,
        created_at -> UtcInstant,
        reason -> Nullable<Text>,
        resolved_at -> Nullable<UtcInstant>,
        resolved_by -> Nullable<Text>,
        resolution -> Nullable<Text>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::*;

    qc_inspections (id) {
        id -> PortableUuid,
        asn_id -> PortableUuid,
        sku_id -> PortableUuid,
        lot_size -> Integer,
        aql -> Text,
        inspection_level -> Text,
        code_letter -> Text,
        sample_size -> Integer,
        accept_no -> Integer,
        reject_no -> Integer,
        sampled -> Integer,
        major_defects -> Integer,
        critical_defects -> Integer,
        status -> Text,
        inspector -> Nullable<Text>,
        started_at -> Nullable<UtcInstant>,
        completed_at -> Nullable<UtcInstant>,
        created_at -> UtcInstant,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::*;

    qc_samples (inspection_id, unit_no) {
        inspection_id -> PortableUuid,
        unit_no -> Integer,
        result -> Text,
        defect_code -> Nullable<Text>,
        note -> Text,
        photo_url -> Nullable<Text>,
        actor -> Text,
        created_at -> UtcInstant,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::*;

    stock_balances (owner_id, sku_id, bin_id, bucket) {
        owner_id -> PortableUuid,
        sku_id -> PortableUuid,
        bin_id -> PortableUuid,
        bucket -> Text,
        quantity -> Integer,
        updated_at -> UtcInstant,
        first_in_at -> Nullable<UtcInstant>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::*;

    stock_movements (id) {
        id -> PortableUuid,
        owner_id -> PortableUuid,
        sku_id -> PortableUuid,
        quantity -> Integer,
        from_bucket -> Nullable<Text>,
        from_bin -> Nullable<PortableUuid>,
        to_bucket -> Nullable<Text>,
        to_bin -> Nullable<PortableUuid>,
        reason -> Text,
        document_no -> Text,
        note -> Text,
        actor -> Text,
        created_at -> UtcInstant,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::*;

    cycle_counts (id) {
        id -> PortableUuid,
        count_no -> Text,
        bin_id -> PortableUuid,
        status -> Text,
        created_by -> Text,
        counted_by -> Nullable<Text>,
        decided_by -> Nullable<Text>,
        created_at -> UtcInstant,
        submitted_at -> Nullable<UtcInstant>,
        decided_at -> Nullable<UtcInstant>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::*;

    cycle_count_lines (count_id, owner_id, sku_id) {
        count_id -> PortableUuid,
        owner_id -> PortableUuid,
        sku_id -> PortableUuid,
        expected -> Integer,
        counted -> Nullable<Integer>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::*;

    penalty_rules (id) {
        id -> PortableUuid,
        code -> Text,
        kind -> Text,
        fixed_minor -> BigInt,
        per_unit_minor -> BigInt,
        currency -> Text,
        active -> Bool,
        effective_from -> UtcInstant,
        effective_to -> Nullable<UtcInstant>,
        description -> Text,
        created_at -> UtcInstant,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::*;

    penalties (id) {
        id -> PortableUuid,
        supplier_id -> PortableUuid,
        asn_id -> PortableUuid,
        rule_id -> PortableUuid,
        kind -> Text,
        units -> Integer,
        amount_minor -> BigInt,
        currency -> Text,
        basis -> Text,
        created_at -> UtcInstant,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::*;

    orders (id) {
        id -> PortableUuid,
        order_no -> Text,
        platform_order_id -> Text,
        shop -> Text,
        market -> Text,
        destination_country -> Text,
        service_level -> Text,
        ship_by -> UtcInstant,
        status -> Text,
        buyer_sealed -> Nullable<Binary>,
        buyer_key_id -> Nullable<Text>,
        buyer_masked -> Text,
        buyer_erased_at -> Nullable<UtcInstant>,
        cancelled_at -> Nullable<UtcInstant>,
        created_at -> UtcInstant,
        updated_at -> UtcInstant,
        tote -> Nullable<Text>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::*;

    order_lines (order_id, line_no) {
        order_id -> PortableUuid,
        line_no -> Integer,
        sku_id -> PortableUuid,
        owner_id -> PortableUuid,
        quantity -> Integer,
        allocated -> Integer,
        cancelled -> Integer,
        unit_price_minor -> BigInt,
        currency -> Text,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::*;

    order_allocations (order_id, line_no, bin_id) {
        order_id -> PortableUuid,
        line_no -> Integer,
        bin_id -> PortableUuid,
        quantity -> Integer,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::*;

    waves (id) {
        id -> PortableUuid,
        wave_no -> Text,
        status -> Text,
        released_by -> Text,
        created_at -> UtcInstant,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::*;

    pick_tasks (id) {
        id -> PortableUuid,
        wave_id -> PortableUuid,
        order_id -> PortableUuid,
        line_no -> Integer,
        sku_id -> PortableUuid,
        owner_id -> PortableUuid,
        bin_id -> PortableUuid,
        walk_order -> BigInt,
        quantity -> Integer,
        picked -> Integer,
        status -> Text,
        claimed_by -> Nullable<Text>,
        claimed_at -> Nullable<UtcInstant>,
        done_at -> Nullable<UtcInstant>,
        tote -> Nullable<Text>,
    }
}

diesel::table! {
    use diesel::sql_types::*;

    carton_types (code) {
        code -> Text,
        length_mm -> Integer,
        width_mm -> Integer,
        height_mm -> Integer,
        tare_g -> Integer,
        max_weight_g -> Integer,
        active -> Bool,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::*;

    parcels (id) {
        id -> PortableUuid,
        parcel_no -> Text,
        order_id -> PortableUuid,
        tote -> Text,
        status -> Text,
        carton_code -> Nullable<Text>,
        expected_weight_g -> Nullable<Integer>,
        weight_g -> Nullable<Integer>,
        route -> Nullable<Text>,
        tracking_no -> Nullable<Text>,
        packed_by -> Text,
        created_at -> UtcInstant,
        updated_at -> UtcInstant,
        packed_at -> Nullable<UtcInstant>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::*;

    parcel_items (parcel_id, line_no) {
        parcel_id -> PortableUuid,
        line_no -> Integer,
        quantity -> Integer,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::*;

    outbound_exceptions (id) {
        id -> PortableUuid,
        kind -> Text,
        status -> Text,
        order_id -> PortableUuid,
        parcel_id -> Nullable<PortableUuid>,
        sku_id -> Nullable<PortableUuid>,
        owner_id -> Nullable<PortableUuid>,
        bin_id -> Nullable<PortableUuid>,
        quantity -> Integer,
        detail -> Text,
        raised_by -> Text,
        raised_at -> UtcInstant,
        resolved_by -> Nullable<Text>,
        resolved_at -> Nullable<UtcInstant>,
        resolution -> Nullable<Text>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::*;

    console_work (user_id, screen) {
        user_id -> PortableUuid,
        screen -> Text,
        state -> Text,
        updated_at -> UtcInstant,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::*;

    label_prints (parcel_id, copy_no) {
        parcel_id -> PortableUuid,
        copy_no -> Integer,
        printed_by -> Text,
        printed_at -> UtcInstant,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::*;

    relay_lease (id) {
        id -> Integer,
        holder -> Text,
        epoch -> BigInt,
        expires_at -> UtcInstant,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::*;

    stock_wakeups (sku_id) {
        sku_id -> PortableUuid,
        since -> UtcInstant,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::*;

    pii_reads (id) {
        id -> PortableUuid,
        read_at -> UtcInstant,
        actor -> Text,
        order_id -> PortableUuid,
        order_no -> Text,
        parcel_id -> Nullable<PortableUuid>,
        purpose -> Text,
    }
}
