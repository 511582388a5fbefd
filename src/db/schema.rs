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
diesel::joinable!(channel_versions -> channels (channel_id));
diesel::joinable!(bag_parcels -> bags (bag_id));
diesel::joinable!(bag_parcels -> parcels (parcel_id));
diesel::joinable!(bags -> channels (channel_id));
diesel::joinable!(manifests -> channels (channel_id));
diesel::joinable!(manifest_bags -> manifests (manifest_id));
diesel::joinable!(manifest_bags -> bags (bag_id));
diesel::joinable!(handover_scans -> manifests (manifest_id));
diesel::joinable!(customs_receipts -> manifests (manifest_id));
diesel::joinable!(customs_receipts -> parcels (parcel_id));
diesel::joinable!(tracking_ranges -> channels (channel_id));
diesel::joinable!(returns -> orders (order_id));
diesel::joinable!(returns -> return_policies (policy_id));
diesel::joinable!(return_lines -> returns (return_id));
diesel::joinable!(return_liabilities -> returns (return_id));
diesel::joinable!(return_units -> returns (return_id));
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
diesel::joinable!(tracking_events -> parcels (parcel_id));
diesel::joinable!(claims -> parcels (parcel_id));
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
            pii_reads,
            channels,
            channel_versions,
            tracking_ranges,
            bags,
            bag_parcels,
            tracking_events,
            claims,
            manifests,
            manifest_bags,
            handover_scans,
            customs_receipts,
            return_policies,
            returns,
            return_lines,
            return_liabilities,
            return_units,
            unidentified_returns,
            return_photos,
            login_failures
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
        channel_id -> Nullable<PortableUuid>,
        channel_version -> Nullable<Integer>,
        volumetric_weight_g -> Nullable<Integer>,
        chargeable_weight_g -> Nullable<Integer>,
        hold_reason -> Nullable<Text>,
        milestone_status -> Nullable<Text>,
        milestone_at -> Nullable<UtcInstant>,
        delivered_at -> Nullable<UtcInstant>,
        lost_suspected_at -> Nullable<UtcInstant>,
        handed_over_at -> Nullable<UtcInstant>,
        handed_over_on -> Nullable<Text>,
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

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::*;

    channels (id) {
        id -> PortableUuid,
        code -> Text,
        current_version -> Integer,
        created_at -> UtcInstant,
        updated_at -> UtcInstant,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::*;

    channel_versions (channel_id, version) {
        channel_id -> PortableUuid,
        version -> Integer,
        active -> Bool,
        name -> Text,
        carrier -> Text,
        carrier_code -> Text,
        service -> Text,
        destinations -> Text,
        service_levels -> Text,
        cutoff_local -> Text,
        volumetric_divisor -> Integer,
        max_weight_g -> Integer,
        max_side_mm -> Integer,
        max_dims_sum_mm -> Integer,
        allowed_flags -> Integer,
        tracking_source -> Text,
        s10_indicator -> Nullable<Text>,
        label_layout -> Text,
        customs_form -> Text,
        rate_currency -> Text,
        rate_base_minor -> BigInt,
        rate_per_kg_minor -> BigInt,
        lost_after_days -> Integer,
        created_by -> Text,
        created_at -> UtcInstant,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::*;

    tracking_ranges (id) {
        id -> PortableUuid,
        channel_id -> PortableUuid,
        prefix -> Text,
        suffix -> Text,
        width -> Integer,
        first_no -> BigInt,
        last_no -> BigInt,
        next_no -> BigInt,
        imported_by -> Text,
        imported_at -> UtcInstant,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::*;

    bags (id) {
        id -> PortableUuid,
        bag_no -> Text,
        channel_id -> PortableUuid,
        destination -> Text,
        status -> Text,
        parcel_count -> Integer,
        parcels_weight_g -> BigInt,
        weight_g -> Nullable<Integer>,
        tolerance_g -> Nullable<Integer>,
        hold_reason -> Nullable<Text>,
        opened_by -> Text,
        opened_at -> UtcInstant,
        closed_by -> Nullable<Text>,
        closed_at -> Nullable<UtcInstant>,
        updated_at -> UtcInstant,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::*;

    bag_parcels (bag_id, parcel_id) {
        bag_id -> PortableUuid,
        parcel_id -> PortableUuid,
        weight_g -> Integer,
        added_by -> Text,
        added_at -> UtcInstant,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::*;

    tracking_events (id) {
        id -> PortableUuid,
        parcel_id -> PortableUuid,
        tracking_no -> Text,
        carrier -> Text,
        raw_code -> Text,
        status -> Text,
        event_at -> UtcInstant,
        location -> Text,
        incident_reason -> Nullable<Text>,
        received_at -> UtcInstant,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::*;

    manifests (id) {
        id -> PortableUuid,
        manifest_no -> Text,
        channel_id -> PortableUuid,
        carrier -> Text,
        master_waybill -> Text,
        transport_mode -> Text,
        transport_ref -> Text,
        planned_departure -> UtcInstant,
        status -> Text,
        bag_count -> Integer,
        parcel_count -> Integer,
        weight_g -> BigInt,
        created_by -> Text,
        created_at -> UtcInstant,
        closed_by -> Nullable<Text>,
        closed_at -> Nullable<UtcInstant>,
        handed_over_by -> Nullable<Text>,
        handed_over_at -> Nullable<UtcInstant>,
        driver_name -> Nullable<Text>,
        vehicle_no -> Nullable<Text>,
        override_by -> Nullable<Text>,
        override_note -> Nullable<Text>,
        updated_at -> UtcInstant,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::*;

    claims (id) {
        id -> PortableUuid,
        claim_no -> Text,
        parcel_id -> PortableUuid,
        status -> Text,
        reason -> Text,
        opened_by -> Text,
        opened_at -> UtcInstant,
        amount_minor -> Nullable<BigInt>,
        currency -> Nullable<Text>,
        note -> Nullable<Text>,
        decided_by -> Nullable<Text>,
        decided_at -> Nullable<UtcInstant>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::*;

    manifest_bags (manifest_id, bag_id) {
        manifest_id -> PortableUuid,
        bag_id -> PortableUuid,
        added_by -> Text,
        added_at -> UtcInstant,
        loaded_by -> Nullable<Text>,
        loaded_at -> Nullable<UtcInstant>,
        pulled_at -> Nullable<UtcInstant>,
        pulled_reason -> Nullable<Text>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::*;

    handover_scans (id) {
        id -> PortableUuid,
        manifest_id -> PortableUuid,
        bag_id -> PortableUuid,
        code -> Text,
        scanned_by -> Text,
        scanned_at -> UtcInstant,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::*;

    customs_receipts (id) {
        id -> PortableUuid,
        manifest_id -> PortableUuid,
        parcel_id -> PortableUuid,
        status -> Text,
        reason -> Nullable<Text>,
        received_at -> UtcInstant,
        recorded_by -> Text,
        recorded_at -> UtcInstant,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::*;

    return_policies (id) {
        id -> PortableUuid,
        market -> Text,
        version -> Integer,
        effective_from -> UtcInstant,
        rules -> Text,
        note -> Text,
        created_by -> Text,
        created_at -> UtcInstant,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::*;

    returns (id) {
        id -> PortableUuid,
        return_no -> Text,
        platform_return_id -> Text,
        order_id -> PortableUuid,
        return_type -> Text,
        reason_code -> Text,
        reason_class -> Text,
        status -> Text,
        return_tracking_no -> Nullable<Text>,
        policy_id -> PortableUuid,
        decision -> Text,
        currency -> Text,
        refund_minor -> BigInt,
        shipping_cost_minor -> Nullable<BigInt>,
        requested_at -> UtcInstant,
        created_at -> UtcInstant,
        updated_at -> UtcInstant,
        arrived_at -> Nullable<UtcInstant>,
        arrived_by -> Nullable<Text>,
        arrival_weight_g -> Nullable<Integer>,
        expected_weight_g -> Nullable<Integer>,
        weight_flag -> Nullable<Text>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::*;

    return_lines (return_id, line_no) {
        return_id -> PortableUuid,
        line_no -> Integer,
        sku_id -> PortableUuid,
        owner_id -> PortableUuid,
        quantity -> Integer,
        unit_price_minor -> BigInt,
        keep -> Bool,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::*;

    return_liabilities (id) {
        id -> PortableUuid,
        return_id -> PortableUuid,
        party -> Text,
        owner_id -> Nullable<PortableUuid>,
        kind -> Text,
        amount_minor -> BigInt,
        currency -> Text,
        created_at -> UtcInstant,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::*;

    return_units (id) {
        id -> PortableUuid,
        return_id -> PortableUuid,
        line_no -> Integer,
        unit_no -> Integer,
        grade -> Nullable<Text>,
        grade_note -> Text,
        graded_by -> Nullable<Text>,
        graded_at -> Nullable<UtcInstant>,
        disposition -> Nullable<Text>,
        bin_id -> Nullable<PortableUuid>,
        disposed_by -> Nullable<Text>,
        disposed_at -> Nullable<UtcInstant>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::*;

    unidentified_returns (id) {
        id -> PortableUuid,
        code -> Text,
        weight_g -> Integer,
        note -> Text,
        status -> Text,
        resolved_return_id -> Nullable<PortableUuid>,
        created_by -> Text,
        created_at -> UtcInstant,
        resolved_by -> Nullable<Text>,
        resolved_at -> Nullable<UtcInstant>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::*;

    return_photos (id) {
        id -> PortableUuid,
        return_id -> Nullable<PortableUuid>,
        unidentified_id -> Nullable<PortableUuid>,
        line_no -> Nullable<Integer>,
        unit_no -> Nullable<Integer>,
        media_type -> Text,
        byte_size -> Integer,
        sha256 -> Text,
        content -> Binary,
        taken_by -> Text,
        taken_at -> UtcInstant,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::*;

    login_failures (id) {
        id -> PortableUuid,
        username -> Text,
        address -> Text,
        failed_at -> UtcInstant,
    }
}
