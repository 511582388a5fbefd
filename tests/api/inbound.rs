//! Inbound end to end through the HTTP API: stock-up order, shipment with
//! cartons, dock, receiving with exceptions, QC by the sampling plan,
//! putaway, stock, penalties and the events, in order.

use serde_json::{Value, json};

use crate::common::{TestApp, sku_body, spawn_app};

pub struct World {
    pub supplier: String,
    pub supplier_id: String,
    pub platform: String,
    pub receiver: String,
    pub qc: String,
    pub supervisor: String,
    /// (id, barcode) of two SKUs.
    pub skus: Vec<(String, String)>,
}

pub async fn world(app: &TestApp) -> World {
    let (supplier_id, supplier) = app.supplier("ACME");
    let mut skus = Vec::new();
    for n in 1..=2 {
        let (s, b) = app.post("/api/v1/skus", &supplier, &sku_body(n)).await;
        assert_eq!(s, 201, "{b}");
        skus.push((b["id"].as_str().unwrap().to_owned(), b["barcode"].as_str().unwrap().to_owned()));
    }
    app.tx(|tx| {
        use custody::warehouse::domain::BinType;
        use custody::warehouse::service::{BinInput, create_bins};
        let mut bins: Vec<BinInput> = (1..=4)
            .map(|n| BinInput {
                code: format!("A-01-01-{n:02}"),
                bin_type: BinType::Storage,
                capacity_units: None,
            })
            .collect();
        bins.push(BinInput {
            code: "A-01-02-01".into(),
            bin_type: BinType::Storage,
            capacity_units: Some(50),
        });
        bins.push(BinInput { code: "QC-01-01-01".into(), bin_type: BinType::Qc, capacity_units: None });
        create_bins(tx, &bins, true)
    });
    World {
        supplier,
        supplier_id: supplier_id.to_string(),
        platform: app.platform_key(),
        receiver: app.staff("rita", "receiver"),
        qc: app.staff("quinn", "qc"),
        supervisor: app.staff("sam", "supervisor"),
        skus,
    }
}

fn in_days(d: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::days(d)).to_rfc3339()
}

/// A shipment of 100 of SKU 1 in four cartons of 25 and 10 of SKU 2 in a
/// fifth carton.
pub fn asn_body(w: &World, stock_order: Option<&str>, tracking: &str) -> Value {
    let (a, b) = (&w.skus[0].0, &w.skus[1].0);
    json!({
        "estimated_arrival": in_days(2),
        "carrier": "SF Express",
        "tracking_no": tracking,
        "lines": [
            {"sku_id": a, "quantity": 100, "stock_order_id": stock_order},
            {"sku_id": b, "quantity": 10, "stock_order_id": stock_order},
        ],
        "cartons": [
            {"repeat": 4, "contents": [{"sku_id": a, "quantity": 25}]},
            {"contents": [{"sku_id": b, "quantity": 10}]},
        ],
    })
}

/// Counts every carton of an `asn_body` shipment in full and closes them
/// (the receipt stays open).
pub async fn receive_whole(app: &TestApp, w: &World, id: &str, asn_no: &str) {
    let (a, b) = (&w.skus[0], &w.skus[1]);
    for (n, sku, q) in [(1, a, 25), (2, a, 25), (3, a, 25), (4, a, 25), (5, b, 10)] {
        ok(
            app,
            &format!("/api/v1/asns/{id}/cartons/open"),
            &w.receiver,
            json!({"carton": format!("{asn_no}-C{n:03}")}),
        )
        .await;
        ok(
            app,
            &format!("/api/v1/asns/{id}/scans"),
            &w.receiver,
            json!({"carton_no": n, "barcode": sku.1, "quantity": q}),
        )
        .await;
        ok(app, &format!("/api/v1/asns/{id}/cartons/{n}/close"), &w.receiver, json!({})).await;
    }
}

async fn ok(app: &TestApp, path: &str, key: &str, body: Value) -> Value {
    let (s, b) = app.post(path, key, &body).await;
    assert!(s == 200 || s == 201, "{path}: {s} {b}");
    b
}

