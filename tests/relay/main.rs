//! The relay under failure, against the real RabbitMQ: a broker outage, a
//! relay killed with SIGKILL, two relays on one PostgreSQL. These tests stop
//! and start the broker, so they live in a binary of their own and run one
//! at a time.

#![expect(
    clippy::await_holding_lock,
    reason = "each test runs on a runtime of its own; the lock only keeps tests that stop the broker apart"
)]

#[path = "../common/mod.rs"]
mod common;
mod floor;
mod on_postgres;
mod on_sqlite;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{FreshDb, TestQueue, amqp_url, header, test_exchange};
use custody::db::{self, Pool};
use custody::events::{self, NewEvent, catalog};
use custody::ids::AggregateId;

static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn migrated_pool(db: &FreshDb) -> Pool {
    let pool = db::connect(&db.url, 4).unwrap();
    db::migrate::run_pending(&mut pool.get().unwrap()).unwrap();
    pool
}

/// Records `per_aggregate` events for each of `aggregates` documents,
/// interleaved, `chunk` events a transaction.
fn record_events(pool: &Pool, aggregates: &[AggregateId], per_aggregate: usize, chunk: usize) {
    let mut all = Vec::new();
    for _ in 0..per_aggregate {
        all.extend(aggregates.iter().copied());
    }
    for part in all.chunks(chunk) {
        let mut conn = pool.get().unwrap();
        db::write_tx(&mut conn, |tx| {
            for agg in part {
                events::record(tx, event(*agg))?;
            }
            Ok::<_, custody::error::AppError>(())
        })
        .unwrap();
    }
}

fn event(agg: AggregateId) -> NewEvent {
    NewEvent {
        event_type: catalog::SKU_MEASURED,
        aggregate_id: agg,
        document_no: format!("DOC-{agg}"),
        owner: None,
        payload: serde_json::json!({"n": 1}),
    }
}

fn written_ids(pool: &Pool) -> HashSet<String> {
    use diesel::prelude::*;
    let ids: Vec<custody::ids::EventId> = custody::db::schema::outbox::table
        .select(custody::db::schema::outbox::id)
        .load(&mut pool.get().unwrap())
        .unwrap();
    ids.into_iter().map(|i| i.to_string()).collect()
}

/// Events not yet numbered for the feed (no position).
fn unnumbered_ids(pool: &Pool) -> HashSet<String> {
    use custody::db::schema::outbox;
    use diesel::prelude::*;
    let ids: Vec<custody::ids::EventId> = outbox::table
        .filter(outbox::position.is_null())
        .select(outbox::id)
        .load(&mut pool.get().unwrap())
        .unwrap();
    ids.into_iter().map(|i| i.to_string()).collect()
}

/// What a consumer saw: every delivery's id, aggregate and sequence, in order.
#[derive(Default)]
struct Seen {
    deliveries: Vec<(String, String, i64)>,
}

impl Seen {
    fn push(&mut self, d: &lapin::message::Delivery) {
        let id = header(d, "cloudEvents_id").unwrap();
        assert_eq!(
            d.properties.message_id().as_ref().map(|m| m.to_string()),
            Some(id.clone()),
            "message_id = event id"
        );
        // A document's sequence is per aggregate kind and id (a SKU's own
        // events and its stock's are two streams).
        let agg = format!(
            "{}/{}",
            header(d, "cloudEvents_aggregatekind").unwrap(),
            header(d, "cloudEvents_aggregateid").unwrap()
        );
        let seq: i64 = header(d, "cloudEvents_sequence").unwrap().parse().unwrap();
        self.deliveries.push((id, agg, seq));
    }

    /// What a consumer that applies each document's events in sequence
    /// order gets, dropping duplicates and events that arrive before their
    /// turn (the relay sends those again after the one they waited for):
    /// every document complete, `per_aggregate` events each.
    fn assert_applied_in_order(&self, per_aggregate: i64) {
        let mut next: HashMap<&str, i64> = HashMap::new();
        for (_, agg, seq) in &self.deliveries {
            let expected = next.entry(agg).or_insert(1);
            if *seq == *expected {
                *expected += 1;
            }
        }
        for (agg, n) in next {
            let seqs: Vec<i64> =
                self.deliveries.iter().filter(|(_, a, _)| a == agg).map(|(_, _, s)| *s).collect();
            assert_eq!(n - 1, per_aggregate, "events of {agg} applied in order; delivered: {seqs:?}");
        }
    }

