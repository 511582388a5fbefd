use serde_json::json;

use crate::common::spawn_app;

#[actix_web::test]
async fn a_csv_import_creates_bins_and_their_zones_in_walk_order() {
    let app = spawn_app().await;
    let admin = app.staff("ada", "admin");
    let csv = "code,bin_type,capacity_units\nA-01-01-01,storage,500\nA-01-02-01,storage,500\na-02-02-01,storage,\nA-02-01-01,pick_face,100\nD-01-01-01,dock,\n";
    let (s, bins) = app.post_raw("/api/v1/bins/import", &admin, "text/csv", csv).await;
    assert_eq!(s, 201, "{bins}");
    assert_eq!(bins.as_array().unwrap().len(), 5);
    let (_, zones) = app.get("/api/v1/zones", &admin).await;
    let zone_codes: Vec<_> = zones.as_array().unwrap().iter().map(|z| z["code"].as_str().unwrap()).collect();
    assert_eq!(zone_codes, ["A", "D"]);
    let order = |code: &str| {
        bins.as_array().unwrap().iter().find(|b| b["code"] == code).unwrap()["walk_order"].as_i64().unwrap()
    };
    // Up aisle 1, then aisle 2 from the far end back.
    assert!(order("A-01-01-01") < order("A-01-02-01"));
    assert!(order("A-01-02-01") < order("A-02-02-01"));
    assert!(order("A-02-02-01") < order("A-02-01-01"));
    let (s, bin) = app.get("/api/v1/bins/a-02-01-01", &admin).await;
    assert_eq!((s, bin["bin_type"].as_str()), (200, Some("pick_face")));
    let (_, docks) = app.get("/api/v1/bins?bin_type=dock", &admin).await;
    assert_eq!(docks["items"].as_array().unwrap().len(), 1);
}

#[actix_web::test]
async fn a_bad_csv_line_rejects_the_whole_import() {
    let app = spawn_app().await;
    let admin = app.staff("ada", "admin");
    let csv =
        "code,bin_type,capacity_units\nA-01-01-01,storage,500\nA-1-1-1,storage,10\nA-01-03-01,freezer,10\n";
    let (s, body) = app.post_raw("/api/v1/bins/import", &admin, "text/csv", csv).await;
    assert_eq!(s, 422, "{body}");
    let fields: Vec<_> =
        body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["line 3: code", "line 4: bin_type"]);
    assert_eq!(app.count("bins"), 0);
    assert_eq!(app.count("zones"), 0);
    // An existing bin is a conflict, again all or none.
    let ok = "code,bin_type\nA-01-01-01,storage\n";
    assert_eq!(app.post_raw("/api/v1/bins/import", &admin, "text/csv", ok).await.0, 201);
    let again = "code,bin_type\nA-01-02-01,storage\nA-01-01-01,storage\n";
    let (s, body) = app.post_raw("/api/v1/bins/import", &admin, "text/csv", again).await;
    assert_eq!((s, body["code"].as_str()), (409, Some("bin_code_taken")));
    assert_eq!(app.count("bins"), 1);
}

#[actix_web::test]
async fn bins_need_an_existing_zone_through_the_json_api() {
    let app = spawn_app().await;
    let admin = app.staff("ada", "admin");
    let body = json!({"bins": [{"code": "Q-01-01-01", "bin_type": "qc"}]});
    let (s, b) = app.post("/api/v1/bins", &admin, &body).await;
    assert_eq!(s, 422, "{b}");
    assert_eq!(b["errors"][0]["code"], "unknown_zone");
    assert_eq!(app.post("/api/v1/zones", &admin, &json!({"code": "q", "name": "QC 质检"})).await.0, 201);
    let (s, b) = app.post("/api/v1/bins", &admin, &body).await;
    assert_eq!(s, 201, "{b}");
    let receiver = app.staff("rae", "receiver");
    assert_eq!(app.post("/api/v1/zones", &receiver, &json!({"code": "Z", "name": "Z"})).await.0, 403);
}

#[actix_web::test]
async fn a_bin_label_prints_as_html_with_a_barcode_and_as_zpl() {
    let app = spawn_app().await;
    let admin = app.staff("ada", "admin");
    app.post_raw("/api/v1/bins/import", &admin, "text/csv", "code,bin_type\nA-01-02-03,storage\n").await;
    let (s, html) = app.get("/api/v1/bins/A-01-02-03/label", &admin).await;
    assert_eq!(s, 200);
    let html = html.as_str().unwrap();
    assert!(
        html.contains("<svg") && html.contains("A-01-02-03") && html.contains("size: 100mm 50mm"),
        "{html}"
    );
    let (s, zpl) = app.get("/api/v1/bins/A-01-02-03/label?format=zpl", &admin).await;
    assert_eq!(s, 200);
    let zpl = zpl.as_str().unwrap();
    assert!(zpl.starts_with("^XA") && zpl.contains("^BCN") && zpl.contains("^FDA-01-02-03^FS"), "{zpl}");
    let (s, _) = app.get("/api/v1/bins/Z-09-09-09/label", &admin).await;
    assert_eq!(s, 404);
    let (_, supplier_key) = app.supplier("ACME");
    assert_eq!(app.get("/api/v1/bins", &supplier_key).await.0, 403);
}
