//! The inbound floor screens driven by "scans": a keyboard-wedge scanner
//! types the code into the focused field and presses Enter. Each floor
//! flow runs on a desktop and on a 480 px handheld.

use custody::warehouse::domain::BinType;

use crate::common::spawn_app;
use crate::driver::{Browser, Width};
use crate::world::{self, Shipment};
use crate::{bins, bins_of, both_widths, signed_in_at, signed_in_to};

async fn scan(b: &Browser, code: &str) {
    b.wait_focus("scan").await;
    b.wedge(code).await;
}

async fn message(b: &Browser, ok: impl Fn(&str) -> bool) -> String {
    b.wait_text("#scan-message", ok).await
}

/// A refusal: the loud panel, the error sound, what was scanned, and the
/// field ready with the scanned text selected for the next scan.
async fn refused(b: &Browser, scanned: &str) -> String {
    let text = b.wait_text("#problems", |_| true).await;
    assert_eq!(b.text("#alert-scanned").await, scanned, "the panel shows what was scanned");
    assert_eq!(b.sound().await, ("error".to_owned(), "running".to_owned()), "the error sound played");
    b.wait_focus("scan").await;
    let selected = b
        .js("const f = document.activeElement; return f.value.substring(f.selectionStart, f.selectionEnd)")
        .await;
    assert_eq!(selected.as_str(), Some(scanned), "the scanned text is kept, selected");
    text
}

fn status(app: &crate::common::TestApp, asn_no: &str) -> String {
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct S {
        #[diesel(sql_type = diesel::sql_types::Text)]
        status: String,
    }
    let mut conn = app.pool.get().unwrap();
    diesel::sql_query(format!("SELECT status FROM asns WHERE asn_no = '{asn_no}'"))
        .get_result::<S>(&mut *conn)
        .unwrap()
        .status
}

