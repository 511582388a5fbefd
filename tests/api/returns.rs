//! Return requests: decided under the policy version in force when they
//! came in (the boundary to the second), refunded without a return under
//! the threshold, never more than was delivered, idempotent on the
//! platform's id, and a supplier sees only its own.

use serde_json::{Value, json};

use crate::common::TestApp;
use crate::inbound::{World, world};
use crate::orders::{order, stock};
use crate::outbound::{pack_all, pick_rest};
use crate::shipping::packed_order;
use crate::tracking::{carrier_key, ev, hand_over};

/// An order of one unit of the world's SKU 0 at `price_minor` cents,
/// packed, handed over and delivered: its order number.
async fn delivered(app: &TestApp, w: &World, id: &str, tote: &str, price_minor: i64) -> String {
    let who = (
        app.staff(&format!("pia-{id}").to_lowercase(), "picker"),
        app.staff(&format!("paco-{id}").to_lowercase(), "packer"),
    );
    let mut o = order(w, id, 0, 1);
    o["lines"][0]["unit_price"]["amount_minor"] = json!(price_minor);
    let p = packed_order(app, w, &o, tote, &who, 0).await;
    let t = p["tracking_no"].as_str().unwrap().to_owned();
    hand_over(app, &t);
    let at = app.clock.now().0 + chrono::Duration::minutes(1);
    let (s, r) = app
        .post("/api/v1/tracking-events", &carrier_key(app), &json!({"events": [ev(&t, "DELIVERED", at)]}))
        .await;
    assert_eq!(s, 200, "{r}");
    let (_, order) =
        app.get(&format!("/api/v1/orders/{}", p["order_id"].as_str().unwrap()), &w.platform).await;
    assert_eq!(order["status"], "delivered", "{order}");
    order["order_no"].as_str().unwrap().to_owned()
}

fn request(id: &str, order: &str, reason: &str, quantity: i64) -> Value {
    json!({"platform_return_id": id, "order": order, "type": "return_and_refund", "reason": reason,
           "lines": [{"line_no": 1, "quantity": quantity}],
           "return_shipping_cost": {"amount_minor": 1450, "currency": "USD"}})
}

