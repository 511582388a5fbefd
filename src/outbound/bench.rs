//! `custody bench orders`: order intake with allocation over HTTP, many
//! clients at once, single orders and batches, next to pgbench's TPC-B-like
//! transactions on the same PostgreSQL in the same run (so the ratio means
//! something on a noisy machine); and pick and pack scan latency while
//! orders keep coming in. A benchmark, not a test: it prints figures and
//! asserts nothing.
//!
//! It loads a warehouse first (suppliers, SKUs, bins, available stock for
//! every SKU), then starts the real server in this process on a random port
//! of 127.0.0.1 and drives it with plain HTTP/1.1 keep-alive clients, one
//! thread each. SKUs and stock are inserted in bulk (multi-row inserts on
//! PostgreSQL): one ledger row per balance, so `custody stock verify`
//! holds, but no `sku.registered` or `inventory.available_changed` events;
//! `--stock-via-service` books the stock through `stock::service::apply`
//! instead (much slower, with events).

use std::collections::{HashMap, VecDeque};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use diesel::prelude::*;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};

use super::intake::queue::GroupStats;
use super::orders::DESTINATIONS;
use crate::auth::service::{self as auth, KeyOwner, NewUser};
use crate::catalog::domain::{Measures, MoneyDto, NewSku, SkuInput};
use crate::config::Config;
use crate::db::schema::{orders, skus, stock_balances, stock_movements};
use crate::db::types::Timestamp;
use crate::db::{self, DatabaseUrl, DbConn, Pool};
use crate::error::AppError;
use crate::events::relay;
use crate::http::{self, AppState};
use crate::ids::{BinId, SkuId, SupplierId};
use crate::stock::store::{BalanceRow, MovementRow};
use crate::stock::{Bucket, Movement, Place, Reason};
use crate::suppliers::domain::SupplierInput;
use crate::warehouse::domain::BinType;
use crate::warehouse::service::{self as warehouse, BinInput, ZoneInput};

#[derive(Debug, clap::Args)]
pub struct BenchArgs {
    #[arg(long, default_value_t = 50_000)]
    pub skus: usize,
    #[arg(long, default_value_t = 20_000)]
    pub bins: usize,
    /// Suppliers owning the SKUs.
    #[arg(long, default_value_t = 20)]
    pub suppliers: usize,
    /// Most single orders per run (two runs: alone, then beside picking and packing).
    #[arg(long, default_value_t = 5000)]
    pub orders: usize,
    /// Most batches: 60 of 500 orders take several seconds at the rates
    /// measured, so that the first and last rounds (fewer clients sending)
    /// weigh little.
    #[arg(long, default_value_t = 60)]
    pub batches: usize,
    #[arg(long, default_value_t = 500)]
    pub batch_size: usize,
    /// Concurrent clients sending single orders (and pgbench's clients).
    #[arg(long, default_value_t = 32)]
    pub clients: usize,
    /// Concurrent clients sending batches.
    #[arg(long, default_value_t = 4)]
    pub batch_clients: usize,
    /// Each of the three runs stops after this many seconds if its orders are not all sent.
    #[arg(long, default_value_t = 30)]
    pub seconds: u64,
    #[arg(long, default_value_t = 4)]
    pub pickers: usize,
    #[arg(long, default_value_t = 2)]
    pub packers: usize,
    #[arg(long, default_value_t = 20)]
    pub pgbench_seconds: u64,
    #[arg(long, default_value_t = 10)]
    pub pgbench_scale: u32,
    /// Book the initial stock through the stock service (slow) instead of in bulk.
    #[arg(long)]
    pub stock_via_service: bool,
    /// Run even though the database already has orders.
    #[arg(long = "i-know-this-is-scratch")]
    pub scratch: bool,
}

/// Bins per zone: 5 levels, 50 bays, 99 aisles.
const BINS_PER_ZONE: usize = 5 * 50 * 99;
/// Orders per wave the pickers ask for when they run out of tasks.
const WAVE_ORDERS: usize = 20;

