//! Test harness shared by the HTTP and browser tests: `spawn_app()` starts
//! the real server on a random port with a fresh database, SQLite by default
//! or PostgreSQL when `CUSTODY_TEST_DATABASE_URL` points at a server; the
//! database is dropped when the `TestApp` is.

#![allow(dead_code, reason = "each test binary uses a different part of the harness")]

use std::collections::HashMap;
use std::net::TcpListener;
use std::path::PathBuf;
use std::time::Duration;

use actix_web::web;
use custody::auth::service::{self as auth, KeyOwner, NewUser};
use custody::config::Config;
use custody::db::{self, DbConn, Pool};
use custody::http::{self, AppState};
use custody::ids::SupplierId;
use diesel::Connection;
use diesel::connection::SimpleConnection;
use serde_json::Value;

pub const PASSWORD: &str = "correct horse battery staple";

enum TestDb {
    Sqlite(PathBuf),
    Postgres { admin_url: String, name: String },
}

/// A database made for one test and dropped afterwards.
pub struct FreshDb {
    pub url: String,
    db: TestDb,
}

impl FreshDb {
    /// PostgreSQL when `CUSTODY_TEST_DATABASE_URL` is set, SQLite otherwise;
    /// migrated (a copy of the migrated template).
    pub fn new() -> Self {
        match std::env::var("CUSTODY_TEST_DATABASE_URL").ok().filter(|u| !u.is_empty()) {
            Some(admin_url) => Self::postgres(&admin_url),
            None => Self::sqlite(),
        }
    }

    /// A new, migrated database on the PostgreSQL server `admin_url` points
    /// at: a copy of the template (`CREATE DATABASE ... TEMPLATE`), made in
    /// milliseconds instead of running every migration again.
    pub fn postgres(admin_url: &str) -> Self {
        let template = template::postgres(admin_url);
        Self::postgres_from(admin_url, Some(&template))
    }

    /// A new, empty PostgreSQL database (for the migrations' own tests).
    pub fn empty_postgres(admin_url: &str) -> Self {
        Self::postgres_from(admin_url, None)
    }

    fn postgres_from(admin_url: &str, template: Option<&str>) -> Self {
        let name = format!("custody_test_{}", uuid::Uuid::now_v7().simple());
        let mut admin = diesel::PgConnection::establish(admin_url)
            .unwrap_or_else(|e| panic!("PostgreSQL at {admin_url} does not answer: {e}"));
        let from = template.map(|t| format!(" TEMPLATE {t}")).unwrap_or_default();
        admin.batch_execute(&format!("CREATE DATABASE {name}{from}")).expect("create test database");
        // A test database outlives no crash of the server: its commits need
        // not wait for the disk (the suite's time is mostly such waits).
        admin
            .batch_execute(&format!("ALTER DATABASE {name} SET synchronous_commit TO off"))
            .expect("test database settings");
        let base = admin_url.rsplit_once('/').map(|(b, _)| b).expect("URL has a database part");
        Self { url: format!("{base}/{name}"), db: TestDb::Postgres { admin_url: admin_url.to_owned(), name } }
    }

    /// A new, migrated SQLite database: a copy of the template's file.
    pub fn sqlite() -> Self {
        let db = Self::empty_sqlite();
        if let TestDb::Sqlite(path) = &db.db {
            std::fs::copy(template::sqlite(), path).expect("copy the template database");
        }
        db
    }

    /// A new, empty SQLite database (for the migrations' own tests).
    pub fn empty_sqlite() -> Self {
        let name = format!("custody_test_{}", uuid::Uuid::now_v7().simple());
        let dir = std::env::temp_dir().join("custody-tests");
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join(format!("{name}.db"));
        Self { url: format!("sqlite://{}", path.display()), db: TestDb::Sqlite(path) }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self.db, TestDb::Postgres { .. })
    }
}

/// Migrated template databases, one per backend and per set of migrations
/// (named by a hash of the migration files, so that a changed migration
/// makes a new template and an unchanged one is reused by the next run).
/// Built under a temporary name and renamed when complete: a run killed
/// half-way never leaves a template that looks finished.
mod template {
    use std::sync::OnceLock;

    use diesel::Connection;
    use diesel::connection::SimpleConnection;
    use sha2::{Digest, Sha256};

