//! Outbound end to end: an order in, allocated, waved under a cut-off,
//! picked with one short pick (re-allocated from another bin), packed with
//! one weight hold resolved by a supervisor, labelled; and the other ends:
//! a damaged short pick that backorders, cancelling after picking (units
//! put back), and a held parcel accepted as it is.

use serde_json::{Value, json};

use crate::common::TestApp;
use crate::inbound::{World, events_of, world};
use crate::orders::{order, stock};

fn two_line_order(w: &World, id: &str, q0: i64, q1: i64, ship_in_days: i64) -> Value {
    let mut o = order(w, id, 0, q0);
    o["ship_by"] = json!((chrono::Utc::now() + chrono::Duration::days(ship_in_days)).to_rfc3339());
    o["lines"].as_array_mut().unwrap().push(
        json!({"sku_id": w.skus[1].0, "quantity": q1, "unit_price": {"amount_minor": 550, "currency": "USD"}}),
    );
    o
}

/// Claims and confirms tasks until there are none, every unit found.
pub(crate) async fn pick_rest(app: &TestApp, picker: &str, tote: &str) -> usize {
    let mut n = 0;
    loop {
        let (s, t) = app.post("/api/v1/pick-tasks/claim", picker, &json!({})).await;
        if s == 204 {
            return n;
        }
        assert_eq!(s, 200, "{t}");
        let id = t["id"].as_str().unwrap();
        let (s, r) = app
            .post(
                &format!("/api/v1/pick-tasks/{id}/confirm"),
                picker,
                &json!({"bin": t["bin_code"], "barcode": t["barcode"], "tote": tote}),
            )
            .await;
        assert_eq!((s, r["status"].as_str()), (200, Some("done")), "{r}");
        n += 1;
    }
}

