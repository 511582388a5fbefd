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
    // Who first: without a valid key nothing else is answered, not even
    // whether a route exists.
    let (status, body) = read(app.client.get(app.url("/api/v1/nothing-here")).send().await.unwrap()).await;
    assert_eq!((status, body["code"].as_str()), (401, Some("unauthorized")));
    let (status, body) = read(app.client.get(app.url("/api/v1/skus")).send().await.unwrap()).await;
    assert_eq!((status, body["code"].as_str()), (401, Some("unauthorized")));
    let (status, _) = app.get("/api/v1/skus", "cus_sup_not-a-real-key").await;
    assert_eq!(status, 401);
    let (_, key) = app.supplier("ACME");
    let (status, body) = app.get("/api/v1/nothing-here", &key).await;
    assert_eq!((status, body["code"].as_str()), (404, Some("not_found")));
    // A path that exists, with a method it does not answer.
    let r = app.client.delete(app.url("/api/v1/skus")).bearer_auth(&key).send().await.unwrap();
    assert_eq!(
        r.headers().get("allow").map(|v| v.to_str().unwrap().to_owned()).as_deref(),
        Some("GET, POST")
    );
    let (status, body) = read(r).await;
    assert_eq!((status, body["code"].as_str()), (405, Some("method_not_allowed")));
    let r = app
        .client
        .put(app.url(&format!("/api/v1/skus/{}", uuid::Uuid::now_v7())))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 405, "a path with an id matches its pattern");
}

/// The unknown caller hears 401 whatever else is wrong with its request: a
/// garbled body, a bad query, a wrong content type.
#[actix_web::test]
async fn an_unknown_key_gets_401_before_any_body_or_query_error() {
    let app = spawn_app().await;
    let bad = "cus_plt_0000000000000000000000000000000000000000000";
    for (method, path, content_type, body) in [
        ("POST", "/api/v1/orders", "application/json", "{\"platform_order_id\": "),
        ("POST", "/api/v1/orders", "text/plain", "hello"),
        ("GET", "/api/v1/skus?limit=banana", "", ""),
        ("GET", "/api/v1/skus?sku_code=%00", "", ""),
        ("POST", "/api/v1/bins/import", "text/csv", "code\0"),
    ] {
        let mut r = app.client.request(method.parse().unwrap(), app.url(path)).bearer_auth(bad);
        if !content_type.is_empty() {
            r = r.header("content-type", content_type).body(body.to_owned());
        }
        let (status, b) = read(r.send().await.unwrap()).await;
        assert_eq!((status, b["code"].as_str()), (401, Some("unauthorized")), "{method} {path}");
    }
}

/// Control characters are refused at the edge with 422 on both backends,
/// in paths, queries and JSON strings (PostgreSQL answered 500 to a NUL),
/// and the error says where without echoing what was sent.
#[actix_web::test]
async fn control_characters_are_refused_at_the_edge() {
    let app = spawn_app().await;
    let (_, key) = app.supplier("ACME");
    let platform = app.platform_key();
    let admin = app.staff("ada", "admin");
    for path in ["/api/v1/skus?sku_code=%00", "/api/v1/skus?sku_code=A%07", "/api/v1/bins/A-01%00"] {
        let k = if path.contains("bins") { &admin } else { &key };
        let (status, b) = app.get(path, k).await;
        assert_eq!(
            (status, b["errors"][0]["code"].as_str()),
            (422, Some("control_character")),
            "{path}: {b}"
        );
    }
    let mut sku = crate::common::sku_body(7);
    sku["name_en"] = json!("Bell\u{7}");
    let (status, b) = app.post("/api/v1/skus", &key, &sku).await;
    assert_eq!((status, b["errors"][0]["field"].as_str()), (422, Some("body")), "{b}");
    assert!(!b.to_string().contains("Bell"), "nothing sent is echoed: {b}");
    // A buyer's second address line with a NUL: refused, nothing written.
    let order = json!({
        "platform_order_id": "NUL-1", "shop": "S", "market": "US", "destination_country": "US",
        "service_level": "standard", "ship_by": "2030-01-01T00:00:00Z",
        "lines": [{"sku_id": uuid::Uuid::now_v7(), "quantity": 1, "unit_price": {"amount_minor": 1, "currency": "USD"}}],
        "buyer": {"name": "Jane Doe", "phone": "+1 555 010 2034",
                  "address": {"line1": "1 Main St", "line2": "Apt\u{0}4", "city": "Springfield", "region": "IL", "postal_code": "62701", "country": "US"}}
    });
    let (status, b) = app.post("/api/v1/orders", &platform, &order).await;
    assert_eq!((status, b["errors"][0]["code"].as_str()), (422, Some("control_character")), "{b}");
    assert!(!b.to_string().contains("Apt"), "{b}");
    let r = app
        .client
        .post(app.url("/api/v1/bins/import"))
        .bearer_auth(&admin)
        .header("content-type", "text/csv")
        .body("code,bin_type,capacity_units\nA-09-01-01\0,storage,10\n")
        .send()
        .await
        .unwrap();
    let (status, b) = read(r).await;
    assert_eq!((status, b["errors"][0]["code"].as_str()), (422, Some("control_character")), "{b}");
    // Line breaks and tabs are text; other scripts are text.
    let mut sku = crate::common::sku_body(8);
    sku["name_zh"] = json!("测试\t商品");
    let (status, b) = app.post("/api/v1/skus", &key, &sku).await;
    assert!(status == 201 || b["errors"][0]["code"] != "control_character", "{b}");
    assert_eq!(app.count("orders"), 0);
}

