//! `custody-bench orders`: order intake with allocation over HTTP, many
//! clients at once, single orders and batches, next to pgbench's TPC-B-like
//! transactions on the same PostgreSQL in the same run (so the ratio means
//! something on a noisy machine); and pick and pack scan latency while
//! orders keep coming in. A benchmark, not a test: it prints figures and
//! asserts nothing.
//!
//! It loads a warehouse first (suppliers, SKUs, bins, available stock for
//! every SKU), then starts the real server in this process on a random port
//! of 127.0.0.1 and drives it from outside with HTTP/1.1 keep-alive
//! clients (reqwest, one task each). SKUs and stock are loaded in bulk
//! (`catalog::service::load_rows`, `stock::service::load_opening`:
//! multi-row inserts on PostgreSQL): one ledger row per balance, so
//! `custody stock verify` holds, but no `sku.registered` or
//! `inventory.available_changed` events; `--stock-via-service` books the
//! stock through `stock::service::apply` instead (much slower, with events).

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use custody::auth::service::{self as auth, KeyOwner, NewUser};
use custody::catalog::domain::{Measures, MoneyDto, NewSku, SkuInput};
use custody::config::Config;
use custody::db::schema::orders;
use custody::db::types::Timestamp;
use custody::db::{self, DatabaseUrl, DbConn, Pool};
use custody::error::AppError;
use custody::ids::{BinId, SkuId, SupplierId};
use custody::outbound::api::MAX_BATCH;
use custody::outbound::intake::REALLOCATED;
use custody::outbound::intake::queue::GroupStats;
use custody::outbound::orders::DESTINATIONS;
use custody::stock::{Bucket, Movement, Place, Reason};
use custody::suppliers::domain::SupplierInput;
use custody::warehouse::domain::BinType;
use custody::warehouse::service::{self as warehouse, BinInput, ZoneInput};
use diesel::prelude::*;
use futures_util::future::{join, join_all};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};

use crate::app_error;
use crate::client::{Caller, Http};
use crate::pgbench::{Pgbench, PgbenchRun};
use crate::server::Server;
use crate::stats::Latencies;

#[derive(Debug, clap::Args)]
pub struct Args {
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

pub fn run(config: &Config, pool: Pool, args: Args) -> anyhow::Result<()> {
    anyhow::ensure!(args.skus >= 10 && args.bins >= 1 && args.suppliers >= 1, "too small a warehouse");
    anyhow::ensure!(args.clients >= 1 && args.batch_clients >= 1, "at least one client");
    anyhow::ensure!((1..=MAX_BATCH).contains(&args.batch_size), "--batch-size is 1 to {MAX_BATCH}");
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
        DatabaseUrl::Postgres(u) => Some(Pgbench::prepare(u, args.clients, args.pgbench_scale)?),
        DatabaseUrl::Sqlite(_) => {
            println!("pgbench: skipped (the database is SQLite; the ratio needs PostgreSQL)");
            None
        }
    };
    let pg_before = pg.as_ref().map(|p| p.run(args.pgbench_seconds)).transpose()?;

    let mut cfg = config.clone();
    cfg.max_body_bytes = cfg.max_body_bytes.max(16 << 20);
    let server = Server::start(pool.clone(), cfg)?;
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let outcome = rt.block_on(drive(&server, &pool, &w, &args, &tag));
    drop(rt);
    server.stop()?;
    let figures = outcome?;
    let pg_after = pg.as_ref().map(|p| p.run(args.pgbench_seconds)).transpose()?;

    let check = custody::stock::service::verify(&mut *pool.get()?).map_err(app_error)?;
    report(&args, &figures, pg_before, pg_after, &check);
    Ok(())
}