fn balance(app: &TestApp, bucket: &str, bin: Option<&str>) -> i64 {
    let bin = match bin {
        Some(code) => format!("AND b.bin_id = (SELECT id FROM bins WHERE code = '{code}')"),
        None => String::new(),
    };
    let mut conn = app.pool.get().unwrap();
    #[derive(diesel::QueryableByName)]
    struct S {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let q = format!(
        "SELECT CAST(COALESCE(SUM(quantity), 0) AS BIGINT) AS n FROM stock_balances b WHERE bucket = '{bucket}' {bin}"
    );
    let r: Vec<S> = match &mut *conn {
        custody::db::DbConn::Pg(c) => diesel::RunQueryDsl::load(diesel::sql_query(&q), c).unwrap(),
        custody::db::DbConn::Sqlite(c) => diesel::RunQueryDsl::load(diesel::sql_query(&q), c).unwrap(),
    };
    r[0].n
}

pub(crate) async fn pack_all(
    app: &TestApp,
    packer: &str,
    parcel: &str,
    w: &World,
    q0: i64,
    q1: i64,
) -> Value {
    let mut last = Value::Null;
    for (sku, q) in [(0, q0), (1, q1)] {
        for _ in 0..q {
            let (s, p) = app
                .post(&format!("/api/v1/parcels/{parcel}/scans"), packer, &json!({"barcode": w.skus[sku].1}))
                .await;
            assert_eq!(s, 200, "{p}");
            last = p;
        }
    }
    last
}

async fn exceptions(app: &TestApp, w: &World) -> Vec<Value> {
    let (s, list) = app.get("/api/v1/outbound-exceptions", &w.supervisor).await;
    assert_eq!(s, 200, "{list}");
    list.as_array().unwrap().clone()
}

#[actix_web::test]
async fn an_order_goes_from_intake_to_a_labelled_parcel_through_a_short_pick_and_a_weight_hold() {
    let app = crate::common::spawn_app().await;
    let w = world(&app).await;
    let picker = app.staff("pia", "picker");
    let packer = app.staff("paco", "packer");
    stock(&app, &w, "A-01-01-01", 0, 2).await; // oldest: reserved first
    stock(&app, &w, "A-01-01-03", 0, 5).await;
    stock(&app, &w, "A-01-01-02", 1, 2).await;

    let (s, o) = app.post("/api/v1/orders", &w.platform, &two_line_order(&w, "FLOW-1", 3, 1, 1)).await;
    assert_eq!((s, o["status"].as_str()), (201, Some("allocated")), "{o}");
    let id = o["id"].as_str().unwrap().to_owned();
    let (_, later) = app.post("/api/v1/orders", &w.platform, &two_line_order(&w, "FLOW-2", 1, 1, 5)).await;
    assert_eq!(later["status"], "allocated");

    // The cut-off keeps the later order out of this wave.
    let cutoff = (chrono::Utc::now() + chrono::Duration::days(2)).to_rfc3339();
    let (s, wave) = app.post("/api/v1/waves", &w.supervisor, &json!({"ship_by_before": cutoff})).await;
    assert_eq!(s, 200, "{wave}");
    assert_eq!(wave["orders"], json!([id]));
    assert_eq!(wave["tasks"].as_array().unwrap().len(), 3, "two bins of SKU-1, one of SKU-2");

    // First task along the walk: A-01-01-01, 2 units; only one is there.
    let (_, t) = app.post("/api/v1/pick-tasks/claim", &picker, &json!({})).await;
    assert_eq!((t["bin_code"].as_str(), t["quantity"].as_i64()), (Some("A-01-01-01"), Some(2)), "{t}");
    let tid = t["id"].as_str().unwrap();
    let confirm = format!("/api/v1/pick-tasks/{tid}/confirm");
    let body = |extra: Value| {
        let mut b = json!({"bin": "A-01-01-01", "barcode": w.skus[0].1, "tote": "TOTE-0001"});
        b.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        b
    };
    let (s, r) = app.post(&confirm, &picker, &body(json!({"quantity": 1}))).await;
    assert_eq!((s, r["errors"][0]["code"].as_str()), (422, Some("short_reason_required")), "{r}");
    let (s, r) = app.post(&confirm, &picker, &body(json!({"tote": "BOX 7"}))).await;
    assert_eq!((s, r["errors"][0]["code"].as_str()), (422, Some("invalid_tote")), "{r}");
    let (s, r) = app.post(&confirm, &picker, &body(json!({"quantity": 3}))).await;
    assert_eq!((s, r["errors"][0]["code"].as_str()), (422, Some("too_many")), "{r}");
    assert_eq!(balance(&app, "picked", None), 0, "refused picks change nothing");
    let (s, r) = app.post(&confirm, &picker, &body(json!({"quantity": 1, "short": "missing"}))).await;
    assert_eq!((s, r["picked"].as_i64()), (200, Some(1)), "{r}");
    assert_eq!(balance(&app, "on_hold", Some("A-01-01-01")), 1, "the missing unit waits for a count");

    // The missing unit was re-allocated from A-01-01-03: a new task in the same wave.
    let (_, o_now) = app.get(&format!("/api/v1/orders/{id}"), &w.platform).await;
    assert_eq!(
        (o_now["status"].as_str(), o_now["lines"][0]["backordered"].as_i64()),
        (Some("waved"), Some(0))
    );
    assert_eq!(balance(&app, "reserved", Some("A-01-01-03")), 3, "1 + 1 re-allocated + 1 of the later order");
    let (s, r) = app.post("/api/v1/pick-tasks/claim", &picker, &json!({})).await;
    assert_eq!(s, 200);
    let (s, r) = app
        .post(
            &format!("/api/v1/pick-tasks/{}/confirm", r["id"].as_str().unwrap()),
            &picker,
            &json!({"bin": r["bin_code"], "barcode": r["barcode"], "tote": "TOTE-0002"}),
        )
        .await;
    assert_eq!((s, r["errors"][0]["code"].as_str()), (422, Some("wrong_tote")), "one order, one tote");
    assert_eq!(pick_rest(&app, &picker, "TOTE-0001").await, 3);
    let (_, o_now) = app.get(&format!("/api/v1/orders/{id}"), &w.platform).await;
    assert_eq!(o_now["status"], "picked");
    assert_eq!(balance(&app, "picked", None), 4);

    // Pack: the tote, then every unit. Four units need the S box.
    let (s, r) = app.post("/api/v1/pack/start", &packer, &json!({"tote": "TOTE-0009"})).await;
    assert_eq!((s, r["errors"][0]["code"].as_str()), (422, Some("empty_tote")));
    let (s, p) = app.post("/api/v1/pack/start", &packer, &json!({"tote": "tote-0001"})).await;
    assert_eq!((s, p["status"].as_str(), p["remaining"].as_i64()), (200, Some("packing"), Some(4)), "{p}");
    assert_eq!(p["suggested_carton"], "BOX-S");
    let parcel = p["id"].as_str().unwrap().to_owned();
    let scans = format!("/api/v1/parcels/{parcel}/scans");
    let (s, r) = app.post(&scans, &packer, &json!({"barcode": "6900000000000"})).await;
    assert_eq!((s, r["errors"][0]["code"].as_str()), (422, Some("not_in_order")));
    let (s, r) =
        app.post(&format!("/api/v1/parcels/{parcel}/weigh"), &packer, &json!({"weight_g": 1000})).await;
    assert_eq!((s, r["code"].as_str()), (409, Some("units_remaining")));
    let p = pack_all(&app, &packer, &parcel, &w, 3, 1).await;
    assert_eq!(p["remaining"], 0);
    let (s, r) = app.post(&scans, &packer, &json!({"barcode": w.skus[1].1})).await;
    assert_eq!((s, r["code"].as_str()), (409, Some("too_many")));

    // An almost empty parcel (4 × 250 g + 90 g tare expected) is held.
    let (s, held) =
        app.post(&format!("/api/v1/parcels/{parcel}/weigh"), &packer, &json!({"weight_g": 400})).await;
    assert_eq!(
        (s, held["status"].as_str(), held["expected_weight_g"].as_i64()),
        (200, Some("held"), Some(1090))
    );
    assert!(held["tracking_no"].is_null());
    let (s, r) = app.get(&format!("/api/v1/parcels/{parcel}/label"), &packer).await;
    assert_eq!((s, r["code"].as_str()), (409, Some("not_packed")), "no label for a held parcel");
    let (s, r) = app.post(&scans, &packer, &json!({"barcode": w.skus[1].1})).await;
    assert_eq!((s, r["code"].as_str()), (409, Some("parcel_held")));
    let queue = exceptions(&app, &w).await;
    let kinds: Vec<&str> = queue.iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["short_missing", "weight_hold"]);
    let hold = queue[1]["id"].as_str().unwrap();
    let (s, r) = app
        .post(
            &format!("/api/v1/outbound-exceptions/{hold}/resolve"),
            &w.supervisor,
            &json!({"action": "restock"}),
        )
        .await;
    assert_eq!((s, r["errors"][0]["code"].as_str()), (422, Some("action_not_allowed")));
    let (s, r) = app
        .post(&format!("/api/v1/outbound-exceptions/{hold}/resolve"), &packer, &json!({"action": "repack"}))
        .await;
    assert_eq!(s, 403, "supervisors resolve holds: {r}");
    let (s, r) = app
        .post(
            &format!("/api/v1/outbound-exceptions/{hold}/resolve"),
            &w.supervisor,
            &json!({"action": "repack", "note": "one unit was missing from the box"}),
        )
        .await;
    assert_eq!((s, r["status"].as_str()), (200, Some("resolved")), "{r}");

    // Repacked from nothing, weighed right: packed, with a tracking number.
    let (_, p) = app.get(&format!("/api/v1/parcels/{parcel}"), &packer).await;
    assert_eq!((p["status"].as_str(), p["remaining"].as_i64()), (Some("packing"), Some(4)));
    pack_all(&app, &packer, &parcel, &w, 3, 1).await;
    let (s, p) =
        app.post(&format!("/api/v1/parcels/{parcel}/weigh"), &packer, &json!({"weight_g": 1105})).await;
    assert_eq!((s, p["status"].as_str()), (200, Some("packed")), "{p}");
    let tracking = p["tracking_no"].as_str().unwrap().to_owned();
    assert!(tracking.starts_with("LX") && tracking.ends_with("CN") && tracking.len() == 13, "{tracking}");
    assert_eq!((p["route"].as_str(), p["channel_version"].as_i64()), (Some("EPACKET"), Some(1)));
    assert_eq!((balance(&app, "picked", None), balance(&app, "packed", None)), (0, 4));

    // The label: the buyer in full, the barcode, customs data; HTML and ZPL.
    let (s, html) = app.get(&format!("/api/v1/parcels/{parcel}/label"), &packer).await;
    let html = html.as_str().unwrap().to_owned();
    assert_eq!(s, 200);
    for part in [
        "Jane Doe",
        "1 Main St",
        "Springfield",
        "62701",
        "+1 555 010 2034",
        &tracking,
        "950300",
        "CN22",
        "59.97 USD",
        "100mm 150mm",
        "<svg",
    ] {
        assert!(html.contains(part), "{part} missing from the label");
    }
    let (s, zpl) = app.get(&format!("/api/v1/parcels/{parcel}/label?format=zpl"), &packer).await;
    let zpl = zpl.as_str().unwrap().to_owned();
    assert_eq!(s, 200);
    assert!(
        zpl.starts_with("^XA")
            && zpl.contains(&format!("^BCN,180,N,N,N^FD{tracking}^FS"))
            && zpl.contains("Jane Doe")
    );

    // No cache keeps the address, and every read of it is in the audit log
    // (the refused read of the held parcel is not), which only admins see
    // and which names the reader and the order, never the buyer.
    let r = app
        .client
        .get(app.url(&format!("/api/v1/parcels/{parcel}/label")))
        .bearer_auth(&packer)
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers().get("cache-control").map(|v| v.to_str().unwrap()), Some("no-store"));
    let order_no = p["order_no"].as_str().unwrap_or_else(|| panic!("{p}")).to_owned();
    let (s, _) = app.get(&format!("/api/v1/audit/pii-reads?order_no={order_no}"), &packer).await;
    assert_eq!(s, 403);
    let admin = app.staff("ada", "admin");
    let (s, reads) = app.get(&format!("/api/v1/audit/pii-reads?order_no={order_no}"), &admin).await;
    assert_eq!(s, 200, "{reads}");
    let reads = reads.as_array().unwrap();
    assert_eq!(reads.len(), 3, "html, zpl, html again: {reads:?}");
    for r in reads {
        assert_eq!((r["actor"].as_str(), r["purpose"].as_str()), (Some("staff:paco"), Some("label:api")));
        assert_eq!(
            (r["order_no"].as_str(), r["parcel_id"].as_str()),
            (Some(order_no.as_str()), Some(parcel.as_str()))
        );
        assert!(!r.to_string().contains("Jane"), "{r}");
    }
    let (_, all) = app.get("/api/v1/audit/pii-reads?limit=1", &admin).await;
    assert_eq!(all.as_array().unwrap().len(), 1);
    let (s, bad) = app.get("/api/v1/audit/pii-reads?limit=0", &admin).await;
    assert_eq!((s, bad["errors"][0]["code"].as_str()), (422, Some("out_of_range")));

    // The short pick's bin is counted: the unit is really gone.
    let short = queue[0]["id"].as_str().unwrap();
    let (s, r) = app
        .post(
            &format!("/api/v1/outbound-exceptions/{short}/resolve"),
            &w.supervisor,
            &json!({"action": "write_off"}),
        )
        .await;
    assert_eq!((s, r["status"].as_str()), (200, Some("resolved")), "{r}");
    assert_eq!(balance(&app, "on_hold", None), 0);
    assert!(exceptions(&app, &w).await.is_empty());
    let (s, r) = app.post(&format!("/api/v1/orders/{id}/cancel"), &w.platform, &json!({})).await;
    assert_eq!((s, r["code"].as_str()), (409, Some("illegal_transition")), "packed orders stay packed");

    // Events: in order, and no buyer data anywhere in the feed.
    let types: Vec<String> =
        events_of(&app, &w.supervisor, &id).await.into_iter().map(|(t, _, _)| t).collect();
    assert_eq!(
        types,
        ["order.received", "order.allocated", "order.allocated", "order.picked", "order.packed"]
    );
    let short_events = events_of(&app, &w.supervisor, tid).await;
    assert_eq!(short_events[0].0, "pick.short");
    assert_eq!(
        (short_events[0].2["reallocated"].as_i64(), short_events[0].2["backordered"].as_i64()),
        (Some(1), Some(0))
    );
    let held_events = events_of(&app, &w.supervisor, &parcel).await;
    assert_eq!(held_events[0].0, "parcel.weight_held");
    let (_, feed) = app.get("/api/v1/events?limit=1000", &w.supervisor).await;
    let feed = feed.to_string();
    for secret in ["Jane", "Main St", "Springfield", "555 010"] {
        assert!(!feed.contains(secret), "{secret} in the event feed");
    }
    let (_, check) = app.get("/api/v1/stock/verify", &w.supervisor).await;
    assert_eq!(check["mismatches"], json!([]));
}

