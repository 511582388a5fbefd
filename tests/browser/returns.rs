//! The returns desk at 480 px and on a desktop: a return parcel's label
//! scanned, then its weight (a light box is loud), each unit graded and
//! sent back to a bin; a scanner's Enter never submits a grade, a
//! disposition or a match; a parcel with nothing known on it goes to its
//! own list and page, is photographed there and matched by hand.

use serde_json::json;

use crate::common::spawn_app;
use crate::driver::Width;
use crate::{both_widths, signed_in_to, world};

/// A real 4 x 3 PNG, as a handheld's camera would send one (smaller).
const PHOTO_PNG: &[u8] = &[
    137, 80, 78, 71, 13, 10, 26, 10, 0, 0, 0, 13, 73, 72, 68, 82, 0, 0, 0, 4, 0, 0, 0, 3, 8, 2, 0, 0, 0, 59,
    150, 57, 145, 0, 0, 0, 16, 73, 68, 65, 84, 120, 156, 99, 184, 96, 96, 0, 71, 12, 56, 57, 0, 29, 150, 14,
    65, 13, 110, 90, 234, 0, 0, 0, 0, 73, 69, 78, 68, 174, 66, 96, 130,
];

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

    let remi = signed_in_to(&app, "remi", "returns", width, "/console/returns").await;
    remi.check_layout().await;
    // The real parcel's label cannot be read: 150 g of the 300 g shipped,
    // and its own page, to photograph it while it is on the desk.
    remi.wedge("SMUDGED-LABEL").await;
    remi.wait_focus("weight_g").await;
    remi.wedge("150").await;
    let m = remi.wait_text("#scan-message", |t| !t.is_empty()).await;
    assert!(m.contains("SMUDGED-LABEL") && m.contains("无法识别"), "{m}");
    assert!(remi.path().await.starts_with("/console/returns/unidentified/"));
    assert!(remi.text("#no-photos").await.contains("还没有照片"));
    remi.click("#save-photo").await;
    let m = remi.wait_text("#problems", |t| !t.is_empty()).await;
    assert!(m.contains("请先拍照"), "no photo chosen is said, not a blank page: {m}");
    let photo = std::env::temp_dir().join(format!("custody-return-photo-{}.png", uuid::Uuid::now_v7()));
    std::fs::write(&photo, PHOTO_PNG).unwrap();
    // A file that only calls itself a photo is refused, saying why.
    let fake = photo.with_extension("jpg");
    std::fs::write(&fake, b"%PDF-1.7 an invoice, not a photo").unwrap();
    remi.find("#photo").await.send_keys(fake.to_str().unwrap()).await.unwrap();
    remi.click("#save-photo").await;
    let m = remi.wait_text("#problems", |t| t.contains("不是照片")).await;
    assert!(m.contains("JPEG"), "{m}");
    let _ = std::fs::remove_file(&fake);
    remi.find("#photo").await.send_keys(photo.to_str().unwrap()).await.unwrap();
    remi.click("#save-photo").await;
    let m = remi.wait_text("#scan-message", |t| t.contains("照片已保存")).await;
    assert!(m.contains('1'), "{m}");
    let shown = remi.image_width("#photos img").await;
    assert_eq!(shown, 4, "the thumbnail is the photo, served from the database");
    remi.check_layout().await;
    remi.goto("/console/returns").await;
    assert!(remi.text("#unidentified").await.contains("SMUDGED-LABEL"));
    remi.click("#unidentified a").await;

    // Matched to its return by hand: a scanner's Enter is not the decision, the button is.
    remi.click("#return_no").await;
    remi.wedge(&no).await;
    assert_eq!(app.count("unidentified_returns WHERE status = 'open'"), 1, "Enter is not a decision");
    remi.click("#resolve").await;
    remi.wait_path(&format!("/console/returns/{no}")).await;
    assert!(remi.text("#weight-flag").await.contains("偏轻"));
    assert_eq!(remi.find_all("#photos img").await, 1, "the parcel's photo came with it");
    remi.check_layout().await;

    // A scanner's Enter in the grade form submits nothing.
    remi.js("document.getElementById('grade_1_1').value = 'sellable_repack'").await;
    remi.click("#note_1_1").await;
    remi.wedge("relabelled").await;
    assert_eq!(app.count("return_units WHERE grade IS NOT NULL"), 0, "Enter is not a decision");
    remi.click("#save-grades").await;
    remi.wait_text("#return-status", |s| s.contains("已质检")).await;
    remi.check_layout().await;

    // The unit's photo, the evidence behind its grade (its supplier sees it).
    remi.js("document.getElementById('photo_unit').value = '1_1'").await;
    remi.find("#photo").await.send_keys(photo.to_str().unwrap()).await.unwrap();
    remi.click("#save-photo").await;
    remi.wait_text("#scan-message", |t| t.contains("照片已保存")).await;
    assert_eq!(remi.find_all("#photos li[data-unit='1-1']").await, 1);
    let _ = std::fs::remove_file(&photo);

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
