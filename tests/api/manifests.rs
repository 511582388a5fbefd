//! Manifests, the handover at the dock and export customs (9610): the
//! whole way from closed bags to parcels handed over and orders shipped.

use serde_json::{Value, json};

use crate::common::TestApp;
use crate::inbound::world;
use crate::shipping::packed_parcel_of;

/// A bag of these parcels (by tracking number), opened, filled and closed
/// at its expected weight: its number.
pub(crate) async fn closed_bag(app: &TestApp, sorter: &str, tracking: &[String]) -> String {
    let (s, bag) = app.post("/api/v1/bags", sorter, &json!({"parcel": tracking[0]})).await;
    assert!(s == 201 || s == 200, "{bag}");
    let bag_no = bag["bag_no"].as_str().unwrap().to_owned();
    for t in tracking {
        let (s, r) = app.post(&format!("/api/v1/bags/{bag_no}/parcels"), sorter, &json!({"parcel": t})).await;
        assert_eq!(s, 200, "{r}");
    }
    let weight = 300 * tracking.len() as i64 + 150;
    let (s, r) =
        app.post(&format!("/api/v1/bags/{bag_no}/close"), sorter, &json!({"weight_g": weight})).await;
    assert_eq!((s, r["status"].as_str()), (200, Some("closed")), "{r}");
    bag_no
}

/// The text of every `<ceb:name>` element in `block`.
fn elements<'a>(block: &'a str, name: &str) -> Vec<&'a str> {
    let (open, close) = (format!("<ceb:{name}>"), format!("</ceb:{name}>"));
    block
        .split(&open)
        .skip(1)
        .map(|rest| &rest[..rest.find(&close).unwrap_or_else(|| panic!("{name} is not closed"))])
        .collect()
}