#[actix_web::test]
async fn a_damaged_short_pick_backorders_and_a_cancel_after_picking_puts_units_back() {
    let app = crate::common::spawn_app().await;
    let w = world(&app).await;
    let picker = app.staff("pia", "picker");
    stock(&app, &w, "A-01-01-02", 1, 2).await;
    let (_, o) = app.post("/api/v1/orders", &w.platform, &order(&w, "DMG-1", 1, 2)).await;
    let id = o["id"].as_str().unwrap().to_owned();
    let (s, _) = app.post("/api/v1/waves", &w.supervisor, &json!({"max_lines": 5})).await;
    assert_eq!(s, 200);
    let (_, t) = app.post("/api/v1/pick-tasks/claim", &picker, &json!({})).await;
    let (s, r) = app
        .post(
            &format!("/api/v1/pick-tasks/{}/confirm", t["id"].as_str().unwrap()),
            &picker,
            &json!({"bin": "A-01-01-02", "barcode": w.skus[1].1, "tote": "TOTE-77", "quantity": 1, "short": "damaged"}),
        )
        .await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(balance(&app, "damaged", Some("A-01-01-02")), 1);
    let (_, o_now) = app.get(&format!("/api/v1/orders/{id}"), &w.platform).await;
    assert_eq!(
        (o_now["status"].as_str(), o_now["lines"][0]["backordered"].as_i64()),
        (Some("backordered"), Some(1))
    );
    let (s, _) = app.post("/api/v1/pick-tasks/claim", &picker, &json!({})).await;
    assert_eq!(s, 204, "nothing else to pick");

    // The platform cancels: the picked unit leaves the tote and waits to be put back.
    let (s, c) = app.post(&format!("/api/v1/orders/{id}/cancel"), &w.platform, &json!({})).await;
    assert_eq!((s, c["status"].as_str()), (200, Some("cancelled")), "{c}");
    assert_eq!((balance(&app, "picked", None), balance(&app, "on_hold", None)), (0, 1));
    let queue = exceptions(&app, &w).await;
    let kinds: Vec<&str> = queue.iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["short_damaged", "put_back"]);
    let put_back = queue[1]["id"].as_str().unwrap();
    let resolve = format!("/api/v1/outbound-exceptions/{put_back}/resolve");
    let (s, r) = app.post(&resolve, &w.supervisor, &json!({"action": "restock", "bin": "QC-01-01-01"})).await;
    assert_eq!(s, 422, "only storage bins: {r}");
    assert_eq!(balance(&app, "on_hold", None), 1, "a refused resolution changes nothing");
    let (s, r) = app.post(&resolve, &w.supervisor, &json!({"action": "restock", "bin": "A-01-01-04"})).await;
    assert_eq!((s, r["resolution"].as_str()), (200, Some("restock A-01-01-04")), "{r}");
    let (s, r) = app.post(&resolve, &w.supervisor, &json!({"action": "restock", "bin": "A-01-01-04"})).await;
    assert_eq!((s, r["code"].as_str()), (409, Some("already_resolved")));
    assert_eq!(balance(&app, "available", Some("A-01-01-04")), 1);
    let damaged = queue[0]["id"].as_str().unwrap();
    let (s, _) = app
        .post(
            &format!("/api/v1/outbound-exceptions/{damaged}/resolve"),
            &w.supervisor,
            &json!({"action": "acknowledge"}),
        )
        .await;
    assert_eq!(s, 200);
    let (_, check) = app.get("/api/v1/stock/verify", &w.supervisor).await;
    assert_eq!(check["mismatches"], json!([]));
    let types: Vec<String> =
        events_of(&app, &w.supervisor, &id).await.into_iter().map(|(t, _, _)| t).collect();
    assert_eq!(types, ["order.received", "order.allocated", "order.cancelled"]);
}

