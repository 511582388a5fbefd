//! Inbound's refusals: bad input and actions in the wrong state get a clear
//! error and change nothing.

use serde_json::json;

use crate::common::{TestApp, sku_body, spawn_app};
use crate::inbound::{World, asn_body, world};

async fn code(app: &TestApp, path: &str, key: &str, body: serde_json::Value) -> (u16, String) {
    let (s, b) = app.post(path, key, &body).await;
    let c = b["errors"][0]["code"].as_str().or(b["code"].as_str()).unwrap_or("").to_owned();
    (s, c)
}

/// Rows that any inbound change would touch.
fn footprint(app: &TestApp) -> [i64; 6] {
    ["asns", "asn_cartons", "receiving_exceptions", "stock_movements", "qc_samples", "outbox"]
        .map(|t| app.count(t))
}

async fn submitted(app: &TestApp, w: &World, tracking: &str) -> (String, String) {
    let (s, asn) = app.post("/api/v1/asns", &w.supplier, &asn_body(w, None, tracking)).await;
    assert_eq!(s, 201, "{asn}");
    let id = asn["id"].as_str().unwrap().to_owned();
    let (s, _) = app.post(&format!("/api/v1/asns/{id}/submit"), &w.supplier, &json!({})).await;
    assert_eq!(s, 200);
    (id, asn["asn_no"].as_str().unwrap().to_owned())
}

#[actix_web::test]
async fn a_bad_shipment_is_refused_whole_with_every_problem_listed() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let (_, other) = app.supplier("OTHER");
    let (_, theirs) = app.post("/api/v1/skus", &other, &sku_body(9)).await;
    let before = footprint(&app);
    let (a, b) = (&w.skus[0].0, &w.skus[1].0);

    let mut body = asn_body(&w, None, "T1");
    body["lines"][1]["sku_id"] = theirs["id"].clone();
    let (s, c) = code(&app, "/api/v1/asns", &w.supplier, body).await;
    assert_eq!((s, c.as_str()), (422, "unknown_sku"), "another supplier's SKU reads as unknown");

    let mut body = asn_body(&w, None, "T1");
    body["lines"][0]["quantity"] = json!(-5);
    let (s, b1) = app.post("/api/v1/asns", &w.supplier, &body).await;
    let codes: Vec<&str> =
        b1["errors"].as_array().unwrap().iter().map(|e| e["code"].as_str().unwrap()).collect();
    assert_eq!(s, 422);
    assert_eq!(codes, ["not_positive"], "the real problem, not its echoes");

    let mut body = asn_body(&w, None, "T1");
    body["cartons"][0]["contents"][0]["quantity"] = json!(24);
    let (s, c) = code(&app, "/api/v1/asns", &w.supplier, body).await;
    assert_eq!((s, c.as_str()), (422, "cartons_do_not_add_up"));

    let body = json!({"estimated_arrival": "2026-12-01T00:00:00Z", "lines": [], "cartons": []});
    let (s, _) = code(&app, "/api/v1/asns", &w.supplier, body).await;
    assert_eq!(s, 422);

    let body = json!({"estimated_arrival": "2026-12-01T00:00:00Z", "tracking_no": "T1",
        "lines": [{"sku_id": a, "quantity": 1}, {"sku_id": a, "quantity": 1}],
        "cartons": [{"contents": [{"sku_id": a, "quantity": 2}, {"sku_id": b, "quantity": 1}]}]});
    let (s, b2) = app.post("/api/v1/asns", &w.supplier, &body).await;
    let codes: Vec<&str> =
        b2["errors"].as_array().unwrap().iter().map(|e| e["code"].as_str().unwrap()).collect();
    assert_eq!(s, 422);
    assert!(codes.contains(&"duplicate_sku") && codes.contains(&"not_on_lines"), "{codes:?}");

    let (s, _) = code(&app, "/api/v1/asns", &w.platform, asn_body(&w, None, "T1")).await;
    assert_eq!(s, 403, "the platform key does not create shipments");
    assert_eq!(footprint(&app), before, "nothing was written");

    // One live shipment per tracking number, per supplier.
    let (_, mine) = submitted(&app, &w, "TRACK-1").await;
    let (s, c) = code(&app, "/api/v1/asns", &w.supplier, asn_body(&w, None, "track-1")).await;
    assert_eq!((s, c.as_str()), (422, "tracking_taken"));
    // Another supplier's number is none of this one's business: it is
    // neither refused nor revealed.
    let theirs_sku = theirs["id"].as_str().unwrap();
    let (s, a2) = app
        .post(
            "/api/v1/asns",
            &other,
            &json!({"estimated_arrival": "2030-12-01T00:00:00Z", "carrier": "SF Express", "tracking_no": "TRACK-1",
                    "lines": [{"sku_id": theirs_sku, "quantity": 1}],
                    "cartons": [{"contents": [{"sku_id": theirs_sku, "quantity": 1}]}]}),
        )
        .await;
    assert_eq!(s, 201, "{a2}");
    let (s, _) =
        app.post(&format!("/api/v1/asns/{}/submit", a2["id"].as_str().unwrap()), &other, &json!({})).await;
    assert_eq!(s, 200);
    // At the dock the shared number is not guessed: the clerk is asked for a
    // carton label or the shipment number, and both shipments are named.
    let (s, b) = app.post("/api/v1/dock/check-in", &w.receiver, &json!({"code": "TRACK-1"})).await;
    assert_eq!((s, b["errors"][0]["code"].as_str()), (422, Some("ambiguous_tracking")), "{b}");
    let message = b["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains(&mine) && message.contains(a2["asn_no"].as_str().unwrap()), "{message}");
    let (s, b) = app.post("/api/v1/dock/check-in", &w.receiver, &json!({"code": mine})).await;
    assert_eq!(s, 200, "{b}");
}

