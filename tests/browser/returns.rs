//! The returns desk at 480 px and on a desktop: a return parcel's label
//! scanned, then its weight (a light box is loud), each unit graded and
//! sent back to a bin; a scanner's Enter never submits a grade or a
//! disposition; a parcel with nothing known on it goes to its own list.

use serde_json::json;

use crate::common::spawn_app;
use crate::driver::Width;
use crate::{both_widths, signed_in_at, world};

async fn a_return_parcel_is_weighed_graded_and_restocked_at_the_desk(width: Width) {
    let app = spawn_app().await;
    let floor = world::floor(&app, &[("A-01-01-01", 5)]).await;
    let t = crate::tracking::on_its_way(&app, &floor).await;
    let carrier = app
        .tx(|tx| {
            custody::auth::service::create_api_key(tx, custody::auth::service::KeyOwner::Carrier, "carrier")
        })
        .1;
    let at = (app.clock.now().0 + chrono::Duration::minutes(5)).to_rfc3339();
    let delivered = json!({"events": [{"tracking_no": t, "carrier": "usps", "event_code": "DELIVERED", "event_time": at}]});
    world::ok(&app, "/api/v1/tracking-events", &carrier, delivered).await;
    // From now on every item comes back, whatever its price.
    let admin = app.staff("ada", "admin");
    let mut rules = serde_json::to_value(custody::returns::policy::Rules::us_2023()).unwrap();
    rules["keep_item_under"] = serde_json::Value::Null;
    let from = (app.clock.now().0 + chrono::Duration::seconds(1)).to_rfc3339();
    world::ok(
        &app,
        "/api/v1/return-policies",
        &admin,
        json!({"market": "US", "effective_from": from, "rules": rules}),
    )
    .await;
    app.clock.advance(chrono::Duration::seconds(2));
    let r = world::ok(
        &app,
        "/api/v1/returns",
        &floor.platform,
        json!({"platform_return_id": "PR-DESK", "order": "TL-1", "type": "return_and_refund",
               "reason": "defective", "lines": [{"line_no": 1, "quantity": 1}]}),
    )
    .await;
    let no = r["return_no"].as_str().unwrap().to_owned();

    let remi = signed_in_at(&app, "remi", "returns", width).await;
    remi.goto("/console/returns").await;
    remi.check_layout().await;
    // Nothing known on this one: it goes to the unidentified list.
    remi.wedge("NO-SUCH-LABEL").await;
    remi.wait_focus("weight_g").await;
    remi.wedge("120").await;
    let m = remi.wait_text("#scan-message", |t| !t.is_empty()).await;
    assert!(m.contains("NO-SUCH-LABEL") && m.contains("无法识别"), "{m}");
    assert!(remi.text("#unidentified").await.contains("NO-SUCH-LABEL"));

    // The real parcel: its label (the original tracking number), then the scale's 150 g of 300 g shipped.
    remi.wait_focus("scan").await;
    remi.wedge(&t).await;
    remi.wait_focus("weight_g").await;
    remi.wedge("150").await;
    remi.wait_path(&format!("/console/returns/{no}")).await;
    assert!(remi.text("#weight-flag").await.contains("偏轻"));
    assert!(remi.text("#scan-message").await.contains("轻很多"));
    remi.check_layout().await;

    // A scanner's Enter in the grade form submits nothing.
    remi.js("document.getElementById('grade_1_1').value = 'sellable_repack'").await;
    remi.click("#note_1_1").await;
    remi.wedge("relabelled").await;
    assert_eq!(app.count("return_units WHERE grade IS NOT NULL"), 0, "Enter is not a decision");
    remi.click("#save-grades").await;
    remi.wait_text("#return-status", |s| s.contains("已质检")).await;
    remi.check_layout().await;

    // Restocked: the disposition form proposes it; the bin is scanned, then the button.
    let proposed = remi.js("return document.getElementById('to_1_1').value").await;
    assert_eq!(proposed, "restock");
    remi.click("#bin_1_1").await;
    remi.wedge("A-01-01-02").await;
    assert_eq!(app.count("return_units WHERE disposition IS NOT NULL"), 0, "Enter is not a decision");
    remi.click("#confirm-dispositions").await;
    remi.wait_text("#return-status", |s| s.contains("已完成")).await;
    assert_eq!(app.count(&format!("stock_movements WHERE reason = 'returned' AND document_no = '{no}'")), 1);
    remi.check_layout().await;
    remi.close().await;
}

both_widths!(a_return_parcel_is_weighed_graded_and_restocked_at_the_desk);
