//! The inbound floor screens driven by "scans": a keyboard-wedge scanner
//! types the code into the focused field and presses Enter.

use serde_json::json;

use crate::common::{TestApp, sku_body, spawn_app};
use crate::driver::Browser;
use crate::{bins, signed_in};

/// A submitted shipment of `units` of one new SKU in two cartons (the
/// first holds 5). Returns (shipment number, tracking number, unit barcode).
async fn shipment(app: &TestApp, tracking: &str) -> (String, String) {
    let (_, supplier) = app.supplier("ACME");
    let (_, sku) = app.post("/api/v1/skus", &supplier, &sku_body(1)).await;
    let id = sku["id"].as_str().unwrap();
    let (s, asn) = app
        .post(
            "/api/v1/asns",
            &supplier,
            &json!({"estimated_arrival": "2026-12-01T08:00:00Z", "carrier": "SF", "tracking_no": tracking,
                "lines": [{"sku_id": id, "quantity": 10}],
                "cartons": [{"repeat": 2, "contents": [{"sku_id": id, "quantity": 5}]}]}),
        )
        .await;
    assert_eq!(s, 201, "{asn}");
    let asn_id = asn["id"].as_str().unwrap();
    let (s, _) = app.post(&format!("/api/v1/asns/{asn_id}/submit"), &supplier, &json!({})).await;
    assert_eq!(s, 200);
    (asn["asn_no"].as_str().unwrap().to_owned(), sku["barcode"].as_str().unwrap().to_owned())
}

async fn scan(b: &Browser, code: &str) {
    assert_eq!(b.focused_id().await, "scan", "the scan field has the focus");
    b.client.active_element().await.unwrap().send_keys(&format!("{code}\n")).await.unwrap();
}

async fn message(b: &Browser, ok: impl Fn(&str) -> bool) -> String {
    b.wait_text("#scan-message", ok).await
}

#[actix_web::test]
async fn a_shipment_goes_from_the_dock_to_the_shelf_by_scans() {
    let app = spawn_app().await;
    bins(&app, &["A-01-01-01", "A-01-01-02"]);
    let (asn_no, barcode) = shipment(&app, "SF777").await;
    let rita = signed_in(&app, "rita", "receiver").await;

    // Dock: the tracking number checks it in; a carton label counts the carton.
    rita.goto("/console/dock").await;
    scan(&rita, "sf777").await;
    let m = message(&rita, |t| t.contains(&asn_no)).await;
    assert!(m.contains("已签收"), "{m}");
    scan(&rita, &format!("{asn_no}-C001")).await;
    message(&rita, |t| t.contains("第 1 箱已登记")).await;
    scan(&rita, "NO-SUCH-LABEL").await;
    let problem = rita.text("#problems").await;
    assert!(problem.contains("找不到该物流单号或箱唛"), "{problem}");
    assert_eq!(rita.focused_id().await, "scan", "ready for the next scan after a miss");

    // Receiving: open carton 1 by its label, scan one unit, key 4 more.
    rita.click(&format!("a[href='/console/receiving/{asn_no}']")).await;
    rita.wait_text("#asn-no", |t| t == asn_no).await;
    scan(&rita, &format!("{asn_no}-C001")).await;
    message(&rita, |t| t.contains("已开第 1 箱")).await;
    scan(&rita, &barcode).await;
    message(&rita, |t| t.contains("已点入第 1 箱")).await;
    assert_eq!(rita.text("#tally td.counted").await, "1");
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
    rita.click("#close-receipt").await;
    message(&rita, |t| t.contains("收货已完成")).await;
    assert_eq!(rita.text("#report td.short").await, "1", "the discrepancy report shows the short unit");
    assert_eq!(
        rita.find("#asn-status").await.attr("data-status").await.unwrap().as_deref(),
        Some("partly_received")
    );

    // QC: one unit at a time by the plan, until the lot is decided.
    let quinn = signed_in(&app, "quinn", "qc").await;
    quinn.goto(&format!("/console/qc/{asn_no}")).await;
    let plan = quinn.text("#plan").await;
    assert!(plan.contains("8"), "the lot is the 8 good units: {plan}");
    quinn.type_into("#weight-g", "262").await;
    quinn.type_into("#length-mm", "101").await;
    quinn.type_into("#width-mm", "80").await;
    quinn.type_into("#height-mm", "61").await;
    quinn.click("#save-measure").await;
    message(&quinn, |t| t.contains("实测重量与尺寸已记录")).await;
    let mut clicks = 0;
    while quinn.client.find(fantoccini::Locator::Css("#pass")).await.is_ok() {
        quinn.click("#pass").await;
        clicks += 1;
        quinn.wait_text("#scan-message", |t| !t.is_empty()).await;
        assert!(clicks <= 8, "the plan never samples more than the lot");
    }
    message(&quinn, |t| t.contains("批合格")).await;
    assert_eq!(
        quinn.find("#asn-status").await.attr("data-status").await.unwrap().as_deref(),
        Some("inspected")
    );

    // Putaway: scan a unit, see the suggested bin, scan it.
    rita.goto(&format!("/console/putaway/{asn_no}")).await;
    scan(&rita, &barcode).await;
    let suggested = rita.text("#suggested").await;
    assert_eq!(suggested, "A-01-01-01", "the first empty storage bin along the walk");
    scan(&rita, &suggested).await;
    message(&rita, |t| t.contains("已上架到 A-01-01-01")).await;
    rita.find("#all-put-away").await;
    assert_eq!(
        rita.find("#asn-status").await.attr("data-status").await.unwrap().as_deref(),
        Some("completed")
    );
    rita.close().await;
    quinn.close().await;
}

#[actix_web::test]
async fn a_second_clerk_cannot_count_a_carton_that_is_open_elsewhere() {
    let app = spawn_app().await;
    let (asn_no, _) = shipment(&app, "SF888").await;
    let rita = signed_in(&app, "rita", "receiver").await;
    let bob = signed_in(&app, "bob", "receiver").await;
    rita.goto(&format!("/console/receiving/{asn_no}")).await;
    scan(&rita, &format!("{asn_no}-C002")).await;
    message(&rita, |t| t.contains("已开第 2 箱")).await;
    bob.goto(&format!("/console/receiving/{asn_no}")).await;
    scan(&bob, &format!("{asn_no}-C002")).await;
    let problem = bob.text("#problems").await;
    assert!(problem.contains("该箱正由其他收货员清点"), "{problem}");
    let row = bob.text("#cartons tr[data-carton='2']").await;
    assert!(row.contains("staff:rita"), "who has it is shown: {row}");
    // The dashboard's scan field opens a shipment by its tracking number too.
    bob.goto("/console").await;
    scan(&bob, "SF888").await;
    bob.wait_path(&format!("/console/receiving/{asn_no}")).await;
    rita.close().await;
    bob.close().await;
}