#[actix_web::test]
async fn scans_in_the_wrong_place_or_state_are_refused_and_change_nothing() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let (id, asn_no) = submitted(&app, &w, "TRK-9").await;
    let a = w.skus[0].clone();
    let before = footprint(&app);

    let (s, c) = code(&app, "/api/v1/dock/check-in", &w.receiver, json!({"code": "NO-SUCH-CODE"})).await;
    assert_eq!((s, c.as_str()), (422, "unknown_code"));
    let (s, c) =
        code(&app, &format!("/api/v1/asns/{id}/scans"), &w.receiver, json!({"carton_no": 1, "barcode": a.1}))
            .await;
    assert_eq!((s, c.as_str()), (409, "illegal_transition"), "no counting before receiving starts");
    let (s, c) =
        code(&app, &format!("/api/v1/asns/{id}/qc/{}/samples", a.0), &w.qc, json!({"result": "pass"})).await;
    assert_eq!((s, c.as_str()), (409, "illegal_transition"));
    let (s, c) = code(
        &app,
        &format!("/api/v1/asns/{id}/putaway"),
        &w.receiver,
        json!({"barcode": a.1, "bin": "A-01-01-01"}),
    )
    .await;
    assert_eq!((s, c.as_str()), (409, "illegal_transition"));
    let (s, _) = code(&app, "/api/v1/dock/check-in", &w.supplier, json!({"code": "TRK-9"})).await;
    assert_eq!(s, 403, "suppliers do not check in");
    let (s, _) = code(&app, "/api/v1/dock/check-in", &w.qc, json!({"code": "TRK-9"})).await;
    assert_eq!(s, 403, "QC does not check in");
    assert_eq!(footprint(&app), before);

    // Open carton 1; a second clerk cannot count into it.
    let bob = app.staff("bob", "receiver");
    let (s, _) = app
        .post(
            &format!("/api/v1/asns/{id}/cartons/open"),
            &w.receiver,
            &json!({"carton": format!("{asn_no}-C001")}),
        )
        .await;
    assert_eq!(s, 200);
    let (s, c) = code(&app, &format!("/api/v1/asns/{id}/cartons/open"), &bob, json!({"carton": "1"})).await;
    assert_eq!((s, c.as_str()), (409, "carton_taken"));
    let (s, c) =
        code(&app, &format!("/api/v1/asns/{id}/scans"), &bob, json!({"carton_no": 1, "barcode": a.1})).await;
    assert_eq!((s, c.as_str()), (409, "carton_taken"));
    let before = footprint(&app);
    let (s, c) = code(
        &app,
        &format!("/api/v1/asns/{id}/scans"),
        &w.receiver,
        json!({"carton_no": 1, "barcode": "4006381333931"}),
    )
    .await;
    assert_eq!((s, c.as_str()), (422, "unknown_barcode"), "a real EAN that is no product of ours");
    let (s, c) = code(
        &app,
        &format!("/api/v1/asns/{id}/scans"),
        &w.receiver,
        json!({"carton_no": 1, "barcode": a.1, "quantity": -3}),
    )
    .await;
    assert_eq!((s, c.as_str()), (422, "not_positive"));
    let (s, c) =
        code(&app, &format!("/api/v1/asns/{id}/scans"), &w.receiver, json!({"carton_no": 2, "barcode": a.1}))
            .await;
    assert_eq!((s, c.as_str()), (409, "carton_not_open"));
    let (s, c) = code(
        &app,
        &format!("/api/v1/asns/{id}/scans"),
        &w.receiver,
        json!({"carton_no": 99, "barcode": a.1}),
    )
    .await;
    assert_eq!((s, c.as_str()), (422, "unknown_carton"));
    assert_eq!(footprint(&app), before);

    // Another supplier's product is set aside as an exception, not counted.
    let (_, other) = app.supplier("OTHER");
    let (_, theirs) = app.post("/api/v1/skus", &other, &sku_body(7)).await;
    let (s, r) = app
        .post(
            &format!("/api/v1/asns/{id}/scans"),
            &w.receiver,
            &json!({"carton_no": 1, "barcode": theirs["barcode"]}),
        )
        .await;
    assert_eq!(
        (s, r["outcome"].as_str(), r["sku_code"].is_null()),
        (200, Some("unit_not_on_shipment"), true)
    );
    assert_eq!(r["view"]["asn"]["cartons"][0]["items"][0]["counted"], 0);

    // Closing the receipt with a carton still open is refused.
    let (s, c) = code(&app, &format!("/api/v1/asns/{id}/close-receipt"), &w.receiver, json!({})).await;
    assert_eq!((s, c.as_str()), (409, "cartons_open"));
    // The supplier can no longer cancel: it arrived.
    let (s, c) = code(&app, &format!("/api/v1/asns/{id}/cancel"), &w.supplier, json!({})).await;
    assert_eq!((s, c.as_str()), (409, "illegal_transition"));
}