    fn migrations_hash(backend: &str) -> String {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations").join(backend);
        let mut files: Vec<std::path::PathBuf> = walk(&dir);
        files.sort();
        let mut h = Sha256::new();
        for f in files {
            h.update(f.strip_prefix(&dir).unwrap().to_string_lossy().as_bytes());
            h.update(std::fs::read(&f).unwrap());
        }
        hex::encode(&h.finalize()[..6])
    }

    fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
        let mut out = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let p = entry.path();
            if p.is_dir() { out.extend(walk(&p)) } else { out.push(p) }
        }
        out
    }

    fn migrate(url: &str) {
        let pool = custody::db::connect(url, 1).expect("connect to the template");
        let mut conn = pool.get().expect("conn");
        custody::db::migrate::run_pending(&mut conn).expect("migrate the template");
    }

    /// The template's name on the server `admin_url` points at.
    pub fn postgres(admin_url: &str) -> String {
        static NAME: OnceLock<String> = OnceLock::new();
        NAME.get_or_init(|| {
            let name = format!("custody_tpl_{}", migrations_hash("postgres"));
            let mut admin = diesel::PgConnection::establish(admin_url).expect("PostgreSQL answers");
            #[derive(diesel::QueryableByName)]
            struct Found {
                #[diesel(sql_type = diesel::sql_types::BigInt)]
                n: i64,
            }
            let found: Found = diesel::RunQueryDsl::get_result(
                diesel::sql_query(format!("SELECT count(*) AS n FROM pg_database WHERE datname = '{name}'")),
                &mut admin,
            )
            .expect("look for the template");
            if found.n == 0 {
                let building = format!("{name}_{}", uuid::Uuid::now_v7().simple());
                admin.batch_execute(&format!("CREATE DATABASE {building}")).expect("create the template");
                let base = admin_url.rsplit_once('/').map(|(b, _)| b).expect("URL has a database part");
                migrate(&format!("{base}/{building}"));
                // Another test process may have finished one meanwhile.
                if admin.batch_execute(&format!("ALTER DATABASE {building} RENAME TO {name}")).is_err() {
                    let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {building} WITH (FORCE)"));
                }
            }
            // Marks the template as in use now; templates of other migrations
            // not used for six hours (another branch's, say) are dropped,
            // best effort: one being copied right now stays.
            let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
            let _ = admin.batch_execute(&format!("COMMENT ON DATABASE {name} IS 'used {now}'"));
            #[derive(diesel::QueryableByName)]
            struct Old {
                #[diesel(sql_type = diesel::sql_types::Text)]
                datname: String,
                #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
                note: Option<String>,
            }
            let old: Vec<Old> = diesel::RunQueryDsl::load(
                diesel::sql_query(format!(
                    "SELECT datname, shobj_description(oid, 'pg_database') AS note FROM pg_database \
                     WHERE datname LIKE 'custody\\_tpl\\_%' AND datname <> '{name}'"
                )),
                &mut admin,
            )
            .unwrap_or_default();
            for o in old {
                let used: u64 = o
                    .note
                    .as_deref()
                    .and_then(|n| n.strip_prefix("used "))
                    .and_then(|t| t.parse().ok())
                    .unwrap_or(0);
                if now.saturating_sub(used) > 6 * 3600 {
                    let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {}", o.datname));
                }
            }
            name
        })
        .clone()
    }

    /// The template's file.
    pub fn sqlite() -> &'static std::path::Path {
        static PATH: OnceLock<std::path::PathBuf> = OnceLock::new();
        PATH.get_or_init(|| {
            let dir = std::env::temp_dir().join("custody-tests");
            std::fs::create_dir_all(&dir).expect("temp dir");
            let path = dir.join(format!("template-{}.db", migrations_hash("sqlite")));
            if !path.exists() {
                let building = dir.join(format!("template-{}.db", uuid::Uuid::now_v7().simple()));
                migrate(&format!("sqlite://{}", building.display()));
                // Everything in the main file, nothing left in a WAL.
                let mut c =
                    diesel::SqliteConnection::establish(&building.display().to_string()).expect("open");
                c.batch_execute("PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode = DELETE;")
                    .expect("checkpoint");
                drop(c);
                std::fs::rename(&building, &path).expect("the template is complete");
                for suffix in ["-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", building.display()));
                }
            }
            path
        })
    }
}

