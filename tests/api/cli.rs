//! The operator commands, run as a real process against a fresh database.

use std::io::Write;
use std::process::{Command, Stdio};

use crate::common::FreshDb;

/// The buyer-data key of these tests' processes.
const K1: &str = "k1:1111111111111111111111111111111111111111111111111111111111111111";
const K2: &str = "k2:2222222222222222222222222222222222222222222222222222222222222222";

fn custody(db: &FreshDb, args: &[&str], stdin: Option<&str>) -> (bool, String, String) {
    custody_with(db, args, stdin, &[("CUSTODY_PII_KEYS", K1)])
}

fn custody_with(
    db: &FreshDb,
    args: &[&str],
    stdin: Option<&str>,
    env: &[(&str, &str)],
) -> (bool, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_custody"))
        .args(args)
        .env_remove("CUSTODY_PII_KEYS")
        .env_remove("CUSTODY_INSECURE_EPHEMERAL_PII_KEY")
        .env("CUSTODY_DATABASE_URL", &db.url)
        .env("CUSTODY_LOG", "warn")
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(input) = stdin {
        child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    }
    drop(child.stdin.take());
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn admin_commands_create_suppliers_users_and_keys_that_can_be_revoked() {
    let db = FreshDb::new();
    let (ok, out, err) =
        custody(&db, &["admin", "create-supplier", "--code", "gz-7", "--name", "广州七号"], None);
    assert!(ok, "{err}");
    assert!(uuid::Uuid::parse_str(out.trim()).is_ok(), "prints the id alone: {out}");
    let (ok, _, err) = custody(
        &db,
        &["admin", "create-user", "--username", "Lin", "--role", "qc", "--password-stdin"],
        Some("a long enough password\n"),
    );
    assert!(ok, "{err}");
    let (ok, _, err) = custody(
        &db,
        &["admin", "create-user", "--username", "x", "--role", "boss", "--password-stdin"],
        Some("a long enough password\n"),
    );
    assert!(!ok);
    assert!(err.contains("role"), "{err}");

    let (ok, key, err) = custody(&db, &["admin", "create-api-key", "--supplier", "GZ-7"], None);
    assert!(ok, "{err}");
    let key = key.trim().to_owned();
    assert!(key.starts_with("cus_sup_") && !key.contains(char::is_whitespace), "the key alone: {key}");
    let (ok, platform, _) = custody(&db, &["admin", "create-api-key", "--platform"], None);
    assert!(ok && platform.trim().starts_with("cus_plt_"));
    let (ok, listing, _) = custody(&db, &["admin", "list-api-keys"], None);
    assert!(ok);
    assert!(!listing.contains(&key), "the list never shows a key");
    let prefix = &key[..16];
    assert!(listing.contains(prefix));

    let (ok, _, err) = custody(&db, &["admin", "revoke-api-key", prefix], None);
    assert!(ok, "{err}");
    let (ok, listing, _) = custody(&db, &["admin", "list-api-keys"], None);
    assert!(ok && listing.lines().any(|l| l.contains(prefix) && l.contains("revoked")), "{listing}");
    let (ok, _, err) = custody(&db, &["admin", "revoke-api-key", prefix], None);
    assert!(!ok, "revoking twice finds no live key");
    assert!(err.contains("No live API key"), "{err}");
}

#[test]
fn demo_data_loads_once_and_prints_credentials() {
    let db = FreshDb::new();
    let (ok, out, err) = custody(&db, &["demo-data"], None);
    assert!(ok, "{err}");
    assert!(out.contains("supplier SZ-TOYS") && out.contains("cus_plt_") && out.contains("admin"), "{out}");
    let (ok, _, err) = custody(&db, &["demo-data"], None);
    assert!(!ok, "a second load is refused");
    assert!(err.contains("already has data"), "{err}");
}

#[test]
fn a_bad_database_url_fails_with_its_reason() {
    let (ok, _, err) = {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_custody"));
        cmd.args(["migrate"]).env("CUSTODY_DATABASE_URL", "mysql://localhost/x");
        let out = cmd.output().unwrap();
        (out.status.success(), (), String::from_utf8_lossy(&out.stderr).into_owned())
    };
    assert!(!ok);
    assert!(err.contains("unsupported database URL scheme `mysql`"), "{err}");
    let out = Command::new(env!("CARGO_BIN_EXE_custody"))
        .args(["migrate"])
        .env("CUSTODY_DATABASE_URL", "postgres://nobody-here@127.0.0.1:5432/none")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(err.contains("nobody-here"), "the real PostgreSQL error is shown: {err}");
    assert!(!std::path::Path::new("postgres:").exists(), "no stray SQLite file");
}

#[test]
fn stock_verify_reports_a_whole_ledger_and_catches_a_tampered_balance() {
    let db = FreshDb::new();
    assert!(custody(&db, &["demo-data"], None).0);
    let (ok, out, err) = custody(&db, &["stock", "verify"], None);
    assert!(ok, "{err}");
    assert!(out.contains("every balance equals its ledger"), "{out}");
    let (ok, out, _) = custody(&db, &["stock", "expire-orders"], None);
    assert!(ok && out.contains("0 stock-up order(s) timed out"), "{out}");
    // Five units appear with no movement behind them: verify must say so.
    let nil = if db.is_postgres() { "'00000000-0000-0000-0000-000000000000'" } else { "zeroblob(16)" };
    let mut conn = custody::db::connect(&db.url, 1).unwrap().get().unwrap();
    diesel::RunQueryDsl::execute(
        diesel::sql_query(format!(
            "INSERT INTO stock_balances (owner_id, sku_id, bin_id, bucket, quantity, updated_at) \
             SELECT supplier_id, id, {nil}, 'available', 5, '2026-11-23T00:00:00.000000Z' FROM skus LIMIT 1"
        )),
        &mut *conn,
    )
    .unwrap();
    let (ok, out, _) = custody(&db, &["stock", "verify"], None);
    assert!(!ok, "a tampered balance fails the check");
    assert!(out.contains("MISMATCH") && out.contains("balance 5 but ledger 0"), "{out}");
}

/// The real server, logging at debug level as JSON: an order's buyer data
/// (accepted or refused) must appear nowhere in what it prints.
#[actix_web::test]
async fn buyer_data_never_reaches_the_logs() {
    let db = FreshDb::new();
    let (ok, out, err) = custody(&db, &["demo-data"], None);
    assert!(ok, "{err}");
    let key_of = |label: &str| {
        out.lines()
            .find_map(|l| l.trim().strip_prefix(label).map(|k| k.trim().to_owned()))
            .expect("key printed")
    };
    let (platform, admin) = (key_of("platform"), key_of("staff admin"));
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let log_path = std::env::temp_dir().join(format!("custody-pii-{}.log", uuid::Uuid::now_v7().simple()));
    let log = std::fs::File::create(&log_path).unwrap();
    let mut server = Command::new(env!("CARGO_BIN_EXE_custody"))
        .args(["serve"])
        .env("CUSTODY_PII_KEYS", K1)
        .env("CUSTODY_DATABASE_URL", &db.url)
        .env("CUSTODY_BIND", format!("127.0.0.1:{port}"))
        .env("CUSTODY_LOG", "debug")
        .env("CUSTODY_LOG_FORMAT", "json")
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    let started = std::time::Instant::now();
    while http.get(format!("{base}/healthz")).send().await.is_err() {
        assert!(started.elapsed().as_secs() < 30, "the server did not start");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let skus: serde_json::Value = http
        .get(format!("{base}/api/v1/skus?limit=1"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let sku = skus["items"][0]["id"].as_str().unwrap().to_owned();
    let order = |id: &str, phone: &str| {
        serde_json::json!({
            "platform_order_id": id, "shop": "Demo", "market": "US", "destination_country": "US",
            "service_level": "express", "ship_by": "2030-01-01T00:00:00Z",
            "lines": [{"sku_id": sku, "quantity": 1, "unit_price": {"amount_minor": 999, "currency": "USD"}}],
            "buyer": {"name": "Zelda Quinterro", "phone": phone,
                      "address": {"line1": "742 Evergreen Terrace", "city": "Shelbyville", "postal_code": "49007", "country": "US"}}
        })
    };
    let ok = http
        .post(format!("{base}/api/v1/orders"))
        .bearer_auth(&platform)
        .json(&order("LOG-1", "+1 555 777 9911"))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 201);
    let bad = http
        .post(format!("{base}/api/v1/orders"))
        .bearer_auth(&platform)
        .json(&order("LOG-2", "Zelda's phone"))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 422);
    let list = http
        .get(format!("{base}/api/v1/orders"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    // An orderly stop, as on a deploy: SIGTERM, requests finished, intake
    // writers and connections let go, exit 0.
    drop(http);
    let term = Command::new("kill").args(["-TERM", &server.id().to_string()]).status().unwrap();
    assert!(term.success());
    let stopped = loop {
        if let Some(status) = server.try_wait().unwrap() {
            break status;
        }
        assert!(started.elapsed().as_secs() < 90, "the server did not stop on SIGTERM");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    let logs = std::fs::read_to_string(&log_path).unwrap();
    std::fs::remove_file(&log_path).ok();
    assert!(logs.contains("/api/v1/orders"), "the requests were logged: {logs}");
    for secret in ["Zelda", "Quinterro", "Evergreen", "Shelbyville", "49007", "777 9911", "7779911"] {
        assert!(!logs.contains(secret), "{secret} is in the logs");
        assert!(!list.contains(secret), "{secret} is in the order list");
    }
    assert!(stopped.success(), "serve stops cleanly on SIGTERM ({stopped}): {logs}");
}

/// Buyer data fails closed: without CUSTODY_PII_KEYS neither `serve` nor
/// `demo-data` starts, and they say why and what to do; `serve --demo` and
/// the loudly named opt-in start, with a warning.
#[actix_web::test]
async fn without_a_buyer_data_key_the_server_refuses_to_start() {
    let db = FreshDb::new();
    for args in [&["serve"][..], &["demo-data"][..]] {
        let (ok, _, err) = custody_with(&db, args, None, &[]);
        assert!(!ok, "{args:?} started without a key");
        assert!(err.contains("CUSTODY_PII_KEYS is not set"), "{err}");
        assert!(err.contains("custody admin pii-new-key"), "it says how to make one: {err}");
    }
    let (ok, _, err) = custody_with(&db, &["serve"], None, &[("CUSTODY_PII_KEYS", "k1:abc")]);
    assert!(!ok && err.contains("CUSTODY_PII_KEYS"), "a malformed key is refused too: {err}");
    // Nothing was written by the refusals: the database is still empty
    // enough for demo data.
    let (ok, _, err) = custody(&db, &["demo-data"], None);
    assert!(ok, "{err}");

    for (args, env) in [
        (&["serve", "--demo"][..], &[][..]),
        (&["serve"][..], &[("CUSTODY_INSECURE_EPHEMERAL_PII_KEY", "true")][..]),
    ] {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let mut server = Command::new(env!("CARGO_BIN_EXE_custody"))
            .args(args)
            .env_remove("CUSTODY_PII_KEYS")
            .env_remove("CUSTODY_INSECURE_EPHEMERAL_PII_KEY")
            .envs(env.iter().copied())
            .env("CUSTODY_DATABASE_URL", &db.url)
            .env("CUSTODY_BIND", format!("127.0.0.1:{port}"))
            .env("CUSTODY_RELAY", "false")
            .env("CUSTODY_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let http = reqwest::Client::new();
        let started = std::time::Instant::now();
        while http.get(format!("http://127.0.0.1:{port}/healthz")).send().await.is_err() {
            assert!(server.try_wait().unwrap().is_none(), "{args:?} {env:?} exited");
            assert!(started.elapsed().as_secs() < 30, "the server did not start");
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        server.kill().unwrap();
        let out = server.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("dies with this process"), "the warning is loud: {err}");
    }
}

/// Key rotation: `pii-reseal` re-seals every order under the newest key, so
/// that the old one can be dropped; run again it has nothing to do; a key
/// dropped too early leaves orders unreadable, and it says which.
#[test]
fn reseal_moves_every_order_to_the_newest_key() {
    use custody::outbound::pii::Keys;
    use diesel::prelude::*;
    let db = FreshDb::new();
    let (ok, _, err) = custody(&db, &["demo-data"], None);
    assert!(ok, "{err}");
    let sealed = |key: &str| -> Vec<(uuid::Uuid, Vec<u8>)> {
        let mut conn = custody::db::connect(&db.url, 1).unwrap().get().unwrap();
        use custody::db::schema::orders;
        let rows: Vec<(custody::ids::OrderId, Option<Vec<u8>>)> = orders::table
            .filter(orders::buyer_key_id.eq(key))
            .select((orders::id, orders::buyer_sealed))
            .load(&mut *conn)
            .unwrap();
        rows.into_iter().map(|(id, s)| (id.0, s.unwrap())).collect()
    };
    let before = sealed("k1");
    assert!(before.len() >= 4, "the demo has orders with buyers");

    let (ok, out, err) = custody_with(&db, &["admin", "pii-new-key", "--id", "k2"], None, &[]);
    assert!(ok, "{err}");
    let fresh: Keys = out.trim().parse().expect("a usable key");
    assert_eq!(fresh.sealing_key_id(), "k2");

    let rotated = format!("{K2},{K1}");
    let (ok, out, err) = custody_with(&db, &["admin", "pii-reseal"], None, &[("CUSTODY_PII_KEYS", &rotated)]);
    assert!(ok, "{err}");
    assert_eq!(out.trim(), format!("{} order(s) re-sealed under key k2", before.len()));
    assert!(sealed("k1").is_empty(), "nothing is left under the old key");
    // The new key alone opens every order, and the sealed data changed.
    let k2_only: Keys = K2.parse().unwrap();
    let after = sealed("k2");
    assert_eq!(after.len(), before.len());
    for (id, data) in &after {
        let buyer = k2_only.open(*id, "k2", data).expect("opens with the new key alone");
        assert!(!buyer.name.is_empty());
        assert!(before.iter().all(|(_, old)| old != data), "sealed anew, not copied");
    }
    let (ok, out, _) = custody_with(&db, &["admin", "pii-reseal"], None, &[("CUSTODY_PII_KEYS", &rotated)]);
    assert!(ok && out.starts_with("0 order(s)"), "nothing more to do: {out}");

    // k3 first, k2 forgotten: the orders stay as they are, and are named.
    let k3 = "k3:3333333333333333333333333333333333333333333333333333333333333333";
    let (ok, out, err) = custody_with(&db, &["admin", "pii-reseal"], None, &[("CUSTODY_PII_KEYS", k3)]);
    assert!(!ok);
    assert_eq!(out.matches("UNREADABLE").count(), before.len(), "{out}");
    assert!(err.contains("not in CUSTODY_PII_KEYS"), "{err}");
    assert_eq!(sealed("k2").len(), before.len(), "left as they were");
}

/// An internal error at the terminal says what went wrong (the API hides
/// it): here a key of a kind this build does not know, named with its row.
#[test]
fn the_cli_prints_the_cause_of_an_internal_error() {
    use diesel::prelude::*;
    let db = FreshDb::new();
    let (ok, _, err) = custody(&db, &["admin", "create-api-key", "--platform"], None);
    assert!(ok, "{err}");
    let mut conn = custody::db::connect(&db.url, 1).unwrap().get().unwrap();
    diesel::sql_query("UPDATE api_keys SET kind = 'robot'").execute(&mut *conn).unwrap();
    let (ok, out, err) = custody(&db, &["admin", "list-api-keys"], None);
    assert!(!ok, "{out}");
    assert!(err.contains("internal error") && err.contains("unknown ApiKeyKind \"robot\""), "{err}");
    assert!(err.contains("API key "), "the row is named: {err}");
}