#[actix_web::test]
async fn a_return_is_decided_under_the_policy_in_force_and_never_returns_more_than_was_delivered() {
    let app = crate::common::spawn_app().await;
    let w = world(&app).await;
    let cheap = delivered(&app, &w, "RET-CHEAP", "TOTE-1", 1999).await;
    let dear = delivered(&app, &w, "RET-DEAR", "TOTE-2", 4500).await;

    // Under $20: refunded, the buyer keeps it, no parcel expected.
    let (s, r) = app.post("/api/v1/returns", &w.platform, &request("PR-1", &cheap, "changed_mind", 1)).await;
    assert_eq!(s, 201, "{r}");
    assert_eq!(
        (r["status"].as_str(), r["parcel_expected"].as_bool()),
        (Some("refunded_without_return"), Some(false))
    );
    assert_eq!((r["policy"]["market"].as_str(), r["policy"]["version"].as_i64()), (Some("US"), Some(1)));
    assert_eq!(
        r["liabilities"],
        json!([{"party": "platform", "supplier_id": null, "kind": "refund",
        "amount": {"amount_minor": 1999, "currency": "USD"}}])
    );
    assert_eq!(app.count("outbox WHERE event_type = 'return.refunded_without_return'"), 1);
    // The same request again: the same return; the same id for another order: refused.
    let (s, again) =
        app.post("/api/v1/returns", &w.platform, &request("PR-1", &cheap, "changed_mind", 1)).await;
    assert_eq!((s, &again["return_no"]), (200, &r["return_no"]));
    let (s, e) = app.post("/api/v1/returns", &w.platform, &request("PR-1", &dear, "changed_mind", 1)).await;
    assert_eq!((s, e["code"].as_str()), (409, Some("platform_return_id_taken")), "{e}");
    // Nothing more of that line can be returned.
    let (s, e) = app.post("/api/v1/returns", &w.platform, &request("PR-2", &cheap, "defective", 1)).await;
    assert_eq!((s, e["errors"][0]["code"].as_str()), (422, Some("over_return")), "{e}");
    assert_eq!(app.count("returns"), 1, "a refused request changes nothing");

    // A new version an hour from now: $10 threshold, 50% of the shipping for remorse.
    let admin = app.staff("ada", "admin");
    let change = app.clock.now().0 + chrono::Duration::hours(1);
    let mut rules = serde_json::to_value(custody::returns::policy::Rules::us_2023()).unwrap();
    rules["keep_item_under"]["amount_minor"] = json!(1000);
    rules["return_shipping"]["buyer_remorse"]["percent"] = json!(50);
    let v2 =
        json!({"market": "US", "effective_from": change.to_rfc3339(), "rules": rules, "note": "2024 terms"});
    assert_eq!(app.post("/api/v1/return-policies", &w.platform, &v2).await.0, 403, "an admin adds versions");
    let (s, p) = app.post("/api/v1/return-policies", &admin, &v2).await;
    assert_eq!((s, p["version"].as_i64()), (201, Some(2)), "{p}");
    let (s, e) = app.post("/api/v1/return-policies", &admin, &v2).await;
    assert_eq!((s, e["errors"][0]["code"].as_str()), (422, Some("before_latest")), "{e}");

    // One second before the change: version 1 (remorse: shipping in full).
    app.clock.advance(chrono::Duration::hours(1) - chrono::Duration::seconds(1));
    let (s, before) =
        app.post("/api/v1/returns", &w.platform, &request("PR-3", &dear, "changed_mind", 1)).await;
    assert_eq!(s, 201, "{before}");
    assert_eq!(before["policy"]["version"], 1);
    assert_eq!(before["decision"]["shipping_reimbursed_minor"], 1450);
    assert_eq!(before["status"], "awaiting_parcel");
    // Cancelled on the platform's side would free the units; here a second
    // request for the same unit is over the line.
    let (s, _) = app.post("/api/v1/returns", &w.platform, &request("PR-4", &dear, "changed_mind", 1)).await;
    assert_eq!(s, 422);
    // One second after: version 2 (50%: 7.25).
    app.clock.advance(chrono::Duration::seconds(2));
    let third = delivered(&app, &w, "RET-LATE", "TOTE-3", 4500).await;
    let (s, after) =
        app.post("/api/v1/returns", &w.platform, &request("PR-5", &third, "changed_mind", 1)).await;
    assert_eq!(s, 201, "{after}");
    assert_eq!(
        (after["policy"]["version"].as_i64(), after["decision"]["shipping_reimbursed_minor"].as_i64()),
        (Some(2), Some(725))
    );
    // A quality reason: the supplier bears the refund and up to $10 of shipping.
    let fourth = delivered(&app, &w, "RET-BAD", "TOTE-4", 4500).await;
    let (_, bad) = app.post("/api/v1/returns", &w.platform, &request("PR-6", &fourth, "defective", 1)).await;
    let borne: Vec<(String, i64)> = bad["liabilities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["party"].as_str().unwrap().to_owned(), l["amount"]["amount_minor"].as_i64().unwrap()))
        .collect();
    assert_eq!(borne, vec![("supplier".into(), 4500), ("supplier".into(), 1000)], "{bad}");
    assert_eq!(bad["liabilities"][0]["supplier_id"].as_str(), Some(w.supplier_id.as_str()));
    assert_eq!(app.count("outbox WHERE event_type = 'return.requested'"), 4);
    for pii in ["Jane Doe", "Main St", "010 2034"] {
        assert_eq!(app.count(&format!("outbox WHERE payload LIKE '%{pii}%'")), 0, "{pii} in an event");
    }

    // The supplier reads its returns; another supplier sees none of them.
    let (s, mine) = app.get("/api/v1/returns", &w.supplier).await;
    assert_eq!((s, mine.as_array().map(Vec::len)), (200, Some(4)), "{mine}");
    let (_, other) = app.supplier("OTHER");
    let (s, none) = app.get("/api/v1/returns", &other).await;
    assert_eq!((s, none), (200, json!([])));
    let no = bad["return_no"].as_str().unwrap();
    assert_eq!(app.get(&format!("/api/v1/returns/{no}"), &other).await.0, 404);
    assert_eq!(app.get(&format!("/api/v1/returns/{no}"), &w.supplier).await.0, 200);
    assert_eq!(
        app.post("/api/v1/returns", &w.supplier, &request("PR-7", &fourth, "defective", 1)).await.0,
        403
    );
}

#[actix_web::test]
async fn a_return_is_only_for_a_delivered_order_and_a_bad_request_changes_nothing() {
    let app = crate::common::spawn_app().await;
    let w = world(&app).await;
    let (s, o) = app.post("/api/v1/orders", &w.platform, &order(&w, "RET-NEW", 0, 1)).await;
    assert_eq!(s, 201, "{o}");
    let no = o["order_no"].as_str().unwrap();
    let (s, e) = app.post("/api/v1/returns", &w.platform, &request("PR-X", no, "changed_mind", 1)).await;
    assert_eq!((s, e["code"].as_str()), (409, Some("order_not_delivered")), "{e}");
    let (s, _) =
        app.post("/api/v1/returns", &w.platform, &request("PR-X", "ORD-NOPE", "changed_mind", 1)).await;
    assert_eq!(s, 404);
    let mut odd = request("PR-X", no, "because", 1);
    let (s, _) = app.post("/api/v1/returns", &w.platform, &odd).await;
    assert_eq!(s, 422, "an unknown reason");
    odd = request("PR-X", no, "changed_mind", 0);
    let (s, _) = app.post("/api/v1/returns", &w.platform, &odd).await;
    assert_eq!(s, 422, "no units");
    assert_eq!(app.count("returns"), 0);
    let (s, policies) = app.get("/api/v1/return-policies?market=us", &w.supplier).await;
    assert_eq!((s, policies[0]["rules"]["keep_item_under"]["amount_minor"].as_i64()), (200, Some(2000)));
}

/// Three units of the world's SKU 0 at USD 45, shipped in one parcel and
/// delivered: the order's number, the tracking number, the parcel's weight.
async fn delivered_three(app: &TestApp, w: &World) -> (String, String, i64) {
    let (picker, packer) = (app.staff("pia-loop", "picker"), app.staff("paco-loop", "packer"));
    stock(app, w, "A-01-01-01", 0, 3).await;
    let mut o = order(w, "RET-LOOP", 0, 3);
    o["lines"][0]["unit_price"]["amount_minor"] = json!(4500);
    let (s, o) = app.post("/api/v1/orders", &w.platform, &o).await;
    assert_eq!(s, 201, "{o}");
    app.post("/api/v1/waves", &w.supervisor, &json!({})).await;
    assert!(pick_rest(app, &picker, "TOTE-9").await >= 1);
    let (_, p) = app.post("/api/v1/pack/start", &packer, &json!({"tote": "TOTE-9"})).await;
    let parcel = p["id"].as_str().unwrap().to_owned();
    pack_all(app, &packer, &parcel, w, 3, 0).await;
    // 3 x 250 g and the carton.
    let weight = 800;
    let (s, p) =
        app.post(&format!("/api/v1/parcels/{parcel}/weigh"), &packer, &json!({"weight_g": weight})).await;
    assert_eq!((s, p["status"].as_str()), (200, Some("packed")), "{p}");
    let t = p["tracking_no"].as_str().unwrap().to_owned();
    hand_over(app, &t);
    let at = app.clock.now().0 + chrono::Duration::minutes(1);
    app.post("/api/v1/tracking-events", &carrier_key(app), &json!({"events": [ev(&t, "DELIVERED", at)]}))
        .await;
    (o["order_no"].as_str().unwrap().to_owned(), t, weight)
}

fn available(app: &TestApp, w: &World) -> i64 {
    app.count(&format!(
        "stock_balances WHERE sku_id = (SELECT id FROM skus WHERE barcode = '{}') AND bucket = 'available' AND quantity > 0",
        w.skus[0].1
    ))
}

#[actix_web::test]
async fn a_returned_parcel_is_weighed_graded_and_each_unit_goes_where_it_should_through_the_ledger() {
    let app = crate::common::spawn_app().await;
    let w = world(&app).await;
    let (order_no, tracking, shipped_g) = delivered_three(&app, &w).await;
    // An order waiting for the same SKU (nothing on the shelf).
    let (s, waiting) = app.post("/api/v1/orders", &w.platform, &order(&w, "RET-WAITING", 0, 1)).await;
    assert_eq!((s, waiting["status"].as_str()), (201, Some("backordered")), "{waiting}");
    let (s, r) = app
        .post(
            "/api/v1/returns",
            &w.platform,
            &json!({"platform_return_id": "PR-LOOP", "order": order_no,
            "type": "return_and_refund", "reason": "defective", "lines": [{"line_no": 1, "quantity": 3}]}),
        )
        .await;
    assert_eq!((s, r["status"].as_str()), (201, Some("awaiting_parcel")), "{r}");
    let no = r["return_no"].as_str().unwrap().to_owned();
    let clerk = app.staff("remi", "returns");

    // A parcel with nothing we know on it: the unidentified queue.
    let (s, u) = app
        .post(
            "/api/v1/returns/arrivals",
            &clerk,
            &json!({"code": "NOTHING-KNOWN", "weight_g": 50, "note": "brown box, no label"}),
        )
        .await;
    assert_eq!((s, u["outcome"].as_str()), (200, Some("unidentified")), "{u}");
    let (_, queue) = app.get("/api/v1/returns/unidentified", &clerk).await;
    assert_eq!(queue.as_array().map(Vec::len), Some(1));
    assert_eq!(app.get("/api/v1/returns/unidentified", &w.supplier).await.0, 403);

    // The real parcel, found by the original tracking number, weighs half of what was shipped: light.
    let (s, a) = app
        .post("/api/v1/returns/arrivals", &clerk, &json!({"code": tracking, "weight_g": shipped_g / 2}))
        .await;
    assert_eq!((s, a["outcome"].as_str()), (200, Some("identified")), "{a}");
    let ret = &a["return"];
    assert_eq!(
        (ret["status"].as_str(), ret["arrival"]["weight_flag"].as_str()),
        (Some("arrived"), Some("light")),
        "{a}"
    );
    assert_eq!(ret["arrival"]["expected_weight_g"], shipped_g);
    assert_eq!(ret["units"].as_array().map(Vec::len), Some(3));
    // The same parcel scanned again: it arrived already.
    let (s, again) =
        app.post("/api/v1/returns/arrivals", &clerk, &json!({"code": no, "weight_g": 200})).await;
    assert_eq!(s, 409, "{again}");

    // Dispositions wait for every grade.
    let unit = |n: i64, to: Option<&str>| json!({"line_no": 1, "unit_no": n, "to": to, "bin": "A-01-01-01", "note": ""});
    let (s, _) = app
        .post(&format!("/api/v1/returns/{no}/dispositions"), &clerk, &json!({"units": [unit(1, None)]}))
        .await;
    assert_eq!(s, 409, "not graded yet");
    let grades = json!({"units": [
        {"line_no": 1, "unit_no": 1, "grade": "sellable_new"},
        {"line_no": 1, "unit_no": 2, "grade": "damaged", "note": "cracked housing"},
        {"line_no": 1, "unit_no": 3, "grade": "damaged", "note": "water damage"},
    ]});
    let (s, g) = app.post(&format!("/api/v1/returns/{no}/grades"), &clerk, &grades).await;
    assert_eq!((s, g["status"].as_str()), (200, Some("graded")), "{g}");

    // Unit 3 to disposal is a supervisor's decision, with a note.
    let dispose = json!({"units": [{"line_no": 1, "unit_no": 3, "to": "dispose", "note": ""}]});
    let (s, e) = app.post(&format!("/api/v1/returns/{no}/dispositions"), &clerk, &dispose).await;
    assert_eq!((s, e["errors"][0]["code"].as_str()), (422, Some("override_needs_supervisor")), "{e}");
    let (s, _) = app.post(&format!("/api/v1/returns/{no}/dispositions"), &w.supervisor, &dispose).await;
    assert_eq!(s, 422, "a supervisor too gives a note");
    let dispose =
        json!({"units": [{"line_no": 1, "unit_no": 3, "to": "dispose", "note": "not worth the trip back"}]});
    let (s, d) = app.post(&format!("/api/v1/returns/{no}/dispositions"), &w.supervisor, &dispose).await;
    assert_eq!((s, d["status"].as_str()), (200, Some("graded")), "{d}");
    // Unit 1 restocked (the waiting order gets it), unit 2 to the supplier.
    let rest = json!({"units": [unit(1, None), {"line_no": 1, "unit_no": 2}]});
    let (s, done) = app.post(&format!("/api/v1/returns/{no}/dispositions"), &clerk, &rest).await;
    assert_eq!((s, done["status"].as_str()), (200, Some("closed")), "{done}");
    let (_, filled) =
        app.get(&format!("/api/v1/orders/{}", waiting["id"].as_str().unwrap()), &w.platform).await;
    assert_eq!(filled["status"], "allocated", "the restocked unit went to the waiting order: {filled}");
    assert_eq!(available(&app, &w), 0, "and is reserved for it");
    let moved = |reason: &str, bucket: &str| {
        app.count(&format!("stock_movements WHERE reason = '{reason}' AND document_no = '{no}' AND {bucket}"))
    };
    assert_eq!(moved("returned", "to_bucket = 'available'"), 1);
    assert_eq!(moved("returned", "to_bucket = 'rts_hold'"), 1);
    assert_eq!(moved("returned", "to_bucket = 'damaged'"), 1);
    assert_eq!(moved("disposed", "from_bucket = 'damaged'"), 1);
    for t in ["return.arrived", "return.unidentified", "return.graded", "return.closed"] {
        assert_eq!(app.count(&format!("outbox WHERE event_type = '{t}'")), 1, "{t}");
    }
    assert_eq!(app.count("outbox WHERE event_type = 'return.dispositioned'"), 2);

    // The unidentified parcel turns out to be nobody's return: nothing to match it to.
    let id = queue[0]["id"].as_str().unwrap();
    let (s, _) = app
        .post(&format!("/api/v1/returns/unidentified/{id}/resolve"), &clerk, &json!({"return_no": no}))
        .await;
    assert_eq!(s, 409, "a closed return takes no parcel");
    // The supplier reads the grades and dispositions of its goods.
    let (_, mine) = app.get(&format!("/api/v1/returns/{no}"), &w.supplier).await;
    assert_eq!(mine["units"][1]["disposition"], "return_to_supplier", "{mine}");
}

#[actix_web::test]
async fn an_unidentified_parcel_is_matched_later_and_a_refund_without_return_touches_no_stock() {
    let app = crate::common::spawn_app().await;
    let w = world(&app).await;
    let dear = delivered(&app, &w, "RET-LATER", "TOTE-1", 4500).await;
    let cheap = delivered(&app, &w, "RET-KEEP", "TOTE-2", 999).await;
    let clerk = app.staff("remi", "returns");
    let movements = app.count("stock_movements");
    let (_, kept) =
        app.post("/api/v1/returns", &w.platform, &request("PR-KEEP", &cheap, "changed_mind", 1)).await;
    assert_eq!(kept["status"], "refunded_without_return");
    assert_eq!(app.count("stock_movements"), movements, "no parcel, no stock");
    let (s, kept_arrival) = app
        .post("/api/v1/returns/arrivals", &clerk, &json!({"code": kept["return_no"], "weight_g": 300}))
        .await;
    assert_eq!((s, kept_arrival["code"].as_str()), (409, Some("return_final")), "{kept_arrival}");

    // Withdrawn before the parcel came: the unit may be returned again.
    let (_, first) =
        app.post("/api/v1/returns", &w.platform, &request("PR-FIRST", &dear, "changed_mind", 1)).await;
    let cancel = format!("/api/v1/returns/{}/cancel", first["return_no"].as_str().unwrap());
    assert_eq!(app.post(&cancel, &w.supplier, &json!({})).await.0, 403);
    let (s, c) = app.post(&cancel, &w.platform, &json!({})).await;
    assert_eq!((s, c["status"].as_str()), (200, Some("cancelled")), "{c}");
    assert_eq!(app.post(&cancel, &w.platform, &json!({})).await.0, 409, "once");
    let (_, r) =
        app.post("/api/v1/returns", &w.platform, &request("PR-LATER", &dear, "changed_mind", 1)).await;
    assert_eq!(r["status"], "awaiting_parcel", "{r}");
    let (_, u) = app
        .post("/api/v1/returns/arrivals", &clerk, &json!({"code": "SMUDGED-LABEL", "weight_g": 290}))
        .await;
    let id = u["unidentified"]["id"].as_str().unwrap();
    let (s, matched) = app
        .post(
            &format!("/api/v1/returns/unidentified/{id}/resolve"),
            &clerk,
            &json!({"return_no": r["return_no"]}),
        )
        .await;
    assert_eq!((s, matched["status"].as_str()), (200, Some("arrived")), "{matched}");
    assert_eq!(
        (matched["arrival"]["weight_g"].as_i64(), matched["arrival"]["weight_flag"].as_str()),
        (Some(290), None)
    );
    let (_, queue) = app.get("/api/v1/returns/unidentified", &clerk).await;
    assert_eq!(queue, json!([]));
    let (s, _) = app
        .post(
            &format!("/api/v1/returns/unidentified/{id}/resolve"),
            &clerk,
            &json!({"return_no": r["return_no"]}),
        )
        .await;
    assert_eq!(s, 409, "matched once");

    // Not graded within the deadline (48 hours): on the overdue list, and no longer cancellable.
    assert_eq!(app.get("/api/v1/returns?overdue=true", &clerk).await.1, json!([]));
    app.clock.advance(chrono::Duration::hours(49));
    let (_, late) = app.get("/api/v1/returns?overdue=true", &clerk).await;
    assert_eq!(late[0]["return_no"], r["return_no"], "{late}");
    let cancel = format!("/api/v1/returns/{}/cancel", r["return_no"].as_str().unwrap());
    let (s, e) = app.post(&cancel, &w.platform, &json!({})).await;
    assert_eq!((s, e["code"].as_str()), (409, Some("return_arrived")), "{e}");
}

/// A retried desk scan and a retried policy version with one
/// Idempotency-Key answer the first: one unidentified parcel queued, one
/// version added.
#[actix_web::test]
async fn retries_with_one_idempotency_key_queue_one_parcel_and_add_one_version() {
    let app = crate::common::spawn_app().await;
    let clerk = app.staff("remi", "returns");
    let admin = app.staff("ada", "admin");
    let send = |path: &'static str, key: String, body: Value| {
        let app = &app;
        async move {
            let r = app
                .client
                .post(app.url(path))
                .bearer_auth(key)
                .header("idempotency-key", "retry-1")
                .json(&body)
                .send()
                .await
                .unwrap();
            crate::common::read(r).await
        }
    };
    let scan = json!({"code": "NO-LABEL-AT-ALL", "weight_g": 400});
    let (s1, first) = send("/api/v1/returns/arrivals", clerk.clone(), scan.clone()).await;
    let (s2, again) = send("/api/v1/returns/arrivals", clerk.clone(), scan).await;
    assert_eq!((s1, s2), (200, 200), "{first} {again}");
    assert_eq!(first["unidentified"]["id"], again["unidentified"]["id"]);
    assert_eq!(app.count("unidentified_returns"), 1);

    let from = (app.clock.now().0 + chrono::Duration::days(1)).to_rfc3339();
    let rules = serde_json::to_value(custody::returns::policy::Rules::us_2023()).unwrap();
    let v2 = json!({"market": "US", "effective_from": from, "rules": rules});
    let (s1, first) = send("/api/v1/return-policies", admin.clone(), v2.clone()).await;
    let (s2, again) = send("/api/v1/return-policies", admin.clone(), v2).await;
    assert_eq!((s1, s2, first["version"].as_i64()), (201, 201, Some(2)), "{first} {again}");
    assert_eq!(first["id"], again["id"]);
    assert_eq!(app.count("return_policies"), 2);
}

