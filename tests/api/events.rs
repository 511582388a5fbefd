use std::time::Duration;

use custody::error::AppError;
use custody::events::{self, NewEvent, catalog};
use custody::ids::AggregateId;
use serde_json::json;

use crate::common::{TestQueue, header, sku_body, spawn_app, spawn_app_with_events};

#[actix_web::test]
async fn a_state_change_is_one_outbox_row_and_one_cloudevents_message() {
    let app = spawn_app_with_events().await;
    let mut queue = TestQueue::bind(&app.exchange, "sku.#").await;
    let (supplier, key) = app.supplier("ACME");
    let (s, sku) = app.post("/api/v1/skus", &key, &sku_body(1)).await;
    assert_eq!(s, 201);
    let rows = app.count("outbox WHERE event_type = 'sku.registered'");
    assert_eq!(rows, 1);

    let d = queue.next(Duration::from_secs(20)).await.expect("the event reaches the broker");
    assert_eq!(d.routing_key.as_str(), "sku.registered");
    assert_eq!(header(&d, "cloudEvents_specversion").as_deref(), Some("1.0"));
    assert_eq!(header(&d, "cloudEvents_type").as_deref(), Some("com.custody.sku.registered.v1"));
    assert_eq!(header(&d, "cloudEvents_source").as_deref(), Some("/custody/CAN1"));
    assert_eq!(header(&d, "cloudEvents_subject").as_deref(), Some("SKU-1"));
    assert_eq!(header(&d, "cloudEvents_sequence").as_deref(), Some("1"));
    assert_eq!(header(&d, "cloudEvents_ownerid"), Some(supplier.to_string()));
    let id = header(&d, "cloudEvents_id").unwrap();
    assert_eq!(d.properties.message_id().as_ref().map(|m| m.to_string()), Some(id.clone()));
    assert!(chrono::DateTime::parse_from_rfc3339(&header(&d, "cloudEvents_time").unwrap()).is_ok());
    assert_eq!(
        d.properties.content_type().as_ref().map(|c| c.to_string()).as_deref(),
        Some("application/json")
    );
    assert_eq!(*d.properties.delivery_mode(), Some(2), "persistent");
    let body: serde_json::Value = serde_json::from_slice(&d.data).unwrap();
    assert_eq!(body["sku_id"], sku["id"]);
    assert_eq!(body["barcode"], sku["barcode"]);

    // The feed carries the same event, with the same id.
    let staff = app.staff("sam", "supervisor");
    let (_, feed) = app.get("/api/v1/events?type=sku.registered", &staff).await;
    assert_eq!(feed["events"][0]["id"], json!(id));

    // A refused change (duplicate barcode) and a rolled-back transaction that
    // had recorded an event leave no row and send nothing.
    let mut dup = sku_body(1);
    dup["sku_code"] = json!("OTHER");
    assert_eq!(app.post("/api/v1/skus", &key, &dup).await.0, 409);
    let mut conn = app.pool.get().unwrap();
    let rolled_back: Result<(), AppError> = custody::db::write_tx(&mut conn, |tx| {
        events::record(
            tx,
            NewEvent {
                event_type: catalog::SKU_MEASURED,
                aggregate_id: AggregateId::generate(),
                document_no: "GHOST".into(),
                owner: Some(supplier),
                payload: json!({}),
            },
        )?;
        Err(AppError::conflict("changed_my_mind", "roll back"))
    });
    drop(conn);
    assert!(rolled_back.is_err());
    assert_eq!(app.count("outbox WHERE event_type LIKE 'sku.%'"), 1);
    // A later event arrives next: nothing was published in between.
    let (_, sku2) = app.post("/api/v1/skus", &key, &sku_body(2)).await;
    let d = queue.next(Duration::from_secs(20)).await.expect("the next event");
    let body: serde_json::Value = serde_json::from_slice(&d.data).unwrap();
    assert_eq!(body["sku_id"], sku2["id"]);
    assert!(queue.next(Duration::from_millis(500)).await.is_none(), "exactly one message per change");
    queue.delete().await;
}