#[actix_web::test]
async fn a_held_parcel_accepted_by_a_supervisor_is_packed_as_weighed() {
    let app = crate::common::spawn_app().await;
    let w = world(&app).await;
    let (picker, packer) = (app.staff("pia", "picker"), app.staff("paco", "packer"));
    stock(&app, &w, "A-01-01-01", 0, 1).await;
    let (_, o) = app.post("/api/v1/orders", &w.platform, &order(&w, "ACC-1", 0, 1)).await;
    app.post("/api/v1/waves", &w.supervisor, &json!({})).await;
    assert_eq!(pick_rest(&app, &picker, "TOTE-5").await, 1);
    let (_, p) = app.post("/api/v1/pack/start", &packer, &json!({"tote": "TOTE-5"})).await;
    assert_eq!(p["suggested_carton"], "BOX-XS");
    let parcel = p["id"].as_str().unwrap().to_owned();
    pack_all(&app, &packer, &parcel, &w, 1, 0).await;
    // The packer used a bigger box: 250 g + its 90 g tare expected, ± 17 g.
    let (_, p) = app
        .post(
            &format!("/api/v1/parcels/{parcel}/weigh"),
            &packer,
            &json!({"weight_g": 352, "carton": "box-s"}),
        )
        .await;
    assert_eq!((p["status"].as_str(), p["expected_weight_g"].as_i64()), (Some("packed"), Some(340)), "{p}");
    let _ = o;
    // A second order, weighed far off and accepted after a check.
    stock(&app, &w, "A-01-01-01", 0, 1).await;
    let (_, o2) = app.post("/api/v1/orders", &w.platform, &order(&w, "ACC-2", 0, 1)).await;
    app.post("/api/v1/waves", &w.supervisor, &json!({})).await;
    pick_rest(&app, &picker, "TOTE-5").await;
    let (_, p) = app.post("/api/v1/pack/start", &packer, &json!({"tote": "TOTE-5"})).await;
    assert_eq!(p["order_id"], o2["id"], "the tote was freed when the first parcel was packed");
    let parcel = p["id"].as_str().unwrap().to_owned();
    pack_all(&app, &packer, &parcel, &w, 1, 0).await;
    let (_, p) =
        app.post(&format!("/api/v1/parcels/{parcel}/weigh"), &packer, &json!({"weight_g": 600})).await;
    assert_eq!(p["status"], "held");
    let hold = exceptions(&app, &w).await[0]["id"].as_str().unwrap().to_owned();
    let (s, r) = app
        .post(
            &format!("/api/v1/outbound-exceptions/{hold}/resolve"),
            &w.supervisor,
            &json!({"action": "accept", "note": "gift box added by the supplier"}),
        )
        .await;
    assert_eq!(s, 200, "{r}");
    let (_, p) = app.get(&format!("/api/v1/parcels/{parcel}"), &packer).await;
    assert_eq!((p["status"].as_str(), p["weight_g"].as_i64()), (Some("packed"), Some(600)));
    assert!(p["tracking_no"].as_str().unwrap().starts_with("LX"));
    let (_, o2) = app.get(&format!("/api/v1/orders/{}", o2["id"].as_str().unwrap()), &w.platform).await;
    assert_eq!(o2["status"], "packed");
}

