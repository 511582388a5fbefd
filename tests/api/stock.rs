//! Stock: the supervisor's functions, blind cycle counts, concurrency (many
//! clerks, moves and putaways on one SKU at once) and a property test of the
//! ledger against a model.

use std::collections::HashMap;

use futures_util::future::join_all;
use serde_json::{Value, json};

use crate::common::{TestApp, sku_body, spawn_app};
use crate::inbound::{World, asn_body, world};

async fn post(app: &TestApp, path: &str, key: &str, body: Value) -> (u16, Value) {
    app.post(path, key, &body).await
}

fn available_in(balances: &Value, bin: &str) -> i64 {
    balances
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b["bin_code"] == json!(bin) && b["bucket"] == "available")
        .map(|b| b["quantity"].as_i64().unwrap())
        .sum()
}

async fn verify(app: &TestApp, key: &str) {
    let (s, check) = app.get("/api/v1/stock/verify", key).await;
    assert_eq!(s, 200);
    assert_eq!(check["mismatches"], json!([]), "balances equal the ledger: {check}");
    let negative = app.count("stock_balances WHERE quantity < 0");
    assert_eq!(negative, 0);
}

#[actix_web::test]
async fn supervisors_move_adjust_hold_and_release_with_reasons_and_events() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let sku = w.skus[0].0.clone();
    let sup = &w.supervisor;
    let (s, r) = post(&app, "/api/v1/stock/adjustments", sup, json!({"sku_id": sku, "bin": "A-01-01-01", "quantity": 40, "reason": "found", "note": "found in aisle"})).await;
    assert_eq!((s, r["reason"].as_str()), (200, Some("adjust_found")), "{r}");
    let (s, r) = post(
        &app,
        "/api/v1/stock/moves",
        sup,
        json!({"sku_id": sku, "from_bin": "A-01-01-01", "to_bin": "A-01-01-02", "quantity": 15}),
    )
    .await;
    assert_eq!(s, 200, "{r}");
    let (s, r) = post(
        &app,
        "/api/v1/stock/moves",
        sup,
        json!({"sku_id": sku, "from_bin": "A-01-01-01", "to_bin": "A-01-01-02", "quantity": 26}),
    )
    .await;
    assert_eq!((s, r["code"].as_str()), (409, Some("insufficient_stock")));
    assert!(r["detail"].as_str().unwrap().contains("Only 25"), "{r}");
    let (s, r) = post(
        &app,
        "/api/v1/stock/moves",
        sup,
        json!({"sku_id": sku, "from_bin": "A-01-01-01", "to_bin": "QC-01-01-01", "quantity": 1}),
    )
    .await;
    assert_eq!((s, r["errors"][0]["code"].as_str()), (422, Some("not_a_storage_bin")));
    let (s, r) = post(
        &app,
        "/api/v1/stock/moves",
        sup,
        json!({"sku_id": sku, "from_bin": "A-01-01-01", "to_bin": "A-01-02-01", "quantity": 20}),
    )
    .await;
    assert_eq!(s, 200, "{r}");
    let (s, r) = post(
        &app,
        "/api/v1/stock/adjustments",
        sup,
        json!({"sku_id": sku, "bin": "A-01-02-01", "quantity": 31, "reason": "found", "note": "x"}),
    )
    .await;
    assert_eq!(
        (s, r["code"].as_str()),
        (409, Some("bin_full")),
        "capacity 50 holds 20: 31 more do not fit {r}"
    );
    let (s, r) = post(
        &app,
        "/api/v1/stock/adjustments",
        sup,
        json!({"sku_id": sku, "bin": "A-01-01-02", "quantity": 2, "reason": "lost", "note": ""}),
    )
    .await;
    assert_eq!((s, r["errors"][0]["field"].as_str()), (422, Some("note")), "a reason in words is required");
    let (s, _) = post(
        &app,
        "/api/v1/stock/adjustments",
        sup,
        json!({"sku_id": sku, "bin": "A-01-01-02", "quantity": 2, "reason": "lost", "note": "not found"}),
    )
    .await;
    assert_eq!(s, 200);
    let (s, _) = post(
        &app,
        "/api/v1/stock/holds",
        sup,
        json!({"sku_id": sku, "bin": "A-01-02-01", "quantity": 5, "note": "recall check"}),
    )
    .await;
    assert_eq!(s, 200);
    let (s, r) = post(
        &app,
        "/api/v1/stock/releases",
        sup,
        json!({"sku_id": sku, "bin": "A-01-02-01", "quantity": 6, "note": "done"}),
    )
    .await;
    assert_eq!((s, r["code"].as_str()), (409, Some("insufficient_stock")));
    let (s, _) = post(
        &app,
        "/api/v1/stock/holds",
        &w.receiver,
        json!({"sku_id": sku, "bin": "A-01-02-01", "quantity": 1, "note": "x"}),
    )
    .await;
    assert_eq!(s, 403, "only supervisors");

    let (_, stock) = app.get("/api/v1/stock", &w.supplier).await;
    let mine = stock["items"].as_array().unwrap().iter().find(|s| s["sku_id"] == json!(sku)).unwrap().clone();
    assert_eq!((mine["available"].as_i64(), mine["on_hold"].as_i64()), (Some(33), Some(5)));
    let (_, ledger) = app.get(&format!("/api/v1/stock/ledger?sku_id={sku}"), &w.supplier).await;
    let reasons: Vec<&str> =
        ledger.as_array().unwrap().iter().map(|m| m["reason"].as_str().unwrap()).collect();
    assert_eq!(reasons, ["held", "adjust_lost", "moved", "moved", "adjust_found"], "newest first");
    let (_, other) = app.supplier("OTHER");
    let (s, _) = app.get(&format!("/api/v1/stock/ledger?sku_id={sku}"), &other).await;
    assert_eq!(s, 404, "another supplier's ledger is a 404");
    verify(&app, sup).await;
    let events = crate::inbound::events_of(&app, sup, &sku).await;
    let types: Vec<&str> =
        events.iter().map(|(t, _, _)| t.as_str()).filter(|t| t.starts_with("stock.")).collect();
    assert_eq!(types, ["stock.adjusted", "stock.moved", "stock.moved", "stock.adjusted", "stock.held"]);
    let last_available = events.iter().rev().find(|(t, _, _)| t == "inventory.available_changed").unwrap();
    assert_eq!(last_available.2["available"], 33);
}

