//! The sort station at 480 px and on a desktop: a parcel scanned says its
//! bag (or that one must be opened, with a button: the scanner's Enter
//! never opens a bag), the bag's label scanned puts it in, a wrong scan is
//! loud and says what was scanned and what was expected; the bag is closed
//! with its weight. At the dock, every bag of a manifest is scanned onto the
//! vehicle and one left behind is pulled off loudly.

use serde_json::json;

use crate::common::spawn_app;
use crate::driver::Width;
use crate::{both_widths, signed_in_to, world};

/// A one-unit order picked into `tote`, packed and routed through the API:
/// its tracking number.
async fn packed(app: &crate::common::TestApp, floor: &world::Floor, id: &str, tote: &str) -> String {
    world::order(app, floor, id, 1).await;
    world::picked(app, floor, tote).await;
    let packer = app.staff(&format!("packer-{}", tote.to_ascii_lowercase()), "packer");
    let p = world::ok(app, "/api/v1/pack/start", &packer, json!({"tote": tote})).await;
    let parcel = p["id"].as_str().unwrap().to_owned();
    world::ok(app, &format!("/api/v1/parcels/{parcel}/scans"), &packer, json!({"barcode": floor.sku.1}))
        .await;
    let p =
        world::ok(app, &format!("/api/v1/parcels/{parcel}/weigh"), &packer, json!({"weight_g": 300})).await;
    assert_eq!(p["status"], "packed", "{p}");
    p["tracking_no"].as_str().unwrap().to_owned()
}

async fn parcels_are_sorted_into_their_bag_and_the_bag_closed_with_its_weight(width: Width) {
    let app = spawn_app().await;
    let floor = world::floor(&app, &[("A-01-01-01", 5)]).await;
    let first = packed(&app, &floor, "SORT-1", "TOTE-1").await;
    let second = packed(&app, &floor, "SORT-2", "TOTE-2").await;
    let shiro = signed_in_to(&app, "shiro", "shipping", width, "/console/sort").await;
    shiro.check_layout().await;

    // A bag label before any parcel: loud, and says what was expected.
    shiro.wedge("BAG-NOTHING").await;
    let m = shiro.wait_text("#problems", |t| !t.is_empty()).await;
    assert!(m.contains("先扫描包裹"), "{m}");
    assert_eq!(shiro.text("#alert-scanned").await, "BAG-NOTHING");

    shiro.wedge(&first).await;
    let m = shiro.wait_text("#scan-message", |t| t.contains(&first)).await;
    assert!(m.contains("还没有打开的袋子"), "{m}");
    shiro.check_layout().await;
    shiro.click("#open-bag").await;
    let m = shiro.wait_text("#scan-message", |t| t.contains("已开新袋")).await;
    let bag_no =
        m.split_whitespace().find(|w| w.starts_with("BAG-")).unwrap().trim_end_matches('：').to_owned();
    let bag_no: String = bag_no.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-').collect();
    let target = shiro.text("#target-bag").await;
    assert!(target.contains(&bag_no), "{target}");
    shiro.wedge(&bag_no).await;
    shiro.wait_text("#scan-message", |t| t.contains("已装入") && t.contains(&bag_no)).await;

    // The second parcel is told the bag; an unknown code is refused loudly.
    shiro.wedge(&second).await;
    shiro.wait_text("#target-bag", |t| t.contains(&bag_no)).await;
    shiro.wedge(&bag_no).await;
    shiro.wait_text("#scan-message", |t| t.contains("共 2 件")).await;
    shiro.wedge(&first).await;
    let m = shiro.wait_text("#problems", |t| !t.is_empty()).await;
    assert!(m.contains(&bag_no), "already in the bag, and which: {m}");
    assert_eq!(shiro.text("#alert-scanned").await, first);
    shiro.check_layout().await;

    // The bag page: weigh and close (two parcels of 300 g + the sack).
    shiro.goto(&format!("/console/bags/{bag_no}")).await;
    shiro.check_layout().await;
    shiro.type_into("#weight", "760").await;
    shiro.click("#close-bag").await;
    shiro.wait_text("#scan-message", |t| t.contains("已封袋")).await;
    assert_eq!(shiro.text("#bag-status").await, "已封袋");
    assert_eq!(app.count("outbox WHERE event_type = 'bag.closed'"), 1);
    shiro.close().await;
}

both_widths!(parcels_are_sorted_into_their_bag_and_the_bag_closed_with_its_weight);

/// A bag of these parcels opened, filled and closed at its weight through
/// the API: its number.
async fn closed_bag(app: &crate::common::TestApp, clerk: &str, tracking: &[&str]) -> String {
    let bag = world::ok(app, "/api/v1/bags", clerk, json!({"parcel": tracking[0]})).await;
    let bag_no = bag["bag_no"].as_str().unwrap().to_owned();
    for t in tracking {
        world::ok(app, &format!("/api/v1/bags/{bag_no}/parcels"), clerk, json!({"parcel": t})).await;
    }
    let weight = 300 * tracking.len() as i64 + 150;
    let b = world::ok(app, &format!("/api/v1/bags/{bag_no}/close"), clerk, json!({"weight_g": weight})).await;
    assert_eq!(b["status"], "closed", "{b}");
    bag_no
}