/// The smallest bytes that pass for a PNG, and for a JPEG.
fn png(seed: u8) -> Vec<u8> {
    let mut b = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
    b.extend_from_slice(&[seed; 17]);
    b
}

fn jpeg(seed: u8) -> Vec<u8> {
    let mut b = vec![0xFF, 0xD8, 0xFF, 0xE0, 0, 16];
    b.extend_from_slice(b"JFIF\0");
    b.extend_from_slice(&[seed; 32]);
    b.extend_from_slice(&[0xFF, 0xD9]);
    b
}

async fn upload(app: &TestApp, path: &str, key: &str, content_type: &str, body: Vec<u8>) -> (u16, Value) {
    let r = app
        .client
        .post(app.url(path))
        .bearer_auth(key)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    crate::common::read(r).await
}

async fn download(app: &TestApp, path: &str, key: &str) -> (u16, String, Vec<u8>) {
    let r = app.client.get(app.url(path)).bearer_auth(key).send().await.unwrap();
    let ct = r.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    (r.status().as_u16(), ct, r.bytes().await.unwrap().to_vec())
}

#[actix_web::test]
async fn desk_photos_are_checked_by_their_bytes_kept_for_every_instance_and_shown_to_whom_they_concern() {
    let app = crate::common::spawn_app().await;
    let w = world(&app).await;
    let first = delivered(&app, &w, "RET-PHOTO", "TOTE-1", 4500).await;
    let second = delivered(&app, &w, "RET-PHOTO-2", "TOTE-2", 4500).await;
    let clerk = app.staff("remi", "returns");
    let (_, r) = app.post("/api/v1/returns", &w.platform, &request("PR-PH", &first, "defective", 1)).await;
    let no = r["return_no"].as_str().unwrap().to_owned();
    let photos = format!("/api/v1/returns/{no}/photos");

    // Not before the parcel is at the desk.
    let (s, e) = upload(&app, &photos, &clerk, "image/png", png(1)).await;
    assert_eq!((s, e["code"].as_str()), (409, Some("return_not_at_desk")), "{e}");
    let (s, _) = app.post("/api/v1/returns/arrivals", &clerk, &json!({"code": no, "weight_g": 300})).await;
    assert_eq!(s, 200);

    // The parcel, then unit 1 of line 1; the same bytes again keep one photo.
    let (s, parcel) = upload(&app, &photos, &clerk, "image/png", png(1)).await;
    assert_eq!(
        (s, parcel["media_type"].as_str(), parcel["line_no"].as_i64()),
        (201, Some("image/png"), None)
    );
    let (s, again) = upload(&app, &photos, &clerk, "image/png", png(1)).await;
    assert_eq!((s, &again["id"]), (200, &parcel["id"]), "a retried upload keeps one photo");
    let (s, unit) =
        upload(&app, &format!("{photos}?line_no=1&unit_no=1"), &clerk, "image/jpeg", jpeg(2)).await;
    assert_eq!((s, unit["line_no"].as_i64(), unit["unit_no"].as_i64()), (201, Some(1), Some(1)), "{unit}");

    // An Idempotency-Key is honoured: the retry replays the 201 and its
    // Location; the same key with other bytes is refused.
    let keyed = |body: Vec<u8>| {
        app.client
            .post(app.url(&photos))
            .bearer_auth(&clerk)
            .header("content-type", "image/png")
            .header("idempotency-key", "photo-retry-1")
            .body(body)
            .send()
    };
    let sent = keyed(png(10)).await.unwrap();
    let (sent_status, sent_location) = (sent.status().as_u16(), sent.headers().get("location").cloned());
    let sent: Value = sent.json().await.unwrap();
    assert_eq!(sent_status, 201, "{sent}");
    let retry = keyed(png(10)).await.unwrap();
    assert_eq!(retry.status().as_u16(), 201);
    assert_eq!(retry.headers().get("idempotent-replayed").map(|v| v.as_bytes()), Some(&b"true"[..]));
    assert_eq!(retry.headers().get("location"), sent_location.as_ref());
    assert_eq!(
        sent_location.as_ref().and_then(|v| v.to_str().ok()),
        sent["href"].as_str(),
        "Location names the photo"
    );
    let retry: Value = retry.json().await.unwrap();
    assert_eq!(retry["id"], sent["id"]);
    let (s, e) = crate::common::read(keyed(png(11)).await.unwrap()).await;
    assert_eq!((s, e["code"].as_str()), (422, Some("idempotency_key_reused")), "{e}");
    // The unit is the request, not the query's spelling of it.
    let unit_photo = |query: &str| {
        app.client
            .post(app.url(&format!("{photos}?{query}")))
            .bearer_auth(&clerk)
            .header("content-type", "image/jpeg")
            .header("idempotency-key", "photo-unit-1")
            .body(jpeg(12))
            .send()
    };
    let one = unit_photo("line_no=1&unit_no=1").await.unwrap();
    assert_eq!(one.status().as_u16(), 201);
    let other_order = unit_photo("unit_no=1&line_no=1").await.unwrap();
    assert_eq!(other_order.status().as_u16(), 201);
    assert!(other_order.headers().contains_key("idempotent-replayed"), "the same request, replayed");

    // Refused, and nothing kept: not an image, not what it says, not JSON,
    // too large, no such unit, half a unit, not the desk's key.
    let refused = [
        (
            upload(&app, &photos, &clerk, "image/jpeg", b"<svg onload=alert(1)>".to_vec()).await,
            422,
            "not_an_image",
        ),
        (upload(&app, &photos, &clerk, "image/jpeg", png(3)).await, 422, "photo_type_mismatch"),
        (upload(&app, &photos, &clerk, "image/jpeg", Vec::new()).await, 422, "empty_photo"),
        (
            upload(&app, &photos, &clerk, "application/json", b"{}".to_vec()).await,
            415,
            "unsupported_media_type",
        ),
        (upload(&app, &photos, &clerk, "image/gif", b"GIF89a".to_vec()).await, 415, "unsupported_media_type"),
        (
            upload(&app, &photos, &clerk, "image/jpeg", [jpeg(4), vec![0; 8 << 20]].concat()).await,
            413,
            "payload_too_large",
        ),
        (
            upload(&app, &format!("{photos}?line_no=1&unit_no=9"), &clerk, "image/jpeg", jpeg(5)).await,
            422,
            "unknown_unit",
        ),
        (
            upload(&app, &format!("{photos}?line_no=1"), &clerk, "image/jpeg", jpeg(6)).await,
            422,
            "unit_incomplete",
        ),
        (upload(&app, &photos, &w.supplier, "image/jpeg", jpeg(7)).await, 403, "forbidden"),
    ];
    for ((s, e), status, code) in refused {
        let got = e["errors"][0]["code"].as_str().or(e["code"].as_str()).map(str::to_owned);
        assert_eq!((s, got.as_deref()), (status, Some(code)), "{e}");
    }
    assert_eq!(app.count("return_photos"), 4, "a refused photo is not kept");
    assert_eq!(upload(&app, &photos, "wrong-key", "image/jpeg", jpeg(8)).await.0, 401);

    // The bytes as sent, cached by their hash.
    let (s, ct, bytes) = download(&app, parcel["href"].as_str().unwrap(), &clerk).await;
    assert_eq!((s, ct.as_str(), bytes), (200, "image/png", png(1)));
    let r = app
        .client
        .get(app.url(parcel["href"].as_str().unwrap()))
        .bearer_auth(&clerk)
        .header("if-none-match", format!("\"{}\"", parcel["sha256"].as_str().unwrap()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 304);

    // The platform sees both; the supplier its unit's photo, never the
    // parcel's (its label carries the buyer's address); another supplier nothing.
    let (_, all) = app.get(&format!("/api/v1/returns/{no}"), &w.platform).await;
    assert_eq!(all["photos"].as_array().map(Vec::len), Some(4), "{all}");
    let (_, mine) = app.get(&format!("/api/v1/returns/{no}"), &w.supplier).await;
    assert_eq!(mine["photos"].as_array().map(Vec::len), Some(2), "the two of unit 1: {mine}");
    assert!(mine["photos"].as_array().unwrap().iter().all(|p| p["line_no"] == 1), "{mine}");
    assert_eq!(mine["photos"][0]["id"], unit["id"]);
    assert_eq!(download(&app, unit["href"].as_str().unwrap(), &w.supplier).await.0, 200);
    assert_eq!(download(&app, parcel["href"].as_str().unwrap(), &w.supplier).await.0, 404);
    let (_, other) = app.supplier("OTHER");
    assert_eq!(download(&app, unit["href"].as_str().unwrap(), &other).await.0, 404);
    // A photo is read through its own return only.
    let (_, r2) = app.post("/api/v1/returns", &w.platform, &request("PR-PH2", &second, "defective", 1)).await;
    let no2 = r2["return_no"].as_str().unwrap();
    let elsewhere = format!("/api/v1/returns/{no2}/photos/{}", parcel["id"].as_str().unwrap());
    assert_eq!(download(&app, &elsewhere, &clerk).await.0, 404);

    // An unidentified parcel is photographed; matched, its photos are the return's.
    let (_, u) = app
        .post("/api/v1/returns/arrivals", &clerk, &json!({"code": "SMUDGED-PHOTO", "weight_g": 280}))
        .await;
    let id = u["unidentified"]["id"].as_str().unwrap();
    let parcel_photos = format!("/api/v1/returns/unidentified/{id}/photos");
    let (s, p) =
        upload(&app, &parcel_photos, &clerk, "image/webp", b"RIFF\x10\0\0\0WEBPVP8 \0\0\0\0".to_vec()).await;
    assert_eq!((s, p["media_type"].as_str()), (201, Some("image/webp")), "{p}");
    let (_, seen) = app.get(&format!("/api/v1/returns/unidentified/{id}"), &clerk).await;
    assert_eq!(seen["photos"][0]["id"], p["id"], "{seen}");
    assert_eq!(download(&app, p["href"].as_str().unwrap(), &clerk).await.0, 200);
    assert_eq!(download(&app, p["href"].as_str().unwrap(), &w.supplier).await.0, 403);
    let (s, matched) = app
        .post(&format!("/api/v1/returns/unidentified/{id}/resolve"), &clerk, &json!({"return_no": no2}))
        .await;
    assert_eq!(s, 200, "{matched}");
    assert_eq!(matched["photos"][0]["id"], p["id"], "{matched}");
    let (s, e) = upload(&app, &parcel_photos, &clerk, "image/jpeg", jpeg(9)).await;
    assert_eq!((s, e["code"].as_str()), (409, Some("already_resolved")), "{e}");
}