    fn distinct(&self) -> HashSet<String> {
        self.deliveries.iter().map(|(id, ..)| id.clone()).collect()
    }

    fn duplicates(&self) -> usize {
        self.deliveries.len() - self.distinct().len()
    }

    /// Per document, the first delivery of each event comes in sequence
    /// order 1, 2, 3... (re-deliveries may repeat an earlier one).
    fn assert_order(&self, per_aggregate: i64) {
        let mut firsts: HashMap<&str, Vec<i64>> = HashMap::new();
        let mut seen = HashSet::new();
        for (id, agg, seq) in &self.deliveries {
            if seen.insert(id) {
                firsts.entry(agg).or_default().push(*seq);
            }
        }
        for (agg, seqs) in firsts {
            let expected: Vec<i64> = (1..=per_aggregate).collect();
            assert_eq!(seqs, expected, "order of {agg}");
        }
    }
}

async fn drain(queue: &mut TestQueue, seen: &mut Seen, want: &HashSet<String>, deadline: Duration) {
    let until = Instant::now() + deadline;
    while !want.is_subset(&seen.distinct()) && Instant::now() < until {
        if let Some(d) = queue.next(Duration::from_millis(500)).await {
            seen.push(&d);
        }
    }
}

fn rabbitmqctl(arg: &str) {
    use std::os::unix::process::CommandExt;
    // Its own process group and no terminal: the broker's tools must not
    // touch whatever runs the tests.
    let out = Command::new("rabbitmqctl")
        .arg(arg)
        .stdin(Stdio::null())
        .process_group(0)
        .output()
        .expect("rabbitmqctl runs");
    assert!(out.status.success(), "rabbitmqctl {arg}: {}", String::from_utf8_lossy(&out.stderr));
}

/// Starts the broker's app again even if the test fails half-way.
struct BrokerBack;
impl Drop for BrokerBack {
    fn drop(&mut self) {
        use std::os::unix::process::CommandExt;
        let _ = Command::new("rabbitmqctl").arg("start_app").stdin(Stdio::null()).process_group(0).output();
    }
}

#[actix_web::test]
async fn a_broker_outage_loses_no_event_and_keeps_each_documents_order() {
    let _serial = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let db = FreshDb::new();
    let pool = migrated_pool(&db);
    let exchange = test_exchange();
    let mut queue = TestQueue::bind(&exchange, "#").await;
    let mut config = common::test_config(&db.url);
    config.amqp_url = Some(amqp_url());
    config.amqp_exchange = exchange.clone();
    config.relay_batch_size = 100;
    let status =
        Arc::new(custody::events::relay::RelayStatus::new(custody::events::relay::BrokerState::Down));
    let relay = custody::events::relay::spawn(
        pool.clone(),
        custody::events::relay::RelayConfig::from_config(&config),
        status.clone(),
    );

    // A writer records events all along: before, during and after the outage.
    let aggregates: Vec<AggregateId> = (0..10).map(|_| AggregateId::generate()).collect();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let rounds = Arc::new(std::sync::atomic::AtomicI64::new(0));
    let writer = {
        let (pool, aggs, stop, rounds) = (pool.clone(), aggregates.clone(), stop.clone(), rounds.clone());
        std::thread::spawn(move || {
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                record_events(&pool, &aggs, 1, 10);
                rounds.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(20));
            }
        })
    };
    let mut seen = Seen::default();
    let warmup = Instant::now() + Duration::from_secs(2);
    while Instant::now() < warmup {
        if let Some(d) = queue.next(Duration::from_millis(200)).await {
            seen.push(&d);
        }
    }
    assert!(!seen.deliveries.is_empty(), "events flow before the outage");

    let _guard = BrokerBack;
    rabbitmqctl("stop_app");
    let during = rounds.load(std::sync::atomic::Ordering::Relaxed);
    tokio::time::sleep(Duration::from_secs(1)).await;
    let written_in_the_outage = written_ids(&pool);
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(
        rounds.load(std::sync::atomic::Ordering::Relaxed) > during,
        "writes go on while the broker is down"
    );
    // The feed does not wait for the broker: events written while it is
    // down are numbered (in the feed) all the same.
    let unnumbered: Vec<String> =
        unnumbered_ids(&pool).intersection(&written_in_the_outage).cloned().collect();
    assert!(
        unnumbered.is_empty(),
        "{} events left out of the feed while the broker is down, e.g. {:?}",
        unnumbered.len(),
        unnumbered.iter().take(3).collect::<Vec<_>>()
    );
    rabbitmqctl("start_app");
    tokio::time::sleep(Duration::from_secs(2)).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    writer.join().unwrap();

    // The old consumer connection died with the broker: read on with a new one.
    let mut queue = TestQueue::bind(&exchange, "#").await;
    let want = written_ids(&pool);
    drain(&mut queue, &mut seen, &want, Duration::from_secs(60)).await;
    let missing = want.difference(&seen.distinct()).count();
    assert_eq!(missing, 0, "every event delivered ({} written)", want.len());
    let per_aggregate = rounds.load(std::sync::atomic::Ordering::Relaxed);
    seen.assert_order(per_aggregate);
    assert!(status.reconnects.load(std::sync::atomic::Ordering::Relaxed) >= 2, "the relay reconnected");
    relay.stop();
    queue.delete().await;
}