impl Drop for FreshDb {
    fn drop(&mut self) {
        match &self.db {
            TestDb::Sqlite(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            TestDb::Postgres { admin_url, name } => {
                if let Ok(mut admin) = diesel::PgConnection::establish(admin_url) {
                    let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
                }
            }
        }
    }
}

pub fn test_config(url: &str) -> Config {
    let mut m = HashMap::new();
    m.insert("CUSTODY_DATABASE_URL".to_owned(), url.to_owned());
    m.insert("CUSTODY_BIND".to_owned(), "127.0.0.1:0".to_owned());
    m.insert("CUSTODY_WORKERS".to_owned(), "2".to_owned());
    m.insert("CUSTODY_DB_POOL_SIZE".to_owned(), "8".to_owned());
    m.insert("CUSTODY_MAX_BODY_BYTES".to_owned(), "65536".to_owned());
    // The test client talks plain HTTP to 127.0.0.1.
    m.insert("CUSTODY_COOKIE_SECURE".to_owned(), "false".to_owned());
    let mut config = Config::from_map(&m).expect("test config");
    // Customs lists under demo codes that are nobody's registration.
    config.customs = Some(custody::manifests::customs::CustomsCodes::demo());
    config
}

pub struct TestApp {
    pub base: String,
    /// The event relay, when the test asked for one (`spawn_app_with_events`).
    pub relay: Option<custody::events::relay::RelayHandle>,
    /// This test's own exchange, so that parallel tests never see each other's events.
    pub exchange: String,
    pub pool: Pool,
    pub client: reqwest::Client,
    /// The business clock the server reads: a test moves it forward
    /// (deadlines, retention, cut-offs) instead of sleeping.
    pub clock: custody::clock::Clock,
    /// The server, on a thread of its own; `None` once stopped.
    server: Option<http::ServerThread>,
    /// The state the server's workers share (its intake writers hold
    /// connections); `None` once let go.
    state: Option<web::Data<AppState>>,
    // Dropped last: the server and pool must let go of the database first.
    pub db: FreshDb,
}

impl Drop for TestApp {
    /// Everything that holds the database stops here, before the database
    /// goes: the server, the state its workers shared (with it the intake
    /// writers), the relay. Nothing of a test is left running when the test
    /// binary exits: a pool closing its connections while the process exits
    /// can crash it (libpq tearing down TLS under it).
    fn drop(&mut self) {
        if let Some(server) = self.server.take()
            && let Err(e) = server.stop(false)
        {
            eprintln!("the test server did not stop cleanly: {e}");
        }
        if let Some(state) = self.state.take()
            && !http::let_go(state, Duration::from_secs(10))
        {
            eprintln!("the test server's workers still held the application state after 10 s");
        }
        if let Some(relay) = self.relay.take() {
            relay.stop();
        }
    }
}

/// Starts the application on a random port with a fresh, migrated database.
pub async fn spawn_app() -> TestApp {
    spawn(false, |_| {}).await
}

/// Like `spawn_app`, with settings of the test's own.
pub async fn spawn_app_with(configure: impl FnOnce(&mut Config)) -> TestApp {
    spawn(false, configure).await
}

/// Like `spawn_app`, with the event relay running against the real RabbitMQ
/// on an exchange of the test's own.
pub async fn spawn_app_with_events() -> TestApp {
    spawn(true, |_| {}).await
}

pub fn amqp_url() -> String {
    std::env::var("CUSTODY_TEST_AMQP_URL")
        .ok()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| "amqp://guest:guest@127.0.0.1:5672/%2f".to_owned())
}

pub fn test_exchange() -> String {
    format!("custody.test.{}", uuid::Uuid::now_v7().simple())
}

/// Like `spawn_app`, with no shipping channel set up (a warehouse before
/// its admin configured any).
pub async fn spawn_app_without_channels() -> TestApp {
    spawn_with(false, |_| {}, false).await
}

async fn spawn(with_relay: bool, configure: impl FnOnce(&mut Config)) -> TestApp {
    spawn_with(with_relay, configure, true).await
}