/// Every event of one document, in feed order: (type, sequence).
pub async fn events_of(app: &TestApp, key: &str, aggregate: &str) -> Vec<(String, i64, Value)> {
    let mut conn = app.pool.get().unwrap();
    custody::db::write_tx(&mut conn, |tx| custody::events::testing::assign_positions(tx, 100_000)).unwrap();
    drop(conn);
    let mut out = Vec::new();
    let mut after = 0;
    loop {
        let (_, page) = app.get(&format!("/api/v1/events?limit=1000&after={after}"), key).await;
        let events = page["events"].as_array().unwrap().clone();
        if events.is_empty() {
            break;
        }
        for e in events {
            if e["aggregate_id"] == json!(aggregate) {
                out.push((
                    e["type"].as_str().unwrap().to_owned(),
                    e["sequence"].as_i64().unwrap(),
                    e["data"].clone(),
                ));
            }
        }
        after = page["next_after"].as_i64().unwrap();
    }
    out
}

#[actix_web::test]
async fn the_whole_inbound_flow_from_stock_up_order_to_sellable_stock() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let (a, b) = (w.skus[0].clone(), w.skus[1].clone());

    // The platform asks for stock; the supplier accepts.
    let po = json!({"platform_ref": "PO-1", "supplier_id": w.supplier_id, "deliver_by": in_days(3), "arrive_by": in_days(5),
                    "lines": [{"sku_id": a.0, "quantity": 100}, {"sku_id": b.0, "quantity": 10}]});
    let order = ok(&app, "/api/v1/stock-orders", &w.platform, po.clone()).await;
    assert_eq!(order["status"], "awaiting_acceptance");
    let order_id = order["id"].as_str().unwrap().to_owned();
    let (s, again) = app.post("/api/v1/stock-orders", &w.platform, &po).await;
    assert_eq!((s, &again["id"]), (200, &order["id"]), "a repeat returns the same order");
    // Another order under the same platform_ref is not answered with this one.
    let mut other = po.clone();
    other["lines"] = json!([{"sku_id": a.0, "quantity": 100}]);
    let (s, refused) = app.post("/api/v1/stock-orders", &w.platform, &other).await;
    assert_eq!((s, refused["code"].as_str()), (409, Some("platform_ref_taken")), "{refused}");
    let order = ok(&app, &format!("/api/v1/stock-orders/{order_id}/accept"), &w.supplier, json!({})).await;
    assert_eq!(order["status"], "accepted");

    // The supplier ships against it.
    let asn = ok(&app, "/api/v1/asns", &w.supplier, asn_body(&w, Some(&order_id), "SF1234567890")).await;
    assert_eq!((asn["status"].as_str(), asn["carton_count"].as_i64()), (Some("draft"), Some(5)));
    let id = asn["id"].as_str().unwrap().to_owned();
    let asn_no = asn["asn_no"].as_str().unwrap().to_owned();
    let label = |n: i64| format!("{asn_no}-C{n:03}");
    assert_eq!(asn["cartons"][2]["label"], json!(label(3)));
    let r = app
        .client
        .get(app.url(&format!("/api/v1/asns/{id}/labels")))
        .bearer_auth(&w.supplier)
        .send()
        .await
        .unwrap();
    let page = r.text().await.unwrap();
    assert_eq!(page.matches("class=\"label\"").count(), 5);
    assert!(page.contains("Carton 3 of 5") && page.contains(&label(3)) && page.contains("SKU-1"));
    assert!(page.contains("<svg"), "each label has its barcode");
    let r = app
        .client
        .get(app.url(&format!("/api/v1/asns/{id}/labels?format=zpl&carton=5")))
        .bearer_auth(&w.supplier)
        .send()
        .await
        .unwrap();
    let zpl = r.text().await.unwrap();
    assert!(
        zpl.starts_with("^XA")
            && zpl.contains(&format!("^FD{}^FS", label(5)))
            && zpl.contains("Carton 5 of 5")
    );
    let asn = ok(&app, &format!("/api/v1/asns/{id}/submit"), &w.supplier, json!({})).await;
    assert_eq!(asn["status"], "submitted");
    let (_, order) = app.get(&format!("/api/v1/stock-orders/{order_id}"), &w.platform).await;
    assert_eq!(
        (order["status"].as_str(), order["lines"][0]["shipped"].as_i64()),
        (Some("delivered"), Some(100))
    );
    assert_eq!(
        (order["shipping_late"].as_bool(), order["arrival_late"].as_bool()),
        (Some(false), Some(false))
    );

    // Dock: the tracking number checks it in; carton labels count cartons once.
    let c = ok(&app, "/api/v1/dock/check-in", &w.receiver, json!({"code": "sf1234567890"})).await;
    assert_eq!((c["arrived_now"].as_bool(), c["asn"]["status"].as_str()), (Some(true), Some("arrived")));
    let c = ok(&app, "/api/v1/dock/check-in", &w.receiver, json!({"code": label(1)})).await;
    assert_eq!((c["carton_no"].as_i64(), c["asn"]["cartons_arrived"].as_i64()), (Some(1), Some(1)));
    let c = ok(&app, "/api/v1/dock/check-in", &w.receiver, json!({"code": label(1)})).await;
    assert_eq!(
        (c["carton_already_scanned"].as_bool(), c["asn"]["cartons_arrived"].as_i64()),
        (Some(true), Some(1))
    );

    // Receiving: four cartons of SKU 1, the last one short by one; carton 5
    // has nine good units and one damaged.
    for n in 1..=4 {
        let v =
            ok(&app, &format!("/api/v1/asns/{id}/cartons/open"), &w.receiver, json!({"carton": label(n)}))
                .await;
        assert_eq!(v["carton_no"], json!(n));
        let q = if n == 4 { 24 } else { 25 };
        // One unit scanned, the rest keyed.
        let s = ok(
            &app,
            &format!("/api/v1/asns/{id}/scans"),
            &w.receiver,
            json!({"carton_no": n, "barcode": a.1}),
        )
        .await;
        assert_eq!(s["outcome"], "counted");
        ok(
            &app,
            &format!("/api/v1/asns/{id}/scans"),
            &w.receiver,
            json!({"carton_no": n, "barcode": a.1, "quantity": q - 1}),
        )
        .await;
        ok(&app, &format!("/api/v1/asns/{id}/cartons/{n}/close"), &w.receiver, json!({})).await;
    }
    ok(&app, &format!("/api/v1/asns/{id}/cartons/open"), &w.receiver, json!({"carton": "5"})).await;
    ok(
        &app,
        &format!("/api/v1/asns/{id}/scans"),
        &w.receiver,
        json!({"carton_no": 5, "barcode": b.1, "quantity": 9}),
    )
    .await;
    let s = ok(
        &app,
        &format!("/api/v1/asns/{id}/scans"),
        &w.receiver,
        json!({"carton_no": 5, "barcode": b.1, "damaged": true}),
    )
    .await;
    assert_eq!(s["outcome"], "damaged");
    let carton5 = &s["view"]["asn"]["cartons"][4]["items"][0];
    assert_eq!(
        (carton5["expected"].as_i64(), carton5["counted"].as_i64(), carton5["damaged"].as_i64()),
        (Some(10), Some(9), Some(1))
    );
    ok(&app, &format!("/api/v1/asns/{id}/cartons/5/close"), &w.receiver, json!({})).await;
    let report = ok(&app, &format!("/api/v1/asns/{id}/close-receipt"), &w.receiver, json!({})).await;
    assert_eq!(report["status"], "partly_received");
    assert_eq!((report["total_short"].as_i64(), report["total_damaged"].as_i64()), (Some(1), Some(1)));
    let line_a =
        report["lines"].as_array().unwrap().iter().find(|l| l["sku_id"] == json!(a.0)).unwrap().clone();
    assert_eq!(
        (line_a["expected"].as_i64(), line_a["received"].as_i64(), line_a["short"].as_i64()),
        (Some(100), Some(99), Some(1))
    );
    let kinds: Vec<&str> =
        report["exceptions"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert!(kinds.contains(&"damaged") && kinds.contains(&"short"), "{kinds:?}");
    let (_, supplier_view) = app.get(&format!("/api/v1/asns/{id}/receipt"), &w.supplier).await;
    assert_eq!(supplier_view["total_short"], 1, "the supplier reads the same report");

    // QC: lot sizes 99 and 9, planned by ISO 2859-1 level II at AQL 2.5.
    let (_, lots) = app.get(&format!("/api/v1/asns/{id}/qc"), &w.qc).await;
    let lot_a = lots.as_array().unwrap().iter().find(|l| l["sku_id"] == json!(a.0)).unwrap().clone();
    assert_eq!(
        (
            lot_a["lot_size"].as_i64(),
            lot_a["code_letter"].as_str(),
            lot_a["sample_size"].as_i64(),
            lot_a["accept_no"].as_i64(),
            lot_a["reject_no"].as_i64()
        ),
        (Some(99), Some("F"), Some(20), Some(1), Some(2)),
        "lot 91-150 is letter F: 20 samples, accept 1, reject 2"
    );
    let sample = |sku: &str| format!("/api/v1/asns/{id}/qc/{sku}/samples");
    let lot = ok(
        &app,
        &sample(&a.0),
        &w.qc,
        json!({"result": "defect", "defect_code": "damaged", "note": "crushed corner"}),
    )
    .await;
    assert_eq!((lot["status"].as_str(), lot["major_defects"].as_i64()), (Some("in_progress"), Some(1)));
    for _ in 1..20 {
        ok(&app, &sample(&a.0), &w.qc, json!({"result": "pass"})).await;
    }
    let (_, lots) = app.get(&format!("/api/v1/asns/{id}/qc"), &w.qc).await;
    let lot_a = lots.as_array().unwrap().iter().find(|l| l["sku_id"] == json!(a.0)).unwrap().clone();
    assert_eq!(
        (lot_a["status"].as_str(), lot_a["passed"].as_i64(), lot_a["returned"].as_i64()),
        (Some("accepted"), Some(98), Some(1))
    );
    let lot_b = lots.as_array().unwrap().iter().find(|l| l["sku_id"] == json!(b.0)).unwrap().clone();
    for _ in 0..lot_b["sample_size"].as_i64().unwrap() {
        ok(&app, &sample(&b.0), &w.qc, json!({"result": "pass"})).await;
    }
    let (_, asn) = app.get(&format!("/api/v1/asns/{id}"), &w.supplier).await;
    assert_eq!(asn["status"], "inspected");

    // Putaway: the suggestion is the first empty storage bin along the walk;
    // any other valid storage bin is accepted too.
    let (_, tasks) = app.get(&format!("/api/v1/asns/{id}/putaway"), &w.receiver).await;
    let task_a = tasks.as_array().unwrap().iter().find(|t| t["sku_id"] == json!(a.0)).unwrap().clone();
    assert_eq!(
        (task_a["remaining"].as_i64(), task_a["suggestion"]["reason"].as_str()),
        (Some(98), Some("empty_bin"))
    );
    let bin_a = task_a["suggestion"]["bin_code"].as_str().unwrap().to_owned();
    let p = ok(
        &app,
        &format!("/api/v1/asns/{id}/putaway"),
        &w.receiver,
        json!({"barcode": a.1, "bin": bin_a, "quantity": 50}),
    )
    .await;
    assert_eq!((p["quantity"].as_i64(), p["asn"]["status"].as_str()), (Some(50), Some("inspected")));
    let (_, tasks) = app.get(&format!("/api/v1/asns/{id}/putaway"), &w.receiver).await;
    let task_a = tasks.as_array().unwrap().iter().find(|t| t["sku_id"] == json!(a.0)).unwrap().clone();
    assert_eq!(
        (task_a["suggestion"]["bin_code"].as_str(), task_a["suggestion"]["reason"].as_str()),
        (Some(bin_a.as_str()), Some("same_sku"))
    );
    ok(&app, &format!("/api/v1/asns/{id}/putaway"), &w.receiver, json!({"sku_id": a.0, "bin": bin_a})).await;
    let p = ok(
        &app,
        &format!("/api/v1/asns/{id}/putaway"),
        &w.receiver,
        json!({"barcode": b.1, "bin": "a-01-01-04"}),
    )
    .await;
    assert_eq!(p["asn"]["status"], "completed");
    assert!(p["asn"]["dock_to_stock_seconds"].as_i64().unwrap() >= 0);

    // Stock: sellable now; the defective unit waits to go back, the damaged one is apart.
    let (_, stock) = app.get("/api/v1/stock", &w.supplier).await;
    let st = |sku: &str| {
        stock["items"].as_array().unwrap().iter().find(|s| s["sku_id"] == json!(sku)).unwrap().clone()
    };
    let (sa, sb) = (st(&a.0), st(&b.0));
    assert_eq!(
        (sa["available"].as_i64(), sa["rts_hold"].as_i64(), sa["in_qc"].as_i64(), sa["in_inbound"].as_i64()),
        (Some(98), Some(1), Some(0), Some(0))
    );
    assert_eq!((sb["available"].as_i64(), sb["damaged"].as_i64()), (Some(9), Some(1)));
    let (_, balances) = app.get(&format!("/api/v1/stock/balances?bin={bin_a}"), &w.supervisor).await;
    assert_eq!(balances.as_array().unwrap().len(), 1);
    assert_eq!(
        (balances[0]["bucket"].as_str(), balances[0]["quantity"].as_i64()),
        (Some("available"), Some(98))
    );
    let (_, check) = app.get("/api/v1/stock/verify", &w.supervisor).await;
    assert_eq!(check["mismatches"], json!([]), "the balances equal the ledger");

    // The stock-up order followed its shipment to the shelf.
    let (_, order) = app.get(&format!("/api/v1/stock-orders/{order_id}"), &w.supplier).await;
    assert_eq!(order["status"], "in_stock");
    let l = &order["lines"][0];
    assert_eq!(
        (l["shipped"].as_i64(), l["received"].as_i64(), l["passed_qc"].as_i64(), l["put_away"].as_i64()),
        (Some(100), Some(99), Some(98), Some(98))
    );

    // A short shipment is charged by the rule in force; the supplier sees it.
    let (_, penalties) = app.get("/api/v1/penalties", &w.supplier).await;
    let short: Vec<_> =
        penalties.as_array().unwrap().iter().filter(|p| p["kind"] == "short_shipment").collect();
    assert_eq!((short.len(), short[0]["amount_minor"].as_i64()), (1, Some(200)));
    let (_, perf) = app.get("/api/v1/performance", &w.supplier).await;
    assert_eq!(perf["shipments"], 1);
    assert!((perf["short_rate"].as_f64().unwrap() - 1.0 / 110.0).abs() < 1e-9);

    // The shipment's events, in order, numbered 1, 2, 3...
    let events = events_of(&app, &w.supplier, &id).await;
    let types: Vec<&str> = events.iter().map(|(t, _, _)| t.as_str()).collect();
    assert_eq!(
        types,
        [
            "asn.created",
            "asn.submitted",
            "asn.arrived",
            "asn.receiving_started",
            "asn.received",
            "asn.inspecting",
            "asn.inspected",
            "asn.completed"
        ]
    );
    assert!(events.iter().enumerate().all(|(i, (_, seq, _))| *seq == i as i64 + 1), "{events:?}");
    let received = &events[4].2;
    assert_eq!(received["total_short"], 1);
    assert_eq!(received["discrepancies"].as_array().unwrap().len(), 2);
    let available = events_of(&app, &w.supplier, &a.0).await;
    let last = available.iter().rev().find(|(t, _, _)| t == "inventory.available_changed").unwrap();
    assert_eq!(last.2["available"], 98);
    let order_events = events_of(&app, &w.supplier, &order_id).await;
    let ot: Vec<&str> = order_events.iter().map(|(t, _, _)| t.as_str()).collect();
    assert_eq!(ot[..2], ["stock_order.created", "stock_order.accepted"]);
    let statuses: Vec<&str> =
        order_events[2..].iter().map(|(_, _, d)| d["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["delivered", "received", "inspected", "in_stock"]);
}