fn spawn_relay(db_url: &str, exchange: &str, batch: usize) -> (Child, Arc<Mutex<Vec<String>>>) {
    spawn_relay_on(db_url, exchange, batch, None)
}

/// [`spawn_relay`] serving its health and metrics port on `port`.
fn spawn_relay_on(
    db_url: &str,
    exchange: &str,
    batch: usize,
    port: Option<u16>,
) -> (Child, Arc<Mutex<Vec<String>>>) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_custody"));
    if let Some(p) = port {
        cmd.env("CUSTODY_RELAY_BIND", format!("127.0.0.1:{p}"));
    }
    let mut child = cmd
        .arg("relay")
        .env("CUSTODY_DATABASE_URL", db_url)
        .env("CUSTODY_AMQP_URL", amqp_url())
        .env("CUSTODY_AMQP_EXCHANGE", exchange)
        .env("CUSTODY_RELAY_BATCH", batch.to_string())
        .env("CUSTODY_LOG", "info")
        .env("CUSTODY_LOG_FORMAT", "json")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let lines = Arc::new(Mutex::new(Vec::new()));
    let stderr = child.stderr.take().unwrap();
    let sink = lines.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            sink.lock().unwrap().push(line);
        }
    });
    (child, lines)
}

#[actix_web::test]
async fn a_relay_killed_mid_batch_loses_nothing_and_resends_at_most_one_batch() {
    let _serial = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let db = FreshDb::new();
    let pool = migrated_pool(&db);
    let aggregates: Vec<AggregateId> = (0..50).map(|_| AggregateId::generate()).collect();
    record_events(&pool, &aggregates, 40, 1000); // 2,000 events: the kill comes after 700
    let want = written_ids(&pool);
    let exchange = test_exchange();
    let mut queue = TestQueue::bind(&exchange, "#").await;
    let batch = 200;

    let (mut first, _) = spawn_relay(&db.url, &exchange, batch);
    published_at_least(&pool, 700, || {}).await;
    first.kill().unwrap(); // SIGKILL
    first.wait().unwrap();
    let (unpublished, _) = custody::events::backlog(&mut pool.get().unwrap()).unwrap();
    eprintln!("killed with {unpublished} of {} events unpublished", want.len());
    assert!(unpublished > 0, "killed before it finished");

    let (mut second, _) = spawn_relay(&db.url, &exchange, batch);
    let mut seen = Seen::default();
    drain(&mut queue, &mut seen, &want, Duration::from_secs(60)).await;
    // Late re-sends of the interrupted batch.
    while let Some(d) = queue.next(Duration::from_millis(700)).await {
        seen.push(&d);
    }
    second.kill().unwrap();
    second.wait().unwrap();
    assert_eq!(want.difference(&seen.distinct()).count(), 0, "none lost");
    assert!(seen.duplicates() <= batch, "{} duplicates: at most one batch of {batch}", seen.duplicates());
    eprintln!("{} duplicates after the restart", seen.duplicates());
    seen.assert_order(40);
    queue.delete().await;
}