#[actix_web::test]
async fn a_shipment_refused_at_the_dock_goes_back_whole_and_its_order_says_so() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let (a, b) = (&w.skus[0].0, &w.skus[1].0);
    let deliver = (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339();
    let (_, order) = app
        .post(
            "/api/v1/stock-orders",
            &w.platform,
            &json!({"platform_ref": "PO-9", "supplier_id": w.supplier_id, "deliver_by": deliver, "arrive_by": deliver,
                "lines": [{"sku_id": a, "quantity": 100}, {"sku_id": b, "quantity": 10}]}),
        )
        .await;
    let oid = order["id"].as_str().unwrap();
    // Shipping against an order not yet accepted is refused.
    let (s, c) = code(&app, "/api/v1/asns", &w.supplier, asn_body(&w, Some(oid), "R1")).await;
    assert_eq!((s, c.as_str()), (422, "stock_order_not_accepted"));
    app.post(&format!("/api/v1/stock-orders/{oid}/accept"), &w.supplier, &json!({})).await;
    let (s, c) = code(&app, &format!("/api/v1/stock-orders/{oid}/accept"), &w.supplier, json!({})).await;
    assert_eq!((s, c.as_str()), (409, "illegal_transition"));
    let (_, asn) = app.post("/api/v1/asns", &w.supplier, &asn_body(&w, Some(oid), "R1")).await;
    let id = asn["id"].as_str().unwrap();
    // More than the order asks for is refused.
    let mut more = asn_body(&w, Some(oid), "R2");
    more["lines"][1]["quantity"] = json!(11);
    more["cartons"][1]["contents"][0]["quantity"] = json!(11);
    let (s, c) = code(&app, "/api/v1/asns", &w.supplier, more).await;
    assert_eq!((s, c.as_str()), (422, "exceeds_stock_order"));
    app.post(&format!("/api/v1/asns/{id}/submit"), &w.supplier, &json!({})).await;
    let (s, c) = code(&app, &format!("/api/v1/stock-orders/{oid}/cancel"), &w.platform, json!({})).await;
    assert_eq!((s, c.as_str()), (409, "illegal_transition"), "shipped: too late to withdraw");

    let (s, c) =
        code(&app, &format!("/api/v1/asns/{id}/reject"), &w.receiver, json!({"reason": "soggy"})).await;
    assert_eq!((s, c.as_str()), (422, "invalid_body"), "an unknown reason is refused");
    let (s, r) = app
        .post(
            &format!("/api/v1/asns/{id}/reject"),
            &w.receiver,
            &json!({"reason": "damaged_packing", "note": "wet cartons"}),
        )
        .await;
    assert_eq!(
        (s, r["status"].as_str(), r["reject_reason"].as_str()),
        (200, Some("rejected_at_dock"), Some("damaged_packing"))
    );
    let (s, c) = code(&app, "/api/v1/dock/check-in", &w.receiver, json!({"code": "R1"})).await;
    assert_eq!((s, c.as_str()), (409, "illegal_transition"), "a refused shipment is not checked in");
    let (_, order) = app.get(&format!("/api/v1/stock-orders/{oid}"), &w.supplier).await;
    assert_eq!(order["status"], "rejected_at_dock");
}