#[actix_web::test]
async fn a_blind_cycle_count_shows_the_variance_only_after_and_needs_a_second_person() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let (a, b) = (w.skus[0].clone(), w.skus[1].clone());
    let sup = &w.supervisor;
    post(&app, "/api/v1/stock/adjustments", sup, json!({"sku_id": a.0, "bin": "A-01-01-03", "quantity": 12, "reason": "found", "note": "opening stock"})).await;
    let (s, count) = post(&app, "/api/v1/cycle-counts", sup, json!({"bin": "A-01-01-03"})).await;
    assert_eq!(s, 200, "{count}");
    let id = count["id"].as_str().unwrap().to_owned();
    assert!(count["lines"][0]["expected"].is_null(), "blind while counting");
    let (s, r) = post(&app, "/api/v1/cycle-counts", sup, json!({"bin": "A-01-01-03"})).await;
    assert_eq!((s, r["code"].as_str()), (409, Some("count_open")));
    let (s, counted) = post(
        &app,
        &format!("/api/v1/cycle-counts/{id}/submit"),
        &w.receiver,
        json!({"lines": [{"barcode": a.1, "counted": 10}, {"barcode": b.1, "counted": 3}]}),
    )
    .await;
    assert_eq!((s, counted["status"].as_str()), (200, Some("submitted")), "{counted}");
    let variance: HashMap<String, i64> = counted["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["sku_id"].as_str().unwrap().to_owned(), l["variance"].as_i64().unwrap()))
        .collect();
    assert_eq!((variance[&a.0], variance[&b.0]), (-2, 3));
    let rita_supervisor = app.staff("rita2", "supervisor");
    let (s, _) = post(&app, &format!("/api/v1/cycle-counts/{id}/approve"), &w.receiver, json!({})).await;
    assert_eq!(s, 403);
    let (s, approved) =
        post(&app, &format!("/api/v1/cycle-counts/{id}/approve"), &rita_supervisor, json!({})).await;
    assert_eq!((s, approved["status"].as_str()), (200, Some("approved")), "{approved}");
    let (_, balances) = app.get("/api/v1/stock/balances?bin=A-01-01-03", sup).await;
    let q: HashMap<String, i64> = balances
        .as_array()
        .unwrap()
        .iter()
        .map(|b| (b["sku_id"].as_str().unwrap().to_owned(), b["quantity"].as_i64().unwrap()))
        .collect();
    assert_eq!((q[&a.0], q[&b.0]), (10, 3));
    verify(&app, sup).await;

    // The counter may not approve their own count.
    let (_, c2) = post(&app, "/api/v1/cycle-counts", sup, json!({"bin": "A-01-01-03"})).await;
    let id2 = c2["id"].as_str().unwrap();
    post(&app, &format!("/api/v1/cycle-counts/{id2}/submit"), sup, json!({"lines": []})).await;
    let (s, r) = post(&app, &format!("/api/v1/cycle-counts/{id2}/approve"), sup, json!({})).await;
    assert_eq!((s, r["code"].as_str()), (409, Some("four_eyes")));
}