#[actix_web::test]
async fn a_manifest_goes_from_closed_bags_through_customs_to_the_vehicle_and_no_bag_goes_missing_silently() {
    let app = crate::common::spawn_app().await;
    let w = world(&app).await;
    let who = (app.staff("pia", "picker"), app.staff("paco", "packer"));
    let clerk = app.staff("shiro", "shipping");
    // The second SKU is declared in euros, with markup characters in its name.
    app.tx(|c| {
        use diesel::RunQueryDsl;
        diesel::sql_query(
            "UPDATE skus SET declared_currency = 'EUR', declared_value_minor = 1250, \
             name_en = 'Toy <\"car\"> & co' WHERE sku_code = 'SKU-2'",
        )
        .execute(c)?;
        Ok(())
    });
    let mut tracking = Vec::new();
    let mut parcels = Vec::new();
    for (n, sku) in [0, 0, 0, 1].into_iter().enumerate() {
        let p = packed_parcel_of(&app, &w, &format!("MAN-{n}"), "standard", &format!("TOTE-{n}"), &who, sku)
            .await;
        assert_eq!(p["route"], "EPACKET", "{p}");
        tracking.push(p["tracking_no"].as_str().unwrap().to_owned());
        parcels.push(p);
    }
    let (a, b, c, d) = (&tracking[0], &tracking[1], &tracking[2], &tracking[3]);
    // Bag 1: a and b; bag 2: c; bag 3: d (the one that will be forgotten on the dock).
    let bag1 = closed_bag(&app, &clerk, &[a.clone(), b.clone()]).await;
    let bag2 = closed_bag(&app, &clerk, std::slice::from_ref(c)).await;
    let bag3 = closed_bag(&app, &clerk, std::slice::from_ref(d)).await;

    let body = json!({"channel": "epacket", "master_waybill": "784-12345675", "transport_mode": "air",
        "transport_ref": "CZ3101", "planned_departure": "2026-12-08T02:00:00Z"});
    let (s, r) = app
        .post(
            "/api/v1/manifests",
            &clerk,
            &json!({"channel": "NOPE", "master_waybill": "x y",
        "transport_mode": "air", "transport_ref": "CZ3101", "planned_departure": "2026-12-08T02:00:00Z"}),
        )
        .await;
    assert_eq!(s, 422, "{r}");
    let codes: Vec<&str> =
        r["errors"].as_array().unwrap().iter().filter_map(|e| e["code"].as_str()).collect();
    assert!(codes.contains(&"unknown_channel") && codes.contains(&"invalid_code"), "{r}");
    assert_eq!(app.count("manifests"), 0, "bad input changes nothing");
    let (s, m) = app.post("/api/v1/manifests", &clerk, &body).await;
    assert_eq!((s, m["status"].as_str(), m["carrier"].as_str().is_some()), (201, Some("open"), true), "{m}");
    let no = m["manifest_no"].as_str().unwrap().to_owned();
    let path = |tail: &str| format!("/api/v1/manifests/{no}{tail}");

    // Only closed bags of its channel; each bag on one manifest.
    let (_, open_bag) =
        app.post("/api/v1/bags", &clerk, &json!({"channel": "EMS", "destination": "US"})).await;
    let (s, r) = app.post(&path("/bags"), &clerk, &json!({"bag": open_bag["bag_no"]})).await;
    assert_eq!((s, r["code"].as_str()), (409, Some("bag_not_closed")), "{r}");
    for bag in [&bag1, &bag2, &bag3] {
        let (s, r) = app.post(&path("/bags"), &clerk, &json!({"bag": bag})).await;
        assert_eq!(s, 200, "{r}");
    }
    let (s, r) = app.post(&path("/bags"), &clerk, &json!({"bag": bag1})).await;
    assert_eq!((s, r["code"].as_str()), (409, Some("bag_on_manifest")), "{r}");
    let (s, r) = app.post(&path("/bags"), &clerk, &json!({"bag": "BAG-NOPE"})).await;
    assert_eq!((s, r["errors"][0]["code"].as_str()), (422, Some("unknown_bag")), "{r}");

    // The document: counts, weights, declared values per currency, never summed across.
    let (s, doc) = app.get(&path(""), &clerk).await;
    assert_eq!(s, 200, "{doc}");
    assert_eq!((doc["bag_count"].as_i64(), doc["parcel_count"].as_i64()), (Some(3), Some(4)), "{doc}");
    assert_eq!(doc["weight_g"].as_i64(), Some(4 * 300 + 3 * 150));
    assert_eq!(
        doc["declared_totals"],
        json!([{"amount_minor": 1250, "currency": "EUR"}, {"amount_minor": 3 * 999, "currency": "USD"}])
    );
    let houses: Vec<&str> =
        doc["parcels"].as_array().unwrap().iter().map(|p| p["tracking_no"].as_str().unwrap()).collect();
    assert_eq!(houses.len(), 4);
    assert!(tracking.iter().all(|t| houses.contains(&t.as_str())));
    let r = app.client.get(app.url(&path("/csv"))).bearer_auth(&clerk).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let csv = r.text().await.unwrap();
    assert!(csv.starts_with("manifest_no,master_waybill,bag_no,parcel_no,tracking_no"), "{csv}");
    assert!(
        csv.contains(",TOTAL,4,,,,1650,12.50,EUR") && csv.contains(",TOTAL,4,,,,1650,29.97,USD"),
        "{csv}"
    );
    assert_eq!(csv.lines().count(), 1 + 4 + 2, "{csv}");

    // Closed: the list is final.
    let (s, r) = app.post(&path("/close"), &clerk, &json!({})).await;
    assert_eq!((s, r["status"].as_str()), (200, Some("closed")), "{r}");
    let (s, r) = app.post(&path("/bags"), &clerk, &json!({"bag": open_bag["bag_no"]})).await;
    assert_eq!((s, r["code"].as_str()), (409, Some("manifest_closed")), "{r}");
    assert_eq!(app.count("outbox WHERE event_type = 'manifest.closed'"), 1);

    // The customs list, CEB603-shaped, read back against the field list.
    let r = app.client.get(app.url(&path("/customs"))).bearer_auth(&clerk).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let xml = r.text().await.unwrap();
    assert!(xml.starts_with("<?xml") && xml.contains("<ceb:CEB603Message"), "{xml}");
    let inventories: Vec<&str> = xml.split("<ceb:Inventory>").skip(1).collect();
    assert_eq!(inventories.len(), 4, "{xml}");
    for inv in &inventories {
        let head = elements(inv, "InventoryHead");
        assert_eq!(head.len(), 1);
        for field in custody::manifests::customs::HEAD_FIELDS {
            assert_eq!(elements(head[0], field).len(), 1, "{field} in {inv}");
        }
        assert_eq!(elements(head[0], "tradeMode"), ["9610"]);
        assert_eq!(elements(head[0], "trafMode"), ["5"]);
        assert_eq!(elements(head[0], "billNo"), ["784-12345675"]);
        assert_eq!(elements(head[0], "country"), ["US"]);
        assert_eq!(elements(head[0], "ebpCode"), ["DEMOEBP001"]);
        assert_eq!(elements(head[0], "grossWeight"), ["0.300"]);
        assert!(tracking.contains(&elements(head[0], "logisticsNo")[0].to_owned()));
        let lines = elements(inv, "InventoryList");
        assert_eq!(lines.len(), 1);
        for field in custody::manifests::customs::LIST_FIELDS {
            assert_eq!(elements(lines[0], field).len(), 1, "{field} in {inv}");
        }
        assert_eq!(elements(lines[0], "gcode"), ["950300"]);
        assert_eq!(elements(lines[0], "qty"), ["1"]);
    }
    assert!(xml.contains("<ceb:gmodel>Toy &lt;&quot;car&quot;&gt; &amp; co</ceb:gmodel>"), "escaped: {xml}");
    assert!(xml.contains("<ceb:price>12.50</ceb:price>") && xml.contains("<ceb:currency>EUR</ceb:currency>"));
    assert!(!xml.contains("Jane") && !xml.contains("Main St"), "no buyer in the list");
    let r = app.client.get(app.url(&path("/customs?format=csv"))).bearer_auth(&clerk).send().await.unwrap();
    let csv = r.text().await.unwrap();
    assert!(csv.starts_with("guid,appType") && csv.lines().count() == 5, "{csv}");
    let (s, r) = app.get(&path("/customs?format=pdf"), &clerk).await;
    assert_eq!((s, r["errors"][0]["code"].as_str()), (422, Some("unknown_format")));

    // Loading: a bag of no manifest is refused loudly; bag 3 is forgotten.
    let (s, r) = app.post(&path("/handover/scans"), &clerk, &json!({"bag": open_bag["bag_no"]})).await;
    assert_eq!((s, r["code"].as_str()), (409, Some("bag_not_on_manifest")), "{r}");
    assert!(r["detail"].as_str().unwrap().contains(&no), "{r}");
    for bag in [&bag1, &bag2] {
        let (s, r) = app.post(&path("/handover/scans"), &clerk, &json!({"bag": bag})).await;
        assert_eq!((s, r["first_scan"].as_bool()), (200, Some(true)), "{r}");
    }
    let (_, r) = app.post(&path("/handover/scans"), &clerk, &json!({"bag": bag1})).await;
    assert_eq!(
        (r["first_scan"].as_bool(), r["loaded"].as_i64(), r["bags"].as_i64()),
        (Some(false), Some(2), Some(3))
    );

    // No customs answer yet: the vehicle waits.
    let handover = json!({"driver_name": "Wang Wei", "vehicle_no": "粤A12345"});
    let (s, r) = app.post(&path("/handover"), &clerk, &handover).await;
    assert_eq!((s, r["code"].as_str()), (409, Some("customs_not_clear")), "{r}");
    let (s, r) = app.post(&path("/handover"), &clerk, &json!({"driver_name": "", "vehicle_no": ""})).await;
    assert_eq!(s, 422, "{r}");

    // Receipts: b rejected (pulled from bag 1 and held), the rest accepted, an unknown one answered alone.
    let receipts = json!({"receipts": [
        {"parcel": a, "status": "accepted"},
        {"parcel": b, "status": "rejected", "reason": "HS code does not match the goods"},
        {"parcel": c, "status": "accepted"},
        {"parcel": d, "status": "accepted"},
        {"parcel": "LX000000000CN", "status": "accepted"},
        {"parcel": a, "status": "rejected"},
    ]});
    let (s, r) = app.post(&path("/customs-receipts"), &clerk, &receipts).await;
    assert_eq!(s, 200, "{r}");
    let outcomes: Vec<&str> = r.as_array().unwrap().iter().map(|x| x["outcome"].as_str().unwrap()).collect();
    assert_eq!(outcomes, ["accepted", "rejected", "accepted", "accepted", "refused", "refused"], "{r}");
    assert_eq!(r[4]["code"], "unknown_parcel");
    assert_eq!(r[5]["code"], "reason_required");
    let (_, again) = app
        .post(&path("/customs-receipts"), &clerk, &json!({"receipts": [{"parcel": a, "status": "accepted"}]}))
        .await;
    assert_eq!(again[0]["outcome"], "duplicate");
    let (_, pb) = app.get(&format!("/api/v1/parcels/{}", parcels[1]["id"].as_str().unwrap()), &who.1).await;
    assert_eq!(pb["status"], "held", "{pb}");
    assert!(pb["hold_reason"].as_str().unwrap().starts_with("customs_rejected"), "{pb}");
    let (_, shown) = app.get(&format!("/api/v1/bags/{bag1}"), &clerk).await;
    assert_eq!(shown["parcel_count"].as_i64(), Some(1), "pulled from its bag");
    let (_, doc) = app.get(&path(""), &clerk).await;
    assert_eq!(doc["parcel_count"].as_i64(), Some(3), "{doc}");
    assert_eq!(doc["customs"], json!({"accepted": 3, "unanswered": 0, "rejected_open": 1}));
    assert_eq!(app.count("outbound_exceptions WHERE kind = 'customs_rejected' AND status = 'open'"), 1);
    assert_eq!(app.count("outbox WHERE event_type = 'customs.rejected'"), 1);
    assert_eq!(app.count("outbox WHERE event_type = 'customs.accepted'"), 3);

    // The rejected parcel is not taken out for sure yet: only a supervisor lets the vehicle go, with a note.
    let (s, r) = app.post(&path("/handover"), &clerk, &handover).await;
    assert_eq!((s, r["code"].as_str()), (409, Some("customs_not_clear")), "{r}");
    let mut overridden = handover.clone();
    overridden["override_note"] = json!("rejected parcel seen on the pull shelf");
    let (s, _) = app.post(&path("/handover"), &clerk, &overridden).await;
    assert_eq!(s, 403, "only a supervisor overrides");
    let (s, r) = app.post(&path("/handover"), &w.supervisor, &overridden).await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(
        (r["status"].as_str(), r["parcels_handed_over"].as_i64()),
        (Some("handed_over"), Some(2)),
        "{r}"
    );
    assert_eq!(r["missing_bags"], json!([bag3]));
    assert_eq!((r["driver_name"].as_str(), r["vehicle_no"].as_str()), (Some("Wang Wei"), Some("粤A12345")));
    assert_eq!(r["override_note"], "rejected parcel seen on the pull shelf");
    assert_eq!((r["bag_count"].as_i64(), r["parcel_count"].as_i64()), (Some(2), Some(2)), "bag 3 pulled off");

    // The missing bag: an exception per parcel, an event, off the manifest, free for the next one.
    assert_eq!(app.count("outbound_exceptions WHERE kind = 'handover_missing' AND status = 'open'"), 1);
    assert_eq!(app.count("outbox WHERE event_type = 'manifest.handover_missing'"), 1);
    let (_, doc) = app.get(&path(""), &clerk).await;
    assert_eq!(doc["pulled_bags"][0]["bag_no"], bag3.as_str());
    assert_eq!(doc["pulled_bags"][0]["reason"], "handover_missing");
    let (_, pd) = app.get(&format!("/api/v1/parcels/{}", parcels[3]["id"].as_str().unwrap()), &who.1).await;
    assert_eq!(pd["status"], "bagged");
    let (_, next) = app.post("/api/v1/manifests", &clerk, &body).await;
    let (s, r) = app
        .post(
            &format!("/api/v1/manifests/{}/bags", next["manifest_no"].as_str().unwrap()),
            &clerk,
            &json!({"bag": bag3}),
        )
        .await;
    assert_eq!(s, 200, "the missing bag goes on the next manifest: {r}");

    // Parcels handed over, orders shipped, units out of the warehouse.
    for i in [0, 2] {
        let (_, p) =
            app.get(&format!("/api/v1/parcels/{}", parcels[i]["id"].as_str().unwrap()), &who.1).await;
        assert_eq!(p["status"], "handed_over", "{p}");
        let (_, o) =
            app.get(&format!("/api/v1/orders/{}", p["order_id"].as_str().unwrap()), &w.platform).await;
        assert_eq!(o["status"], "shipped", "{o}");
    }
    assert_eq!(app.count("outbox WHERE event_type = 'parcel.handed_over'"), 2);
    assert_eq!(app.count("outbox WHERE event_type = 'order.shipped'"), 2);
    assert_eq!(app.count("outbox WHERE event_type = 'manifest.handed_over'"), 1);
    assert_eq!(app.count("stock_movements WHERE reason = 'shipped'"), 2);
    let (s, r) = app.post(&path("/handover/scans"), &clerk, &json!({"bag": bag1})).await;
    assert_eq!((s, r["code"].as_str()), (409, Some("manifest_handed_over")), "{r}");

    // No personal data in any event: not the buyer's, not the driver's (LIKE ignores case on SQLite: whole names).
    let pii = ["Jane Doe", "555 010", "Main St", "Springfield", "Wang Wei"];
    for p in pii {
        assert_eq!(app.count(&format!("outbox WHERE payload LIKE '%{p}%'")), 0, "{p} in an event");
    }
}