pub fn run(config: &Config, pool: Pool, args: BenchArgs) -> anyhow::Result<()> {
    anyhow::ensure!(args.skus >= 10 && args.bins >= 1 && args.suppliers >= 1, "too small a warehouse");
    anyhow::ensure!(args.clients >= 1 && args.batch_clients >= 1, "at least one client");
    anyhow::ensure!(
        (1..=super::api::MAX_BATCH).contains(&args.batch_size),
        "--batch-size is 1 to {}",
        super::api::MAX_BATCH
    );
    anyhow::ensure!(args.bins <= 26 * BINS_PER_ZONE, "at most {} bins", 26 * BINS_PER_ZONE);
    let url = DatabaseUrl::parse(&config.database_url).map_err(anyhow::Error::msg)?;
    let existing: i64 = orders::table.count().get_result(&mut *pool.get()?)?;
    anyhow::ensure!(
        existing == 0 || args.scratch,
        "the database has {existing} orders: run the benchmark on a scratch database \
         (or pass --i-know-this-is-scratch)"
    );
    // Codes of this run (zones, barcodes, totes) carry a tag, so that a
    // second run on the same scratch database does not collide.
    let tag: String = {
        let mut rng = rand::rng();
        (0..3).map(|_| char::from(b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789"[rng.random_range(0..32)])).collect()
    };
    println!(
        "order intake benchmark: {} SKUs of {} suppliers, {} bins; backend {}, {} HTTP workers, pool {}",
        args.skus,
        args.suppliers,
        args.bins,
        url.backend_name(),
        config.workers,
        config.db_pool_size
    );

    let started = Instant::now();
    let w = load(&pool, &args, &tag)?;
    println!(
        "load: suppliers, SKUs and staff {:.1} s; bins {:.1} s; {} balances {:.1} s ({}); total {:.1} s",
        w.t_skus,
        w.t_bins,
        w.balances,
        w.t_stock,
        if args.stock_via_service {
            "through stock::service::apply"
        } else {
            "bulk insert, one ledger row each"
        },
        started.elapsed().as_secs_f64()
    );

    let pg = match &url {
        DatabaseUrl::Postgres(u) => Some(Pgbench::prepare(&pool, u, &args)?),
        DatabaseUrl::Sqlite(_) => {
            println!("pgbench: skipped (the database is SQLite; the ratio needs PostgreSQL)");
            None
        }
    };
    let pg_before = pg.as_ref().map(|p| p.run(&args)).transpose()?;

    let mut cfg = config.clone();
    cfg.max_body_bytes = cfg.max_body_bytes.max(16 << 20);
    let server = Server::start(pool.clone(), cfg)?;
    let outcome = drive(&server, &pool, &w, &args, &tag);
    server.stop()?;
    let figures = outcome?;
    let pg_after = pg.as_ref().map(|p| p.run(&args)).transpose()?;

    let check = crate::stock::service::verify(&mut *pool.get()?)?;
    report(&args, &figures, pg_before, pg_after, &check);
    Ok(())
}

/// The three HTTP runs: single orders alone, single orders beside picking
/// and packing, batches.
fn drive(
    server: &Server,
    pool: &Pool,
    w: &Warehouse,
    args: &BenchArgs,
    tag: &str,
) -> anyhow::Result<Figures> {
    let addr = server.addr;
    let ship_by =
        (chrono::Utc::now() + chrono::Duration::days(2)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let mut rng = SmallRng::seed_from_u64(0xC057_0D1E);
    let mut next_no = 0usize;
    let mut orders = |rng: &mut SmallRng, n: usize| -> Vec<Value> {
        (0..n)
            .map(|_| {
                next_no += 1;
                order_json(rng, &w.skus, &format!("BENCH-{tag}-{next_no}"), &ship_by)
            })
            .collect()
    };
    let to_bodies = |v: Vec<Value>| -> Vec<Vec<u8>> {
        v.iter().map(|o| serde_json::to_vec(o).expect("serialisable")).collect()
    };
    let seconds = Duration::from_secs(args.seconds);
    let single = |deadline| Intake {
        addr,
        key: &w.platform_key,
        path: "/api/v1/orders",
        status: 201,
        clients: args.clients,
        orders_per_request: 1,
        deadline,
        check: backordered_in_order,
        groups: &server.intake,
    };
    // 1. Single orders alone.
    let bodies = to_bodies(orders(&mut rng, args.orders));
    let alone = single(Instant::now() + seconds).run(&bodies)?;
    // A running warehouse has statistics of its order history (autovacuum
    // gathers them within its one-minute nap; these runs last seconds):
    // without them every connection would keep plans made when the order
    // tables held a handful of rows (a scan of `orders` to find a batch's
    // platform ids, or for each foreign-key check of a line) for the rest of
    // the benchmark. (With `--orders` in the hundreds the statistics are
    // still those of a small table: short runs need `--orders 1000` or more.)
    if let DbConn::Pg(c) = &mut *pool.get()? {
        diesel::sql_query(
            "ANALYZE orders, order_lines, order_allocations, outbox, event_sequences, stock_balances, stock_movements",
        )
        .execute(c)?;
    }
    // 2. Single orders again, with pickers and packers at work.
    let bodies = to_bodies(orders(&mut rng, args.orders));
    let floor = Floor::new(tag.to_owned());
    let (mixed, scans) = std::thread::scope(|s| -> anyhow::Result<_> {
        let workers = floor.spawn(s, addr, w);
        let mixed = single(Instant::now() + seconds).run(&bodies);
        floor.stop.store(true, Ordering::Relaxed);
        let scans = floor.join(workers);
        Ok((mixed?, scans?))
    })?;
    // 3. Batches.
    let batches: Vec<Vec<u8>> = (0..args.batches)
        .map(|_| {
            serde_json::to_vec(&json!({ "orders": orders(&mut rng, args.batch_size) })).expect("serialisable")
        })
        .collect();
    let batch = Intake {
        addr,
        key: &w.platform_key,
        path: "/api/v1/orders/batch",
        status: 200,
        clients: args.batch_clients,
        orders_per_request: args.batch_size,
        deadline: Instant::now() + seconds,
        check: backordered_in_batch,
        groups: &server.intake,
    }
    .run(&batches)?;
    Ok(Figures { alone, mixed, scans, batch })
}

// ---------------------------------------------------------------------------
// Loading the warehouse.

struct Warehouse {
    skus: Vec<String>,
    balances: usize,
    platform_key: String,
    supervisor_key: String,
    picker_keys: Vec<String>,
    packer_keys: Vec<String>,
    t_skus: f64,
    t_bins: f64,
    t_stock: f64,
}

fn anyhow_app(e: AppError) -> anyhow::Error {
    anyhow::anyhow!("{}", e.public_detail())
}

fn load(pool: &Pool, args: &BenchArgs, tag: &str) -> anyhow::Result<Warehouse> {
    let mut conn = pool.get()?;
    let conn = &mut *conn;
    let mut rng = SmallRng::seed_from_u64(0x5EED);

    // Suppliers, staff and keys through the services; SKUs validated by the
    // catalog's own parser, then inserted in bulk.
    let t = Instant::now();
    let (suppliers, keys) = db::write_tx(conn, |tx| -> Result<_, AppError> {
        let mut suppliers = Vec::new();
        for i in 1..=args.suppliers {
            let s = crate::suppliers::service::create(
                tx,
                &SupplierInput {
                    code: format!("BENCH-{tag}-{i:03}"),
                    name_zh: format!("基准供应商 {i}"),
                    name_en: format!("Bench supplier {i}"),
                    contact_name: String::new(),
                    contact_email: String::new(),
                    contact_phone: String::new(),
                    return_address: "(bench)".into(),
                },
            )?;
            suppliers.push(s.id);
        }
        let password: String = (0..24).map(|_| char::from(rng.random_range(b'a'..=b'z'))).collect();
        let mut staff_key = |role: &str, n: usize| -> Result<String, AppError> {
            let username = format!("bench-{}-{role}-{n}", tag.to_lowercase());
            let u = auth::create_user(
                tx,
                NewUser { username: &username, display_name: &username, role, password: &password },
            )?;
            Ok(auth::create_api_key(tx, KeyOwner::Staff(u.id), "bench")?.1)
        };
        let supervisor = staff_key("supervisor", 1)?;
        let pickers = (1..=args.pickers).map(|n| staff_key("picker", n)).collect::<Result<Vec<_>, _>>()?;
        let packers = (1..=args.packers).map(|n| staff_key("packer", n)).collect::<Result<Vec<_>, _>>()?;
        let platform = auth::create_api_key(tx, KeyOwner::Platform, "bench platform")?.1;
        Ok((suppliers, (platform, supervisor, pickers, packers)))
    })
    .map_err(anyhow_app)?;

    let now = Timestamp::now();
    let mut rows = Vec::with_capacity(args.skus);
    for n in 0..args.skus {
        let weight = rng.random_range(50..=2000);
        let input = SkuInput {
            sku_code: format!("BENCH-{n:06}"),
            barcode: format!("PLT{tag}{n:08}"),
            name_zh: format!("基准商品 {n}"),
            name_en: format!("Bench item {n}"),
            declared: Measures {
                weight_g: weight,
                length_mm: rng.random_range(50..=400),
                width_mm: rng.random_range(30..=300),
                height_mm: rng.random_range(10..=200),
            },
            declared_value: MoneyDto { amount_minor: rng.random_range(199..=9999), currency: "USD".into() },
            hs_code: "950300".into(),
            origin_country: "CN".into(),
            supply_price: MoneyDto { amount_minor: rng.random_range(500..=50_000), currency: "CNY".into() },
            sensitive_flags: Vec::new(),
        };
        let new = NewSku::parse(&input).map_err(anyhow_app)?;
        rows.push(crate::catalog::service::new_row(new, suppliers[n % suppliers.len()], now));
    }
    db::write_tx(conn, |tx| -> QueryResult<()> {
        for chunk in rows.chunks(1000) {
            match tx {
                DbConn::Pg(c) => diesel::insert_into(skus::table).values(chunk).execute(c).map(drop)?,
                DbConn::Sqlite(c) => {
                    for r in chunk {
                        diesel::insert_into(skus::table).values(r).execute(c)?;
                    }
                }
            }
        }
        Ok(())
    })?;
    let t_skus = t.elapsed().as_secs_f64();

    // Bins through the warehouse service, a few thousand per transaction.
    let t = Instant::now();
    let zones = args.bins.div_ceil(BINS_PER_ZONE);
    let mut bins: Vec<BinId> = Vec::with_capacity(args.bins);
    for z in 0..zones {
        let zone = format!("{}{tag}", char::from(b'A' + z as u8));
        let inputs: Vec<BinInput> = (z * BINS_PER_ZONE..args.bins.min((z + 1) * BINS_PER_ZONE))
            .map(|i| {
                let i = i % BINS_PER_ZONE;
                BinInput {
                    code: format!("{zone}-{:02}-{:02}-{:02}", i / 250 + 1, (i / 5) % 50 + 1, i % 5 + 1),
                    bin_type: BinType::Storage,
                    capacity_units: None,
                }
            })
            .collect();
        db::write_tx(conn, |tx| -> Result<(), AppError> {
            warehouse::create_zone(tx, &ZoneInput { code: zone.clone(), name: format!("Bench {zone}") })?;
            for chunk in inputs.chunks(5000) {
                bins.extend(warehouse::create_bins(tx, chunk, false)?.into_iter().map(|b| b.id));
            }
            Ok(())
        })
        .map_err(anyhow_app)?;
    }
    let t_bins = t.elapsed().as_secs_f64();

    // Stock for every SKU: 40 to 120 units available in one bin, or in two
    // for every other SKU.
    let t = Instant::now();
    let mut placed: Vec<(SupplierId, SkuId, BinId, i32)> = Vec::with_capacity(args.skus * 3 / 2);
    for (n, r) in rows.iter().enumerate() {
        let first = rng.random_range(0..bins.len());
        placed.push((r.supplier_id, r.id, bins[first], rng.random_range(40..=120)));
        if n % 2 == 1 && bins.len() > 1 {
            let second = (first + rng.random_range(1..bins.len())) % bins.len();
            placed.push((r.supplier_id, r.id, bins[second], rng.random_range(40..=120)));
        }
    }
    let movement = |&(owner, sku, bin, quantity): &(SupplierId, SkuId, BinId, i32)| Movement {
        owner,
        sku,
        quantity,
        from: None,
        to: Some(Place::at(Bucket::Available, bin)),
        reason: Reason::AdjustFound,
        document_no: "BENCH-LOAD".into(),
        note: "custody bench orders: initial stock".into(),
        actor: "bench".into(),
    };
    for chunk in placed.chunks(2000) {
        if args.stock_via_service {
            db::write_tx(conn, |tx| -> Result<(), AppError> {
                for p in chunk {
                    crate::stock::service::apply(tx, &movement(p))?;
                }
                Ok(())
            })
            .map_err(anyhow_app)?;
            continue;
        }
        let now = Timestamp::now();
        let balances: Vec<BalanceRow> = chunk
            .iter()
            .map(|&(owner_id, sku_id, bin_id, quantity)| BalanceRow {
                owner_id,
                sku_id,
                bin_id,
                bucket: Bucket::Available.as_str().into(),
                quantity,
                updated_at: now,
                first_in_at: Some(now),
            })
            .collect();
        let ledger: Vec<MovementRow> =
            chunk.iter().map(|p| crate::stock::service::ledger_row(&movement(p), now)).collect();
        db::write_tx(conn, |tx| -> QueryResult<()> {
            match tx {
                DbConn::Pg(c) => {
                    diesel::insert_into(stock_balances::table).values(&balances).execute(c)?;
                    diesel::insert_into(stock_movements::table).values(&ledger).execute(c)?;
                }
                DbConn::Sqlite(c) => {
                    for b in &balances {
                        diesel::insert_into(stock_balances::table).values(b).execute(c)?;
                    }
                    for m in &ledger {
                        diesel::insert_into(stock_movements::table).values(m).execute(c)?;
                    }
                }
            }
            Ok(())
        })?;
    }
    // Statistics for what was loaded, and only that: an ANALYZE of the
    // empty order tables would tell the planner they hold nothing, and each
    // connection would keep the plans of its foreign-key checks (`order_lines`
    // to `orders`...) as scans of a table that no longer is empty, a state
    // a running warehouse, with its order history, is never in.
    if let DbConn::Pg(c) = conn {
        diesel::sql_query("ANALYZE suppliers, skus, zones, bins, stock_balances, stock_movements")
            .execute(c)?;
    }
    let t_stock = t.elapsed().as_secs_f64();

    let (platform_key, supervisor_key, picker_keys, packer_keys) = keys;
    Ok(Warehouse {
        skus: rows.iter().map(|r| r.id.to_string()).collect(),
        balances: placed.len(),
        platform_key,
        supervisor_key,
        picker_keys,
        packer_keys,
        t_skus,
        t_bins,
        t_stock,
    })
}

/// One order: 1 to 3 lines of distinct random SKUs, 1 or 2 units each.
fn order_json(rng: &mut SmallRng, skus: &[String], platform_id: &str, ship_by: &str) -> Value {
    let dest = DESTINATIONS[rng.random_range(0..DESTINATIONS.len())];
    let n = rng.random_range(1..=3);
    let mut picked: Vec<usize> = Vec::with_capacity(n);
    while picked.len() < n {
        let i = rng.random_range(0..skus.len());
        if !picked.contains(&i) {
            picked.push(i);
        }
    }
    let lines: Vec<Value> = picked
        .into_iter()
        .map(|i| {
            json!({"sku_id": skus[i], "quantity": rng.random_range(1..=2),
                "unit_price": {"amount_minor": rng.random_range(199..=4999), "currency": "USD"}})
        })
        .collect();
    json!({
        "platform_order_id": platform_id, "shop": "Bench shop", "market": dest, "destination_country": dest,
        "service_level": "standard", "ship_by": ship_by, "lines": lines,
        "buyer": {"name": "Jane Bench", "phone": format!("+1 555 {:07}", rng.random_range(0..10_000_000)),
            "address": {"line1": "1 Bench Street", "city": "Testville", "postal_code": "10001", "country": dest}},
    })
}

// ---------------------------------------------------------------------------
// The server, in this process.

struct Server {
    addr: SocketAddr,
    /// The intake's group counters.
    intake: Arc<GroupStats>,
    server: http::ServerThread,
    relay: Option<relay::RelayHandle>,
}

impl Server {
    /// Starts the server as `serve` does (with the in-process relay if the
    /// configuration asks for it), on 127.0.0.1 and a port of the system's
    /// choosing, on its own thread.
    fn start(pool: Pool, config: Config) -> anyhow::Result<Self> {
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let (status, relay) = relay::start_in_process(pool.clone(), &config);
        let state = actix_web::web::Data::new(AppState::with_relay(pool, config, status));
        let intake = state.intake.stats.clone();
        let server = http::ServerThread::start(listener, state)?;
        Ok(Self { addr, intake, server, relay })
    }

    fn stop(self) -> anyhow::Result<()> {
        self.server.stop(true)?;
        if let Some(r) = self.relay {
            r.stop();
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------
// A small blocking HTTP/1.1 client with keep-alive.

struct Client {
    addr: SocketAddr,
    auth: String,
    conn: Option<BufReader<TcpStream>>,
    last_used: Instant,
}

impl Client {
    fn new(addr: SocketAddr, key: &str) -> Self {
        Self { addr, auth: format!("Bearer {key}"), conn: None, last_used: Instant::now() }
    }

    /// POSTs a JSON body; returns the status and the body. A connection
    /// idle for a second is not reused (the server closes idle keep-alive
    /// connections after a few seconds), and one the server closed before
    /// answering is opened again once.
    fn post(&mut self, path: &str, body: &[u8]) -> anyhow::Result<(u16, Vec<u8>)> {
        if self.last_used.elapsed() > Duration::from_secs(1) {
            self.conn = None;
        }
        let mut req = Vec::with_capacity(body.len() + 256);
        write!(
            req,
            "POST {path} HTTP/1.1\r\nHost: {}\r\nAuthorization: {}\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\n\r\n",
            self.addr,
            self.auth,
            body.len()
        )?;
        req.extend_from_slice(body);
        let mut line = String::new();
        for attempt in 0.. {
            let reused = self.conn.is_some();
            if !reused {
                let s = TcpStream::connect(self.addr)?;
                s.set_nodelay(true)?;
                s.set_read_timeout(Some(Duration::from_secs(300)))?;
                self.conn = Some(BufReader::with_capacity(64 * 1024, s));
            }
            let conn = self.conn.as_mut().expect("connected");
            line.clear();
            let sent = conn.get_mut().write_all(&req).and_then(|()| conn.read_line(&mut line));
            match sent {
                Ok(n) if n > 0 => break,
                Ok(_) | Err(_) if reused && attempt == 0 => self.conn = None,
                Ok(_) => anyhow::bail!("POST {path}: the server closed the connection"),
                Err(e) => return Err(e.into()),
            }
        }
        self.last_used = Instant::now();
        let conn = self.conn.as_mut().expect("connected");
        let status: u16 = line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| anyhow::anyhow!("POST {path}: bad status line {line:?}"))?;
        let (mut length, mut chunked, mut close) = (None, false, false);
        loop {
            line.clear();
            conn.read_line(&mut line)?;
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((k, v)) = header.split_once(':') {
                let v = v.trim();
                if k.eq_ignore_ascii_case("content-length") {
                    length = Some(v.parse::<usize>()?);
                } else if k.eq_ignore_ascii_case("transfer-encoding") {
                    chunked = v.eq_ignore_ascii_case("chunked");
                } else if k.eq_ignore_ascii_case("connection") {
                    close = v.eq_ignore_ascii_case("close");
                }
            }
        }
        let mut out = Vec::new();
        if chunked {
            loop {
                line.clear();
                conn.read_line(&mut line)?;
                let size = usize::from_str_radix(line.trim().split(';').next().unwrap_or_default(), 16)?;
                if size == 0 {
                    loop {
                        line.clear();
                        if conn.read_line(&mut line)? == 0 || line.trim().is_empty() {
                            break;
                        }
                    }
                    break;
                }
                let start = out.len();
                out.resize(start + size, 0);
                conn.read_exact(&mut out[start..])?;
                line.clear();
                conn.read_line(&mut line)?;
            }
        } else if let Some(n) = length {
            out.resize(n, 0);
            conn.read_exact(&mut out)?;
        } else if status != 204 && status != 304 {
            conn.read_to_end(&mut out)?;
            close = true;
        }
        if close {
            self.conn = None;
        }
        Ok((status, out))
    }

    /// POSTs and refuses any status but `want`; returns the body and the
    /// latency in milliseconds.
    fn expect(&mut self, path: &str, body: &[u8], want: &[u16]) -> anyhow::Result<(u16, Vec<u8>, f64)> {
        let t = Instant::now();
        let (status, out) = self.post(path, body)?;
        let ms = t.elapsed().as_secs_f64() * 1000.0;
        if !want.contains(&status) {
            let text = String::from_utf8_lossy(&out[..out.len().min(600)]).into_owned();
            anyhow::bail!("POST {path}: HTTP {status}: {text}");
        }
        Ok((status, out, ms))
    }
}

// ---------------------------------------------------------------------------
// The workloads.

#[derive(Default)]
struct Latencies(Vec<f64>);

impl Latencies {
    fn sorted(mut self) -> Self {
        self.0.sort_by(f64::total_cmp);
        self
    }
    fn pct(&self, p: f64) -> f64 {
        if self.0.is_empty() {
            return f64::NAN;
        }
        self.0[((self.0.len() as f64 - 1.0) * p).round() as usize]
    }
    fn max(&self) -> f64 {
        self.0.last().copied().unwrap_or(f64::NAN)
    }
}

struct Rate {
    requests: usize,
    orders: usize,
    seconds: f64,
    latencies: Latencies,
    backordered: usize,
    /// Intake transactions the server ran for them.
    transactions: u64,
    /// Of those, how many allocated again under the stock locks.
    reallocated: u64,
}

impl Rate {
    fn per_second(&self) -> f64 {
        self.orders as f64 / self.seconds
    }
}

/// One intake run: `clients` threads, each POSTing the next body until all
/// are sent or the deadline passes. `check` reads a response and returns
/// how many of its orders were backordered.
struct Intake<'a> {
    addr: SocketAddr,
    key: &'a str,
    path: &'a str,
    status: u16,
    clients: usize,
    orders_per_request: usize,
    deadline: Instant,
    check: fn(&[u8]) -> anyhow::Result<usize>,
    groups: &'a GroupStats,
}

impl Intake<'_> {
    fn run(&self, bodies: &[Vec<u8>]) -> anyhow::Result<Rate> {
        let next = AtomicUsize::new(0);
        let failed = AtomicBool::new(false);
        let transactions = self.groups.read().0;
        let reallocated = super::intake::REALLOCATED.load(Ordering::Relaxed);
        let t = Instant::now();
        let client = || -> anyhow::Result<(Vec<f64>, usize)> {
            let mut c = Client::new(self.addr, self.key);
            let (mut lat, mut backordered) = (Vec::new(), 0);
            loop {
                if failed.load(Ordering::Relaxed) || Instant::now() >= self.deadline {
                    return Ok((lat, backordered));
                }
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(body) = bodies.get(i) else { return Ok((lat, backordered)) };
                let r = c
                    .expect(self.path, body, &[self.status])
                    .and_then(|(_, out, ms)| Ok((ms, (self.check)(&out)?)));
                let (ms, b) = r.inspect_err(|_| failed.store(true, Ordering::Relaxed))?;
                lat.push(ms);
                backordered += b;
            }
        };
        let results: Vec<anyhow::Result<(Vec<f64>, usize)>> = std::thread::scope(|s| {
            let threads: Vec<_> = (0..self.clients).map(|_| s.spawn(client)).collect();
            threads
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|_| Err(anyhow::anyhow!("client panicked"))))
                .collect()
        });
        let seconds = t.elapsed().as_secs_f64();
        let (mut all, mut backordered) = (Vec::new(), 0);
        for r in results {
            let (lat, b) = r?;
            all.extend(lat);
            backordered += b;
        }
        Ok(Rate {
            requests: all.len(),
            orders: all.len() * self.orders_per_request,
            seconds,
            latencies: Latencies(all).sorted(),
            backordered,
            transactions: self.groups.read().0 - transactions,
            reallocated: super::intake::REALLOCATED.load(Ordering::Relaxed) - reallocated,
        })
    }
}

/// A single order's response: 1 if the order waits for stock.
fn backordered_in_order(out: &[u8]) -> anyhow::Result<usize> {
    let needle = br#""status":"backordered""#;
    Ok(usize::from(out.windows(needle.len()).any(|w| w == needle)))
}

/// A batch's response: refused unless every order was created; counts
/// those waiting for stock.
fn backordered_in_batch(out: &[u8]) -> anyhow::Result<usize> {
    let v: Value = serde_json::from_slice(out)?;
    let results = v["results"].as_array().map(Vec::as_slice).unwrap_or_default();
    if v["invalid"] != 0 || v["existing"] != 0 {
        let errors = results.iter().find(|r| r["outcome"] != "created").map(|r| r["errors"].to_string());
        anyhow::bail!(
            "batch: {} created, {} existing, {} invalid; first: {}",
            v["created"],
            v["existing"],
            v["invalid"],
            errors.unwrap_or_default()
        );
    }
    Ok(results.iter().filter(|r| r["order"]["status"] == "backordered").count())
}

/// What the pickers and packers shared while they worked.
#[derive(Default)]
struct FloorState {
    /// Pick tasks not yet confirmed, per order. A pick confirmed before its
    /// wave's response was read takes the count below zero for a moment.
    open_tasks: HashMap<String, i64>,
    /// The tote of each order: one distinct tote per order.
    totes: HashMap<String, String>,
    /// Totes of fully picked orders, for the pack station.
    to_pack: VecDeque<String>,
    next_tote: u64,
}

struct Floor {
    tag: String,
    state: Mutex<FloorState>,
    releasing: Mutex<()>,
    stop: AtomicBool,
}

#[derive(Default)]
struct Scans {
    claims: Vec<f64>,
    confirms: Vec<f64>,
    waves: Vec<f64>,
    pack_starts: Vec<f64>,
    scans: Vec<f64>,
    parcels: usize,
}

impl Scans {
    fn add(&mut self, o: Scans) {
        self.claims.extend(o.claims);
        self.confirms.extend(o.confirms);
        self.waves.extend(o.waves);
        self.pack_starts.extend(o.pack_starts);
        self.scans.extend(o.scans);
        self.parcels += o.parcels;
    }
}

type Worker<'s> = std::thread::ScopedJoinHandle<'s, anyhow::Result<Scans>>;

impl Floor {
    fn new(tag: String) -> Self {
        Self { tag, state: Mutex::default(), releasing: Mutex::new(()), stop: AtomicBool::new(false) }
    }

    fn spawn<'s, 'e: 's>(
        &'e self,
        s: &'s std::thread::Scope<'s, 'e>,
        addr: SocketAddr,
        w: &'e Warehouse,
    ) -> Vec<Worker<'s>> {
        let mut workers: Vec<Worker<'s>> = Vec::new();
        for key in &w.picker_keys {
            workers.push(s.spawn(move || self.picker(addr, key, &w.supervisor_key)));
        }
        for key in &w.packer_keys {
            workers.push(s.spawn(move || self.packer(addr, key)));
        }
        workers
    }

    fn join(&self, workers: Vec<Worker<'_>>) -> anyhow::Result<Scans> {
        let mut all = Scans::default();
        for w in workers {
            all.add(w.join().unwrap_or_else(|_| Err(anyhow::anyhow!("floor worker panicked")))?);
        }
        Ok(all)
    }

    fn failing<T>(&self, r: anyhow::Result<T>) -> anyhow::Result<T> {
        r.inspect_err(|_| self.stop.store(true, Ordering::Relaxed))
    }

    /// Claims the next task and confirms it into the order's tote; when
    /// there is nothing to pick, releases a wave as the supervisor.
    fn picker(&self, addr: SocketAddr, key: &str, supervisor_key: &str) -> anyhow::Result<Scans> {
        let (mut c, mut sup) = (Client::new(addr, key), Client::new(addr, supervisor_key));
        let mut out = Scans::default();
        while !self.stop.load(Ordering::Relaxed) {
            let (status, body, ms) =
                self.failing(c.expect("/api/v1/pick-tasks/claim", b"", &[200, 204, 409]))?;
            out.claims.push(ms);
            match status {
                200 => {}
                204 => {
                    if let Ok(_one) = self.releasing.try_lock() {
                        let wave = json!({ "max_orders": WAVE_ORDERS }).to_string();
                        let (status, body, ms) =
                            self.failing(sup.expect("/api/v1/waves", wave.as_bytes(), &[200, 409]))?;
                        if status == 200 {
                            out.waves.push(ms);
                            self.released(&self.failing(serde_json::from_slice(&body).map_err(Into::into))?);
                            continue;
                        }
                    }
                    std::thread::sleep(Duration::from_millis(20));
                    continue;
                }
                _ => continue, // task_taken: ask again
            }
            let task: Value = self.failing(serde_json::from_slice(&body).map_err(Into::into))?;
            let field = |k: &str| task[k].as_str().unwrap_or_default().to_owned();
            let (id, order) = (field("id"), field("order_id"));
            // The order's tote if an earlier pick set it, else a new one.
            let tote = {
                let mut st = self.state.lock().expect("floor lock");
                let st = &mut *st;
                let tote = match task["tote"].as_str() {
                    Some(t) => t.to_owned(),
                    None => st.totes.get(&order).cloned().unwrap_or_else(|| {
                        st.next_tote += 1;
                        format!("TOTE-{}{:07}", self.tag, st.next_tote)
                    }),
                };
                st.totes.insert(order.clone(), tote.clone());
                tote
            };
            let pick =
                json!({"bin": field("bin_code"), "barcode": field("barcode"), "tote": tote}).to_string();
            let path = format!("/api/v1/pick-tasks/{id}/confirm");
            let (_, _, ms) = self.failing(c.expect(&path, pick.as_bytes(), &[200]))?;
            out.confirms.push(ms);
            self.counted(&order, -1);
        }
        Ok(out)
    }

    fn released(&self, wave: &Value) {
        let mut per_order: HashMap<String, i64> = HashMap::new();
        for t in wave["tasks"].as_array().into_iter().flatten() {
            *per_order.entry(t["order_id"].as_str().unwrap_or_default().to_owned()).or_default() += 1;
        }
        for (order, n) in per_order {
            self.counted(&order, n);
        }
    }

    /// Adds `n` to the order's open tasks; at zero its tote goes to packing.
    fn counted(&self, order: &str, n: i64) {
        let mut st = self.state.lock().expect("floor lock");
        let left = {
            let e = st.open_tasks.entry(order.to_owned()).or_default();
            *e += n;
            *e
        };
        if left == 0 {
            st.open_tasks.remove(order);
            if let Some(t) = st.totes.get(order).cloned() {
                st.to_pack.push_back(t);
            }
        }
    }

    /// Scans a picked order's tote at the pack station, then every unit.
    fn packer(&self, addr: SocketAddr, key: &str) -> anyhow::Result<Scans> {
        let mut c = Client::new(addr, key);
        let mut out = Scans::default();
        while !self.stop.load(Ordering::Relaxed) {
            let Some(tote) = self.state.lock().expect("floor lock").to_pack.pop_front() else {
                std::thread::sleep(Duration::from_millis(10));
                continue;
            };
            let start = json!({ "tote": tote }).to_string();
            let (_, body, ms) = self.failing(c.expect("/api/v1/pack/start", start.as_bytes(), &[200]))?;
            out.pack_starts.push(ms);
            let parcel: Value = self.failing(serde_json::from_slice(&body).map_err(Into::into))?;
            let path = format!("/api/v1/parcels/{}/scans", parcel["id"].as_str().unwrap_or_default());
            for line in parcel["lines"].as_array().into_iter().flatten() {
                let scan = json!({ "barcode": line["barcode"] }).to_string();
                for _ in 0..line["remaining"].as_i64().unwrap_or(0) {
                    let (_, _, ms) = self.failing(c.expect(&path, scan.as_bytes(), &[200]))?;
                    out.scans.push(ms);
                }
            }
            out.parcels += 1;
        }
        Ok(out)
    }
}