/// A shipment of 100 + 10 units received whole and passed by QC: ready for putaway.
async fn inspected(app: &TestApp, w: &World, tracking: &str) -> String {
    let (_, asn) = app.post("/api/v1/asns", &w.supplier, &asn_body(w, None, tracking)).await;
    let id = asn["id"].as_str().unwrap().to_owned();
    let no = asn["asn_no"].as_str().unwrap().to_owned();
    app.post(&format!("/api/v1/asns/{id}/submit"), &w.supplier, &json!({})).await;
    crate::inbound::receive_whole(app, w, &id, &no).await;
    app.post(&format!("/api/v1/asns/{id}/close-receipt"), &w.receiver, &json!({})).await;
    let (_, lots) = app.get(&format!("/api/v1/asns/{id}/qc"), &w.qc).await;
    for lot in lots.as_array().unwrap() {
        for _ in 0..lot["sample_size"].as_i64().unwrap() {
            app.post(
                &format!("/api/v1/asns/{id}/qc/{}/samples", lot["sku_id"].as_str().unwrap()),
                &w.qc,
                &json!({"result": "pass"}),
            )
            .await;
        }
    }
    let (_, asn) = app.get(&format!("/api/v1/asns/{id}"), &w.supplier).await;
    assert_eq!(asn["status"], "inspected");
    id
}