async fn a_shipment_goes_from_the_dock_to_the_shelf_by_scans(width: Width) {
    let app = spawn_app().await;
    bins(&app, &["A-01-01-01", "A-01-01-02"]);
    let s = world::shipment(&app, "SF777", &[5, 5]).await;
    let (asn_no, barcode) = (s.asn_no.clone(), s.barcode.clone());
    let rita = signed_in_at(&app, "rita", "receiver", width).await;

    // Dock: the tracking number checks it in; a carton label counts the carton.
    rita.goto("/console/dock").await;
    rita.check_layout().await;
    scan(&rita, "sf777").await;
    let m = message(&rita, |t| t.contains(&asn_no)).await;
    assert!(m.contains("已签收"), "{m}");
    scan(&rita, &format!("{asn_no}-C001")).await;
    message(&rita, |t| t.contains("第 1 箱已登记")).await;
    scan(&rita, "NO-SUCH-LABEL").await;
    let problem = refused(&rita, "NO-SUCH-LABEL").await;
    assert!(problem.contains("找不到该物流单号或箱唛"), "{problem}");

    // Receiving: open carton 1 by its label, scan one unit, key 4 more.
    rita.click(&format!("a[href='/console/receiving/{asn_no}']")).await;
    rita.wait_text("#asn-no", |t| t == asn_no).await;
    rita.check_layout().await;
    scan(&rita, &format!("{asn_no}-C001")).await;
    message(&rita, |t| t.contains("已开第 1 箱")).await;
    scan(&rita, &barcode).await;
    message(&rita, |t| t.contains("已点入第 1 箱")).await;
    assert_eq!(rita.text("#tally td.counted").await, "1");
    rita.check_layout().await;
    rita.type_into("#quantity", "4").await;
    rita.click("#scan").await;
    scan(&rita, &barcode).await;
    rita.wait_text("#tally td.counted", |t| t == "5").await;
    rita.click("#close-carton").await;
    message(&rita, |t| t.contains("第 1 箱已完成")).await;
    // Carton 2: three good units and a damaged one; one is missing.
    scan(&rita, "2").await;
    message(&rita, |t| t.contains("已开第 2 箱")).await;
    rita.type_into("#quantity", "3").await;
    rita.click("#scan").await;
    scan(&rita, &barcode).await;
    rita.wait_text("#tally td.counted", |t| t == "8").await;
    rita.click("#damaged").await;
    rita.click("#scan").await;
    scan(&rita, &barcode).await;
    message(&rita, |t| t.contains("破损")).await;
    rita.click("#close-carton").await;
    message(&rita, |t| t.contains("第 2 箱已完成")).await;

    // Short: closing asks first, with the reason chosen on purpose.
    rita.click("#close-receipt").await;
    rita.wait_path(&format!("/console/receiving/{asn_no}/close")).await;
    rita.check_layout().await;
    assert_eq!(rita.text("#shortages td.short").await, "1");
    let chosen = rita.find("#short-reason").await.prop("value").await.unwrap();
    assert_eq!(chosen.as_deref(), Some(""), "no reason is preselected");
    assert_eq!(status(&app, &asn_no), "receiving", "nothing closed yet");
    rita.find("#short-reason").await.select_by_value("supplier_short").await.unwrap();
    rita.click("#confirm-close").await;
    message(&rita, |t| t.contains("收货已完成")).await;
    assert_eq!(rita.text("#report td.short").await, "1", "the discrepancy report shows the short unit");
    assert_eq!(status(&app, &asn_no), "partly_received");

    // QC: every sample unit is scanned, then passed by hand.
    let quinn = signed_in_to(&app, "quinn", "qc", width, &format!("/console/qc/{asn_no}")).await;
    quinn.check_layout().await;
    let plan = quinn.text("#plan").await;
    assert!(plan.contains("8"), "the lot is the 8 good units: {plan}");
    let mut units = 0;
    while quinn.find_all("#current-lot").await > 0 {
        scan(&quinn, &barcode).await;
        quinn.wait_text("#step", |_| true).await;
        assert_eq!(quinn.find("#step").await.attr("data-step").await.unwrap().as_deref(), Some("verdict"));
        quinn.check_layout().await;
        quinn.click("#pass").await;
        quinn.wait_text("#scan-message", |t| t.contains("已检") || t.contains("批合格")).await;
        units += 1;
        assert!(units <= 8, "the plan never samples more than the lot");
    }
    message(&quinn, |t| t.contains("批合格")).await;
    assert_eq!(status(&app, &asn_no), "inspected");

    // Putaway: scan a unit, see the suggested bin, scan it.
    rita.goto(&format!("/console/putaway/{asn_no}")).await;
    scan(&rita, &barcode).await;
    let suggested = rita.text("#suggested").await;
    assert_eq!(suggested, "A-01-01-01", "the first empty storage bin along the walk");
    rita.check_layout().await;
    scan(&rita, &suggested).await;
    message(&rita, |t| t.contains("已上架到 A-01-01-01")).await;
    rita.find("#all-put-away").await;
    assert_eq!(status(&app, &asn_no), "completed");
    rita.close().await;
    quinn.close().await;
}