/// The buyer's name and address come from the platform: on the label they
/// are text on the HTML label, whatever they hold.
#[actix_web::test]
async fn a_buyer_name_with_markup_is_printed_as_text() {
    let app = crate::common::spawn_app().await;
    let w = world(&app).await;
    let (picker, packer) = (app.staff("pia", "picker"), app.staff("paco", "packer"));
    stock(&app, &w, "A-01-01-01", 0, 1).await;
    let mut o = order(&w, "XSS-1", 0, 1);
    o["buyer"]["name"] = json!("<script>alert(1)</script>");
    o["buyer"]["address"]["line1"] = json!("1 Main St & \"Sons\"");
    let (s, o) = app.post("/api/v1/orders", &w.platform, &o).await;
    assert_eq!(s, 201, "{o}");
    app.post("/api/v1/waves", &w.supervisor, &json!({})).await;
    assert_eq!(pick_rest(&app, &picker, "TOTE-7").await, 1);
    let (_, p) = app.post("/api/v1/pack/start", &packer, &json!({"tote": "TOTE-7"})).await;
    let parcel = p["id"].as_str().unwrap().to_owned();
    pack_all(&app, &packer, &parcel, &w, 1, 0).await;
    let (_, p) =
        app.post(&format!("/api/v1/parcels/{parcel}/weigh"), &packer, &json!({"weight_g": 295})).await;
    assert_eq!(p["status"], "packed", "{p}");
    let (s, html) = app.get(&format!("/api/v1/parcels/{parcel}/label"), &packer).await;
    assert_eq!(s, 200);
    let html = html.as_str().unwrap();
    assert!(!html.contains("<script") && !html.contains("\"Sons\""), "{html}");
    assert!(html.contains("&#60;script&#62;alert(1)&#60;/script&#62;"), "{html}");
    assert!(html.contains("1 Main St &#38; &#34;Sons&#34;"), "{html}");
    assert!(html.contains("<svg"), "the barcode stays markup");
}