#[actix_web::test]
async fn two_clerks_at_one_carton_never_double_count() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let bob = app.staff("bob", "receiver");
    let (_, asn) = app.post("/api/v1/asns", &w.supplier, &asn_body(&w, None, "RACE-1")).await;
    let id = asn["id"].as_str().unwrap().to_owned();
    app.post(&format!("/api/v1/asns/{id}/submit"), &w.supplier, &json!({})).await;
    let open = format!("/api/v1/asns/{id}/cartons/open");
    let (r1, r2) = tokio::join!(
        post(&app, &open, &w.receiver, json!({"carton": "1"})),
        post(&app, &open, &bob, json!({"carton": "1"}))
    );
    let mut statuses = [r1.0, r2.0];
    statuses.sort();
    assert_eq!(statuses, [200, 409], "exactly one clerk gets the carton: {r1:?} {r2:?}");
    let (winner, loser) = if r1.0 == 200 { (&w.receiver, &bob) } else { (&bob, &w.receiver) };
    let barcode = w.skus[0].1.clone();
    let scans = format!("/api/v1/asns/{id}/scans");
    let body = json!({"carton_no": 1, "barcode": barcode});
    let results = join_all((0..40).map(|i| {
        let key = if i % 2 == 0 { winner } else { loser };
        post(&app, &scans, key, body.clone())
    }))
    .await;
    let ok = results.iter().filter(|(s, _)| *s == 200).count();
    assert_eq!(ok, 20, "every scan of the winner counts, none of the other clerk's");
    assert!(results.iter().all(|(s, b)| *s == 200 || b["code"] == "carton_taken"));
    let (_, asn) = app.get(&format!("/api/v1/asns/{id}"), &w.supplier).await;
    assert_eq!(asn["cartons"][0]["items"][0]["counted"], 20);
    post(&app, &format!("/api/v1/asns/{id}/cartons/1/close"), winner, json!({})).await;
    let (_, asn) = app.get(&format!("/api/v1/asns/{id}"), &w.supplier).await;
    assert_eq!(asn["lines"][0]["received"], 20);
    verify(&app, &w.supervisor).await;
}

#[actix_web::test]
async fn many_putaways_and_moves_on_one_sku_at_once_keep_the_ledger_whole() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let id = inspected(&app, &w, "BUSY-1").await;
    let sku = w.skus[0].clone();
    let sup = w.supervisor.clone();
    post(
        &app,
        "/api/v1/stock/adjustments",
        &sup,
        json!({"sku_id": sku.0, "bin": "A-01-01-03", "quantity": 60, "reason": "found", "note": "opening"}),
    )
    .await;
    let putaway = format!("/api/v1/asns/{id}/putaway");
    let mut work = Vec::new();
    // 25 putaways of 5 for 100 units waiting: 20 can succeed.
    for i in 0..25 {
        let bin = if i % 2 == 0 { "A-01-01-03" } else { "A-01-01-04" };
        work.push(post(&app, &putaway, &w.receiver, json!({"barcode": sku.1, "bin": bin, "quantity": 5})));
    }
    // Moves both ways between the two bins and write-offs, racing the putaways.
    for i in 0..30 {
        let (from, to) = if i % 2 == 0 { ("A-01-01-03", "A-01-01-04") } else { ("A-01-01-04", "A-01-01-03") };
        work.push(post(
            &app,
            "/api/v1/stock/moves",
            &sup,
            json!({"sku_id": sku.0, "from_bin": from, "to_bin": to, "quantity": 7}),
        ));
    }
    for _ in 0..10 {
        work.push(post(&app, "/api/v1/stock/adjustments", &sup, json!({"sku_id": sku.0, "bin": "A-01-01-04", "quantity": 9, "reason": "lost", "note": "write-off"})));
    }
    let results = join_all(work).await;
    for (s, b) in &results {
        assert!(
            *s == 200
                || b["code"] == "insufficient_stock"
                || b["code"] == "exceeds_remaining"
                || b["code"] == "nothing_to_put_away"
                || b["code"] == "illegal_transition",
            "only clean refusals: {s} {b}"
        );
    }
    let put: i64 = results[..25].iter().filter(|(s, _)| *s == 200).count() as i64 * 5;
    let lost: i64 = results[55..].iter().filter(|(s, _)| *s == 200).count() as i64 * 9;
    assert_eq!(put, 100, "all 100 waiting units were put away, not one more");
    let (_, balances) = app.get(&format!("/api/v1/stock/balances?sku_id={}", sku.0), &sup).await;
    let total = available_in(&balances, "A-01-01-03") + available_in(&balances, "A-01-01-04");
    assert_eq!(total, 60 + put - lost, "nothing created or lost by the races");
    let (_, asn) = app.get(&format!("/api/v1/asns/{id}"), &w.supplier).await;
    assert_eq!(asn["lines"][0]["put_away"], asn["lines"][0]["qc_passed"]);
    verify(&app, &sup).await;
}

