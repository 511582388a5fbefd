//! The warehouse a browser test starts from, arranged through the real API:
//! shipments at every inbound step, stock on the shelves, orders at every
//! outbound step.

use serde_json::{Value, json};

use crate::bins;
use crate::common::{TestApp, sku_body};

/// A submitted shipment of one new SKU.
pub struct Shipment {
    pub id: String,
    pub asn_no: String,
    pub sku_id: String,
    pub barcode: String,
    /// A receiver's personal key (for arranging steps through the API).
    pub staff: String,
}

pub async fn ok(app: &TestApp, path: &str, key: &str, body: Value) -> Value {
    let (s, r) = app.post(path, key, &body).await;
    assert!((200..300).contains(&s), "{path}: {s} {r}");
    r
}

/// A shipment of SKU `n` (of supplier `supplier_code`) in cartons holding
/// `cartons` units each, submitted, with tracking number `tracking`.
pub async fn shipment_of(
    app: &TestApp,
    supplier_code: &str,
    n: u32,
    tracking: &str,
    cartons: &[i64],
) -> Shipment {
    let (_, supplier) = app.supplier(supplier_code);
    let (s, sku) = app.post("/api/v1/skus", &supplier, &sku_body(n)).await;
    assert_eq!(s, 201, "{sku}");
    let id = sku["id"].as_str().unwrap().to_owned();
    let total: i64 = cartons.iter().sum();
    let boxes: Vec<Value> =
        cartons.iter().map(|q| json!({"contents": [{"sku_id": id, "quantity": q}]})).collect();
    let asn = ok(
        app,
        "/api/v1/asns",
        &supplier,
        json!({"estimated_arrival": chrono::Utc::now().to_rfc3339(), "carrier": "SF",
               "tracking_no": tracking, "lines": [{"sku_id": id, "quantity": total}], "cartons": boxes}),
    )
    .await;
    let asn_id = asn["id"].as_str().unwrap().to_owned();
    ok(app, &format!("/api/v1/asns/{asn_id}/submit"), &supplier, json!({})).await;
    let staff = app.staff(&format!("arranger-{}", tracking.to_ascii_lowercase()), "supervisor");
    Shipment {
        id: asn_id,
        asn_no: asn["asn_no"].as_str().unwrap().to_owned(),
        sku_id: id,
        barcode: sku["barcode"].as_str().unwrap().to_owned(),
        staff,
    }
}

pub async fn shipment(app: &TestApp, tracking: &str, cartons: &[i64]) -> Shipment {
    shipment_of(app, "ACME", 1, tracking, cartons).await
}

/// Every carton counted in full and the receipt closed: the units wait in QC.
pub async fn received(app: &TestApp, s: &Shipment, cartons: &[i64]) {
    for (i, q) in cartons.iter().enumerate() {
        let n = i + 1;
        ok(app, &format!("/api/v1/asns/{}/cartons/open", s.id), &s.staff, json!({"carton": n.to_string()}))
            .await;
        ok(
            app,
            &format!("/api/v1/asns/{}/scans", s.id),
            &s.staff,
            json!({"carton_no": n, "barcode": s.barcode, "quantity": q}),
        )
        .await;
        ok(app, &format!("/api/v1/asns/{}/cartons/{n}/close", s.id), &s.staff, json!({})).await;
    }
    ok(app, &format!("/api/v1/asns/{}/close-receipt", s.id), &s.staff, json!({})).await;
}

/// QC passes every sample: the units wait for putaway.
pub async fn inspected(app: &TestApp, s: &Shipment) {
    loop {
        let (_, lots) = app.get(&format!("/api/v1/asns/{}/qc", s.id), &s.staff).await;
        let lot = &lots[0];
        if lot["status"] == "accepted" {
            return;
        }
        ok(
            app,
            &format!("/api/v1/asns/{}/qc/{}/samples", s.id, s.sku_id),
            &s.staff,
            json!({"result": "pass"}),
        )
        .await;
    }
}

/// Stock on the shelves and who works the outbound side.
pub struct Floor {
    pub supervisor: String,
    pub platform: String,
    /// (id, barcode) of one SKU.
    pub sku: (String, String),
}

pub async fn floor(app: &TestApp, stock: &[(&str, i64)]) -> Floor {
    bins(app, &["A-01-01-01", "A-01-01-02", "A-01-01-03"]);
    let (_, supplier) = app.supplier("ACME");
    let (s, sku) = app.post("/api/v1/skus", &supplier, &sku_body(1)).await;
    assert_eq!(s, 201, "{sku}");
    let supervisor = app.staff("sam", "supervisor");
    for (bin, q) in stock {
        ok(
            app,
            "/api/v1/stock/adjustments",
            &supervisor,
            json!({"sku_id": sku["id"], "bin": bin, "quantity": q, "reason": "found", "note": "opening stock"}),
        )
        .await;
    }
    Floor {
        supervisor,
        platform: app.platform_key(),
        sku: (sku["id"].as_str().unwrap().to_owned(), sku["barcode"].as_str().unwrap().to_owned()),
    }
}

pub async fn order(app: &TestApp, f: &Floor, id: &str, quantity: i64) -> Value {
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

/// A wave released and every task of it picked into `tote` through the API.
pub async fn picked(app: &TestApp, f: &Floor, tote: &str) {
    ok(app, "/api/v1/waves", &f.supervisor, json!({})).await;
    let picker = app.staff(&format!("picker-{}", tote.to_ascii_lowercase()), "picker");
    loop {
        let (s, t) = app.post("/api/v1/pick-tasks/claim", &picker, &json!({})).await;
        if s == 204 {
            return;
        }
        let (bin, barcode) =
            (t["bin_code"].as_str().unwrap().to_owned(), t["barcode"].as_str().unwrap().to_owned());
        ok(
            app,
            &format!("/api/v1/pick-tasks/{}/confirm", t["id"].as_str().unwrap()),
            &picker,
            json!({"bin": bin, "barcode": barcode, "tote": tote}),
        )
        .await;
    }
}
