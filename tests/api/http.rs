use serde_json::json;

use crate::common::{read, sku_body, spawn_app};

#[actix_web::test]
async fn health_and_readiness_answer() {
    let app = spawn_app().await;
    let r = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let (status, body) = read(app.client.get(app.url("/readyz")).send().await.unwrap()).await;
    assert_eq!(status, 200);
    assert_eq!(body["database"], "up");
    let expected = if app.db.is_postgres() { "postgres" } else { "sqlite" };
    assert_eq!(body["backend"], expected);
}

#[actix_web::test]
async fn every_response_carries_a_request_id_and_metrics_count_routes() {
    let app = spawn_app().await;
    let (_, key) = app.supplier("ACME");
    let r = app.client.get(app.url("/api/v1/skus")).bearer_auth(&key).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers().get("x-request-id").is_some());
    let r = app
        .client
        .get(app.url("/api/v1/skus"))
        .header("x-request-id", "trace-me-123")
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["x-request-id"], "trace-me-123");
    let text = app.client.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(
        text.contains(r#"custody_http_requests_total{method="GET",route="/api/v1/skus",status="200"} 2"#),
        "{text}"
    );
    assert!(text.contains("custody_db_pool_max 8"), "{text}");
}

#[actix_web::test]
async fn unknown_routes_and_missing_keys_get_problem_responses() {
    let app = spawn_app().await;
    let (status, body) = read(app.client.get(app.url("/api/v1/nothing-here")).send().await.unwrap()).await;
    assert_eq!((status, body["code"].as_str()), (404, Some("not_found")));
    let (status, body) = read(app.client.get(app.url("/api/v1/skus")).send().await.unwrap()).await;
    assert_eq!((status, body["code"].as_str()), (401, Some("unauthorized")));
    let (status, _) = app.get("/api/v1/skus", "cus_sup_not-a-real-key").await;
    assert_eq!(status, 401);
}

#[actix_web::test]
async fn bad_bodies_are_clean_4xx_and_write_nothing() {
    let app = spawn_app().await;
    let (_, key) = app.supplier("ACME");
    let cases: Vec<(&str, &str, u16, &str)> = vec![
        ("application/json", "{\"sku_code\": ", 400, "malformed_json"),
        ("application/json", "[]", 422, "invalid_body"),
        ("text/plain", "{}", 415, "unsupported_media_type"),
    ];
    for (ct, body, status, code) in cases {
        let (s, b) = app.post_raw("/api/v1/skus", &key, ct, body).await;
        assert_eq!((s, b["code"].as_str()), (status, Some(code)), "{body}: {b}");
    }
    // Wrong type and unknown enum value.
    let mut wrong_type = sku_body(1);
    wrong_type["declared"]["weight_g"] = json!("heavy");
    let (s, b) = app.post("/api/v1/skus", &key, &wrong_type).await;
    assert_eq!((s, b["code"].as_str()), (422, Some("invalid_body")), "{b}");
    let mut unknown_flag = sku_body(1);
    unknown_flag["sensitive_flags"] = json!(["radioactive"]);
    let (s, b) = app.post("/api/v1/skus", &key, &unknown_flag).await;
    assert_eq!(s, 422, "{b}");
    assert!(b["detail"].as_str().unwrap().contains("unknown variant"), "{b}");
    // Oversized (the test app accepts 64 KiB).
    let mut huge = sku_body(1);
    huge["name_en"] = json!("x".repeat(100_000));
    let (s, b) = app.post("/api/v1/skus", &key, &huge).await;
    assert_eq!((s, b["code"].as_str()), (413, Some("payload_too_large")));
    assert_eq!(app.count("skus"), 0, "nothing was written");
}

#[actix_web::test]
async fn an_idempotency_key_replays_the_first_response_and_does_nothing_twice() {
    let app = spawn_app().await;
    let (_, key) = app.supplier("ACME");
    let send = |body: serde_json::Value, ikey: &'static str| {
        let req = app
            .client
            .post(app.url("/api/v1/skus"))
            .bearer_auth(&key)
            .header("Idempotency-Key", ikey)
            .json(&body);
        async move { req.send().await.unwrap() }
    };
    let first = send(sku_body(1), "k-1").await;
    assert_eq!(first.status(), 201);
    let (_, first_body) = read(first).await;
    let again = send(sku_body(1), "k-1").await;
    assert_eq!(again.status(), 201);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    let (_, again_body) = read(again).await;
    assert_eq!(first_body["id"], again_body["id"]);
    assert_eq!(app.count("skus"), 1);
    // The same key for a different request is refused, not replayed.
    let (s, b) = read(send(sku_body(2), "k-1").await).await;
    assert_eq!((s, b["code"].as_str()), (422, Some("idempotency_key_reused")));
    assert_eq!(app.count("skus"), 1);
    // Concurrent retries of one request: one SKU, the same answer to all.
    let attempts = (0..6).map(|_| send(sku_body(3), "k-race"));
    let responses = futures_util::future::join_all(attempts).await;
    let mut ids = std::collections::HashSet::new();
    for r in responses {
        let (s, b) = read(r).await;
        assert_eq!(s, 201, "{b}");
        ids.insert(b["id"].as_str().unwrap().to_owned());
    }
    assert_eq!(ids.len(), 1);
    assert_eq!(app.count("skus"), 2);
}

/// Every route the code mounts is in the OpenAPI document, and nothing else:
/// the route attributes are read from the source so that a new handler
/// without documentation fails here.
#[actix_web::test]
async fn openapi_lists_every_endpoint() {
    let app = spawn_app().await;
    let (status, spec) = read(app.client.get(app.url("/api/openapi.json")).send().await.unwrap()).await;
    assert_eq!(status, 200);
    let mut documented = std::collections::BTreeSet::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            documented.insert(format!("{} {path}", method.to_uppercase()));
        }
    }
    let mut mounted = std::collections::BTreeSet::new();
    let root = env!("CARGO_MANIFEST_DIR");
    let files = [
        ("src/http/health.rs", ""),
        ("src/auth_api.rs", "/api/v1"),
        ("src/suppliers/api.rs", "/api/v1"),
        ("src/catalog/api.rs", "/api/v1"),
        ("src/warehouse/api.rs", "/api/v1"),
        ("src/events/api.rs", "/api/v1"),
        ("src/inbound/api.rs", "/api/v1"),
        ("src/stock/api.rs", "/api/v1"),
        ("src/outbound/api.rs", "/api/v1"),
    ];
    for (file, prefix) in files {
        let text = std::fs::read_to_string(format!("{root}/{file}")).unwrap();
        for line in text.lines() {
            for method in ["get", "post", "put", "delete", "patch"] {
                if let Some(rest) = line.trim().strip_prefix(&format!("#[{method}(\"")) {
                    let path = rest.split('"').next().unwrap();
                    mounted.insert(format!("{} {prefix}{path}", method.to_uppercase()));
                }
            }
        }
    }
    assert!(mounted.len() >= 15, "found the route attributes: {mounted:?}");
    assert_eq!(mounted, documented);
    let docs = app.client.get(app.url("/api/docs")).send().await.unwrap();
    assert_eq!(docs.status(), 200);
    let js = app.client.get(app.url("/api/docs/assets/swagger-ui-bundle.js")).send().await.unwrap();
    assert_eq!(js.status(), 200, "the docs page's assets are served locally");
}
