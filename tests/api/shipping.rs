//! After the pack station: the sort station and bags.

use serde_json::{Value, json};

use crate::common::TestApp;
use crate::inbound::{World, world};
use crate::orders::{order, stock};
use crate::outbound::{pack_all, pick_rest};

/// One order of one unit, waved, picked into `tote`, packed and routed.
pub async fn packed_parcel(
    app: &TestApp,
    w: &World,
    id: &str,
    level: &str,
    tote: &str,
    who: &(String, String),
) -> Value {
    packed_parcel_of(app, w, id, level, tote, who, 0).await
}

/// [`packed_parcel`] of one unit of the world's SKU `sku` (0 or 1).
pub async fn packed_parcel_of(
    app: &TestApp,
    w: &World,
    id: &str,
    level: &str,
    tote: &str,
    who: &(String, String),
    sku: usize,
) -> Value {
    let mut o = order(w, id, sku, 1);
    o["service_level"] = json!(level);
    packed_order(app, w, &o, tote, who, sku).await
}

/// The order `o` (one unit of the world's SKU `sku`) taken in, waved,
/// picked into `tote`, packed and routed.
pub async fn packed_order(
    app: &TestApp,
    w: &World,
    o: &Value,
    tote: &str,
    who: &(String, String),
    sku: usize,
) -> Value {
    stock(app, w, "A-01-01-01", sku, 1).await;
    let (s, o) = app.post("/api/v1/orders", &w.platform, o).await;
    assert_eq!(s, 201, "{o}");
    app.post("/api/v1/waves", &w.supervisor, &json!({})).await;
    assert_eq!(pick_rest(app, &who.0, tote).await, 1);
    let (_, p) = app.post("/api/v1/pack/start", &who.1, &json!({"tote": tote})).await;
    let parcel = p["id"].as_str().unwrap().to_owned();
    let (q0, q1) = if sku == 0 { (1, 0) } else { (0, 1) };
    pack_all(app, &who.1, &parcel, w, q0, q1).await;
    let (s, p) =
        app.post(&format!("/api/v1/parcels/{parcel}/weigh"), &who.1, &json!({"weight_g": 300})).await;
    assert_eq!((s, p["status"].as_str()), (200, Some("packed")), "{p}");
    p
}