// ---------------------------------------------------------------------------
// pgbench on the same server.

struct Pgbench {
    bin: String,
    url: String,
    clients: usize,
    scale: u32,
}

struct PgbenchRun {
    tps: f64,
    latency_ms: f64,
}

impl Pgbench {
    /// Finds pgbench, creates `<database>_pgbench` beside the benchmark's
    /// database if it is missing and initialises it (TPC-B-like tables).
    fn prepare(pool: &Pool, url: &str, args: &BenchArgs) -> anyhow::Result<Self> {
        let bin = find_pgbench();
        let (pg_url, name) = sibling_database(url, "_pgbench")?;
        let mut conn = pool.get()?;
        let DbConn::Pg(c) = &mut *conn else { anyhow::bail!("not PostgreSQL") };
        #[derive(QueryableByName)]
        struct Found {
            #[diesel(sql_type = diesel::sql_types::Integer)]
            #[allow(dead_code)]
            one: i32,
        }
        let found: Option<Found> = diesel::sql_query("SELECT 1 AS one FROM pg_database WHERE datname = $1")
            .bind::<diesel::sql_types::Text, _>(&name)
            .get_result(c)
            .optional()?;
        if found.is_none() {
            diesel::sql_query(format!("CREATE DATABASE \"{}\"", name.replace('"', "\"\""))).execute(c)?;
        }
        let t = Instant::now();
        let init = Command::new(&bin)
            .args(["-i", "-q", "-s", &args.pgbench_scale.to_string(), &pg_url])
            .output()
            .map_err(|e| anyhow::anyhow!("cannot run {bin}: {e}"))?;
        anyhow::ensure!(
            init.status.success(),
            "pgbench -i failed: {}",
            String::from_utf8_lossy(&init.stderr).trim()
        );
        println!(
            "pgbench: database {name} initialised at scale {} in {:.1} s ({bin})",
            args.pgbench_scale,
            t.elapsed().as_secs_f64()
        );
        Ok(Self { bin, url: pg_url, clients: args.clients, scale: args.pgbench_scale })
    }

