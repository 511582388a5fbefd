//! The outbound floor screens driven by scans: a supervisor releases a
//! wave, a picker walks it one task at a time (with a short pick), a packer
//! scans a tote and its units, weighs, gets held, a supervisor accepts the
//! parcel from the exceptions queue, and the label prints.

use serde_json::{Value, json};

use crate::common::{TestApp, sku_body, spawn_app};
use crate::driver::Browser;
use crate::{bins, signed_in};

struct Floor {
    supervisor: String,
    platform: String,
    /// (id, barcode) of one SKU.
    sku: (String, String),
}

async fn floor(app: &TestApp, stock: &[(&str, i64)]) -> Floor {
    bins(app, &["A-01-01-01", "A-01-01-02", "A-01-01-03"]);
    let (_, supplier) = app.supplier("ACME");
    let (s, sku) = app.post("/api/v1/skus", &supplier, &sku_body(1)).await;
    assert_eq!(s, 201, "{sku}");
    let supervisor = app.staff("sam", "supervisor");
    for (bin, q) in stock {
        let (s, r) = app
            .post(
                "/api/v1/stock/adjustments",
                &supervisor,
                &json!({"sku_id": sku["id"], "bin": bin, "quantity": q, "reason": "found", "note": "opening stock"}),
            )
            .await;
        assert_eq!(s, 200, "{r}");
    }
    Floor {
        supervisor,
        platform: app.platform_key(),
        sku: (sku["id"].as_str().unwrap().to_owned(), sku["barcode"].as_str().unwrap().to_owned()),
    }
}