/// A channel's current rules as a body for `PUT /channels/{code}`.
async fn channel_body(app: &TestApp, key: &str, code: &str) -> Value {
    let (s, mut c) = app.get(&format!("/api/v1/channels/{code}"), key).await;
    assert_eq!(s, 200, "{c}");
    let mut body = c["current"].take();
    for k in ["id", "code", "version", "current", "created_by", "created_at"] {
        body.as_object_mut().unwrap().remove(k);
    }
    body
}

/// Routing at the pack station: a parcel whose contents no channel may
/// carry is held with each channel's reason and no label; once an admin
/// adds a channel version that may carry it, a supervisor's accept routes
/// it, and the parcel keeps the version it was routed with.
#[actix_web::test]
async fn a_parcel_no_channel_may_carry_is_held_with_the_reason_and_routed_once_one_may() {
    let app = crate::common::spawn_app().await;
    let w = world(&app).await;
    let (picker, packer, admin) =
        (app.staff("pia", "picker"), app.staff("paco", "packer"), app.staff("ada", "admin"));
    // ePacket stops taking magnets (the test SKUs are magnetic).
    let mut no_magnets = channel_body(&app, &admin, "EPACKET").await;
    no_magnets["allowed_flags"] = json!(["built_in_battery"]);
    let (s, v2) = app.put("/api/v1/channels/EPACKET", &admin, &no_magnets).await;
    assert_eq!((s, v2["version"].as_i64()), (201, Some(2)), "{v2}");

    stock(&app, &w, "A-01-01-01", 0, 1).await;
    let (_, o) = app.post("/api/v1/orders", &w.platform, &order(&w, "RT-1", 0, 1)).await;
    app.post("/api/v1/waves", &w.supervisor, &json!({})).await;
    assert_eq!(pick_rest(&app, &picker, "TOTE-7").await, 1);
    let (_, p) = app.post("/api/v1/pack/start", &packer, &json!({"tote": "TOTE-7"})).await;
    let parcel = p["id"].as_str().unwrap().to_owned();
    pack_all(&app, &packer, &parcel, &w, 1, 0).await;
    let (s, p) =
        app.post(&format!("/api/v1/parcels/{parcel}/weigh"), &packer, &json!({"weight_g": 300})).await;
    assert_eq!(s, 200, "{p}");
    assert_eq!(
        (p["status"].as_str(), p["tracking_no"].as_str(), p["route"].as_str()),
        (Some("held"), None, None),
        "{p}"
    );
    let reason = p["hold_reason"].as_str().unwrap();
    assert!(reason.starts_with("no_route: "), "{reason}");
    for part in [
        "EPACKET: does not carry magnetic",
        "EMS: does not offer standard",
        "SMALLPKT: does not offer standard",
    ] {
        assert!(reason.contains(part), "{part} in {reason}");
    }
    let (s, r) = app.get(&format!("/api/v1/parcels/{parcel}/label"), &packer).await;
    assert_eq!((s, r["code"].as_str()), (409, Some("not_packed")), "never a label without a route");
    let queue = exceptions(&app, &w).await;
    assert_eq!(queue.len(), 1);
    assert_eq!(
        (queue[0]["kind"].as_str(), queue[0]["parcel_id"].as_str()),
        (Some("no_route"), Some(&*parcel))
    );
    assert_eq!(app.count("outbox WHERE event_type = 'parcel.no_route'"), 1);
    let (_, order_now) = app.get(&format!("/api/v1/orders/{}", o["id"].as_str().unwrap()), &w.platform).await;
    assert_eq!(order_now["status"], "picked", "not packed while held");

    let hold = queue[0]["id"].as_str().unwrap().to_owned();
    // The admin lets ePacket carry magnets again: version 3.
    let mut magnets = no_magnets.clone();
    magnets["allowed_flags"] = json!(["built_in_battery", "magnetic"]);
    magnets["cutoff"] = json!("18:30");
    let (s, v3) = app.put("/api/v1/channels/EPACKET", &admin, &magnets).await;
    assert_eq!((s, v3["version"].as_i64()), (201, Some(3)));
    let (s, r) = app
        .post(
            &format!("/api/v1/outbound-exceptions/{hold}/resolve"),
            &w.supervisor,
            &json!({"action": "accept", "note": "ePacket takes magnets again"}),
        )
        .await;
    assert_eq!(s, 200, "{r}");
    let (_, p) = app.get(&format!("/api/v1/parcels/{parcel}"), &packer).await;
    assert_eq!(
        (p["status"].as_str(), p["route"].as_str(), p["channel_version"].as_i64(), p["hold_reason"].as_str()),
        (Some("packed"), Some("EPACKET"), Some(3), None),
        "{p}"
    );
    // BOX-XS 160 x 110 x 60 mm / 6000 = 176 g; 300 g weighed: 300 chargeable.
    assert_eq!(
        (p["volumetric_weight_g"].as_i64(), p["chargeable_weight_g"].as_i64()),
        (Some(176), Some(300))
    );
    assert!(p["tracking_no"].as_str().unwrap().starts_with("LX"));
    let routed = app.count("outbox WHERE event_type = 'parcel.routed'");
    assert_eq!(routed, 1);
    // A later version does not change what the parcel was routed with.
    magnets["cutoff"] = json!("19:00");
    app.put("/api/v1/channels/EPACKET", &admin, &magnets).await;
    let (_, p) = app.get(&format!("/api/v1/parcels/{parcel}"), &packer).await;
    assert_eq!(p["channel_version"], 3);
    let (s, label) = app.get(&format!("/api/v1/parcels/{parcel}/label"), &packer).await;
    assert_eq!(s, 200);
    assert!(label.as_str().unwrap().contains("China Post"), "the channel's carrier is on the label");
}