    /// Runs the TPC-B-like script for `--pgbench-seconds`.
    fn run(&self, args: &BenchArgs) -> anyhow::Result<PgbenchRun> {
        let out = Command::new(&self.bin)
            .args([
                "-c",
                &self.clients.to_string(),
                "-j",
                "2",
                "-T",
                &args.pgbench_seconds.to_string(),
                &self.url,
            ])
            .output()
            .map_err(|e| anyhow::anyhow!("cannot run {}: {e}", self.bin))?;
        let text = String::from_utf8_lossy(&out.stdout);
        anyhow::ensure!(
            out.status.success(),
            "pgbench failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
        let number = |prefix: &str| {
            text.lines()
                .find_map(|l| l.trim().strip_prefix(prefix))
                .and_then(|rest| rest.split_whitespace().next())
                .and_then(|n| n.parse::<f64>().ok())
        };
        let tps = number("tps = ").ok_or_else(|| anyhow::anyhow!("no tps in pgbench's output:\n{text}"))?;
        let run = PgbenchRun { tps, latency_ms: number("latency average = ").unwrap_or(f64::NAN) };
        println!(
            "pgbench: {:.0} tps, latency average {:.1} ms ({} clients, scale {}, {} s)",
            run.tps, run.latency_ms, self.clients, self.scale, args.pgbench_seconds
        );
        Ok(run)
    }
}

/// The newest `/usr/lib/postgresql/<version>/bin/pgbench`, else `pgbench`
/// from the PATH.
fn find_pgbench() -> String {
    let mut found: Vec<(u32, String)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let version = e.file_name().to_str()?.parse::<u32>().ok()?;
            let path = e.path().join("bin/pgbench");
            path.is_file().then(|| (version, path.to_string_lossy().into_owned()))
        })
        .collect();
    found.sort();
    found.pop().map(|(_, p)| p).unwrap_or_else(|| "pgbench".into())
}