/// Every error is problem+json, a body over the limit on the CSV import
/// included.
#[actix_web::test]
async fn a_body_over_the_limit_is_a_problem_json_413() {
    let app = spawn_app().await;
    let admin = app.staff("ada", "admin");
    let big = format!("code,bin_type,capacity_units\n{}", "A-01-01-01,storage,10\n".repeat(5000));
    let r = app
        .client
        .post(app.url("/api/v1/bins/import"))
        .bearer_auth(&admin)
        .header("content-type", "text/csv")
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers().get("content-type").unwrap(), "application/problem+json");
    let (status, b) = read(r).await;
    assert_eq!((status, b["code"].as_str()), (413, Some("payload_too_large")));
    assert_eq!(app.count("bins WHERE code LIKE 'A-01-01-01'"), 0);
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
    // Every capability's api.rs (found, not listed, so that a new module
    // cannot be forgotten), the auth endpoint and the operators' endpoints.
    let mut files = vec![("src/http/health.rs".to_owned(), ""), ("src/auth_api.rs".to_owned(), "/api/v1")];
    for entry in std::fs::read_dir(format!("{root}/src")).unwrap() {
        let dir = entry.unwrap().path();
        if dir.join("api.rs").is_file() {
            let name = dir.file_name().unwrap().to_string_lossy().into_owned();
            files.push((format!("src/{name}/api.rs"), "/api/v1"));
        }
    }
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

/// The OpenAPI document and the server agree on errors: every operation is
/// probed as a fuzzer would (no key, each kind of key, no body, a garbled
/// body, an empty object, unknown ids) and every answer must be a status
/// the document lists for that operation, errors as problem+json.
#[actix_web::test]
async fn every_answer_of_every_operation_is_documented() {
    let app = spawn_app().await;
    let (_, supplier) = app.supplier("ACME");
    let keys = [
        None,
        Some(supplier),
        Some(app.platform_key()),
        Some(app.staff("ada", "admin")),
        Some(app.staff("rita", "receiver")),
        Some("cus_sup_unknown".to_owned()),
    ];
    let (_, spec) = read(app.client.get(app.url("/api/openapi.json")).send().await.unwrap()).await;
    let mut mismatches = Vec::new();
    let mut probes = 0;
    for (path, item) in spec["paths"].as_object().unwrap() {
        if !path.starts_with("/api/v1") {
            continue;
        }
        for (method, op) in item.as_object().unwrap() {
            let documented: Vec<&str> =
                op["responses"].as_object().unwrap().keys().map(String::as_str).collect();
            let url: String =
                path.split('/')
                    .map(|s| match s {
                        s if s.starts_with('{') && (s.contains("id") || s == "{line_no}") => {
                            if s == "{line_no}" { "1".to_owned() } else { uuid::Uuid::now_v7().to_string() }
                        }
                        s if s.starts_with('{') => "NO-SUCH-CODE".to_owned(),
                        s => s.to_owned(),
                    })
                    .collect::<Vec<_>>()
                    .join("/");
            let bodies: &[Option<(&str, &str)>] = if method == "get" {
                &[None]
            } else {
                &[
                    None,
                    Some(("application/json", "{}")),
                    Some(("application/json", "{\"a\": ")),
                    Some(("text/plain", "x")),
                ]
            };
            for key in &keys {
                for body in bodies {
                    let mut r = app.client.request(method.to_uppercase().parse().unwrap(), app.url(&url));
                    if let Some(k) = key {
                        r = r.bearer_auth(k);
                    }
                    if let Some((ct, b)) = body {
                        r = r.header("content-type", *ct).body(b.to_string());
                    }
                    let resp = r.send().await.unwrap();
                    probes += 1;
                    let status = resp.status().as_u16();
                    let ct = resp
                        .headers()
                        .get("content-type")
                        .map(|v| v.to_str().unwrap().to_owned())
                        .unwrap_or_default();
                    if !documented.contains(&status.to_string().as_str()) {
                        mismatches.push(format!(
                            "{} {path}: {status} not documented ({documented:?})",
                            method.to_uppercase()
                        ));
                    }
                    if status >= 400 && ct != "application/problem+json" {
                        mismatches.push(format!("{} {path}: {status} as {ct}", method.to_uppercase()));
                    }
                }
            }
        }
    }
    mismatches.sort();
    mismatches.dedup();
    assert!(mismatches.is_empty(), "{} of {probes} probes:\n{}", mismatches.len(), mismatches.join("\n"));
    assert!(probes > 500, "{probes}");
}