#[actix_web::test]
async fn parcels_are_sorted_into_the_bag_of_their_channel_and_a_bag_that_weighs_wrong_is_held() {
    let app = crate::common::spawn_app().await;
    let w = world(&app).await;
    let who = (app.staff("pia", "picker"), app.staff("paco", "packer"));
    let sorter = app.staff("shiro", "shipping");
    let a = packed_parcel(&app, &w, "BAG-A", "standard", "TOTE-1", &who).await;
    let b = packed_parcel(&app, &w, "BAG-B", "standard", "TOTE-2", &who).await;
    let c = packed_parcel(&app, &w, "BAG-C", "express", "TOTE-3", &who).await;
    let tracking = |p: &Value| p["tracking_no"].as_str().unwrap().to_owned();
    assert_eq!((a["route"].as_str(), c["route"].as_str()), (Some("EPACKET"), Some("EMS")));

    // The first scan: no bag open for ePacket to the US yet.
    let scan = |code: String| json!({"parcel": code});
    let (s, r) = app.post("/api/v1/sort/scan", &sorter, &scan(tracking(&a))).await;
    assert_eq!(
        (s, r["channel"].as_str(), r["destination"].as_str()),
        (200, Some("EPACKET"), Some("US")),
        "{r}"
    );
    assert_eq!(r["bag"], Value::Null);
    assert_eq!(
        app.post("/api/v1/sort/scan", &who.1, &scan(tracking(&a))).await.0,
        403,
        "the shipping role sorts"
    );
    let (s, r) = app.post("/api/v1/sort/scan", &sorter, &scan("LX999999999CN".into())).await;
    assert_eq!((s, r["errors"][0]["code"].as_str()), (422, Some("unknown_parcel")));

    let (s, bag) = app.post("/api/v1/bags", &sorter, &json!({"parcel": tracking(&a)})).await;
    assert_eq!(
        (s, bag["status"].as_str(), bag["parcel_count"].as_i64()),
        (201, Some("open"), Some(0)),
        "{bag}"
    );
    let bag_no = bag["bag_no"].as_str().unwrap().to_owned();
    let (s, again) =
        app.post("/api/v1/bags", &sorter, &json!({"channel": "epacket", "destination": "US"})).await;
    assert_eq!(
        (s, again["bag_no"].as_str()),
        (200, Some(&*bag_no)),
        "one open bag per channel and destination"
    );
    let (_, r) = app.post("/api/v1/sort/scan", &sorter, &scan(tracking(&b))).await;
    assert_eq!(r["bag"]["bag_no"], bag_no.as_str(), "the screen names the bag");
    assert_eq!(r["bag"]["channel"], "EPACKET", "{r}");
    // The parcel number on the packing slip finds it too, in any case.
    let by_no = b["parcel_no"].as_str().unwrap().to_ascii_lowercase();
    let (s, r2) = app.post("/api/v1/sort/scan", &sorter, &scan(format!(" {by_no} "))).await;
    assert_eq!((s, &r2), (200, &r), "a parcel number finds the same parcel");

    let into = format!("/api/v1/bags/{bag_no}/parcels");
    for p in [&a, &b] {
        let (s, r) = app.post(&into, &sorter, &scan(tracking(p))).await;
        assert_eq!(s, 200, "{r}");
    }
    let (s, r) = app.post(&into, &sorter, &scan(tracking(&a))).await;
    assert_eq!((s, r["code"].as_str()), (409, Some("already_bagged")));
    // An express parcel in the ePacket bag: refused, loudly, nothing moves.
    let (s, r) = app.post(&into, &sorter, &scan(tracking(&c))).await;
    assert_eq!((s, r["code"].as_str()), (409, Some("wrong_bag")), "{r}");
    let detail = r["detail"].as_str().unwrap();
    assert!(detail.contains("EMS → US") && detail.contains("EPACKET → US"), "{detail}");
    let (_, shown) = app.get(&format!("/api/v1/bags/{bag_no}"), &sorter).await;
    assert_eq!((shown["parcel_count"].as_i64(), shown["parcels_weight_g"].as_i64()), (Some(2), Some(600)));
    assert_eq!(shown["parcels"].as_array().unwrap().len(), 2);
    let (_, pc) = app.get(&format!("/api/v1/parcels/{}", c["id"].as_str().unwrap()), &who.1).await;
    assert_eq!(pc["status"], "packed");
    let (_, pa) = app.get(&format!("/api/v1/parcels/{}", a["id"].as_str().unwrap()), &who.1).await;
    assert_eq!(pa["status"], "bagged");
    // Sorted by mistake and taken out again.
    let (s, r) =
        app.post(&format!("/api/v1/bags/{bag_no}/parcels/remove"), &sorter, &scan(tracking(&b))).await;
    assert_eq!((s, r["parcel_count"].as_i64()), (200, Some(1)), "{r}");
    app.post(&into, &sorter, &scan(tracking(&b))).await;

    // 600 g of parcels + 150 g sack = 750 g ± 50 g: 420 g means a parcel left.
    let close = format!("/api/v1/bags/{bag_no}/close");
    let (s, held) = app.post(&close, &sorter, &json!({"weight_g": 420})).await;
    assert_eq!(
        (s, held["status"].as_str(), held["expected_weight_g"].as_i64()),
        (200, Some("held"), Some(750)),
        "{held}"
    );
    assert!(held["hold_reason"].as_str().unwrap().contains("expected 750 g"));
    assert_eq!(app.count("outbox WHERE event_type = 'bag.weight_held'"), 1);
    let (s, r) = app.post(&into, &sorter, &scan(tracking(&c))).await;
    assert_eq!((s, r["code"].as_str()), (409, Some("bag_not_open")));
    let resolve = format!("/api/v1/bags/{bag_no}/resolve");
    let (s, _) = app.post(&resolve, &sorter, &json!({"action": "reopen", "note": "check"})).await;
    assert_eq!(s, 403, "a supervisor decides");
    let (s, r) =
        app.post(&resolve, &w.supervisor, &json!({"action": "reopen", "note": "count the parcels"})).await;
    assert_eq!((s, r["status"].as_str()), (200, Some("open")), "{r}");
    let (s, closed) = app.post(&close, &sorter, &json!({"weight_g": 760})).await;
    assert_eq!(
        (s, closed["status"].as_str(), closed["weight_g"].as_i64()),
        (200, Some("closed"), Some(760)),
        "{closed}"
    );
    assert_eq!(app.count("outbox WHERE event_type = 'bag.closed'"), 1);
    assert_eq!(app.count("outbox WHERE event_type = 'parcel.bagged'"), 3);
    let (s, r) = app.post(&close, &sorter, &json!({"weight_g": 760})).await;
    assert_eq!((s, r["code"].as_str()), (409, Some("bag_not_open")));

    // The bag's label: its number as a barcode, channel and destination.
    let r = app
        .client
        .get(app.url(&format!("/api/v1/bags/{bag_no}/label")))
        .bearer_auth(&sorter)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains(&bag_no) && html.contains("EPACKET → US") && html.contains("<svg"), "{html}");
    let r = app
        .client
        .get(app.url(&format!("/api/v1/bags/{bag_no}/label?format=zpl")))
        .bearer_auth(&sorter)
        .send()
        .await
        .unwrap();
    assert!(r.text().await.unwrap().starts_with("^XA"));
    // A cancelled-order check: a bagged parcel's order cannot be cancelled.
    let (s, r) = app
        .post(&format!("/api/v1/orders/{}/cancel", a["order_id"].as_str().unwrap()), &w.platform, &json!({}))
        .await;
    assert_eq!(s, 409, "{r}");

    // Read in one go (a manifest's documents) or one by one: the same parcels, in the order asked.
    let ids: Vec<custody::ids::ParcelId> =
        [&c, &a, &b].iter().map(|p| serde_json::from_value(p["id"].clone()).unwrap()).collect();
    let (many, one_by_one) = app.tx(|tx| {
        let many = custody::outbound::packing::get_many(tx, &ids)?;
        let one: Vec<_> =
            ids.iter().map(|id| custody::outbound::packing::get(tx, *id)).collect::<Result<_, _>>()?;
        Ok((serde_json::to_value(many).unwrap(), serde_json::to_value(one).unwrap()))
    });
    assert_eq!(many, one_by_one);
    assert_eq!(many[0]["id"], c["id"]);
}
