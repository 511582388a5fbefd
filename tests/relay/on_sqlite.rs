//! Relay tests that are about SQLite itself (one instance per file): they
//! run on SQLite whatever the suite's backend, so CI runs them once, in its
//! SQLite pass (`--skip on_sqlite::` in the PostgreSQL pass).

use super::*;

/// SQLite is one instance: a second relay on one file is refused at start,
/// saying why, and so is a `serve` that would run one; once the first is
/// gone (killed, even), the next one starts.
#[actix_web::test]
async fn a_second_relay_on_one_sqlite_file_is_refused_clearly() {
    let _serial = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let db = FreshDb::sqlite();
    let exchange = test_exchange();
    let leads =
        |log: &Arc<Mutex<Vec<String>>>| log.lock().unwrap().iter().any(|l| l.contains("now the active one"));
    let (mut first, first_log) = spawn_relay(&db.url, &exchange, 100);
    let started = Instant::now();
    while !leads(&first_log) {
        assert!(started.elapsed() < Duration::from_secs(30), "the first relay leads");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (second, second_log) = spawn_relay(&db.url, &exchange, 100);
    let (status, said) = exit_of(second, &second_log).await;
    assert!(!status.success(), "a second relay on one SQLite file must not run: {said}");
    assert!(said.contains("SQLite is one instance") && said.contains("pid"), "{said}");
    assert!(!leads(&second_log));
    // Nor a `serve`, which would run one inside.
    let serve = Command::new(env!("CARGO_BIN_EXE_custody"))
        .arg("serve")
        .env("CUSTODY_DATABASE_URL", &db.url)
        .env("CUSTODY_BIND", "127.0.0.1:0")
        .env("CUSTODY_PII_KEYS", format!("k1:{}", "ab".repeat(32)))
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&serve.stderr);
    assert!(!serve.status.success() && said.contains("SQLite is one instance"), "{said}");

    first.kill().unwrap(); // SIGKILL: the lock goes with the process
    first.wait().unwrap();
    let (mut next, next_log) = spawn_relay(&db.url, &exchange, 100);
    let started = Instant::now();
    while !leads(&next_log) {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the next relay starts: {:?}",
            next_log.lock().unwrap()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    next.kill().unwrap();
    next.wait().unwrap();
    // The relays declared the test's exchanges.
    TestQueue::bind(&exchange, "#").await.delete().await;
}