#[actix_web::test]
async fn a_draft_can_be_cancelled_and_frees_its_tracking_number() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let (id, _) = submitted(&app, &w, "FREE-1").await;
    let (s, r) = app.post(&format!("/api/v1/asns/{id}/cancel"), &w.supplier, &json!({})).await;
    assert_eq!((s, r["status"].as_str()), (200, Some("cancelled")));
    let (s, _) = app.post("/api/v1/asns", &w.supplier, &asn_body(&w, None, "FREE-1")).await;
    assert_eq!(s, 201);
    let (_, other) = app.supplier("OTHER");
    let (s, _) = app.get(&format!("/api/v1/asns/{id}"), &other).await;
    assert_eq!(s, 404, "another supplier's shipment is a 404");
}

#[actix_web::test]
async fn a_lot_with_a_critical_defect_is_rejected_and_goes_back_to_the_supplier() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let (id, asn_no) = submitted(&app, &w, "CRIT-1").await;
    let (a, b) = (w.skus[0].clone(), w.skus[1].clone());
    crate::inbound::receive_whole(&app, &w, &id, &asn_no).await;
    let (s, r) = app.post(&format!("/api/v1/asns/{id}/close-receipt"), &w.receiver, &json!({})).await;
    assert_eq!((s, r["status"].as_str()), (200, Some("received")), "{r}");
    let sample = |sku: &str| format!("/api/v1/asns/{id}/qc/{sku}/samples");
    let (s, c) = code(&app, &sample(&a.0), &w.qc, json!({"result": "defect"})).await;
    assert_eq!((s, c.as_str()), (422, "required"), "a defect needs its code");
    let (s, lot) =
        app.post(&sample(&a.0), &w.qc, &json!({"result": "defect", "defect_code": "empty_box"})).await;
    assert_eq!((s, lot["status"].as_str(), lot["returned"].as_i64()), (200, Some("rejected"), Some(100)));
    let (s, c) = code(&app, &sample(&a.0), &w.qc, json!({"result": "pass"})).await;
    assert_eq!((s, c.as_str()), (409, "lot_decided"));
    let (_, lots) = app.get(&format!("/api/v1/asns/{id}/qc"), &w.qc).await;
    let lot_b = lots.as_array().unwrap().iter().find(|l| l["sku_id"] == json!(b.0)).unwrap().clone();
    for _ in 0..lot_b["sample_size"].as_i64().unwrap() {
        app.post(&sample(&b.0), &w.qc, &json!({"result": "pass"})).await;
    }
    let (_, stock) = app.get("/api/v1/stock", &w.supplier).await;
    let sa = stock["items"].as_array().unwrap().iter().find(|s| s["sku_id"] == json!(a.0)).unwrap().clone();
    assert_eq!(
        (sa["rts_hold"].as_i64(), sa["available"].as_i64(), sa["in_qc"].as_i64()),
        (Some(100), Some(0), Some(0))
    );
    let (_, penalties) = app.get("/api/v1/penalties", &w.supplier).await;
    let q: Vec<_> = penalties.as_array().unwrap().iter().filter(|p| p["kind"] == "quality_failure").collect();
    assert_eq!((q.len(), q[0]["amount_minor"].as_i64()), (1, Some(10_000 + 500 * 100)));
}