/// The server, with the demo's three channels (ePacket, EMS, small packet)
/// when `channels`: parcels are routed as in a configured warehouse.
async fn spawn_with(with_relay: bool, configure: impl FnOnce(&mut Config), channels: bool) -> TestApp {
    let db = FreshDb::new();
    let mut config = test_config(&db.url);
    configure(&mut config);
    let exchange = test_exchange();
    config.amqp_exchange = exchange.clone();
    if with_relay {
        config.amqp_url = Some(amqp_url());
    }
    let pool = db::connect(&config.database_url, config.db_pool_size).expect("connect");
    {
        let mut conn = pool.get().expect("conn");
        db::migrate::run_pending(&mut conn).expect("migrate");
        if channels {
            let now = custody::db::types::Timestamp::now();
            db::write_tx(&mut conn, |tx| custody::demo::channels(tx, now)).expect("the demo's channels");
        }
    }
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().unwrap().port();
    let (state, relay) = if with_relay {
        use custody::events::relay::{self, BrokerState, RelayConfig, RelayStatus};
        let status = std::sync::Arc::new(RelayStatus::new(BrokerState::Down));
        let handle = relay::spawn(pool.clone(), RelayConfig::from_config(&config), status.clone());
        (AppState::with_relay(pool.clone(), config, status), Some(handle))
    } else {
        (AppState::new(pool.clone(), config), None)
    };
    let clock = custody::clock::Clock::adjustable();
    let state = web::Data::new(state.with_clock(clock.clone()));
    let server = http::ServerThread::start(listener, state.clone()).expect("start server");
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .build()
        .unwrap();
    TestApp {
        base: format!("http://127.0.0.1:{port}"),
        relay,
        exchange,
        pool,
        client,
        clock,
        server: Some(server),
        state: Some(state),
        db,
    }
}

/// A second instance of the server on the test's database: its own pool,
/// state, key cache and workers, the same settings and clock, as a load
/// balancer's second backend would be.
pub struct Peer {
    pub base: String,
    pub client: reqwest::Client,
    server: Option<http::ServerThread>,
    state: Option<web::Data<AppState>>,
}

impl Peer {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn get(&self, path: &str, key: &str) -> (u16, Value) {
        let r = self.client.get(self.url(path)).bearer_auth(key).send().await.expect("send");
        read(r).await
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        if let Some(server) = self.server.take()
            && let Err(e) = server.stop(false)
        {
            eprintln!("the peer server did not stop cleanly: {e}");
        }
        if let Some(state) = self.state.take() {
            http::let_go(state, Duration::from_secs(10));
        }
    }
}

impl TestApp {
    /// Another instance on the same database (see [`Peer`]).
    pub fn peer(&self) -> Peer {
        let config = self.state.as_ref().expect("running").config.clone();
        let pool = db::connect(&config.database_url, config.db_pool_size).expect("connect");
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().unwrap().port();
        let state = web::Data::new(AppState::new(pool, config).with_clock(self.clock.clone()));
        let server = http::ServerThread::start(listener, state.clone()).expect("start the peer");
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .cookie_store(true)
            .build()
            .unwrap();
        Peer { base: format!("http://127.0.0.1:{port}"), client, server: Some(server), state: Some(state) }
    }