async fn bags_are_scanned_onto_the_vehicle_and_one_left_on_the_dock_is_pulled_off_loudly(width: Width) {
    let app = spawn_app().await;
    let floor = world::floor(&app, &[("A-01-01-01", 5)]).await;
    let first = packed(&app, &floor, "HO-1", "TOTE-1").await;
    let second = packed(&app, &floor, "HO-2", "TOTE-2").await;
    let third = packed(&app, &floor, "HO-3", "TOTE-3").await;
    let clerk = app.staff("clerk", "shipping");
    let bag1 = closed_bag(&app, &clerk, &[&first]).await;
    let bag2 = closed_bag(&app, &clerk, &[&second]).await;
    let stray = closed_bag(&app, &clerk, &[&third]).await;
    let m = world::ok(
        &app,
        "/api/v1/manifests",
        &clerk,
        json!({"channel": "EPACKET", "master_waybill": "784-12345675", "transport_mode": "air",
            "transport_ref": "CZ3101", "planned_departure": "2026-12-08T02:00:00Z"}),
    )
    .await;
    let no = m["manifest_no"].as_str().unwrap().to_owned();
    for bag in [&bag1, &bag2] {
        world::ok(&app, &format!("/api/v1/manifests/{no}/bags"), &clerk, json!({"bag": bag})).await;
    }
    world::ok(&app, &format!("/api/v1/manifests/{no}/close"), &clerk, json!({})).await;
    let receipts = json!({"receipts": [{"parcel": first, "status": "accepted"}, {"parcel": second, "status": "accepted"}]});
    world::ok(&app, &format!("/api/v1/manifests/{no}/customs-receipts"), &clerk, receipts).await;

    let shiro = signed_in_to(&app, "shiro", "shipping", width, &format!("/console/manifests/{no}")).await;
    shiro.check_layout().await;
    // The documents download from the page, with the clerk's session.
    let fetch = |id: &str| {
        format!(
            "const a = document.getElementById('{id}'); const x = new XMLHttpRequest();
             x.open('GET', a.href, false); x.send();
             return [x.status, x.getResponseHeader('Content-Disposition') || '', x.responseText];"
        )
    };
    let csv = shiro.js(&fetch("manifest-csv")).await;
    assert_eq!(csv[0], 200, "{csv}");
    assert!(csv[1].as_str().unwrap().contains(&format!("{no}.csv")), "{csv}");
    assert!(csv[2].as_str().unwrap().contains(&first) && csv[2].as_str().unwrap().contains(&second), "{csv}");
    let xml = shiro.js(&fetch("customs-xml")).await;
    assert_eq!(xml[0], 200, "{xml}");
    assert_eq!(xml[2].as_str().unwrap().matches("<ceb:Inventory>").count(), 2, "{xml}");
    shiro.click("#to-handover").await;
    shiro.wait_text("#loaded-count", |t| t.starts_with("0 / 2")).await;
    shiro.check_layout().await;

    // A bag of no manifest: refused loudly, saying what was scanned and where it belongs.
    shiro.wedge(&stray).await;
    let m = shiro.wait_text("#problems", |t| !t.is_empty()).await;
    assert!(m.contains("不要装车") && m.contains(&no), "{m}");
    assert_eq!(shiro.text("#alert-scanned").await, stray);

    // The first bag loaded; the scanner's Enter never confirms the handover.
    shiro.wedge(&bag1).await;
    shiro.wait_text("#scan-message", |t| t.contains("已装车") && t.contains("1 / 2")).await;
    assert_eq!(shiro.text("#loaded-count").await.split_whitespace().next(), Some("1"));
    shiro.wedge(&bag1).await;
    shiro.wait_text("#scan-message", |t| t.contains("已扫描过")).await;
    assert_eq!(app.count("manifests WHERE status = 'handed_over'"), 0);
    assert!(shiro.text("#missing-warning").await.contains("未扫描"));
    shiro.check_layout().await;

    // Confirming without a driver is refused; with one, bag 2 (never scanned) is pulled off.
    shiro.click("#confirm-handover").await;
    shiro.wait_text("#problems", |t| !t.is_empty()).await;
    assert_eq!(app.count("manifests WHERE status = 'handed_over'"), 0);
    shiro.type_into("#driver_name", "Wang Wei").await;
    shiro.type_into("#vehicle_no", "粤A12345").await;
    shiro.click("#confirm-handover").await;
    let m = shiro.wait_text("#scan-message", |t| t.contains("已交接")).await;
    assert!(m.contains(&bag2), "the missing bag is named: {m}");
    assert_eq!(shiro.text("#manifest-status").await, "已交接");
    assert!(shiro.text("#pulled-bags").await.contains(&bag2));
    shiro.check_layout().await;
    assert_eq!(app.count("outbound_exceptions WHERE kind = 'handover_missing'"), 1);
    assert_eq!(app.count("outbox WHERE event_type = 'manifest.handover_missing'"), 1);
    assert_eq!(app.count("parcels WHERE status = 'handed_over'"), 1);
    assert_eq!(app.count("orders WHERE status = 'shipped'"), 1);
    shiro.close().await;
}

both_widths!(bags_are_scanned_onto_the_vehicle_and_one_left_on_the_dock_is_pulled_off_loudly);