#[actix_web::test]
async fn the_platform_reads_manifests_and_a_supplier_gets_nothing() {
    let app = crate::common::spawn_app().await;
    let w = world(&app).await;
    let clerk = app.staff("shiro", "shipping");
    let body = json!({"channel": "EPACKET", "master_waybill": "784-12345675", "transport_mode": "air",
        "transport_ref": "CZ3101", "planned_departure": "2026-12-08T02:00:00Z"});
    let (s, m) = app.post("/api/v1/manifests", &clerk, &body).await;
    assert_eq!(s, 201, "{m}");
    let no = m["manifest_no"].as_str().unwrap();
    for path in ["/api/v1/manifests".to_owned(), format!("/api/v1/manifests/{no}")] {
        let (s, r) = app.get(&path, &w.platform).await;
        assert_eq!(s, 200, "{r}");
        let (s, r) = app.get(&path, &w.supplier).await;
        assert_eq!(s, 403, "{r}");
    }
    let (s, _) = app.post("/api/v1/manifests", &w.platform, &body).await;
    assert_eq!(s, 403, "the platform only reads");
    let (s, _) = app.post(&format!("/api/v1/manifests/{no}/close"), &w.supplier, &json!({})).await;
    assert_eq!(s, 403);
    let (s, r) = app.post(&format!("/api/v1/manifests/{no}/close"), &clerk, &json!({})).await;
    assert_eq!((s, r["code"].as_str()), (409, Some("manifest_empty")));
    let (s, _) = app.get("/api/v1/manifests/MAN-NOPE", &clerk).await;
    assert_eq!(s, 404);
    let _: Value = m;
}

/// A manifest's create honours Idempotency-Key: a retry answers the first
/// manifest, never a second one for the same departure.
#[actix_web::test]
async fn a_retried_manifest_create_with_one_idempotency_key_opens_one_manifest() {
    let app = crate::common::spawn_app().await;
    let clerk = app.staff("idem-shipping", "shipping");
    let body = json!({"channel": "EPACKET", "master_waybill": "784-11112222", "transport_mode": "air",
        "transport_ref": "CZ3101", "planned_departure": "2026-12-08T02:00:00Z"});
    let send = || async {
        let r = app
            .client
            .post(app.url("/api/v1/manifests"))
            .bearer_auth(&clerk)
            .header("idempotency-key", "man-1")
            .json(&body)
            .send()
            .await
            .unwrap();
        crate::common::read(r).await
    };
    let (s1, first) = send().await;
    let (s2, again) = send().await;
    assert_eq!((s1, s2), (201, 201), "{first} {again}");
    assert_eq!(first["manifest_no"], again["manifest_no"]);
    assert_eq!(app.count("manifests"), 1);
}
