//! A parcel's timeline at 480 px and on a desktop: customer service scans a
//! tracking number and reads the parcel's warehouse scans and carrier
//! milestones in time order; an unknown number is loud and says what was
//! scanned.

use serde_json::json;

use crate::common::spawn_app;
use crate::driver::Width;
use crate::{both_widths, signed_in_to, world};

/// A one-unit order packed, routed and handed over; its tracking number.
pub(crate) async fn on_its_way(app: &crate::common::TestApp, floor: &world::Floor) -> String {
    world::order(app, floor, "TL-1", 1).await;
    world::picked(app, floor, "TOTE-1").await;
    let packer = app.staff("packer-tl", "packer");
    let p = world::ok(app, "/api/v1/pack/start", &packer, json!({"tote": "TOTE-1"})).await;
    let parcel = p["id"].as_str().unwrap().to_owned();
    world::ok(app, &format!("/api/v1/parcels/{parcel}/scans"), &packer, json!({"barcode": floor.sku.1}))
        .await;
    let p =
        world::ok(app, &format!("/api/v1/parcels/{parcel}/weigh"), &packer, json!({"weight_g": 300})).await;
    let tracking_no = p["tracking_no"].as_str().unwrap().to_owned();
    // Handover belongs to manifests; here the parcel is put on the truck by hand.
    let now = app.clock.now();
    let t = tracking_no.clone();
    app.tx(|tx| {
        use custody::db::schema::parcels;
        use diesel::prelude::*;
        Ok(diesel::update(parcels::table.filter(parcels::tracking_no.eq(&t)))
            .set((parcels::status.eq("handed_over"), parcels::updated_at.eq(now)))
            .execute(tx)?)
    });
    tracking_no
}

async fn a_parcels_timeline_is_read_by_scanning_its_tracking_number(width: Width) {
    let app = spawn_app().await;
    let floor = world::floor(&app, &[("A-01-01-01", 5)]).await;
    let t = on_its_way(&app, &floor).await;
    let carrier = app
        .tx(|tx| {
            custody::auth::service::create_api_key(tx, custody::auth::service::KeyOwner::Carrier, "carrier")
        })
        .1;
    let at = |h: i64| (app.clock.now().0 + chrono::Duration::hours(h)).to_rfc3339();
    let events = json!({"events": [
        {"tracking_no": t, "carrier": "usps", "event_code": "EMC", "event_time": at(1), "location": "Guangzhou, CN"},
        {"tracking_no": t, "carrier": "usps", "event_code": "OutForDelivery", "event_time": at(3), "location": "Los Angeles, US"},
    ]});
    world::ok(&app, "/api/v1/tracking-events", &carrier, events).await;

    let cathy = signed_in_to(&app, "cathy", "returns", width, "/console/parcels").await;
    cathy.check_layout().await;
    cathy.wedge("LX000000000XX").await;
    let m = cathy.wait_text("#problems", |t| !t.is_empty()).await;
    assert!(m.contains("没有这个运单号"), "{m}");
    assert_eq!(cathy.text("#alert-scanned").await, "LX000000000XX");

    cathy.wedge(&t).await;
    cathy.wait_text("#parcel-status", |s| s.contains("运输中")).await;
    assert!(cathy.text("#milestone").await.contains("派送中"));
    let timeline = cathy.text("#timeline").await;
    let (packed, transit, out) = (
        timeline.find("打包完成").expect("packed"),
        timeline.find("EMC").expect("the raw code"),
        timeline.find("OutForDelivery").expect("out for delivery"),
    );
    assert!(packed < transit && transit < out, "in time order: {timeline}");
    cathy.check_layout().await;
    cathy.close().await;
}

both_widths!(a_parcels_timeline_is_read_by_scanning_its_tracking_number);