/// Item 1: the QC page is driven by scans; Enter never records a verdict.
async fn qc_records_a_verdict_only_for_a_scanned_unit_and_only_by_hand(width: Width) {
    let app = spawn_app().await;
    let s = world::shipment(&app, "SF901", &[8]).await;
    world::received(&app, &s, &[8]).await;
    // Another supplier's product, in the catalog but not on this shipment.
    let other = world::shipment_of(&app, "OTHER", 2, "SF902", &[1]).await;
    let quinn = signed_in_to(&app, "quinn", "qc", width, &format!("/console/qc/{}", s.asn_no)).await;
    quinn.wait_focus("scan").await;

    // A stray Enter in the empty field records nothing.
    quinn.wedge("").await;
    quinn.wait_text("#problems", |_| true).await;
    let sampled = || app.count("qc_samples");
    assert_eq!(sampled(), 0);

    // Another supplier's unit and an unknown code are refused, each saying what it is.
    scan(&quinn, &other.barcode).await;
    let p = refused(&quinn, &other.barcode).await;
    assert!(p.contains("其他供应商"), "{p}");
    assert!(quinn.text("#alert-expected").await.contains(&s.barcode), "says what was expected");
    scan(&quinn, "6900000000000").await;
    let p = refused(&quinn, "6900000000000").await;
    assert!(p.contains("找不到该商品条码"), "an unknown code says something else: {p}");

    // The unit scanned: now a verdict, by hand. The scanner's Enter, again
    // and again, records nothing.
    scan(&quinn, &s.barcode).await;
    quinn.wait_text("#verdict", |_| true).await;
    quinn.wait_focus("scan").await;
    quinn.check_layout().await;
    quinn.wedge(&s.barcode).await;
    let p = quinn.wait_text("#problems", |_| true).await;
    assert!(p.contains("还未判定"), "the next unit waits for this one's verdict: {p}");
    assert_eq!(sampled(), 0, "Enter recorded no verdict");
    // Enter in the defect note does not submit the defect either.
    quinn.find("#defect-code").await.select_by_value("damaged").await.unwrap();
    quinn.click("#defect-note").await;
    quinn.wedge("bent corner").await;
    let blocked = quinn.find("form.defect").await.attr("data-enter-blocked").await.unwrap();
    assert_eq!(blocked.as_deref(), Some("1"), "Enter was kept from submitting the verdict");
    assert_eq!(sampled(), 0);
    quinn.click("#pass").await;
    message(&quinn, |t| t.contains("已检 1/")).await;
    assert_eq!(sampled(), 1);
    assert_eq!(quinn.find("#step").await.attr("data-step").await.unwrap().as_deref(), Some("unit"));

    // A defect that rejects the lot asks first; cancel keeps the unit waiting.
    scan(&quinn, &s.barcode).await;
    quinn.wait_text("#verdict", |_| true).await;
    let chosen = quinn.find("#defect-code").await.prop("value").await.unwrap();
    assert_eq!(chosen.as_deref(), Some(""), "no defect is preselected");
    quinn.find("#defect-code").await.select_by_value("counterfeit_or_infringing").await.unwrap();
    quinn.click("#defect").await;
    quinn.wait_path(&format!("/console/qc/{}/reject", s.asn_no)).await;
    quinn.check_layout().await;
    assert_eq!(quinn.text("#reject-units").await, "8");
    assert_eq!(sampled(), 1, "asking records nothing");
    quinn.click("#cancel").await;
    quinn.wait_text("#verdict", |_| true).await;
    quinn.find("#defect-code").await.select_by_value("counterfeit_or_infringing").await.unwrap();
    quinn.click("#defect").await;
    quinn.wait_path(&format!("/console/qc/{}/reject", s.asn_no)).await;
    quinn.click("#confirm-reject-lot").await;
    message(&quinn, |t| t.contains("批不合格")).await;
    assert_eq!(sampled(), 2);
    assert_eq!(status(&app, &s.asn_no), "returned");
    quinn.close().await;
}