    /// Runs `f` in a write transaction (for arranging test data).
    pub fn tx<T>(&self, f: impl FnOnce(&mut DbConn) -> Result<T, custody::error::AppError>) -> T {
        let mut conn = self.pool.get().expect("conn");
        db::write_tx(&mut conn, f).expect("arrange")
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A supplier and a key for it.
    pub fn supplier(&self, code: &str) -> (SupplierId, String) {
        arrange::supplier(&self.pool, code)
    }

    pub fn platform_key(&self) -> String {
        arrange::platform_key(&self.pool)
    }

    /// A staff account of `role` (username = role + suffix) and a personal API token.
    pub fn staff(&self, username: &str, role: &str) -> String {
        arrange::staff(&self.pool, username, role)
    }

    pub async fn get(&self, path: &str, key: &str) -> (u16, Value) {
        let r = self.client.get(self.url(path)).bearer_auth(key).send().await.expect("send");
        read(r).await
    }

    pub async fn post(&self, path: &str, key: &str, body: &Value) -> (u16, Value) {
        let r = self.client.post(self.url(path)).bearer_auth(key).json(body).send().await.expect("send");
        read(r).await
    }

    pub async fn put(&self, path: &str, key: &str, body: &Value) -> (u16, Value) {
        let r = self.client.put(self.url(path)).bearer_auth(key).json(body).send().await.expect("send");
        read(r).await
    }

    pub async fn post_raw(&self, path: &str, key: &str, content_type: &str, body: &str) -> (u16, Value) {
        let r = self
            .client
            .post(self.url(path))
            .bearer_auth(key)
            .header("content-type", content_type)
            .body(body.to_owned())
            .send()
            .await
            .expect("send");
        read(r).await
    }

    /// Counts rows of a table (to prove that a refused request wrote nothing).
    pub fn count(&self, table: &str) -> i64 {
        use diesel::RunQueryDsl;
        #[derive(diesel::QueryableByName)]
        struct N {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let mut conn = self.pool.get().unwrap();
        diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}")).get_result::<N>(&mut *conn).unwrap().n
    }
}

pub async fn read(r: reqwest::Response) -> (u16, Value) {
    let status = r.status().as_u16();
    let ct = r.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    let text = r.text().await.unwrap_or_default();
    let body = if ct.contains("json") {
        serde_json::from_str(&text).unwrap_or(Value::Null)
    } else {
        Value::String(text)
    };
    if status >= 400 {
        assert_eq!(ct, "application/problem+json", "errors are problem+json: {status} {body}");
    }
    (status, body)
}

/// A valid SKU registration; vary `n` to get distinct codes and barcodes.
pub fn sku_body(n: u32) -> Value {
    let barcode = custody::demo::ean13(&format!("69055500{n:04}"));
    serde_json::json!({
        "sku_code": format!("SKU-{n}"),
        "barcode": barcode,
        "name_zh": "测试商品",
        "name_en": "Test item",
        "declared": {"weight_g": 250, "length_mm": 100, "width_mm": 80, "height_mm": 60},
        "declared_value": {"amount_minor": 999, "currency": "USD"},
        "hs_code": "950300",
        "origin_country": "CN",
        "supply_price": {"amount_minor": 2500, "currency": "CNY"},
        "sensitive_flags": ["magnetic"]
    })
}

/// A durable queue of the test's own, bound to its exchange, read with a
/// channel of its own. `delete` removes it and the test's exchanges.
pub struct TestQueue {
    pub name: String,
    exchange: String,
    channel: lapin::Channel,
    consumer: lapin::Consumer,
    _connection: lapin::Connection,
}

impl TestQueue {
    pub async fn bind(exchange: &str, pattern: &str) -> Self {
        Self::bind_with(exchange, pattern, lapin::types::FieldTable::default()).await
    }

    /// A quorum queue (replicated, as consumers in production declare them).
    pub async fn bind_quorum(exchange: &str, pattern: &str) -> Self {
        let mut args = lapin::types::FieldTable::default();
        args.insert("x-queue-type".into(), lapin::types::AMQPValue::LongString("quorum".into()));
        Self::bind_with(exchange, pattern, args).await
    }

    async fn bind_with(exchange: &str, pattern: &str, queue_args: lapin::types::FieldTable) -> Self {
        use lapin::options::{BasicConsumeOptions, QueueBindOptions, QueueDeclareOptions};
        use lapin::types::FieldTable;
        let connection = lapin::Connection::connect(&amqp_url(), lapin::ConnectionProperties::default())
            .await
            .expect("RabbitMQ answers");
        let channel = connection.create_channel().await.unwrap();
        custody::events::relay::declare_topology(&channel, exchange).await.unwrap();
        let name = format!("{exchange}.q");
        channel
            .queue_declare(
                name.as_str().into(),
                QueueDeclareOptions { durable: true, ..Default::default() },
                queue_args,
            )
            .await
            .unwrap();
        channel
            .queue_bind(
                name.as_str().into(),
                exchange.into(),
                pattern.into(),
                QueueBindOptions::default(),
                FieldTable::default(),
            )
            .await
            .unwrap();
        let consumer = channel
            .basic_consume(
                name.as_str().into(),
                "test".into(),
                BasicConsumeOptions::default(),
                FieldTable::default(),
            )
            .await
            .unwrap();
        Self { name, exchange: exchange.to_owned(), channel, consumer, _connection: connection }
    }

    /// The next message, acknowledged; `None` if none arrives within `wait`.
    pub async fn next(&mut self, wait: std::time::Duration) -> Option<lapin::message::Delivery> {
        use futures_util::StreamExt;
        let d = tokio::time::timeout(wait, self.consumer.next()).await.ok()??.ok()?;
        d.ack(lapin::options::BasicAckOptions::default()).await.ok()?;
        Some(d)
    }

