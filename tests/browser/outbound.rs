//! The outbound floor screens driven by scans: a supervisor releases a
//! wave, a picker walks it one task at a time (every unit scanned, or one
//! and the count keyed in and confirmed), a packer scans a tote and its
//! units, weighs, gets held, a supervisor accepts the parcel, and the
//! packer finds it again to print and reprint its label.

use crate::common::spawn_app;
use crate::driver::{Browser, Width};
use crate::world::{self, Floor};
use crate::{both_widths, signed_in_to};

async fn scan(b: &Browser, code: &str) {
    b.wait_focus("scan").await;
    b.wedge(code).await;
}

async fn step(b: &Browser, expected: &str) {
    b.wait_text("#step", |_| true).await;
    let got = b.find("#step").await.attr("data-step").await.unwrap().unwrap_or_default();
    assert_eq!(got, expected);
}

async fn units(b: &Browser) -> String {
    b.text("#units-scanned").await
}

/// Item 6: a quantity of N needs N unit scans, or one scan and the count
/// keyed in and confirmed; never N from one scan.
async fn a_picker_scans_every_unit_or_keys_the_count_in(width: Width) {
    let app = spawn_app().await;
    let f: Floor = world::floor(&app, &[("A-01-01-01", 3), ("A-01-01-02", 2)]).await;
    let o = world::order(&app, &f, "BR-PICK-1", 5).await;

    // The supervisor plans and releases the wave in the console.
    let sam = signed_in_to(&app, "sam2", "supervisor", width, "/console/waves").await;
    sam.check_layout().await;
    assert!(sam.text("#waiting").await.contains("US"), "the waiting orders are listed");
    sam.click("#release-wave").await;
    let m = sam.wait_text("#scan-message", |t| t.contains("已放出")).await;
    assert!(m.contains("2 个拣货任务"), "{m}");
    assert!(sam.text("#wave-list").await.contains("0 / 5"), "the wave's progress is listed");

    let pia = signed_in_to(&app, "pia", "picker", width, "/console/pick").await;
    pia.click("#next-task").await;
    assert_eq!(pia.text("#task-bin").await, "A-01-01-01");
    assert_eq!(pia.text("#task-qty").await, "3");
    pia.check_layout().await;
    step(&pia, "bin").await;
    scan(&pia, "A-01-01-02").await;
    let p = pia.wait_text("#problems", |_| true).await;
    assert!(p.contains("库位不对"), "{p}");
    assert_eq!(pia.text("#alert-expected").await, "A-01-01-01");
    scan(&pia, "Z-09-09-09").await;
    let p = pia.wait_text("#problems", |t| !t.contains("库位不对")).await;
    assert!(p.contains("这不是库位条码"), "an unknown code says something else: {p}");
    step(&pia, "bin").await;
    scan(&pia, "a-01-01-01").await;
    step(&pia, "unit").await;

    // One scan is one unit: the tote is not taken until all three are in.
    scan(&pia, &f.sku.1).await;
    step(&pia, "unit").await;
    assert_eq!(units(&pia).await, "1");
    scan(&pia, "TOTE-41").await;
    pia.wait_text("#problems", |_| true).await;
    step(&pia, "unit").await;
    assert_eq!(app.count("stock_movements WHERE reason = 'picked'"), 0, "nothing picked from one scan");
    // The count keyed in: Enter in the field does not confirm it.
    pia.check_layout().await;
    pia.click("#count").await;
    pia.client.active_element().await.unwrap().send_keys("3\n").await.unwrap();
    let blocked = pia.find("#key-count").await.attr("data-enter-blocked").await.unwrap();
    assert_eq!(blocked.as_deref(), Some("1"));
    assert_eq!(units(&pia).await, "1");
    pia.click("#confirm-count").await;
    step(&pia, "tote").await;
    assert_eq!(units(&pia).await, "3");
    pia.click("#scan").await;
    scan(&pia, "TOTE-41").await;
    let m = pia.wait_text("#scan-message", |t| t.contains("TOTE-41")).await;
    assert!(m.contains("× 3"), "{m}");

    // Straight on to the next task: two units, each scanned.
    assert_eq!(pia.text("#task-bin").await, "A-01-01-02");
    scan(&pia, "A-01-01-02").await;
    step(&pia, "unit").await;
    scan(&pia, &f.sku.1).await;
    step(&pia, "unit").await;
    scan(&pia, &f.sku.1).await;
    step(&pia, "tote").await;
    scan(&pia, "TOTE-42").await;
    let p = pia.wait_text("#problems", |_| true).await;
    assert!(p.contains("周转箱不对"), "one order, one tote: {p}");
    scan(&pia, "TOTE-41").await;
    pia.wait_text("#scan-message", |t| t.contains("已拣入 TOTE-41")).await;
    pia.find("#next-task").await;
    let (_, o) = app.get(&format!("/api/v1/orders/{}", o["id"].as_str().unwrap()), &f.platform).await;
    assert_eq!((o["status"].as_str(), o["tote"].as_str()), (Some("picked"), Some("TOTE-41")));

    sam.goto("/console/waves").await;
    assert!(sam.text("#wave-list").await.contains("5 / 5"), "the wave is picked");
    pia.close().await;
    sam.close().await;
}

