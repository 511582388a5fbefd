use serde_json::json;

use crate::common::spawn_app;

fn supplier_body(code: &str) -> serde_json::Value {
    json!({
        "code": code, "name_zh": "广州供应商", "name_en": "Guangzhou supplier",
        "contact_email": "ops@example.cn", "return_address": "广州市白云区 1 号"
    })
}

#[actix_web::test]
async fn an_admin_registers_a_supplier_and_a_duplicate_code_is_a_conflict() {
    let app = spawn_app().await;
    let admin = app.staff("ada", "admin");
    let (s, b) = app.post("/api/v1/suppliers", &admin, &supplier_body("gz-01")).await;
    assert_eq!(s, 201, "{b}");
    assert_eq!(b["code"], "GZ-01");
    assert_eq!(b["status"], "active");
    let (s, b) = app.post("/api/v1/suppliers", &admin, &supplier_body("GZ-01")).await;
    assert_eq!((s, b["code"].as_str()), (409, Some("supplier_code_taken")));
    let (s, b) = app.get("/api/v1/suppliers?status=active", &admin).await;
    assert_eq!(s, 200);
    assert_eq!(b["items"].as_array().unwrap().len(), 1);
}

#[actix_web::test]
async fn only_admins_register_suppliers() {
    let app = spawn_app().await;
    let picker = app.staff("pat", "picker");
    let (s, b) = app.post("/api/v1/suppliers", &picker, &supplier_body("X")).await;
    assert_eq!((s, b["code"].as_str()), (403, Some("forbidden")));
    let (_, key) = app.supplier("ACME");
    let (s, _) = app.post("/api/v1/suppliers", &key, &supplier_body("X")).await;
    assert_eq!(s, 403);
    let (s, _) = app.get("/api/v1/suppliers", &key).await;
    assert_eq!(s, 403, "a supplier may not list other suppliers");
    assert_eq!(app.count("suppliers"), 1);
}

#[actix_web::test]
async fn a_supplier_reads_its_own_record_and_gets_404_for_another() {
    let app = spawn_app().await;
    let (mine, key) = app.supplier("MINE");
    let (theirs, _) = app.supplier("THEIRS");
    let (s, b) = app.get(&format!("/api/v1/suppliers/{mine}"), &key).await;
    assert_eq!((s, b["code"].as_str()), (200, Some("MINE")));
    let (s, other) = app.get(&format!("/api/v1/suppliers/{theirs}"), &key).await;
    let (s2, missing) = app.get(&format!("/api/v1/suppliers/{}", uuid::Uuid::now_v7()), &key).await;
    assert_eq!((s, s2), (404, 404));
    assert_eq!(other, missing, "another supplier's record looks exactly like a missing one");
}

#[actix_web::test]
async fn suspending_a_supplier_stops_its_keys() {
    let app = spawn_app().await;
    let admin = app.staff("ada", "admin");
    let (id, key) = app.supplier("ACME");
    let (s, _) = app.get("/api/v1/me", &key).await;
    assert_eq!(s, 200);
    let (s, b) =
        app.post(&format!("/api/v1/suppliers/{id}/status"), &admin, &json!({"status": "suspended"})).await;
    assert_eq!((s, b["status"].as_str()), (200, Some("suspended")));
    let (s, _) = app.get("/api/v1/me", &key).await;
    assert_eq!(s, 401);
}