#[actix_web::test]
async fn an_order_not_accepted_by_its_deliver_by_time_times_out() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let soon = (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339();
    let past = (chrono::Utc::now() - chrono::Duration::hours(1)).to_rfc3339();
    let body = |deliver: &str, r: &str| {
        json!({"platform_ref": r, "supplier_id": w.supplier_id, "deliver_by": deliver, "arrive_by": deliver,
            "lines": [{"sku_id": w.skus[0].0, "quantity": 5}]})
    };
    let (s, c) = code(&app, "/api/v1/stock-orders", &w.platform, body(&past, "PO-OLD")).await;
    assert_eq!((s, c.as_str()), (422, "in_the_past"));
    let (s, c) = code(&app, "/api/v1/stock-orders", &w.supplier, body(&soon, "PO-X")).await;
    assert_eq!((s, c.as_str()), (403, "forbidden"), "suppliers do not order from themselves");
    let (s, order) = app.post("/api/v1/stock-orders", &w.platform, &body(&soon, "PO-SOON")).await;
    assert_eq!(s, 201);
    let id = order["id"].as_str().unwrap();
    // Accepted a minute before the deadline it would be fine; after it, not.
    app.clock.advance(chrono::Duration::minutes(61));
    let (s, c) = code(&app, &format!("/api/v1/stock-orders/{id}/accept"), &w.supplier, json!({})).await;
    assert_eq!((s, c.as_str()), (409, "stock_order_expired"));
    let (_, o) = app.get(&format!("/api/v1/stock-orders/{id}"), &w.platform).await;
    assert_eq!(
        (o["status"].as_str(), o["shipping_late"].as_bool()),
        (Some("awaiting_acceptance"), Some(true))
    );
    let now = app.clock.now();
    let n = app.tx(|tx| custody::inbound::stock_orders::expire_overdue(tx, now));
    assert_eq!(n, 1);
    let (_, o) = app.get(&format!("/api/v1/stock-orders/{id}"), &w.supplier).await;
    assert_eq!(o["status"], "timed_out");
    let events = crate::inbound::events_of(&app, &w.supplier, id).await;
    let types: Vec<&str> = events.iter().map(|(t, _, _)| t.as_str()).collect();
    assert_eq!(types, ["stock_order.created", "stock_order.timed_out"]);
}