/// What the property test does to one SKU's stock.
#[derive(Debug, Clone)]
enum Op {
    Receive(i32),
    ToQc(i32),
    Putaway(usize, i32),
    Move(usize, usize, i32),
    Hold(usize, i32),
    Release(usize, i32),
    Lose(usize, i32),
}

#[actix_web::test]
async fn no_sequence_of_movements_breaks_the_ledger() {
    use custody::stock::{Bucket, Movement, Place, Reason, service};
    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestRunner};

    let app = spawn_app().await;
    let w = world(&app).await;
    let supplier: custody::ids::SupplierId = w.supplier_id.parse().unwrap();
    let bins: Vec<custody::ids::BinId> = app.tx(|tx| {
        (1..=3)
            .map(|n| custody::warehouse::service::by_code(tx, &format!("A-01-01-{n:02}")).map(|b| b.id))
            .collect()
    });
    let n = std::sync::atomic::AtomicU32::new(100);
    let q = 1i32..20;
    let op = prop_oneof![
        q.clone().prop_map(Op::Receive),
        q.clone().prop_map(Op::ToQc),
        (0usize..3, q.clone()).prop_map(|(b, q)| Op::Putaway(b, q)),
        (0usize..3, 0usize..3, q.clone()).prop_map(|(a, b, q)| Op::Move(a, b, q)),
        (0usize..3, q.clone()).prop_map(|(b, q)| Op::Hold(b, q)),
        (0usize..3, q.clone()).prop_map(|(b, q)| Op::Release(b, q)),
        (0usize..3, q).prop_map(|(b, q)| Op::Lose(b, q)),
    ];
    let mut runner = TestRunner::new(Config { cases: 24, ..Config::default() });
    runner
        .run(&prop::collection::vec(op, 1..30), |ops| {
            // A fresh SKU per case: its stock starts at zero.
            let k = n.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let input: custody::catalog::domain::SkuInput = serde_json::from_value(sku_body(k)).unwrap();
            let sku = app.tx(|tx| custody::catalog::service::register(tx, supplier, &input)).id;
            let mut model: HashMap<(Bucket, usize), i32> = HashMap::new();
            let dock = 99;
            for op in ops {
                let (from, to, qty, reason) = match op {
                    Op::Receive(q) => (None, Some((Bucket::Receiving, dock)), q, Reason::Received),
                    Op::ToQc(q) => {
                        (Some((Bucket::Receiving, dock)), Some((Bucket::Qc, dock)), q, Reason::ToQc)
                    }
                    Op::Putaway(b, q) => {
                        (Some((Bucket::Qc, dock)), Some((Bucket::Available, b)), q, Reason::Putaway)
                    }
                    Op::Move(a, b, q) => {
                        (Some((Bucket::Available, a)), Some((Bucket::Available, b)), q, Reason::Moved)
                    }
                    Op::Hold(b, q) => {
                        (Some((Bucket::Available, b)), Some((Bucket::OnHold, b)), q, Reason::Held)
                    }
                    Op::Release(b, q) => {
                        (Some((Bucket::OnHold, b)), Some((Bucket::Available, b)), q, Reason::Released)
                    }
                    Op::Lose(b, q) => (Some((Bucket::Available, b)), None, q, Reason::AdjustLost),
                };
                let place = |(bucket, i): (Bucket, usize)| {
                    if i == dock { Place::unlocated(bucket) } else { Place::at(bucket, bins[i]) }
                };
                let m = Movement {
                    owner: supplier,
                    sku,
                    quantity: qty,
                    from: from.map(place),
                    to: to.map(place),
                    reason,
                    document_no: "PROP".into(),
                    note: String::new(),
                    actor: "prop".into(),
                };
                let mut conn = app.pool.get().unwrap();
                let result = custody::db::write_tx(&mut conn, |tx| service::apply(tx, &m));
                let have = from.map(|f| model.get(&f).copied().unwrap_or(0));
                let enough = have.is_none_or(|h| h >= qty);
                if from == to {
                    prop_assert!(result.is_err());
                    continue;
                }
                match result {
                    Ok(_) => {
                        prop_assert!(enough, "booked {m:?} with only {have:?}");
                        if let Some(f) = from {
                            *model.entry(f).or_default() -= qty;
                        }
                        if let Some(t) = to {
                            *model.entry(t).or_default() += qty;
                        }
                    }
                    Err(e) => {
                        prop_assert!(!enough, "refused {m:?} with {have:?}: {e}");
                        prop_assert_eq!(e.code(), "insufficient_stock");
                    }
                }
            }
            let mut conn = app.pool.get().unwrap();
            let rows = service::balances(&mut conn, Some(supplier), Some(sku), None, 1000).unwrap();
            let bins_by_code: HashMap<String, usize> =
                (0..3).map(|i| (format!("A-01-01-{:02}", i + 1), i)).collect();
            let mut seen: HashMap<(Bucket, usize), i32> = HashMap::new();
            for r in rows {
                let i = r.bin_code.as_ref().map(|c| bins_by_code[c]).unwrap_or(dock);
                seen.insert((r.bucket, i), r.quantity);
            }
            model.retain(|_, v| *v != 0);
            prop_assert_eq!(seen, model);
            Ok(())
        })
        .unwrap();
    verify(&app, &w.supervisor).await;
}