    pub async fn delete(self) {
        use lapin::options::{ExchangeDeleteOptions, QueueDeleteOptions};
        let _ = self.channel.queue_delete(self.name.as_str().into(), QueueDeleteOptions::default()).await;
        let unrouted = format!("{}.unrouted", self.exchange);
        let _ = self.channel.queue_delete(unrouted.as_str().into(), QueueDeleteOptions::default()).await;
        let _ = self
            .channel
            .exchange_delete(self.exchange.as_str().into(), ExchangeDeleteOptions::default())
            .await;
        let _ =
            self.channel.exchange_delete(unrouted.as_str().into(), ExchangeDeleteOptions::default()).await;
    }
}

/// A header of a delivered message as text.
pub fn header(d: &lapin::message::Delivery, key: &str) -> Option<String> {
    use lapin::types::AMQPValue;
    d.properties.headers().as_ref()?.inner().get(key).map(|v| match v {
        AMQPValue::LongString(s) => s.to_string(),
        AMQPValue::LongLongInt(n) => n.to_string(),
        other => format!("{other:?}"),
    })
}

/// Test data written straight into a database (for tests that run the
/// server as separate processes, and for [`TestApp`]).
pub mod arrange {
    use super::*;

    pub fn tx<T>(pool: &Pool, f: impl FnOnce(&mut DbConn) -> Result<T, custody::error::AppError>) -> T {
        let mut conn = pool.get().expect("conn");
        db::write_tx(&mut conn, f).expect("arrange")
    }

    /// A supplier and a key for it.
    pub fn supplier(pool: &Pool, code: &str) -> (SupplierId, String) {
        tx(pool, |tx| {
            let s = custody::suppliers::service::create(
                tx,
                &custody::suppliers::domain::SupplierInput {
                    code: code.into(),
                    name_zh: format!("{code} 供应商"),
                    name_en: format!("{code} supplier"),
                    contact_name: String::new(),
                    contact_email: String::new(),
                    contact_phone: String::new(),
                    return_address: "广州市白云区".into(),
                },
            )?;
            let (_, key) = auth::create_api_key(tx, KeyOwner::Supplier(s.id), "test")?;
            Ok((s.id, key))
        })
    }

    pub fn platform_key(pool: &Pool) -> String {
        tx(pool, |tx| auth::create_api_key(tx, KeyOwner::Platform, "test")).1
    }

    /// A staff account of `role` and a personal API token.
    pub fn staff(pool: &Pool, username: &str, role: &str) -> String {
        tx(pool, |tx| {
            let u = auth::create_user(
                tx,
                NewUser { username, display_name: username, role, password: PASSWORD },
            )?;
            let (_, key) = auth::create_api_key(tx, KeyOwner::Staff(u.id), "test")?;
            Ok(key)
        })
    }

    /// A carrier's (tracking aggregator's) key.
    pub fn carrier_key(pool: &Pool) -> String {
        tx(pool, |tx| auth::create_api_key(tx, KeyOwner::Carrier, "17track")).1
    }

    /// The demo's shipping channels (ePacket, EMS, small packet).
    pub fn channels(pool: &Pool) {
        let now = custody::db::types::Timestamp::now();
        tx(pool, |tx| custody::demo::channels(tx, now));
    }

    /// A QC bin, where received units wait for inspection.
    pub fn qc_bin(pool: &Pool, code: &str) {
        use custody::warehouse::domain::BinType;
        use custody::warehouse::service::{BinInput, create_bins};
        let bin = BinInput { code: code.into(), bin_type: BinType::Qc, capacity_units: None };
        tx(pool, |tx| create_bins(tx, &[bin], true));
    }

    /// Storage bins `codes`.
    pub fn bins(pool: &Pool, codes: &[&str]) {
        use custody::warehouse::domain::BinType;
        use custody::warehouse::service::{BinInput, create_bins};
        let bins: Vec<BinInput> = codes
            .iter()
            .map(|c| BinInput { code: (*c).into(), bin_type: BinType::Storage, capacity_units: None })
            .collect();
        tx(pool, |tx| create_bins(tx, &bins, true));
    }
}