#[actix_web::test]
async fn sequence_numbers_count_each_documents_events() {
    let app = spawn_app().await;
    let (_, key) = app.supplier("ACME");
    let staff = app.staff("sam", "supervisor");
    let (_, sku) = app.post("/api/v1/skus", &key, &sku_body(1)).await;
    let id = sku["id"].as_str().unwrap();
    for status in ["suspended", "active", "suspended"] {
        let (s, _) = app.post(&format!("/api/v1/skus/{id}/status"), &key, &json!({"status": status})).await;
        assert_eq!(s, 200);
    }
    // Unchanged status: no event.
    app.post(&format!("/api/v1/skus/{id}/status"), &key, &json!({"status": "suspended"})).await;
    // The feed fills as the relay (not running here) would sequence it.
    let mut conn = app.pool.get().unwrap();
    custody::db::write_tx(&mut conn, |tx| custody::events::testing::assign_positions(tx, 1000)).unwrap();
    drop(conn);
    let (_, feed) = app.get("/api/v1/events", &staff).await;
    let of_sku: Vec<_> = feed["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["aggregate_id"] == json!(id))
        .map(|e| (e["type"].as_str().unwrap().to_owned(), e["sequence"].as_i64().unwrap()))
        .collect();
    assert_eq!(
        of_sku,
        [
            ("sku.registered".to_owned(), 1),
            ("sku.status_changed".to_owned(), 2),
            ("sku.status_changed".to_owned(), 3),
            ("sku.status_changed".to_owned(), 4)
        ]
    );
}

#[actix_web::test]
async fn the_feed_shows_a_supplier_only_its_own_events_and_pages_by_position() {
    let app = spawn_app().await;
    let (mine, my_key) = app.supplier("MINE");
    let (_, their_key) = app.supplier("THEIRS");
    for n in 0..3 {
        app.post("/api/v1/skus", &my_key, &sku_body(n)).await;
        app.post("/api/v1/skus", &their_key, &sku_body(10 + n)).await;
    }
    let mut conn = app.pool.get().unwrap();
    custody::db::write_tx(&mut conn, |tx| custody::events::testing::assign_positions(tx, 1000)).unwrap();
    drop(conn);
    let (s, feed) = app.get("/api/v1/events?limit=2", &my_key).await;
    assert_eq!(s, 200);
    let mut seen = Vec::new();
    let mut page = feed;
    loop {
        let events = page["events"].as_array().unwrap().clone();
        if events.is_empty() {
            break;
        }
        for e in &events {
            assert_eq!(e["owner_id"], json!(mine.to_string()), "only my events");
            seen.push(e["position"].as_i64().unwrap());
        }
        let after = page["next_after"].as_i64().unwrap();
        page = app.get(&format!("/api/v1/events?limit=2&after={after}"), &my_key).await.1;
    }
    assert_eq!(seen.len(), 4, "supplier.registered + 3 sku.registered");
    assert!(seen.windows(2).all(|w| w[0] < w[1]), "in order: {seen:?}");
    let staff = app.staff("sam", "supervisor");
    let (_, all) = app.get("/api/v1/events?type=sku.registered", &staff).await;
    assert_eq!(all["events"].as_array().unwrap().len(), 6);
    let (s, b) = app.get("/api/v1/events?type=nonsense.happened", &staff).await;
    assert_eq!((s, b["errors"][0]["code"].as_str()), (422, Some("unknown_event_type")));
}

#[actix_web::test]
async fn readyz_reports_the_broker_state_without_failing_readiness() {
    let app = spawn_app_with_events().await;
    let mut state = String::new();
    for _ in 0..100 {
        let (_, body) = crate::common::read(app.client.get(app.url("/readyz")).send().await.unwrap()).await;
        state = body["broker"].as_str().unwrap().to_owned();
        if state == "up" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(state, "up");
    let plain = spawn_app().await;
    let (status, body) =
        crate::common::read(plain.client.get(plain.url("/readyz")).send().await.unwrap()).await;
    assert_eq!((status, body["broker"].as_str()), (200, Some("not_running")));
    let text = app.client.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    for metric in [
        "custody_events_backlog",
        "custody_events_oldest_unpublished_seconds",
        "custody_events_published_total",
        "custody_relay_confirm_seconds_count",
        "custody_relay_reconnects_total 1",
        "custody_events_nacked_total",
        "custody_events_returned_total",
    ] {
        assert!(text.contains(metric), "{metric} in {text}");
    }
}

#[test]
fn the_events_catalog_documents_every_event_type() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/EVENTS.md")).unwrap();
    for t in custody::events::catalog::ALL {
        let heading = format!("### `{}` (`{}`)", t.routing_key(), t.cloudevents_type());
        assert!(doc.contains(&heading), "docs/EVENTS.md lacks {heading}");
    }
}

#[actix_web::test]
async fn an_event_that_cannot_be_published_is_parked_and_holds_back_only_its_documents_later_events() {
    use custody::events::relay::{self, BrokerState, RelayStatus};
    let app = crate::common::spawn_app().await;
    let mut queue = TestQueue::bind(&app.exchange, "sku.#").await;
    let (a, b) = record_one_too_large(&app);
    let small = relay_config(&app, Some(1_000));
    let status = std::sync::Arc::new(RelayStatus::new(BrokerState::Down));
    let handle = relay::spawn(app.pool.clone(), small, status.clone());
    let mut got = Vec::new();
    while let Some(d) = queue.next(Duration::from_secs(5)).await {
        got.push((header(&d, "cloudEvents_subject").unwrap(), header(&d, "cloudEvents_sequence").unwrap()));
        if got.len() == 3 {
            break;
        }
    }
    assert!(
        queue.next(Duration::from_secs(1)).await.is_none(),
        "A's third event waits behind the parked one"
    );
    handle.stop();
    got.sort();
    let expect =
        |v: &[(&str, &str)]| v.iter().map(|(s, n)| (s.to_string(), n.to_string())).collect::<Vec<_>>();
    assert_eq!(got, expect(&[("A", "1"), ("B", "1"), ("B", "2")]));
    let backlog =
        |app: &crate::common::TestApp| custody::events::backlog(&mut app.pool.get().unwrap()).unwrap().0;
    assert_eq!(backlog(&app), 2, "A's second and third events are not published");

    // Later events: B's goes out; A's waits in line behind the parked one,
    // although the relay reads on past it.
    let mut conn = app.pool.get().unwrap();
    custody::db::write_tx(&mut conn, |tx| {
        events::record(tx, padded(a, "A", 10))?;
        events::record(tx, padded(b, "B", 10))
    })
    .unwrap();
    drop(conn);
    let handle = relay::spawn(app.pool.clone(), relay_config(&app, Some(1_000)), status.clone());
    let d = queue.next(Duration::from_secs(10)).await.expect("B's third event");
    assert_eq!(header(&d, "cloudEvents_subject").unwrap(), "B");
    assert_eq!(header(&d, "cloudEvents_sequence").unwrap(), "3");
    assert!(queue.next(Duration::from_secs(1)).await.is_none(), "A's fourth event waits too");
    handle.stop();
    assert_eq!(backlog(&app), 3);

    // An admin sees it, with its error, and puts it back in line.
    let admin = app.staff("ada", "admin");
    let (s, parked) = app.get("/api/v1/events/parked", &admin).await;
    assert_eq!(s, 200);
    assert_eq!(parked.as_array().unwrap().len(), 1);
    assert_eq!(parked[0]["sequence"], 2);
    assert!(parked[0]["last_error"].as_str().unwrap().contains("CUSTODY_EVENT_MAX_BYTES"));
    let id = parked[0]["id"].as_str().unwrap();
    let supervisor = app.staff("sam", "supervisor");
    assert_eq!(app.post(&format!("/api/v1/events/{id}/retry"), &supervisor, &json!({})).await.0, 403);
    assert_eq!(
        app.client
            .post(app.url(&format!("/api/v1/events/{id}/retry")))
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap()
            .status(),
        204
    );

    // With a limit it fits (say, after raising CUSTODY_EVENT_MAX_BYTES), the
    // parked event and the ones behind it go out, in order.
    let handle = relay::spawn(app.pool.clone(), relay_config(&app, None), status);
    let mut rest = Vec::new();
    while let Some(d) = queue.next(Duration::from_secs(10)).await {
        rest.push((header(&d, "cloudEvents_subject").unwrap(), header(&d, "cloudEvents_sequence").unwrap()));
        if rest.len() == 3 {
            break;
        }
    }
    if let Some(d) = queue.next(Duration::from_secs(1)).await {
        panic!(
            "nothing is sent twice, but {:?} {:?} came after {rest:?}",
            header(&d, "cloudEvents_subject"),
            header(&d, "cloudEvents_sequence")
        );
    }
    handle.stop();
    assert_eq!(rest, expect(&[("A", "2"), ("A", "3"), ("A", "4")]));
    assert_eq!(app.get("/api/v1/events/parked", &admin).await.1.as_array().unwrap().len(), 0);
    assert_eq!(backlog(&app), 0);
    queue.delete().await;
}

#[actix_web::test]
async fn only_published_events_past_retention_are_purged() {
    use custody::db::types::Timestamp;
    use custody::events::relay::{self, BrokerState, RelayStatus};
    use custody::events::testing as store;
    // Counts every outbox row: no channel set-up events in it.
    let app = crate::common::spawn_app_without_channels().await;
    let mut queue = TestQueue::bind(&app.exchange, "sku.#").await;
    let (_, b) = record_one_too_large(&app);
    let handle = relay::spawn(
        app.pool.clone(),
        relay_config(&app, Some(1_000)),
        std::sync::Arc::new(RelayStatus::new(BrokerState::Down)),
    );
    for _ in 0..3 {
        queue.next(Duration::from_secs(10)).await.expect("A1, B1 and B2 are published");
    }
    handle.stop();
    let mut conn = app.pool.get().unwrap();
    // Recorded after the relay stopped: not published, not even sequenced.
    custody::db::write_tx(&mut conn, |tx| events::record(tx, padded(b, "B", 10)).map(drop)).unwrap();

    let purge = |conn: &mut _, cutoff, broker| {
        custody::db::write_tx(conn, |tx| store::purge(tx, cutoff, broker).map_err(AppError::from)).unwrap()
    };
    assert_eq!(
        purge(&mut conn, Timestamp::now() - chrono::Duration::hours(1), true),
        0,
        "none is old enough"
    );
    assert_eq!(purge(&mut conn, Timestamp::now() + chrono::Duration::hours(1), true), 3);
    assert_eq!(app.count("outbox"), 3, "the parked event, the one behind it and the new one stay");
    assert_eq!(custody::events::backlog(&mut conn).unwrap().0, 3);
    queue.delete().await;
}

/// An event of document `doc` whose payload is about `size` bytes.
fn padded(agg: AggregateId, doc: &str, size: usize) -> NewEvent {
    NewEvent {
        event_type: catalog::SKU_MEASURED,
        aggregate_id: agg,
        document_no: doc.into(),
        owner: None,
        payload: json!({"pad": "x".repeat(size)}),
    }
}

/// Records, in one transaction, three events of document A, the second of
/// them over 1,000 bytes, and two of document B. Returns (A, B).
fn record_one_too_large(app: &crate::common::TestApp) -> (AggregateId, AggregateId) {
    let (a, b) = (AggregateId::generate(), AggregateId::generate());
    let mut conn = app.pool.get().unwrap();
    custody::db::write_tx(&mut conn, |tx| {
        events::record(tx, padded(a, "A", 10))?;
        events::record(tx, padded(a, "A", 5_000))?;
        events::record(tx, padded(a, "A", 10))?;
        events::record(tx, padded(b, "B", 10))?;
        events::record(tx, padded(b, "B", 10))
    })
    .unwrap();
    (a, b)
}

/// The relay's configuration for the test app's database and exchange, with
/// a payload limit if given (else the default).
fn relay_config(
    app: &crate::common::TestApp,
    max_payload_bytes: Option<usize>,
) -> custody::events::relay::RelayConfig {
    let mut config = crate::common::test_config(&app.db.url);
    config.amqp_url = Some(crate::common::amqp_url());
    config.amqp_exchange = app.exchange.clone();
    let mut relay = custody::events::relay::RelayConfig::from_config(&config);
    if let Some(max) = max_payload_bytes {
        relay.max_payload_bytes = max;
    }
    relay
}