/// A short pick is its own action, with the reason chosen on purpose.
async fn a_short_pick_needs_a_reason_and_goes_to_the_supervisor(width: Width) {
    let app = spawn_app().await;
    let f = world::floor(&app, &[("A-01-01-01", 2), ("A-01-01-02", 3)]).await;
    world::order(&app, &f, "BR-SHORT-1", 2).await;
    world::ok(&app, "/api/v1/waves", &f.supervisor, serde_json::json!({})).await;
    let pia = signed_in_to(&app, "pia", "picker", width, "/console/pick").await;
    pia.click("#next-task").await;
    scan(&pia, "A-01-01-01").await;
    step(&pia, "unit").await;
    scan(&pia, &f.sku.1).await;
    pia.click("#short-pick summary").await;
    pia.check_layout().await;
    let chosen = pia.find("#short-reason").await.prop("value").await.unwrap();
    assert_eq!(chosen.as_deref(), Some(""), "no reason is preselected");
    pia.find("#short-reason").await.select_by_value("missing").await.unwrap();
    pia.type_into("#short-tote", "TOTE-51").await;
    pia.click("#short-submit").await;
    let m = pia.wait_text("#scan-message", |t| t.contains("TOTE-51")).await;
    assert!(m.contains("缺 1 件"), "{m}");
    let sam = signed_in_to(&app, "sam2", "supervisor", Width::Desktop, "/console/exceptions").await;
    let row = sam.text("#exceptions tr[data-kind='short_missing']").await;
    assert!(row.contains("A-01-01-01") && row.contains("库位无货"), "{row}");
    pia.close().await;
    sam.close().await;
}