/// Stock, the ledger and order lines belong to the SKU's own supplier: the
/// database itself refuses a row that names another owner (one foreign key
/// on the pair), and takes the right one.
#[actix_web::test]
async fn the_database_refuses_stock_owned_by_anyone_but_the_skus_supplier() {
    use custody::ids::{BinId, SkuId};
    use custody::stock::testing::{BalanceRow, increment, movements};
    use custody::stock::{Bucket, Movement, Place, Reason};
    let app = spawn_app().await;
    let w = world(&app).await;
    let (other, _) = app.supplier("OTHER");
    let own: custody::ids::SupplierId = w.supplier_id.parse().unwrap();
    let sku: SkuId = w.skus[0].0.parse().unwrap();
    let now = custody::db::types::Timestamp::now();
    let balance = |owner| BalanceRow {
        owner_id: owner,
        sku_id: sku,
        bin_id: BinId::generate(),
        bucket: "available".into(),
        quantity: 1,
        updated_at: now,
        first_in_at: Some(now),
    };
    let mut conn = app.pool.get().unwrap();
    assert!(increment(&mut conn, &balance(other)).is_err(), "a balance of another supplier");
    assert!(increment(&mut conn, &balance(own)).is_ok());

    // The ledger has no foreign keys of its own: its rows go in with the
    // balance change they record, in one transaction, so a movement booked
    // for another supplier is refused at its balance and leaves no row.
    let found = |owner| Movement {
        owner,
        sku,
        quantity: 1,
        from: None,
        to: Some(Place::at(Bucket::Available, BinId::generate())),
        reason: Reason::AdjustFound,
        document_no: "TEST".into(),
        note: String::new(),
        actor: "test".into(),
    };
    let booked = |conn: &mut custody::db::DbConn, m: Movement| {
        custody::db::write_tx(conn, |tx| custody::stock::service::apply(tx, &m))
    };
    let ledger =
        |conn: &mut custody::db::DbConn, owner| movements(conn, Some(owner), sku, 100).unwrap().len();
    let (theirs, ours) = (ledger(&mut conn, other), ledger(&mut conn, own));
    assert!(booked(&mut conn, found(other)).is_err(), "a movement of another supplier");
    assert_eq!(ledger(&mut conn, other), theirs, "the refused movement left a ledger row");
    assert!(booked(&mut conn, found(own)).is_ok());
    assert_eq!(ledger(&mut conn, own), ours + 1);
}
