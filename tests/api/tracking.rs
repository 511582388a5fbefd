//! Tracking to the door: carriers' events in batches, parcels that never go
//! backwards, delivery completing the order, buyer data erased after it,
//! lost parcels, claims, and a parcel's timeline.

use serde_json::{Value, json};

use crate::common::TestApp;
use crate::inbound::{World, world};
use crate::shipping::packed_parcel;

pub(crate) fn carrier_key(app: &TestApp) -> String {
    crate::common::arrange::carrier_key(&app.pool)
}

/// The parcel goes onto the line-haul truck. Handover is the manifests'
/// business (another part of the system); here it is done by hand.
pub(crate) fn hand_over(app: &TestApp, tracking_no: &str) {
    use custody::db::schema::parcels;
    use diesel::prelude::*;
    let now = app.clock.now();
    let n = app.tx(|tx| {
        Ok(diesel::update(parcels::table.filter(parcels::tracking_no.eq(tracking_no)))
            .set((
                parcels::status.eq("handed_over"),
                parcels::handed_over_at.eq(Some(now)),
                parcels::handed_over_on.eq(Some("MF-BY-HAND")),
                parcels::updated_at.eq(now),
            ))
            .execute(tx)?)
    });
    assert_eq!(n, 1);
}

/// Some other write to the parcel's row (its `updated_at` moves).
fn touch(app: &TestApp, tracking_no: &str) {
    use custody::db::schema::parcels;
    use diesel::prelude::*;
    let now = app.clock.now();
    app.tx(|tx| {
        Ok(diesel::update(parcels::table.filter(parcels::tracking_no.eq(tracking_no)))
            .set(parcels::updated_at.eq(now))
            .execute(tx)?)
    });
}

#[actix_web::test]
async fn a_parcel_no_carrier_ever_scanned_is_suspected_lost_counting_from_its_handover() {
    let app = crate::common::spawn_app().await;
    let w = world(&app).await;
    let (t, _) = parcel_for(&app, &w, "QUIET-1", "TOTE-1").await;
    let sweep = |app: &TestApp| {
        let now = app.clock.now();
        app.tx(|tx| custody::tracking::service::sweep_lost(tx, now))
    };
    hand_over(&app, &t);
    app.clock.advance(chrono::Duration::days(15));
    touch(&app, &t);
    app.clock.advance(chrono::Duration::days(4));
    assert_eq!(sweep(&app), 0, "19 days after the handover");
    app.clock.advance(chrono::Duration::days(1) + chrono::Duration::minutes(1));
    assert_eq!(sweep(&app), 1, "20 days after the handover, though the row changed 5 days ago");
    let (_, tl) = app.get(&format!("/api/v1/parcels/{t}/timeline"), &w.platform).await;
    let steps: Vec<&str> =
        tl["entries"].as_array().unwrap().iter().map(|e| e["step"].as_str().unwrap()).collect();
    let handed = steps.iter().position(|s| *s == "handed_over").expect("the handover on the timeline");
    assert_eq!(steps.last(), Some(&"lost_suspected"), "{steps:?}");
    assert_eq!(tl["entries"][handed]["detail"], "MF-BY-HAND");
    let (_, e) = app.get("/api/v1/outbound-exceptions", &w.supervisor).await;
    let detail = e
        .as_array()
        .into_iter()
        .flatten()
        .find(|x| x["kind"] == "lost_suspected")
        .map(|x| x["detail"].to_string());
    assert!(detail.is_some_and(|d| d.contains("since the handover")), "{e}");
}

pub(crate) fn ev(tracking_no: &str, code: &str, at: chrono::DateTime<chrono::Utc>) -> Value {
    json!({"tracking_no": tracking_no, "carrier": "usps", "event_code": code, "event_time": at.to_rfc3339(),
           "location": "Los Angeles, US"})
}