/// The three HTTP runs: single orders alone, single orders beside picking
/// and packing, batches.
async fn drive(
    server: &Server,
    pool: &Pool,
    w: &Warehouse,
    args: &Args,
    tag: &str,
) -> anyhow::Result<Figures> {
    let http = Http::new(server.addr)?;
    let platform = http.with_key(&w.platform_key)?;
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
        caller: &platform,
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
    let alone = single(Instant::now() + seconds).run(&bodies).await?;
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
    let work = async {
        let mixed = single(Instant::now() + seconds).run(&bodies).await;
        floor.stop.store(true, Ordering::Relaxed);
        mixed
    };
    let (mixed, scans) = join(work, floor.work(&http, w)).await;
    let (mixed, scans) = (mixed?, scans?);
    // 3. Batches.
    let batches: Vec<Vec<u8>> = (0..args.batches)
        .map(|_| {
            serde_json::to_vec(&json!({ "orders": orders(&mut rng, args.batch_size) })).expect("serialisable")
        })
        .collect();
    let batch = Intake {
        caller: &platform,
        path: "/api/v1/orders/batch",
        status: 200,
        clients: args.batch_clients,
        orders_per_request: args.batch_size,
        deadline: Instant::now() + seconds,
        check: backordered_in_batch,
        groups: &server.intake,
    }
    .run(&batches)
    .await?;
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

fn load(pool: &Pool, args: &Args, tag: &str) -> anyhow::Result<Warehouse> {
    let mut conn = pool.get()?;
    let conn = &mut *conn;
    let mut rng = SmallRng::seed_from_u64(0x5EED);

    // Suppliers, staff and keys through the services; SKUs validated by the
    // catalog's own parser, then inserted in bulk.
    let t = Instant::now();
    let (suppliers, keys) = db::write_tx(conn, |tx| -> Result<_, AppError> {
        let mut suppliers = Vec::new();
        for i in 1..=args.suppliers {
            let s = custody::suppliers::service::create(
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
    .map_err(app_error)?;

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
        let new = NewSku::parse(&input).map_err(app_error)?;
        rows.push(custody::catalog::service::new_row(new, suppliers[n % suppliers.len()], now));
    }
    db::write_tx(conn, |tx| custody::catalog::service::load_rows(tx, &rows)).map_err(app_error)?;
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
        .map_err(app_error)?;
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
        note: "custody-bench orders: initial stock".into(),
        actor: "bench".into(),
    };
    for chunk in placed.chunks(2000) {
        let movements: Vec<Movement> = chunk.iter().map(movement).collect();
        db::write_tx(conn, |tx| -> Result<(), AppError> {
            if args.stock_via_service {
                for m in &movements {
                    custody::stock::service::apply(tx, m)?;
                }
            } else {
                custody::stock::service::load_opening(tx, &movements)?;
            }
            Ok(())
        })
        .map_err(app_error)?;
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
// The workloads.

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

/// One intake run: `clients` callers at once, each POSTing the next body
/// until all are sent or the deadline passes. `check` reads a response and
/// returns how many of its orders were backordered.
struct Intake<'a> {
    caller: &'a Caller,
    path: &'a str,
    status: u16,
    clients: usize,
    orders_per_request: usize,
    deadline: Instant,
    check: fn(&[u8]) -> anyhow::Result<usize>,
    groups: &'a GroupStats,
}

impl Intake<'_> {
    async fn run(&self, bodies: &[Vec<u8>]) -> anyhow::Result<Rate> {
        let next = AtomicUsize::new(0);
        let failed = AtomicBool::new(false);
        let transactions = self.groups.read().0;
        let reallocated = REALLOCATED.load(Ordering::Relaxed);
        let t = Instant::now();
        let client = || async {
            let (mut lat, mut backordered) = (Vec::new(), 0);
            loop {
                if failed.load(Ordering::Relaxed) || Instant::now() >= self.deadline {
                    return Ok((lat, backordered));
                }
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(body) = bodies.get(i) else { return Ok((lat, backordered)) };
                let r = match self.caller.post(self.path, body, &[self.status]).await {
                    Ok(a) => (self.check)(&a.body).map(|b| (a.ms, b)),
                    Err(e) => Err(e),
                };
                let (ms, b) = r.inspect_err(|_| failed.store(true, Ordering::Relaxed))?;
                lat.push(ms);
                backordered += b;
            }
        };
        let results: Vec<anyhow::Result<(Vec<f64>, usize)>> =
            join_all((0..self.clients).map(|_| client())).await;
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
            latencies: Latencies::of(all),
            backordered,
            transactions: self.groups.read().0 - transactions,
            reallocated: REALLOCATED.load(Ordering::Relaxed) - reallocated,
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
    /// A picker is releasing a wave (one at a time).
    releasing: AtomicBool,
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

impl Floor {
    fn new(tag: String) -> Self {
        Self { tag, state: Mutex::default(), releasing: AtomicBool::new(false), stop: AtomicBool::new(false) }
    }

    /// Every picker and packer at work until `stop`.
    async fn work(&self, http: &Http, w: &Warehouse) -> anyhow::Result<Scans> {
        let supervisor = http.with_key(&w.supervisor_key)?;
        let pickers = w.picker_keys.iter().map(|k| http.with_key(k)).collect::<anyhow::Result<Vec<_>>>()?;
        let packers = w.packer_keys.iter().map(|k| http.with_key(k)).collect::<anyhow::Result<Vec<_>>>()?;
        let (picked, packed) = join(
            join_all(pickers.iter().map(|c| self.failing(self.picker(c, &supervisor)))),
            join_all(packers.iter().map(|c| self.failing(self.packer(c)))),
        )
        .await;
        let mut all = Scans::default();
        for r in picked.into_iter().chain(packed) {
            all.add(r?);
        }
        Ok(all)
    }

    /// A worker's outcome; an error stops the others.
    async fn failing(&self, work: impl Future<Output = anyhow::Result<Scans>>) -> anyhow::Result<Scans> {
        work.await.inspect_err(|_| self.stop.store(true, Ordering::Relaxed))
    }

    /// Claims the next task and confirms it into the order's tote; when
    /// there is nothing to pick, releases a wave as the supervisor.
    async fn picker(&self, c: &Caller, supervisor: &Caller) -> anyhow::Result<Scans> {
        let mut out = Scans::default();
        while !self.stop.load(Ordering::Relaxed) {
            let a = c.post("/api/v1/pick-tasks/claim", b"", &[200, 204, 409]).await?;
            out.claims.push(a.ms);
            match a.status {
                200 => {}
                204 => {
                    if !self.releasing.swap(true, Ordering::AcqRel) {
                        let wave = json!({ "max_orders": WAVE_ORDERS });
                        let r = supervisor.post_json("/api/v1/waves", &wave, &[200, 409]).await;
                        self.releasing.store(false, Ordering::Release);
                        let r = r?;
                        if r.status == 200 {
                            out.waves.push(r.ms);
                            self.released(&r.json()?);
                            continue;
                        }
                    }
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                }
                _ => continue, // task_taken: ask again
            }
            let task = a.json()?;
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
            let pick = json!({"bin": field("bin_code"), "barcode": field("barcode"), "tote": tote});
            let a = c.post_json(&format!("/api/v1/pick-tasks/{id}/confirm"), &pick, &[200]).await?;
            out.confirms.push(a.ms);
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
    async fn packer(&self, c: &Caller) -> anyhow::Result<Scans> {
        let mut out = Scans::default();
        while !self.stop.load(Ordering::Relaxed) {
            let next = self.state.lock().expect("floor lock").to_pack.pop_front();
            let Some(tote) = next else {
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            };
            let a = c.post_json("/api/v1/pack/start", &json!({ "tote": tote }), &[200]).await?;
            out.pack_starts.push(a.ms);
            let parcel = a.json()?;
            let path = format!("/api/v1/parcels/{}/scans", parcel["id"].as_str().unwrap_or_default());
            for line in parcel["lines"].as_array().into_iter().flatten() {
                let scan = serde_json::to_vec(&json!({ "barcode": line["barcode"] }))?;
                for _ in 0..line["remaining"].as_i64().unwrap_or(0) {
                    out.scans.push(c.post(&path, &scan, &[200]).await?.ms);
                }
            }
            out.parcels += 1;
        }
        Ok(out)
    }
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
    args: &Args,
    f: &Figures,
    before: Option<PgbenchRun>,
    after: Option<PgbenchRun>,
    check: &custody::stock::service::LedgerCheck,
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
        let l = Latencies::of(v.to_vec());
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