/// How many of the outbox's events the relays have marked published.
fn published(pool: &Pool) -> i64 {
    let total = pool_count(pool, "outbox");
    total - custody::events::backlog(&mut pool.get().unwrap()).unwrap().0
}

/// Waits until the relays have marked `n` events published, calling
/// `meanwhile` every 10 ms. A relay's progress is read in the outbox, not
/// counted at a consumer: on a busy machine the consumer falls behind, and
/// a relay had sent everything before the consumer saw a third of it.
async fn published_at_least(pool: &Pool, n: i64, mut meanwhile: impl FnMut()) {
    let until = Instant::now() + Duration::from_secs(60);
    while published(pool) < n {
        assert!(Instant::now() < until, "fewer than {n} events published after a minute");
        meanwhile();
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn pg_admin_url() -> String {
    std::env::var("CUSTODY_TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

/// Who holds the relay lease now, and its epoch.
fn lease(pool: &Pool) -> (String, i64) {
    let (holder, epoch, _) = custody::events::lease(&mut pool.get().unwrap()).unwrap();
    (holder, epoch)
}

fn signal(child: &Child, sig: &str) {
    let ok = Command::new("kill").args([sig, &child.id().to_string()]).status().unwrap().success();
    assert!(ok, "kill {sig}");
}

/// A queue that refuses events while it is full (`x-overflow:
/// reject-publish`, the broker nacks): the relay backs off instead of
/// re-sending in a loop, publishes each refused event once it is taken, its
/// document's later events after it, and the backlog empties.
#[actix_web::test]
async fn a_full_queue_that_refuses_events_is_waited_for_not_flooded() {
    use lapin::options::{BasicConsumeOptions, QueueBindOptions, QueueDeclareOptions, QueueDeleteOptions};
    use lapin::types::{AMQPValue, FieldTable};
    let _serial = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let db = FreshDb::new();
    let pool = migrated_pool(&db);
    let aggregates: Vec<AggregateId> = (0..50).map(|_| AggregateId::generate()).collect();
    record_events(&pool, &aggregates, 11, 550); // 550 events
    let exchange = test_exchange();
    let connection =
        lapin::Connection::connect(&amqp_url(), lapin::ConnectionProperties::default()).await.unwrap();
    let channel = connection.create_channel().await.unwrap();
    custody::events::relay::declare_topology(&channel, &exchange).await.unwrap();
    let name = format!("{exchange}.bounded");
    let mut args = FieldTable::default();
    args.insert("x-max-length".into(), AMQPValue::LongLongInt(100));
    args.insert("x-overflow".into(), AMQPValue::LongString("reject-publish".into()));
    channel
        .queue_declare(
            name.as_str().into(),
            QueueDeclareOptions { durable: true, ..Default::default() },
            args,
        )
        .await
        .unwrap();
    channel
        .queue_bind(
            name.as_str().into(),
            exchange.as_str().into(),
            "#".into(),
            QueueBindOptions::default(),
            FieldTable::default(),
        )
        .await
        .unwrap();

    let mut config = common::test_config(&db.url);
    config.amqp_url = Some(amqp_url());
    config.amqp_exchange = exchange.clone();
    config.relay_batch_size = 1500;
    let status =
        Arc::new(custody::events::relay::RelayStatus::new(custody::events::relay::BrokerState::Down));
    let relay = custody::events::relay::spawn(
        pool.clone(),
        custody::events::relay::RelayConfig::from_config(&config),
        status.clone(),
    );
    // Writes go on all along (the relay is never idle).
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let rounds = Arc::new(std::sync::atomic::AtomicI64::new(0));
    let writer = {
        let (pool, aggs, stop, rounds) = (pool.clone(), aggregates.clone(), stop.clone(), rounds.clone());
        std::thread::spawn(move || {
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                record_events(&pool, &aggs, 1, 50);
                rounds.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(100));
            }
        })
    };
    // The consumer is paused: 100 events fill the queue, the rest are refused.
    tokio::time::sleep(Duration::from_secs(8)).await;
    let refused = status.nacked.load(std::sync::atomic::Ordering::Relaxed);
    let sent = refused + status.published.load(std::sync::atomic::Ordering::Relaxed);
    let written = written_ids(&pool).len() as u64;
    eprintln!("while the queue was full: {refused} refusals, {sent} publishes of {written} events");
    assert!(refused > 0, "the broker refused while the queue was full");
    assert!(
        2 * refused <= written,
        "the relay backed off: {refused} refusals, {sent} publishes of {written} events in 8 s"
    );

    // The consumer reads again: everything goes out, in each document's order.
    let mut consumer = channel
        .basic_consume(
            name.as_str().into(),
            "test".into(),
            BasicConsumeOptions::default(),
            FieldTable::default(),
        )
        .await
        .unwrap();
    let mut seen = Seen::default();
    let freed = Instant::now() + Duration::from_secs(4);
    while Instant::now() < freed {
        use futures_util::StreamExt;
        if let Ok(Some(Ok(d))) = tokio::time::timeout(Duration::from_millis(200), consumer.next()).await {
            d.ack(lapin::options::BasicAckOptions::default()).await.unwrap();
            seen.push(&d);
        }
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    writer.join().unwrap();
    let want = written_ids(&pool);
    // Read until every event has arrived, the relay has nothing left to
    // send and the queue has been quiet for a second: events the broker
    // took before an earlier event of their document was refused arrive
    // early and are sent again after it, and a consumer that stopped at
    // the first sight of every id would miss those second sendings.
    let until = Instant::now() + Duration::from_secs(90);
    let mut backlog = i64::MAX;
    let mut quiet_since = Instant::now();
    while Instant::now() < until {
        use futures_util::StreamExt;
        if let Ok(Some(Ok(d))) = tokio::time::timeout(Duration::from_millis(200), consumer.next()).await {
            d.ack(lapin::options::BasicAckOptions::default()).await.unwrap();
            seen.push(&d);
            quiet_since = Instant::now();
            continue;
        }
        backlog = custody::events::backlog(&mut pool.get().unwrap()).unwrap().0;
        if backlog == 0 && want.is_subset(&seen.distinct()) && quiet_since.elapsed() > Duration::from_secs(1)
        {
            break;
        }
    }
    relay.stop();
    let _ = channel.queue_delete(name.as_str().into(), QueueDeleteOptions::default()).await;
    assert_eq!(want.difference(&seen.distinct()).count(), 0, "none lost");
    eprintln!("{} deliveries of {} events", seen.deliveries.len(), want.len());
    seen.assert_applied_in_order(11 + rounds.load(std::sync::atomic::Ordering::Relaxed));
    // Duplicates: events the broker took after an earlier one of their
    // document was refused, sent again after it. Each time the broker
    // refuses, the relay pauses; what it sent and had not yet marked then
    // is at most one batch (the storm this test was written for re-sent
    // events without end, 20,000 and more, and never paused).
    let pauses = status.refusal_pauses.load(std::sync::atomic::Ordering::Relaxed);
    eprintln!("{pauses} pauses, {} duplicates", seen.duplicates());
    assert!(
        seen.duplicates() as u64 <= pauses * 1500,
        "{} duplicates after {pauses} pauses",
        seen.duplicates()
    );
    assert_eq!(backlog, 0, "the backlog is back to 0");
    TestQueue::bind(&exchange, "#").await.delete().await;
}

/// Waits for a process that should stop by itself; its exit and what it said.
async fn exit_of(mut child: Child, log: &Arc<Mutex<Vec<String>>>) -> (std::process::ExitStatus, String) {
    let until = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if Instant::now() > until {
            child.kill().ok();
            panic!("still running after 30 s: {:?}", log.lock().unwrap());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    tokio::time::sleep(Duration::from_millis(300)).await; // its last lines
    (status, log.lock().unwrap().join("\n"))
}

/// Child processes that die with the test, however it ends.
struct Procs(Vec<Child>);

impl Drop for Procs {
    fn drop(&mut self) {
        for c in &mut self.0 {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// `custody serve` without the relay inside, as a balancer's backend.
fn spawn_serve(db_url: &str, port: u16) -> Child {
    Command::new(env!("CARGO_BIN_EXE_custody"))
        .arg("serve")
        .env("CUSTODY_DATABASE_URL", db_url)
        .env("CUSTODY_BIND", format!("127.0.0.1:{port}"))
        .env("CUSTODY_RELAY", "false")
        .env("CUSTODY_PII_KEYS", format!("k1:{}", "5a".repeat(32)))
        .env("CUSTODY_COOKIE_SECURE", "false")
        .env("CUSTODY_WORKERS", "2")
        .env("CUSTODY_DB_POOL_SIZE", "6")
        .env("CUSTODY_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

async fn wait_ready(client: &reqwest::Client, base: &str) {
    let until = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(r) = client.get(format!("{base}/readyz")).send().await
            && r.status().is_success()
        {
            return;
        }
        assert!(Instant::now() < until, "{base} never became ready");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// What the clients got, with when.
#[derive(Default)]
struct Answers {
    by_status: BTreeMap<u16, u64>,
    /// 5xx answers and failed connections: (when, what).
    failures: Vec<(Instant, String)>,
    orders: u64,
}

fn pool_count(pool: &Pool, what: &str) -> i64 {
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {what}"))
        .get_result::<N>(&mut *pool.get().unwrap())
        .unwrap()
        .n
}

/// `custody relay` with its own port (`CUSTODY_RELAY_BIND`): alive and
/// ready there, its counters on `/metrics` and nothing else served; SIGTERM
/// and SIGINT stop it cleanly: the relay settles its batch and gives its
/// lease up, the port closes, the process exits 0.
#[actix_web::test]
async fn a_relay_with_its_port_answers_probes_and_stops_cleanly_on_a_signal() {
    let _serial = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let db = FreshDb::new();
    let pool = migrated_pool(&db);
    let exchange = test_exchange();
    let mut queue = TestQueue::bind(&exchange, "#").await;
    let client = reqwest::Client::builder().timeout(Duration::from_secs(5)).build().unwrap();
    for (round, sig) in ["-TERM", "-INT"].into_iter().enumerate() {
        let before = written_ids(&pool);
        record_events(&pool, &[AggregateId::generate()], 20, 20);
        let want: HashSet<String> = written_ids(&pool).difference(&before).cloned().collect();
        let port = free_port();
        let (child, log) = spawn_relay_on(&db.url, &exchange, 100, Some(port));
        let base = format!("http://127.0.0.1:{port}");
        wait_ready(&client, &base).await;
        let get = |path: &str| client.get(format!("{base}{path}")).send();
        assert_eq!(get("/healthz").await.unwrap().status(), 200);
        let mut seen = Seen::default();
        drain(&mut queue, &mut seen, &want, Duration::from_secs(30)).await;
        assert!(want.is_subset(&seen.distinct()), "round {round}: every event out");
        let metrics = get("/metrics").await.unwrap().text().await.unwrap();
        assert!(metrics.contains("\ncustody_relay_broker_up 1\n"), "the leader, connected: {metrics}");
        assert!(metrics.contains("custody_events_published_total"), "{metrics}");
        assert_eq!(get("/api/v1/skus").await.unwrap().status(), 404, "the port serves probes only");

        signal(&child, sig);
        let (status, said) = exit_of(child, &log).await;
        assert!(status.success(), "{sig}: exit 0: {said}");
        assert!(said.contains("event relay stopped") && !said.contains("could not give"), "{said}");
        assert!(get("/healthz").await.is_err(), "{sig}: the port is closed");
        let (_, _, expires) = custody::events::lease(&mut pool.get().unwrap()).unwrap();
        assert!(expires < custody::db::types::Timestamp::now(), "{sig}: the lease was given up");
    }
    queue.delete().await;
}