/// Item 2: another carton's label switches the count to it; a carton
/// counted past its label raises an over exception at once.
async fn another_cartons_label_switches_the_count_and_an_over_count_is_raised_at_once(width: Width) {
    let app = spawn_app().await;
    let s = world::shipment(&app, "SF903", &[5, 5]).await;
    let rita =
        signed_in_to(&app, "rita", "receiver", width, &format!("/console/receiving/{}", s.asn_no)).await;
    scan(&rita, &format!("{}-C001", s.asn_no)).await;
    message(&rita, |t| t.contains("已开第 1 箱")).await;
    scan(&rita, &s.barcode).await;
    scan(&rita, &s.barcode).await;
    rita.wait_text("#tally td.counted", |t| t == "2").await;

    // Carton 2's label: carton 1 is paused (its 2 units kept), carton 2 shown.
    scan(&rita, &format!("{}-C002", s.asn_no)).await;
    let m = message(&rita, |t| t.contains("已开第 2 箱")).await;
    assert!(m.contains("第 1 箱已暂停"), "{m}");
    assert_eq!(rita.find("#open-carton").await.attr("data-carton").await.unwrap().as_deref(), Some("2"));
    assert!(rita.text("#cartons tr[data-carton='1']").await.contains("已暂停"));
    rita.check_layout().await;
    let counted = |carton: i32| {
        use diesel::RunQueryDsl;
        #[derive(diesel::QueryableByName)]
        struct N {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let mut conn = app.pool.get().unwrap();
        diesel::sql_query(format!(
            "SELECT CAST(COALESCE(SUM(counted), 0) AS BIGINT) AS n FROM asn_carton_items WHERE carton_no = {carton}"
        ))
        .get_result::<N>(&mut *conn)
        .unwrap()
        .n
    };
    for _ in 0..5 {
        scan(&rita, &s.barcode).await;
        rita.wait_text("#scan-message", |t| t.contains("第 2 箱")).await;
    }
    assert_eq!((counted(1), counted(2)), (2, 5), "every unit went into the carton shown");
    assert_eq!(app.count("receiving_exceptions"), 0);
    // One more than its label says: the over exception is raised now.
    scan(&rita, &s.barcode).await;
    let m = message(&rita, |t| t.contains("多出")).await;
    assert!(m.contains("第 2 箱超出箱唛数量 1 件"), "{m}");
    assert_eq!(rita.find("#scan-message").await.attr("data-kind").await.unwrap().as_deref(), Some("warn"));
    assert_eq!(rita.sound().await.0, "warn");
    assert_eq!(app.count("receiving_exceptions"), 1);
    assert!(rita.find("#open-lines tr.over").await.text().await.unwrap().contains("6"));

    // A form that still shows carton 1 (another tab) counts nothing.
    rita.js("document.querySelector('input[name=carton]').value = '1'").await;
    scan(&rita, &s.barcode).await;
    let p = rita.wait_text("#problems", |_| true).await;
    assert!(p.contains("不是你正在清点的箱"), "{p}");
    assert_eq!((counted(1), counted(2)), (2, 6));

    // Carton 1 is paused, not forgotten: the receipt cannot close over it.
    rita.click("#close-carton").await;
    message(&rita, |t| t.contains("第 2 箱已完成")).await;
    rita.click("#close-receipt").await;
    let p = rita.wait_text("#problems", |_| true).await;
    assert!(p.contains("还有未完成的箱"), "{p}");
    assert_eq!(status(&app, &s.asn_no), "receiving");
    rita.close().await;
}

/// Item 4: refusing a shipment at the dock asks first, with a reason chosen
/// on purpose and a note for "other".
async fn refusing_a_shipment_asks_for_a_reason_chosen_on_purpose(width: Width) {
    let app = spawn_app().await;
    let s = world::shipment(&app, "SF904", &[3]).await;
    let rita = signed_in_to(&app, "rita", "receiver", width, "/console/dock").await;
    rita.click(&format!("a[href='/console/dock/{}/reject']", s.asn_no)).await;
    rita.wait_path(&format!("/console/dock/{}/reject", s.asn_no)).await;
    rita.check_layout().await;
    let chosen = rita.find("#reject-reason").await.prop("value").await.unwrap();
    assert_eq!(chosen.as_deref(), Some(""), "no reason is preselected");
    // A scanner's Enter in the note submits nothing.
    rita.click("#reject-note").await;
    rita.wedge("SF904").await;
    assert_eq!(status(&app, &s.asn_no), "submitted");
    // "Other" without a note is refused, nothing changes.
    rita.find("#reject-reason").await.select_by_value("other").await.unwrap();
    rita.type_into("#reject-note", "").await;
    rita.click("#confirm-reject").await;
    let p = rita.wait_text("#problems", |_| true).await;
    assert!(p.contains("请填写说明"), "{p}");
    assert_eq!(status(&app, &s.asn_no), "submitted");
    assert_eq!(rita.path().await, format!("/console/dock/{}/reject", s.asn_no));
    rita.find("#reject-reason").await.select_by_value("other").await.unwrap();
    rita.type_into("#reject-note", "pallet soaked").await;
    rita.click("#confirm-reject").await;
    message(&rita, |t| t.contains("已拒收")).await;
    assert_eq!(rita.path().await, "/console/dock");
    assert_eq!(status(&app, &s.asn_no), "rejected_at_dock");
    rita.close().await;
}

/// Item 5: putaway into another bin than the suggestion warns and needs a
/// confirm; a bin holding another SKU is refused unless it is a mixed bin.
async fn putaway_off_the_suggestion_needs_a_confirm_and_never_mixes_skus(width: Width) {
    let app = spawn_app().await;
    bins(&app, &["A-01-01-01", "A-01-01-02", "A-01-01-03"]);
    bins_of(&app, BinType::Mixed, &["M-01-01-01"]);
    let s: Shipment = world::shipment(&app, "SF905", &[6]).await;
    world::received(&app, &s, &[6]).await;
    world::inspected(&app, &s).await;
    // Another SKU already in A-01-01-03 and in the mixed bin.
    let other = world::shipment_of(&app, "OTHER", 2, "SF906", &[2]).await;
    for bin in ["A-01-01-03", "M-01-01-01"] {
        world::ok(
            &app,
            "/api/v1/stock/adjustments",
            &other.staff,
            serde_json::json!({"sku_id": other.sku_id, "bin": bin, "quantity": 1, "reason": "found", "note": "seed"}),
        )
        .await;
    }
    let rita = signed_in_to(&app, "rita", "receiver", width, &format!("/console/putaway/{}", s.asn_no)).await;
    scan(&rita, &s.barcode).await;
    assert_eq!(rita.text("#suggested").await, "A-01-01-01");
    rita.type_into("#quantity", "2").await;
    rita.click("#scan").await;

    // A bin that holds another SKU: refused at the scan.
    scan(&rita, "A-01-01-03").await;
    let p = refused(&rita, "A-01-01-03").await;
    assert!(p.contains("已存放其他商品"), "{p}");
    assert_eq!(rita.text("#alert-expected").await, "A-01-01-01");
    let kept = rita.find("#quantity").await.prop("value").await.unwrap();
    assert_eq!(kept.as_deref(), Some("2"), "the quantity keyed in is kept");

    // Another empty bin: a warning and a confirm, never done by the scan alone.
    scan(&rita, "A-01-01-02").await;
    let m = message(&rita, |t| t.contains("不是建议库位")).await;
    assert!(m.contains("A-01-01-02") && m.contains("A-01-01-01"), "{m}");
    rita.wait_focus("scan").await;
    rita.check_layout().await;
    rita.wedge("A-01-01-02").await;
    message(&rita, |t| t.contains("不是建议库位")).await;
    assert_eq!(app.count("stock_movements WHERE reason = 'putaway'"), 0, "a scan alone never confirms");
    rita.click("#confirm-bin").await;
    message(&rita, |t| t.contains("已上架到 A-01-01-02")).await;
    assert_eq!(app.count("stock_movements WHERE reason = 'putaway'"), 1);

    // A mixed bin may hold several SKUs: with the confirm, it takes them.
    scan(&rita, &s.barcode).await;
    rita.type_into("#quantity", "1").await;
    rita.click("#scan").await;
    scan(&rita, "M-01-01-01").await;
    message(&rita, |t| t.contains("不是建议库位")).await;
    rita.click("#confirm-bin").await;
    message(&rita, |t| t.contains("已上架到 M-01-01-01")).await;
    rita.close().await;
}

both_widths!(
    a_shipment_goes_from_the_dock_to_the_shelf_by_scans,
    qc_records_a_verdict_only_for_a_scanned_unit_and_only_by_hand,
    another_cartons_label_switches_the_count_and_an_over_count_is_raised_at_once,
    refusing_a_shipment_asks_for_a_reason_chosen_on_purpose,
    putaway_off_the_suggestion_needs_a_confirm_and_never_mixes_skus,
);

#[actix_web::test]
async fn a_second_clerk_cannot_count_a_carton_that_is_open_elsewhere() {
    let app = spawn_app().await;
    let s = world::shipment(&app, "SF888", &[5, 5]).await;
    let rita = signed_in_at(&app, "rita", "receiver", Width::Desktop).await;
    let bob = signed_in_at(&app, "bob", "receiver", Width::Desktop).await;
    rita.goto(&format!("/console/receiving/{}", s.asn_no)).await;
    scan(&rita, &format!("{}-C002", s.asn_no)).await;
    message(&rita, |t| t.contains("已开第 2 箱")).await;
    bob.goto(&format!("/console/receiving/{}", s.asn_no)).await;
    scan(&bob, &format!("{}-C002", s.asn_no)).await;
    let problem = bob.text("#problems").await;
    assert!(problem.contains("该箱正由其他收货员清点"), "{problem}");
    let row = bob.text("#cartons tr[data-carton='2']").await;
    assert!(row.contains("rita"), "who has it is shown: {row}");
    // The dashboard's scan field opens a shipment by its tracking number too.
    bob.goto("/console").await;
    scan(&bob, "SF888").await;
    bob.wait_path(&format!("/console/receiving/{}", s.asn_no)).await;
    rita.close().await;
    bob.close().await;
}