async fn order(app: &TestApp, f: &Floor, id: &str, quantity: i64) -> Value {
    let body = json!({
        "platform_order_id": id, "shop": "ACME Official", "market": "US", "destination_country": "US",
        "service_level": "standard", "ship_by": (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339(),
        "lines": [{"sku_id": f.sku.0, "quantity": quantity, "unit_price": {"amount_minor": 1999, "currency": "USD"}}],
        "buyer": {"name": "Jane Doe", "phone": "+1 555 010 2034",
                  "address": {"line1": "1 Main St", "city": "Springfield", "region": "IL", "postal_code": "62701", "country": "US"}}
    });
    let (s, o) = app.post("/api/v1/orders", &f.platform, &body).await;
    assert_eq!((s, o["status"].as_str()), (201, Some("allocated")), "{o}");
    o
}

async fn scan(b: &Browser, code: &str) {
    assert_eq!(b.focused_id().await, "scan", "the scan field has the focus");
    b.client.active_element().await.unwrap().send_keys(&format!("{code}\n")).await.unwrap();
}

async fn step(b: &Browser, expected: &str) {
    b.wait_text("#step", |_| true).await;
    let got = b.find("#step").await.attr("data-step").await.unwrap().unwrap_or_default();
    assert_eq!(got, expected);
}

#[actix_web::test]
async fn a_picker_walks_a_wave_by_scans_with_a_short_pick() {
    let app = spawn_app().await;
    let f = floor(&app, &[("A-01-01-01", 2), ("A-01-01-02", 3)]).await;
    let o = order(&app, &f, "BR-PICK-1", 3).await;

    // The supervisor plans and releases the wave in the console.
    let sam = signed_in(&app, "sam2", "supervisor").await;
    sam.goto("/console/waves").await;
    assert!(sam.text("#waiting").await.contains("US"), "the waiting orders are listed");
    sam.click("#release-wave").await;
    let m = sam.wait_text("#scan-message", |t| t.contains("已放出")).await;
    assert!(m.contains("2 个拣货任务"), "{m}");

    let pia = signed_in(&app, "pia", "picker").await;
    pia.goto("/console/pick").await;
    pia.click("#next-task").await;
    assert_eq!(pia.text("#task-bin").await, "A-01-01-01");
    assert_eq!(pia.text("#task-qty").await, "2");
    step(&pia, "bin").await;
    scan(&pia, "A-01-01-02").await;
    let p = pia.wait_text("#problems", |_| true).await;
    assert!(p.contains("库位不对"), "{p}");
    step(&pia, "bin").await;
    scan(&pia, "a-01-01-01").await;
    step(&pia, "unit").await;
    // Only one unit is there: a short pick into a new tote.
    pia.click("#short-pick summary").await;
    pia.type_into("#short-unit", &f.sku.1).await;
    pia.type_into("#short-quantity", "1").await;
    pia.type_into("#short-tote", "TOTE-41").await;
    pia.click("#short-submit").await;
    let m = pia.wait_text("#scan-message", |t| t.contains("TOTE-41")).await;
    assert!(m.contains("缺 1 件"), "{m}");

    // Straight on to the next task: the rest, re-allocated from A-01-01-02.
    let mut picked = 0;
    while pia.find_all("#task").await > 0 {
        let bin = pia.text("#task-bin").await;
        assert_eq!(bin, "A-01-01-02");
        scan(&pia, &bin).await;
        step(&pia, "unit").await;
        scan(&pia, &f.sku.1).await;
        step(&pia, "tote").await;
        scan(&pia, "TOTE-42").await;
        let p = pia.wait_text("#problems", |_| true).await;
        assert!(p.contains("周转箱不对"), "one order, one tote: {p}");
        step(&pia, "tote").await;
        scan(&pia, "TOTE-41").await;
        pia.wait_text("#scan-message", |t| t.contains("已拣入 TOTE-41")).await;
        picked += 1;
        assert!(picked <= 2, "more tasks than units");
    }
    assert_eq!(picked, 2, "the original task and the re-allocated one");
    pia.find("#next-task").await;
    let (_, o) = app.get(&format!("/api/v1/orders/{}", o["id"].as_str().unwrap()), &f.platform).await;
    assert_eq!((o["status"].as_str(), o["tote"].as_str()), (Some("picked"), Some("TOTE-41")));

    // The short pick waits in the supervisor's queue; the buyer is masked in the order search.
    sam.goto("/console/exceptions").await;
    let row = sam.text("#exceptions tr[data-kind='short_missing']").await;
    assert!(row.contains("A-01-01-01"), "{row}");
    sam.goto("/console/orders?q=TOTE-41").await;
    let row = sam.text("#orders tbody tr").await;
    assert!(row.contains("J*** D***, ***-**34") && !row.contains("Jane"), "{row}");
    pia.close().await;
    sam.close().await;
}

#[actix_web::test]
async fn a_packer_scans_weighs_gets_held_and_prints_after_the_supervisor_accepts() {
    let app = spawn_app().await;
    let f = floor(&app, &[("A-01-01-01", 5)]).await;
    let o = order(&app, &f, "BR-PACK-1", 2).await;
    let (s, _) = app.post("/api/v1/waves", &f.supervisor, &json!({})).await;
    assert_eq!(s, 200);
    let picker = app.staff("pete", "picker");
    let (_, t) = app.post("/api/v1/pick-tasks/claim", &picker, &json!({})).await;
    let (s, r) = app
        .post(
            &format!("/api/v1/pick-tasks/{}/confirm", t["id"].as_str().unwrap()),
            &picker,
            &json!({"bin": "A-01-01-01", "barcode": f.sku.1, "tote": "TOTE-9"}),
        )
        .await;
    assert_eq!(s, 200, "{r}");

    let paco = signed_in(&app, "paco", "packer").await;
    paco.goto("/console/pack").await;
    scan(&paco, "TOTE-8").await;
    let p = paco.wait_text("#problems", |_| true).await;
    assert!(p.contains("没有待打包"), "{p}");
    scan(&paco, "tote-9").await;
    paco.wait_text("#parcel-no", |t| t.starts_with("PCL-")).await;
    let path = paco.path().await;
    assert!(path.starts_with("/console/pack/"), "{path}");
    assert_eq!(paco.text("#order-no").await, o["order_no"].as_str().unwrap());
    assert_eq!(paco.text("#suggested").await, "BOX-S");
    assert_eq!(paco.text("#remaining").await, "2");
    scan(&paco, "6900000000000").await;
    let p = paco.wait_text("#problems", |_| true).await;
    assert!(p.contains("该商品不在此订单中"), "{p}");
    scan(&paco, &f.sku.1).await;
    paco.wait_text("#remaining", |t| t == "1").await;
    scan(&paco, &f.sku.1).await;
    // All in: the weight field takes the focus; an almost empty box is held.
    paco.wait_text("#scan-message", |t| t.contains("还剩 0 件")).await;
    assert_eq!(paco.focused_id().await, "weight");
    paco.client.active_element().await.unwrap().send_keys("120\n").await.unwrap();
    let m = paco.wait_text("#scan-message", |t| t.contains("重量异常")).await;
    assert!(m.contains("590"), "expected 2 × 250 g + 90 g tare: {m}");
    let held = paco.find("#parcel-status").await.attr("data-status").await.unwrap();
    assert_eq!(held.as_deref(), Some("held"));

    let sam = signed_in(&app, "sam2", "supervisor").await;
    sam.goto("/console/exceptions").await;
    sam.type_into("#exceptions tr[data-kind='weight_hold'] input[name='note']", "checked: right units").await;
    sam.click("#exceptions tr[data-kind='weight_hold'] button[value='accept']").await;
    sam.wait_text("#scan-message", |t| t.contains("已处理")).await;
    sam.find("#no-exceptions").await;

    paco.goto(&path).await;
    let tracking = paco.wait_text("#tracking", |t| t.starts_with("LX")).await;
    assert!(tracking.ends_with("CN"), "{tracking}");
    assert_eq!(paco.focused_id().await, "scan", "ready for the next tote");
    paco.goto(&format!("{path}/label")).await;
    let label = paco.text("body").await;
    for part in ["Jane Doe", "1 Main St", "Springfield IL 62701", &tracking, "950300"] {
        assert!(label.contains(part), "{part} missing from the label: {label}");
    }
    paco.close().await;
    sam.close().await;
}