/// Item 7: a parcel released from a weight hold is found again by tote,
/// parcel, order or tracking number; any packed parcel's label can be
/// reprinted, and every print is recorded.
async fn a_held_parcel_is_found_again_and_its_label_reprinted(width: Width) {
    let app = spawn_app().await;
    let f = world::floor(&app, &[("A-01-01-01", 5)]).await;
    let o = world::order(&app, &f, "BR-PACK-1", 2).await;
    world::picked(&app, &f, "TOTE-9").await;

    let paco = signed_in_to(&app, "paco", "packer", width, "/console/pack").await;
    paco.check_layout().await;
    scan(&paco, "TOTE-8").await;
    let p = paco.wait_text("#problems", |_| true).await;
    assert!(p.contains("TOTE-8"), "{p}");
    scan(&paco, "tote-9").await;
    paco.wait_text("#parcel-no", |t| t.starts_with("PCL-")).await;
    let path = paco.path().await;
    let parcel_no = paco.text("#parcel-no").await;
    assert_eq!(paco.text("#order-no").await, o["order_no"].as_str().unwrap());
    paco.check_layout().await;
    if width == Width::Handheld {
        paco.screenshot("pack-station-handheld").await;
    }
    scan(&paco, "6900000000000").await;
    let p = paco.wait_text("#problems", |_| true).await;
    assert!(p.contains("找不到该商品条码") || p.contains("不在此订单"), "{p}");
    scan(&paco, &f.sku.1).await;
    paco.wait_text("#remaining", |t| t == "1").await;
    scan(&paco, &f.sku.1).await;
    // All in: the weight field takes the focus; an almost empty box is held.
    paco.wait_text("#scan-message", |t| t.contains("还剩 0 件")).await;
    paco.wait_focus("weight").await;
    paco.client.active_element().await.unwrap().send_keys("120\n").await.unwrap();
    let m = paco.wait_text("#problems", |t| t.contains("重量异常")).await;
    assert!(m.contains("590"), "expected 2 × 250 g + 90 g tare: {m}");
    assert_eq!(paco.find("#parcel-status").await.attr("data-status").await.unwrap().as_deref(), Some("held"));

    let sam = signed_in_to(&app, "sam2", "supervisor", Width::Desktop, "/console/exceptions").await;
    let row = sam.text("#exceptions tr[data-kind='weight_hold']").await;
    assert!(row.contains("120") && row.contains("590"), "described from its facts: {row}");
    sam.type_into("#exceptions tr[data-kind='weight_hold'] input[name='note']", "checked: right units").await;
    sam.click("#exceptions tr[data-kind='weight_hold'] button[value='accept']").await;
    sam.wait_text("#scan-message", |t| t.contains("已处理")).await;
    sam.find("#no-exceptions").await;

    // Found again at the pack station by each of its numbers.
    paco.goto("/console/pack").await;
    scan(&paco, o["order_no"].as_str().unwrap()).await;
    paco.wait_path(&path).await;
    let tracking = paco.wait_text("#tracking", |t| t.starts_with("LX")).await;
    for code in [parcel_no.as_str(), tracking.as_str(), "TOTE-9"] {
        paco.goto("/console/pack").await;
        scan(&paco, &code.to_ascii_lowercase()).await;
        paco.wait_path(&path).await;
    }
    paco.check_layout().await;

    // Printed from the page (a hidden frame), and printed again: each recorded.
    assert_eq!(app.count("label_prints"), 0);
    paco.click("#print-label").await;
    paco.wait_text("#scan-message", |t| t.contains("第 1 份")).await;
    let printed = paco
        .js("return new Promise(r => { const t = setInterval(() => { const p = document.documentElement.getAttribute('data-printed'); if (p) { clearInterval(t); r(p); } }, 50); })")
        .await;
    assert_eq!(printed.as_str(), Some(format!("{path}/label").as_str()));
    let frame_text =
        paco.js("return document.getElementById('print-frame').contentDocument.body.innerText").await;
    assert!(
        frame_text.as_str().unwrap_or_default().contains(&tracking),
        "the frame holds the label: {frame_text}"
    );
    paco.click("#print-label").await;
    paco.wait_text("#scan-message", |t| t.contains("补打") && t.contains("第 2 份")).await;
    assert_eq!(app.count("label_prints"), 2);
    let prints = paco.text("#prints").await;
    assert!(prints.contains("首次打印") && prints.contains("补打 1") && prints.contains("paco"), "{prints}");
    paco.goto(&format!("{path}/label")).await;
    let label = paco.text("body").await;
    for part in ["Jane Doe", "1 Main St", "Springfield IL 62701", &tracking, "950300"] {
        assert!(label.contains(part), "{part} missing from the label: {label}");
    }
    // Each time the address was shown is in the admins' audit log: the two
    // prints and the label opened on its own.
    let order_no = o["order_no"].as_str().unwrap();
    let ada = signed_in_to(&app, "ada", "admin", width, "/console/staff").await;
    ada.click("a[href='/console/staff/pii-reads']").await;
    ada.wait_path("/console/staff/pii-reads").await;
    ada.check_layout().await;
    let rows = ada.text("#pii-reads tbody").await;
    assert_eq!(rows.matches(order_no).count(), 3, "{rows}");
    assert!(rows.contains("paco") && rows.contains("控制台打印面单") && !rows.contains("Jane"), "{rows}");
    paco.close().await;
    sam.close().await;
    ada.close().await;
}

both_widths!(
    a_picker_scans_every_unit_or_keys_the_count_in,
    a_short_pick_needs_a_reason_and_goes_to_the_supervisor,
    a_held_parcel_is_found_again_and_its_label_reprinted,
);