/// The URL of the database named `<name><suffix>` on the same server, and
/// that name.
fn sibling_database(url: &str, suffix: &str) -> anyhow::Result<(String, String)> {
    let (scheme, rest) = url.split_once("://").ok_or_else(|| anyhow::anyhow!("not a URL"))?;
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    let (db, query) = path.split_once('?').map_or((path, None), |(d, q)| (d, Some(q)));
    anyhow::ensure!(!db.is_empty(), "the database URL names no database");
    let name = format!("{db}{suffix}");
    let mut out = format!("{scheme}://{authority}/{name}");
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    Ok((out, name))
}

// ---------------------------------------------------------------------------
// The figures.

struct Figures {
    alone: Rate,
    mixed: Rate,
    scans: Scans,
    batch: Rate,
}

fn report(
    args: &BenchArgs,
    f: &Figures,
    before: Option<PgbenchRun>,
    after: Option<PgbenchRun>,
    check: &crate::stock::service::LedgerCheck,
) {
    println!();
    println!(
        "{:<44} {:>8} {:>9} {:>9} {:>8} {:>8} {:>8} {:>8}",
        "", "requests", "orders", "orders/s", "per txn", "p50 ms", "p99 ms", "max ms"
    );
    let row = |name: String, r: &Rate| {
        println!(
            "{name:<44} {:>8} {:>9} {:>9.0} {:>8.1} {:>8.1} {:>8.1} {:>8.1}",
            r.requests,
            r.orders,
            r.per_second(),
            r.orders as f64 / r.transactions.max(1) as f64,
            r.latencies.pct(0.5),
            r.latencies.pct(0.99),
            r.latencies.max()
        );
    };
    row(format!("single orders, {} clients", args.clients), &f.alone);
    row(format!("single orders, {} clients + picking/packing", args.clients), &f.mixed);
    row(format!("batches of {}, {} clients (per batch)", args.batch_size, args.batch_clients), &f.batch);
    let backordered = f.alone.backordered + f.mixed.backordered + f.batch.backordered;
    println!("(backordered on intake: {backordered}; every other order was fully allocated)");
    println!(
        "(transactions allocated again under the stock locks: {}, {} and {} of {}, {} and {})",
        f.alone.reallocated,
        f.mixed.reallocated,
        f.batch.reallocated,
        f.alone.transactions,
        f.mixed.transactions,
        f.batch.transactions
    );
    println!();
    println!("scans while single orders came in ({} pickers, {} packers):", args.pickers, args.packers);
    println!("{:<44} {:>8} {:>8} {:>8} {:>8}", "", "calls", "p50 ms", "p99 ms", "max ms");
    let scan = |name: &str, v: &[f64]| {
        let l = Latencies(v.to_vec()).sorted();
        println!("{name:<44} {:>8} {:>8.1} {:>8.1} {:>8.1}", v.len(), l.pct(0.5), l.pct(0.99), l.max());
    };
    scan("pick: claim a task", &f.scans.claims);
    scan("pick: confirm (bin, unit, tote)", &f.scans.confirms);
    scan("pack: scan the tote (start a parcel)", &f.scans.pack_starts);
    scan("pack: scan a unit", &f.scans.scans);
    scan("wave release (20 orders)", &f.scans.waves);
    println!("({} parcels fully scanned)", f.scans.parcels);
    println!();
    match (before, after) {
        (Some(b), Some(a)) => {
            let best = b.tps.max(a.tps);
            println!(
                "pgbench TPC-B-like, {} clients: {:.0} tps before, {:.0} tps after the HTTP runs",
                args.clients, b.tps, a.tps
            );
            println!(
                "single-order intake / pgbench (faster run): {:.0} / {:.0} = {:.0}%",
                f.alone.per_second(),
                best,
                100.0 * f.alone.per_second() / best
            );
        }
        _ => println!("pgbench: not run (SQLite)"),
    }
    println!("batch intake: {:.0} orders/s", f.batch.per_second());
    println!(
        "ledger check: {} balances, {} movements, {} mismatches",
        check.balances,
        check.movements,
        check.mismatches.len()
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pgbench_database_sits_beside_the_benchmarks() {
        let (url, name) =
            sibling_database("postgres://postgres@127.0.0.1:5432/bench?sslmode=disable", "_pgbench").unwrap();
        assert_eq!(url, "postgres://postgres@127.0.0.1:5432/bench_pgbench?sslmode=disable");
        assert_eq!(name, "bench_pgbench");
        assert!(sibling_database("postgres://h", "_x").is_err());
    }
}
