//! The whole trip from the pack station to the buyer's door, in one test,
//! on whichever backend the suite runs on: pack → route (a parcel with
//! loose batteries refused by every channel) → bag → a bag that weighs
//! wrong is held → manifest → customs list (one parcel rejected and
//! pulled) → handover with one bag missing → carrier events out of order
//! and twice → delivered → buyer data erased after the retention period.

use serde_json::json;

use crate::inbound::world;
use crate::manifests::closed_bag;
use crate::orders::{order, stock};
use crate::outbound::{pack_all, pick_rest};
use crate::shipping::packed_parcel_of;
use crate::tracking::{carrier_key, ev};

#[actix_web::test]
async fn a_parcel_goes_from_the_pack_station_to_the_door_and_the_buyer_is_forgotten_after() {
    let app = crate::common::spawn_app().await;
    let w = world(&app).await;
    let who = (app.staff("flo-picker", "picker"), app.staff("flo-packer", "packer"));
    let clerk = app.staff("flo-shipping", "shipping");

    // Pack and route: SKU-2 now holds loose batteries, which no channel carries.
    app.tx(|c| {
        use diesel::RunQueryDsl;
        diesel::sql_query("UPDATE skus SET sensitive_flags = sensitive_flags | 1 WHERE sku_code = 'SKU-2'")
            .execute(c)?;
        Ok(())
    });
    stock(&app, &w, "A-01-01-01", 1, 1).await;
    app.post("/api/v1/orders", &w.platform, &order(&w, "FLOW-BATTERY", 1, 1)).await;
    app.post("/api/v1/waves", &w.supervisor, &json!({})).await;
    assert_eq!(pick_rest(&app, &who.0, "TOTE-B").await, 1);
    let (_, p) = app.post("/api/v1/pack/start", &who.1, &json!({"tote": "TOTE-B"})).await;
    let battery = p["id"].as_str().unwrap().to_owned();
    pack_all(&app, &who.1, &battery, &w, 0, 1).await;
    let (_, held) =
        app.post(&format!("/api/v1/parcels/{battery}/weigh"), &who.1, &json!({"weight_g": 300})).await;
    assert_eq!((held["status"].as_str(), held["tracking_no"].as_str()), (Some("held"), None), "{held}");
    assert!(held["hold_reason"].as_str().unwrap().contains("battery"), "the reason names the flag: {held}");

    let mut parcels = Vec::new();
    for n in 0..3 {
        let p = packed_parcel_of(&app, &w, &format!("FLOW-{n}"), "standard", &format!("TOTE-F{n}"), &who, 0)
            .await;
        assert_eq!(p["route"], "EPACKET", "{p}");
        parcels.push(p);
    }
    let tracking: Vec<String> =
        parcels.iter().map(|p| p["tracking_no"].as_str().unwrap().to_owned()).collect();

    // Bag 1 weighs 400 g short (a parcel taken out?): held until a supervisor accepts it.
    let (_, bag) = app.post("/api/v1/bags", &clerk, &json!({"parcel": tracking[0]})).await;
    let bag1 = bag["bag_no"].as_str().unwrap().to_owned();
    for t in &tracking[..2] {
        let (s, r) = app.post(&format!("/api/v1/bags/{bag1}/parcels"), &clerk, &json!({"parcel": t})).await;
        assert_eq!(s, 200, "{r}");
    }
    let (_, r) = app.post(&format!("/api/v1/bags/{bag1}/close"), &clerk, &json!({"weight_g": 350})).await;
    assert_eq!(r["status"], "held", "{r}");
    let (s, r) = app
        .post(
            &format!("/api/v1/bags/{bag1}/resolve"),
            &w.supervisor,
            &json!({"action": "accept", "note": "reweighed on the calibrated scale"}),
        )
        .await;
    assert_eq!((s, r["status"].as_str()), (200, Some("closed")), "{r}");
    let bag2 = closed_bag(&app, &clerk, &tracking[2..]).await;

    // The manifest and its customs list.
    let (_, m) = app
        .post(
            "/api/v1/manifests",
            &clerk,
            &json!({"channel": "EPACKET", "master_waybill": "784-99887766", "transport_mode": "air",
                "transport_ref": "CZ3101", "planned_departure": "2026-12-08T02:00:00Z"}),
        )
        .await;
    let no = m["manifest_no"].as_str().unwrap().to_owned();
    let path = |tail: &str| format!("/api/v1/manifests/{no}{tail}");
    for bag in [&bag1, &bag2] {
        let (s, r) = app.post(&path("/bags"), &clerk, &json!({"bag": bag})).await;
        assert_eq!(s, 200, "{r}");
    }
    let (s, _) = app.post(&path("/close"), &clerk, &json!({})).await;
    assert_eq!(s, 200);
    let r = app.client.get(app.url(&path("/customs"))).bearer_auth(&clerk).send().await.unwrap();
    let xml = r.text().await.unwrap();
    assert_eq!(xml.matches("<ceb:Inventory>").count(), 3, "{xml}");
    for field in custody::manifests::customs::HEAD_FIELDS {
        // (`country` is a field of the lines too.)
        assert!(xml.matches(&format!("<ceb:{field}>")).count() >= 3, "{field}");
    }

    // Customs: parcel 1 rejected and pulled from bag 1; the others accepted.
    let receipts = json!({"receipts": [
        {"parcel": tracking[0], "status": "accepted"},
        {"parcel": tracking[1], "status": "rejected", "reason": "declared value too low"},
        {"parcel": tracking[2], "status": "accepted"},
    ]});
    let (s, r) = app.post(&path("/customs-receipts"), &clerk, &receipts).await;
    assert_eq!(s, 200, "{r}");
    let (_, pulled) =
        app.get(&format!("/api/v1/parcels/{}", parcels[1]["id"].as_str().unwrap()), &who.1).await;
    assert_eq!(pulled["status"], "held", "{pulled}");

    // Handover: bag 2 is left on the dock; the supervisor lets the vehicle go past the rejection.
    let (s, r) = app.post(&path("/handover/scans"), &clerk, &json!({"bag": bag1})).await;
    assert_eq!(s, 200, "{r}");
    let (s, r) = app
        .post(
            &path("/handover"),
            &w.supervisor,
            &json!({"driver_name": "Li Lei", "vehicle_no": "粤A54321",
                "override_note": "rejected parcel is on the pull shelf"}),
        )
        .await;
    assert_eq!((s, r["missing_bags"].clone()), (200, json!([bag2])), "{r}");
    assert_eq!(app.count("outbound_exceptions WHERE kind = 'handover_missing' AND status = 'open'"), 1);
    let gone = &tracking[0];
    let (_, p) = app.get(&format!("/api/v1/parcels/{}", parcels[0]["id"].as_str().unwrap()), &who.1).await;
    assert_eq!(p["status"], "handed_over", "{p}");
    let order_id = p["order_id"].as_str().unwrap().to_owned();
    let (_, o) = app.get(&format!("/api/v1/orders/{order_id}"), &w.platform).await;
    assert_eq!(o["status"], "shipped", "{o}");

    // The carrier's milestones, out of order and twice: the parcel only goes forward.
    let carrier = carrier_key(&app);
    let t0 = app.clock.now().0 + chrono::Duration::minutes(5);
    let h = |n: i64| t0 + chrono::Duration::hours(n);
    // Three days later the carrier sends what it has (events more than a
    // day ahead of the clock are refused as from the future).
    app.clock.advance(chrono::Duration::days(3));
    let batch = json!({"events": [
        ev(gone, "OUT_FOR_DELIVERY", h(30)),
        ev(gone, "IN_TRANSIT", h(2)),
        ev(gone, "OUT_FOR_DELIVERY", h(30)),
    ]});
    let (s, r) = app.post("/api/v1/tracking-events", &carrier, &batch).await;
    assert_eq!((s, r["stored"].as_i64(), r["duplicates"].as_i64()), (200, Some(2), Some(1)), "{r}");
    let (_, p) = app.get(&format!("/api/v1/parcels/{}", parcels[0]["id"].as_str().unwrap()), &who.1).await;
    assert_eq!(p["status"], "in_transit", "{p}");
    let late = json!({"events": [ev(gone, "DELIVERED", h(40)), ev(gone, "IN_TRANSIT", h(10))]});
    let (s, r) = app.post("/api/v1/tracking-events", &carrier, &late).await;
    assert_eq!(s, 200, "{r}");
    let (s, r) = app.post("/api/v1/tracking-events", &carrier, &late).await;
    assert_eq!((s, r["duplicates"].as_i64()), (200, Some(2)), "the same batch twice: {r}");
    let (_, o) = app.get(&format!("/api/v1/orders/{order_id}"), &w.platform).await;
    assert_eq!(o["status"], "delivered", "{o}");
    assert_eq!(app.count("outbox WHERE event_type = 'parcel.delivered'"), 1);
    let (s, timeline) = app.get(&format!("/api/v1/parcels/{gone}/timeline"), &w.platform).await;
    assert_eq!(s, 200, "{timeline}");
    let entries = timeline["entries"].as_array().unwrap();
    let steps: Vec<&str> = entries.iter().map(|e| e["step"].as_str().unwrap()).collect();
    let at =
        |step: &str| steps.iter().position(|s| *s == step).unwrap_or_else(|| panic!("{step} in {steps:?}"));
    assert!(
        at("bag_closed") < at("customs_accepted")
            && at("customs_accepted") < at("handed_over")
            && at("handed_over") < at("in_transit")
            && at("in_transit") < at("delivered"),
        "the whole trip in order: {steps:?}"
    );
    assert_eq!(entries[at("handed_over")]["detail"], no.as_str(), "on its manifest");
    let (_, timeline) = app.get(&format!("/api/v1/parcels/{}/timeline", tracking[1]), &w.platform).await;
    let rejected = timeline["entries"].as_array().unwrap().iter().find(|e| e["step"] == "customs_rejected");
    let detail = rejected.map(|e| e["detail"].as_str().unwrap_or_default()).unwrap_or_default();
    assert!(detail.contains("declared value too low"), "the broker's reason: {timeline}");

    // The buyer's data goes once the retention period after delivery has passed.
    let erase = |app: &crate::common::TestApp| {
        let now = app.clock.now();
        app.tx(|tx| custody::outbound::orders::erase_expired_buyers(tx, 30, now))
    };
    assert_eq!(erase(&app), 0, "delivered a day ago: kept");
    app.clock.advance(chrono::Duration::days(31));
    assert_eq!(erase(&app), 1);
    let (_, o) = app.get(&format!("/api/v1/orders/{order_id}"), &w.platform).await;
    assert_eq!(o["buyer_erased"], true, "{o}");

    // No personal data in any event on the way (the buyer's, the driver's).
    for p in ["Jane Doe", "Main St", "Li Lei"] {
        assert_eq!(app.count(&format!("outbox WHERE payload LIKE '%{p}%'")), 0, "{p} in an event");
    }
}
