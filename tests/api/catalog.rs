use serde_json::json;

use crate::common::{sku_body, spawn_app};

#[actix_web::test]
async fn a_supplier_registers_a_sku_and_reads_it_back() {
    let app = spawn_app().await;
    let (supplier, key) = app.supplier("ACME");
    let (s, created) = app.post("/api/v1/skus", &key, &sku_body(1)).await;
    assert_eq!(s, 201, "{created}");
    assert_eq!(created["supplier_id"], supplier.to_string());
    assert_eq!(created["sku_code"], "SKU-1");
    assert_eq!(created["sensitive_flags"], json!(["magnetic"]));
    assert_eq!(created["declared_value"], json!({"amount_minor": 999, "currency": "USD"}));
    assert!(created["measured"].is_null());
    let (s, got) = app.get(&format!("/api/v1/skus/{}", created["id"].as_str().unwrap()), &key).await;
    assert_eq!(s, 200);
    assert_eq!(got, created);
    let barcode = created["barcode"].as_str().unwrap();
    let (_, found) = app.get(&format!("/api/v1/skus?barcode={barcode}"), &key).await;
    assert_eq!(found["items"][0]["id"], created["id"]);
}

#[actix_web::test]
async fn suppliers_never_see_each_others_skus() {
    let app = spawn_app().await;
    let (_, mine) = app.supplier("MINE");
    let (_, theirs) = app.supplier("THEIRS");
    let (_, their_sku) = app.post("/api/v1/skus", &theirs, &sku_body(1)).await;
    app.post("/api/v1/skus", &mine, &sku_body(2)).await;
    let id = their_sku["id"].as_str().unwrap();
    let (s, other) = app.get(&format!("/api/v1/skus/{id}"), &mine).await;
    let (_, missing) = app.get(&format!("/api/v1/skus/{}", uuid::Uuid::now_v7()), &mine).await;
    assert_eq!(s, 404);
    assert_eq!(other, missing);
    let (_, list) = app.get("/api/v1/skus", &mine).await;
    let codes: Vec<_> = list["items"].as_array().unwrap().iter().map(|i| i["sku_code"].clone()).collect();
    assert_eq!(codes, vec![json!("SKU-2")]);
    // Asking for the other supplier's rows by filter does not widen the scope.
    let (_, list) =
        app.get(&format!("/api/v1/skus?barcode={}", their_sku["barcode"].as_str().unwrap()), &mine).await;
    assert!(list["items"].as_array().unwrap().is_empty());
    let (s, _) = app.post(&format!("/api/v1/skus/{id}/status"), &mine, &json!({"status": "suspended"})).await;
    assert_eq!(s, 404, "nor can it change them");
    // Staff see both.
    let staff = app.staff("sam", "supervisor");
    let (_, all) = app.get("/api/v1/skus", &staff).await;
    assert_eq!(all["items"].as_array().unwrap().len(), 2);
}

#[actix_web::test]
async fn a_barcode_names_one_sku_in_the_whole_warehouse() {
    let app = spawn_app().await;
    let (_, a) = app.supplier("A");
    let (_, b) = app.supplier("B");
    assert_eq!(app.post("/api/v1/skus", &a, &sku_body(1)).await.0, 201);
    let mut clash = sku_body(1);
    clash["sku_code"] = json!("OTHER-CODE");
    let (s, body) = app.post("/api/v1/skus", &b, &clash).await;
    assert_eq!((s, body["code"].as_str()), (409, Some("barcode_taken")));
    let mut same_code = sku_body(2);
    same_code["sku_code"] = json!("sku-1");
    let (s, body) = app.post("/api/v1/skus", &a, &same_code).await;
    assert_eq!((s, body["code"].as_str()), (409, Some("sku_code_taken")));
    assert_eq!(app.count("skus"), 1);
}

#[actix_web::test]
async fn invalid_fields_are_all_reported_and_nothing_is_written() {
    let app = spawn_app().await;
    let (_, key) = app.supplier("ACME");
    let mut bad = sku_body(1);
    bad["barcode"] = json!("6905550000010"); // wrong check digit
    bad["hs_code"] = json!("12");
    bad["declared"]["weight_g"] = json!(-5);
    bad["origin_country"] = json!("China");
    bad["supply_price"]["currency"] = json!("rmb");
    let (s, body) = app.post("/api/v1/skus", &key, &bad).await;
    assert_eq!((s, body["code"].as_str()), (422, Some("validation_failed")));
    let fields: Vec<_> =
        body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap().to_owned()).collect();
    assert_eq!(
        fields,
        ["barcode", "declared.weight_g", "hs_code", "origin_country", "supply_price.currency"]
    );
    assert_eq!(body["errors"][0]["code"], "invalid_check_digit");
    assert_eq!(app.count("skus"), 0);
}

#[actix_web::test]
async fn only_suppliers_register_skus_and_only_staff_record_measurements() {
    let app = spawn_app().await;
    let (_, key) = app.supplier("ACME");
    let platform = app.platform_key();
    let qc = app.staff("quinn", "qc");
    assert_eq!(app.post("/api/v1/skus", &platform, &sku_body(1)).await.0, 403);
    assert_eq!(app.post("/api/v1/skus", &qc, &sku_body(1)).await.0, 403);
    let (_, sku) = app.post("/api/v1/skus", &key, &sku_body(1)).await;
    let path = format!("/api/v1/skus/{}/measurements", sku["id"].as_str().unwrap());
    let m = json!({"weight_g": 262, "length_mm": 101, "width_mm": 80, "height_mm": 61});
    let put = |k: &str| app.client.put(app.url(&path)).bearer_auth(k).json(&m).send();
    assert_eq!(put(&key).await.unwrap().status(), 403);
    let (s, measured) = crate::common::read(put(&qc).await.unwrap()).await;
    assert_eq!(s, 200, "{measured}");
    assert_eq!(measured["measured"]["weight_g"], 262);
    assert_eq!(measured["declared"]["weight_g"], 250, "declared values stay as declared");
}

#[actix_web::test]
async fn pagination_walks_every_sku_once() {
    let app = spawn_app().await;
    let (_, key) = app.supplier("ACME");
    for n in 0..7 {
        assert_eq!(app.post("/api/v1/skus", &key, &sku_body(n)).await.0, 201);
    }
    let mut seen = Vec::new();
    let mut path = "/api/v1/skus?limit=3".to_owned();
    loop {
        let (s, page) = app.get(&path, &key).await;
        assert_eq!(s, 200);
        seen.extend(
            page["items"].as_array().unwrap().iter().map(|i| i["sku_code"].as_str().unwrap().to_owned()),
        );
        match page["next_cursor"].as_str() {
            Some(c) => path = format!("/api/v1/skus?limit=3&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(seen, (0..7).map(|n| format!("SKU-{n}")).collect::<Vec<_>>());
    let (s, b) = app.get("/api/v1/skus?limit=0", &key).await;
    assert_eq!((s, b["code"].as_str()), (422, Some("validation_failed")));
    let (s, _) = app.get("/api/v1/skus?cursor=garbage", &key).await;
    assert_eq!(s, 422);
}