async fn parcel_for(app: &TestApp, w: &World, id: &str, tote: &str) -> (String, String) {
    let who = (
        app.staff(&format!("pia-{id}").to_lowercase(), "picker"),
        app.staff(&format!("paco-{id}").to_lowercase(), "packer"),
    );
    let p = packed_parcel(app, w, id, "standard", tote, &who).await;
    (p["tracking_no"].as_str().unwrap().to_owned(), p["order_id"].as_str().unwrap().to_owned())
}

fn results(r: &Value) -> Vec<String> {
    r["results"].as_array().unwrap().iter().map(|a| a["result"].as_str().unwrap().to_owned()).collect()
}

#[actix_web::test]
async fn carrier_events_move_a_parcel_forward_only_and_delivery_completes_the_order() {
    let app = crate::common::spawn_app().await;
    let w = world(&app).await;
    let (t, order_id) = parcel_for(&app, &w, "TRK-1", "TOTE-1").await;
    let carrier = carrier_key(&app);
    let cs = app.staff("cathy", "returns");
    let t0 = app.clock.now().0 + chrono::Duration::minutes(1);
    let h = |n: i64| t0 + chrono::Duration::hours(n);
    let post = |body: Value| {
        let (app, carrier) = (&app, carrier.clone());
        async move { app.post("/api/v1/tracking-events", &carrier, &body).await }
    };

    // Only a carrier key sends events.
    let one = json!({"events": [ev(&t, "InTransit", h(1))]});
    for key in [&w.platform, &w.supplier, &w.supervisor] {
        let (s, r) = app.post("/api/v1/tracking-events", key, &one).await;
        assert_eq!((s, r["code"].as_str()), (403, Some("forbidden")), "{r}");
    }

    // Still in the warehouse: the scan is kept, the parcel does not move.
    let (s, r) = post(json!({"events": [ev(&t, "EMA", h(0))]})).await;
    assert_eq!((s, results(&r)), (200, vec!["not_handed_over".to_owned()]), "{r}");
    let (_, tl) = app.get(&format!("/api/v1/parcels/{t}/timeline"), &cs).await;
    assert_eq!(tl["status"], "packed");
    assert_eq!(tl["milestone_status"], Value::Null);

    hand_over(&app, &t);
    // Out of order, a repeat inside the batch, a number and a code nobody knows.
    let batch = json!({"events": [
        ev(&t, "OutForDelivery", h(3)),
        ev(&t, "InTransit_Departure", h(1)),
        ev(&t, "InTransit_Departure", h(1)),
        ev("LX999999999CN", "Delivered", h(2)),
        ev(&t, "ZZZ-UNKNOWN", h(2)),
    ]});
    let (s, r) = post(batch.clone()).await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(
        results(&r),
        ["recorded", "recorded", "duplicate", "unknown_tracking_number", "unknown_event_code"]
    );
    assert_eq!(
        (r["stored"].as_i64(), r["duplicates"].as_i64(), r["refused"].as_i64()),
        (Some(2), Some(1), Some(2))
    );
    assert_eq!(
        r["results"][3],
        json!({"index": 3, "result": "unknown_tracking_number", "status": "delivered"})
    );
    let (_, tl) = app.get(&format!("/api/v1/parcels/{t}/timeline"), &cs).await;
    assert_eq!(
        (tl["status"].as_str(), tl["milestone_status"].as_str()),
        (Some("in_transit"), Some("out_for_delivery"))
    );

    // The same batch again: nothing new.
    let (s, r) = post(batch).await;
    assert_eq!((s, r["stored"].as_i64(), r["duplicates"].as_i64()), (200, Some(0), Some(3)), "{r}");
    assert_eq!(app.count("tracking_events"), 3);

    // A late scan from before "out for delivery" is kept but takes nothing back.
    let (_, r) = post(json!({"events": [ev(&t, "Arrived", h(2))]})).await;
    assert_eq!(results(&r), ["recorded"]);
    let (_, tl) = app.get(&format!("/api/v1/parcels/{t}/timeline"), &cs).await;
    assert_eq!(tl["milestone_status"], "out_for_delivery");

    // An exception on the doorstep, then delivered.
    let mut failed = ev(&t, "Exception", h(3) + chrono::Duration::minutes(30));
    failed["incident_reason"] = json!("address_not_found");
    let (s, r) = post(json!({"events": [ev(&t, "EMI", h(4)), failed]})).await;
    assert_eq!((s, results(&r)), (200, vec!["recorded".to_owned(), "recorded".to_owned()]), "{r}");
    let (_, tl) = app.get(&format!("/api/v1/parcels/{t}/timeline"), &cs).await;
    assert_eq!(
        (tl["status"].as_str(), tl["milestone_status"].as_str()),
        (Some("delivered"), Some("delivered"))
    );
    let (_, o) = app.get(&format!("/api/v1/orders/{order_id}"), &w.platform).await;
    assert_eq!(o["status"], "delivered", "delivery completes the order");
    // Delivered is final: a later transit scan changes nothing.
    let (_, r) = post(json!({"events": [ev(&t, "InTransit", h(5))]})).await;
    assert_eq!(results(&r), ["recorded"]);
    let (_, tl) = app.get(&format!("/api/v1/parcels/{t}/timeline"), &w.platform).await;
    assert_eq!(tl["status"], "delivered");

    for (event, n) in [
        ("parcel.in_transit", 1),
        ("parcel.exception", 1),
        ("parcel.delivered", 1),
        ("order.delivered", 1),
        ("parcel.customs_hold", 0),
    ] {
        assert_eq!(app.count(&format!("outbox WHERE event_type = '{event}'")), n, "{event}");
    }

    // The timeline: warehouse scans, then the carrier's milestones in time order.
    let steps: Vec<(String, String)> = tl["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["source"].as_str().unwrap().to_owned(), e["step"].as_str().unwrap().to_owned()))
        .collect();
    let carrier_steps: Vec<&str> =
        steps.iter().filter(|(s, _)| s == "carrier").map(|(_, step)| step.as_str()).collect();
    assert_eq!(
        carrier_steps,
        [
            "in_transit",
            "in_transit",
            "in_transit",
            "out_for_delivery",
            "exception",
            "delivered",
            "in_transit"
        ],
        "{tl}"
    );
    assert_eq!(steps[0], ("warehouse".to_owned(), "packed".to_owned()), "{tl}");
    let times: Vec<&str> =
        tl["entries"].as_array().unwrap().iter().map(|e| e["at"].as_str().unwrap()).collect();
    let parsed: Vec<chrono::DateTime<chrono::Utc>> = times.iter().map(|t| t.parse().unwrap()).collect();
    assert!(parsed.windows(2).all(|p| p[0] <= p[1]), "in time order: {times:?}");
    let exception = tl["entries"].as_array().unwrap().iter().find(|e| e["step"] == "exception").unwrap();
    assert_eq!(
        (exception["event_code"].as_str(), exception["detail"].as_str()),
        (Some("Exception"), Some("address_not_found"))
    );
    // Suppliers see nothing of buyers' parcels; carriers only send.
    for key in [&w.supplier, &carrier] {
        let (s, _) = app.get(&format!("/api/v1/parcels/{t}/timeline"), key).await;
        assert_eq!(s, 403);
    }
    let (s, _) = app.get("/api/v1/parcels/LX000000000XX/timeline", &cs).await;
    assert_eq!(s, 404);

    // No personal data in any event.
    #[derive(diesel::QueryableByName)]
    struct Payload {
        #[diesel(sql_type = diesel::sql_types::Text)]
        payload: String,
    }
    let payloads: Vec<Payload> = {
        use diesel::RunQueryDsl;
        let mut conn = app.pool.get().unwrap();
        diesel::sql_query("SELECT payload FROM outbox").load(&mut *conn).unwrap()
    };
    for p in &payloads {
        for secret in ["Jane", "Doe", "Main St", "010 2034", "Springfield", "62701"] {
            assert!(!p.payload.contains(secret), "{secret} in {}", p.payload);
        }
    }
    assert!(!tl.to_string().contains("Jane"));

    // Buyer data is erased once the retention period after delivery passed.
    let erase = |app: &TestApp| {
        let now = app.clock.now();
        app.tx(|tx| custody::outbound::orders::erase_expired_buyers(tx, 30, now))
    };
    assert_eq!(erase(&app), 0);
    app.clock.advance(chrono::Duration::days(29));
    assert_eq!(erase(&app), 0, "29 days after delivery: kept");
    app.clock.advance(chrono::Duration::days(1) + chrono::Duration::hours(7));
    assert_eq!(erase(&app), 1);
    let (_, o) = app.get(&format!("/api/v1/orders/{order_id}"), &w.platform).await;
    assert_eq!((o["buyer_erased"].as_bool(), o["buyer_masked"].as_str()), (Some(true), Some("")));
}

#[actix_web::test]
async fn a_batch_is_at_most_a_thousand_events_and_a_bad_field_stores_nothing() {
    let app = crate::common::spawn_app_with(|c| c.max_body_bytes = 1 << 20).await;
    let carrier = carrier_key(&app);
    let at = app.clock.now().0;
    let many = |n: usize| json!({"events": (0..n).map(|i| ev(&format!("LX{i:09}CN"), "InTransit", at)).collect::<Vec<_>>()});
    let (s, r) = app.post("/api/v1/tracking-events", &carrier, &many(1001)).await;
    assert_eq!((s, r["errors"][0]["code"].as_str()), (422, Some("batch_size")), "{r}");
    let (s, r) = app.post("/api/v1/tracking-events", &carrier, &json!({"events": []})).await;
    assert_eq!((s, r["errors"][0]["code"].as_str()), (422, Some("batch_size")));
    // A thousand: each answered (nobody ships these numbers).
    let (s, r) = app.post("/api/v1/tracking-events", &carrier, &many(1000)).await;
    assert_eq!(
        (s, r["refused"].as_i64(), r["results"].as_array().map(Vec::len)),
        (200, Some(1000), Some(1000))
    );

    let mut bad = many(3);
    bad["events"][1]["tracking_no"] = json!(" ");
    bad["events"][2]["event_code"] = json!("");
    let (s, r) = app.post("/api/v1/tracking-events", &carrier, &bad).await;
    assert_eq!(s, 422, "{r}");
    let fields: Vec<&str> =
        r["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["events[1].tracking_no", "events[2].event_code"]);
    let (s, r) =
        app.post_raw("/api/v1/tracking-events", &carrier, "application/json", "{\"events\": [").await;
    assert_eq!((s, r["code"].as_str()), (400, Some("malformed_json")));
    let (s, r) =
        app.post("/api/v1/tracking-events", &carrier, &json!({"events": [{"tracking_no": "X"}]})).await;
    assert_eq!((s, r["code"].as_str()), (422, Some("invalid_body")), "{r}");
    assert_eq!(app.count("tracking_events"), 0);
}

#[actix_web::test]
async fn a_silent_parcel_is_suspected_lost_once_and_a_claim_on_it_is_settled() {
    let app = crate::common::spawn_app().await;
    let w = world(&app).await;
    let (t, _) = parcel_for(&app, &w, "LOST-1", "TOTE-1").await;
    let (home, _) = parcel_for(&app, &w, "LOST-2", "TOTE-2").await;
    let shipping = app.staff("shiro", "shipping");
    let sweep = |app: &TestApp| {
        let now = app.clock.now();
        app.tx(|tx| custody::tracking::service::sweep_lost(tx, now))
    };

    hand_over(&app, &t);
    let carrier = carrier_key(&app);
    let scan_at = app.clock.now().0;
    let (s, _) =
        app.post("/api/v1/tracking-events", &carrier, &json!({"events": [ev(&t, "EMC", scan_at)]})).await;
    assert_eq!(s, 200);
    assert_eq!(sweep(&app), 0, "just scanned");
    app.clock.advance(chrono::Duration::days(19));
    assert_eq!(sweep(&app), 0, "19 days: the channel allows 20");
    app.clock.advance(chrono::Duration::days(1) + chrono::Duration::minutes(1));
    assert_eq!(sweep(&app), 1);
    assert_eq!(sweep(&app), 0, "once per parcel");
    app.clock.advance(chrono::Duration::days(30));
    assert_eq!(sweep(&app), 0, "still once");
    assert_eq!(app.count("outbox WHERE event_type = 'parcel.lost_suspected'"), 1);
    assert_eq!(app.count("outbound_exceptions WHERE kind = 'lost_suspected' AND status = 'open'"), 1);
    let (_, queue) = app.get("/api/v1/outbound-exceptions", &w.supervisor).await;
    let lost: Vec<&Value> = queue
        .as_array()
        .map(|q| q.iter().filter(|e| e["kind"] == "lost_suspected").collect())
        .unwrap_or_default();
    assert_eq!(lost.len(), 1, "{queue}");
    assert_eq!(lost[0]["actions"], json!(["acknowledge"]));

    // A claim: staff open it, a supervisor settles it with an amount.
    let (s, r) =
        app.post(&format!("/api/v1/parcels/{home}/claims"), &shipping, &json!({"reason": "lost"})).await;
    assert_eq!((s, r["code"].as_str()), (409, Some("parcel_not_shipped")), "a parcel still with us");
    let claims = format!("/api/v1/parcels/{t}/claims");
    let (s, _) = app.post(&claims, &w.platform, &json!({"reason": "lost"})).await;
    assert_eq!(s, 403);
    let (s, claim) = app.post(&claims, &shipping, &json!({"reason": "lost in transit"})).await;
    assert_eq!((s, claim["status"].as_str()), (201, Some("open")), "{claim}");
    let (s, r) = app.post(&claims, &shipping, &json!({"reason": "again"})).await;
    assert_eq!((s, r["code"].as_str()), (409, Some("claim_open")));
    let no = claim["claim_no"].as_str().unwrap();
    let settle = format!("/api/v1/claims/{no}/settle");
    let amount =
        |minor: i64| json!({"amount": {"amount_minor": minor, "currency": "USD"}, "note": "carrier pays"});
    let (s, _) = app.post(&settle, &shipping, &amount(1500)).await;
    assert_eq!(s, 403, "a supervisor settles");
    let (s, r) = app.post(&settle, &w.supervisor, &amount(0)).await;
    assert_eq!((s, r["errors"][0]["code"].as_str()), (422, Some("not_positive")));
    let (s, r) = app.post(&settle, &w.supervisor, &amount(1500)).await;
    assert_eq!(
        (s, r["status"].as_str(), r["amount"]["amount_minor"].as_i64()),
        (200, Some("settled"), Some(1500)),
        "{r}"
    );
    let (s, r) =
        app.post(&format!("/api/v1/claims/{no}/reject"), &w.supervisor, &json!({"note": "no"})).await;
    assert_eq!((s, r["code"].as_str()), (409, Some("claim_not_open")));
    assert_eq!(app.count("outbox WHERE event_type IN ('claim.opened', 'claim.settled')"), 2);

    let (_, tl) = app.get(&format!("/api/v1/parcels/{t}/timeline"), &shipping).await;
    let steps: Vec<&str> =
        tl["entries"].as_array().unwrap().iter().map(|e| e["step"].as_str().unwrap()).collect();
    for step in ["packed", "in_transit", "lost_suspected", "claim_opened", "claim_settled"] {
        assert!(steps.contains(&step), "{step} in {steps:?}");
    }
    assert_eq!(tl["claims"][0]["status"], "settled");
}
