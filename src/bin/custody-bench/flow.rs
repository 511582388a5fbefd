//! `custody-bench flow`: the whole life of an order, measured from outside
//! over HTTP: intake → wave → pick → pack → weigh → label, next to pgbench's
//! TPC-B-like transactions on the same PostgreSQL in the same run (so that
//! the ratio means something on a noisy machine). A benchmark, not a test:
//! it prints figures and asserts nothing about them (it does refuse a run
//! in which an order did not go all the way).
//!
//! It creates a database of its own (PostgreSQL with `--database-url`,
//! refused if it exists; else a SQLite file in a temporary directory),
//! migrates it, makes staff accounts and API keys through the library, then
//! starts the real server in this process and seeds the warehouse through
//! the API as a supplier and an admin would: a supplier, a zone, bins, SKUs,
//! and opening stock booked as stock adjustments (`found`). Then, one phase
//! after the other:
//!
//! 1. intake: `--orders` orders of one line (one unit of a random SKU) from
//!    `--clients` platform clients at once;
//! 2. waves: a supervisor releases waves of `--wave-size` until nothing is
//!    left to wave;
//! 3. picking: `--pickers` pickers claim and confirm tasks (one tote per
//!    order) until nothing is left to pick;
//! 4. packing: `--packers` packers scan each tote, every unit, weigh the
//!    parcel at the weight the server expects, and fetch its label.
//!
//! Flows per second are the orders labelled over the four phases' time.
//! The databases are dropped at the end (`--keep` keeps them).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use custody::auth::service::{self as auth, KeyOwner, NewUser};
use custody::config::Config;
use custody::db::{self, DatabaseUrl, DbConn, Pool};
use custody::error::AppError;
use custody::ids::SupplierId;
use custody::outbound::orders::DESTINATIONS;
use diesel::prelude::*;
use futures_util::future::join_all;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};

use crate::client::{Caller, Http};
use crate::pgbench::{self, Pgbench, PgbenchRun};
use crate::server::Server;
use crate::stats::Latencies;
use crate::{app_error, open};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// PostgreSQL URL of the database to create for the run, e.g.
    /// postgres://postgres@127.0.0.1:5432/custody_flow (it must not exist
    /// yet; pgbench gets `<name>_pgbench` beside it). Without it, a fresh
    /// SQLite file in a temporary directory. CUSTODY_DATABASE_URL is not
    /// used.
    #[arg(long)]
    pub database_url: Option<String>,
    /// Orders, each one line of one unit.
    #[arg(long, default_value_t = 2000)]
    pub orders: usize,
    /// SKUs (one bin each) the orders choose from at random.
    #[arg(long, default_value_t = 200)]
    pub skus: usize,
    /// Platform clients sending orders at once.
    #[arg(long, default_value_t = 8)]
    pub clients: usize,
    #[arg(long, default_value_t = 8)]
    pub pickers: usize,
    #[arg(long, default_value_t = 8)]
    pub packers: usize,
    /// Orders per wave (at most 500).
    #[arg(long, default_value_t = 250)]
    pub wave_size: usize,
    #[command(flatten)]
    pub pgbench: PgbenchArgs,
    /// Keep the databases (and the SQLite file) afterwards.
    #[arg(long)]
    pub keep: bool,
}

/// The pgbench reference run beside a benchmark on a fresh database.
#[derive(Debug, Clone, clap::Args)]
pub struct PgbenchArgs {
    /// pgbench's clients.
    #[arg(long, default_value_t = 8)]
    pub pgbench_clients: usize,
    /// Length of each of the two pgbench runs (before and after).
    #[arg(long, default_value_t = 15)]
    pub pgbench_seconds: u64,
    #[arg(long, default_value_t = 10)]
    pub pgbench_scale: u32,
}

pub fn run(mut config: Config, args: Args) -> anyhow::Result<()> {
    anyhow::ensure!(args.orders >= 1 && args.skus >= 1, "at least one order and one SKU");
    anyhow::ensure!(
        args.clients >= 1 && args.pickers >= 1 && args.packers >= 1,
        "at least one of each worker"
    );
    anyhow::ensure!((1..=500).contains(&args.wave_size), "--wave-size is 1 to 500");
    anyhow::ensure!(args.skus <= BINS_PER_ZONE, "at most {BINS_PER_ZONE} SKUs");
    let fresh = Fresh::create(args.database_url.as_deref())?;
    config.database_url = fresh.url.clone();
    let outcome = bench(&config, &args, &fresh);
    let cleanup = if args.keep {
        println!("kept: {}", fresh.describe());
        Ok(())
    } else {
        fresh.remove()
    };
    outcome.and(cleanup)
}

fn bench(config: &Config, args: &Args, fresh: &Fresh) -> anyhow::Result<()> {
    let url = DatabaseUrl::parse(&config.database_url).map_err(anyhow::Error::msg)?;
    println!(
        "full flow benchmark: {} orders of one line and one unit, {} SKUs; backend {}, {} HTTP workers, pool {}; \
         {} clients, {} pickers, {} packers, waves of {}",
        args.orders,
        args.skus,
        url.backend_name(),
        config.workers,
        config.db_pool_size,
        args.clients,
        args.pickers,
        args.packers,
        args.wave_size
    );
    println!(
        "database: {} (fresh); events {}",
        fresh.describe(),
        if config.amqp_url.is_some() {
            "published to the broker by the in-process relay"
        } else {
            "sequenced by the in-process relay, not published (no CUSTODY_AMQP_URL)"
        }
    );
    let pool = open(config)?;
    let staff = staff(&pool, args)?;

    let mut rng = SmallRng::seed_from_u64(0xF10E);
    let skus: Vec<usize> = (0..args.orders).map(|_| rng.random_range(0..args.skus)).collect();
    let mut wanted = vec![0i64; args.skus];
    for &s in &skus {
        wanted[s] += 1;
    }

    let server = Server::start(pool.clone(), config.clone())?;
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let http = Http::new(server.addr)?;
    let seeded = rt.block_on(seed(&http, &pool, &staff, args, &wanted));
    let seeded = match seeded {
        Ok(s) => s,
        Err(e) => {
            drop(rt);
            server.stop()?;
            return Err(e);
        }
    };
    println!(
        "seed over the API: a supplier, a zone, {n} bins, {n} SKUs and {n} stock adjustments in {:.1} s",
        seeded.seconds,
        n = args.skus
    );
    // Statistics for what was seeded, and only that (see `orders`: an
    // ANALYZE of the empty order tables would plan every later foreign-key
    // check as a scan of a table thought empty).
    if let DbConn::Pg(c) = &mut *pool.get()? {
        diesel::sql_query("ANALYZE suppliers, skus, zones, bins, stock_balances, stock_movements")
            .execute(c)?;
    }

    let pg = match &url {
        DatabaseUrl::Postgres(u) => {
            Some(Pgbench::prepare(u, args.pgbench.pgbench_clients, args.pgbench.pgbench_scale)?)
        }
        DatabaseUrl::Sqlite(_) => {
            println!("pgbench: skipped (the database is SQLite; the ratio needs PostgreSQL)");
            None
        }
    };
    let outcome = (|| {
        let before = pg.as_ref().map(|p| p.run(args.pgbench.pgbench_seconds)).transpose()?;
        let orders: Vec<Vec<u8>> = skus
            .iter()
            .enumerate()
            .map(|(n, &s)| order_json(&mut rng, &seeded.skus[s].id, &format!("FLOW-{n:07}")))
            .map(|o| serde_json::to_vec(&o))
            .collect::<Result<_, _>>()?;
        let figures = rt.block_on(flow(&http, &staff, &seeded, args, &orders))?;
        Ok::<_, anyhow::Error>((before, figures))
    })();
    drop(rt);
    server.stop()?;
    let (before, figures) = match outcome {
        Ok(o) => o,
        Err(e) => {
            drop_pgbench(pg.as_ref(), fresh, args.keep);
            return Err(e);
        }
    };
    let after = pg.as_ref().map(|p| p.run(args.pgbench.pgbench_seconds)).transpose();
    drop_pgbench(pg.as_ref(), fresh, args.keep);
    let after = after?;
    let check = custody::stock::service::verify(&mut *pool.get()?).map_err(app_error)?;
    drop(pool);
    report(args, &figures, before, after, &check);
    Ok(())
}

// ---------------------------------------------------------------------------
// A database of the run's own.

pub(crate) struct Fresh {
    pub(crate) url: String,
    kind: FreshKind,
}

enum FreshKind {
    Postgres {
        /// The server's `postgres` database, where CREATE and DROP DATABASE are sent.
        admin_url: String,
        name: String,
    },
    Sqlite {
        file: PathBuf,
        /// The temporary directory made for it, if the benchmark made one.
        dir: Option<PathBuf>,
    },
}

impl Fresh {
    pub(crate) fn create(url: Option<&str>) -> anyhow::Result<Self> {
        let Some(url) = url else {
            let dir = std::env::temp_dir().join(format!(
                "custody-bench-flow-{}-{}",
                std::process::id(),
                chrono::Utc::now().timestamp_millis()
            ));
            std::fs::create_dir_all(&dir)?;
            let file = dir.join("flow.db");
            return Ok(Self {
                url: format!("sqlite://{}", file.display()),
                kind: FreshKind::Sqlite { file, dir: Some(dir) },
            });
        };
        match DatabaseUrl::parse(url).map_err(anyhow::Error::msg)? {
            DatabaseUrl::Sqlite(file) => {
                anyhow::ensure!(
                    !file.exists(),
                    "{} exists: the flow benchmark makes its own database",
                    file.display()
                );
                Ok(Self { url: url.to_owned(), kind: FreshKind::Sqlite { file, dir: None } })
            }
            DatabaseUrl::Postgres(_) => {
                let name = pgbench::database_name(url)?.to_owned();
                let admin_url = pgbench::with_database(url, "postgres")?;
                let mut c = PgConnection::establish(&admin_url)?;
                anyhow::ensure!(
                    !pgbench::database_exists(&mut c, &name)?,
                    "database {name} exists: the flow benchmark makes its own (drop it, or name another)"
                );
                diesel::sql_query(format!("CREATE DATABASE {}", pgbench::quoted(&name))).execute(&mut c)?;
                Ok(Self { url: url.to_owned(), kind: FreshKind::Postgres { admin_url, name } })
            }
        }
    }

    pub(crate) fn describe(&self) -> String {
        match &self.kind {
            FreshKind::Postgres { name, .. } => format!("PostgreSQL database {name}"),
            FreshKind::Sqlite { file, .. } => format!("SQLite file {}", file.display()),
        }
    }

    pub(crate) fn remove(&self) -> anyhow::Result<()> {
        match &self.kind {
            FreshKind::Postgres { admin_url, name } => drop_database(admin_url, name),
            FreshKind::Sqlite { file, dir } => {
                match dir {
                    Some(d) => std::fs::remove_dir_all(d)?,
                    None => {
                        for suffix in ["", "-wal", "-shm"] {
                            let mut f = file.clone().into_os_string();
                            f.push(suffix);
                            let _ = std::fs::remove_file(f);
                        }
                    }
                }
                Ok(())
            }
        }
    }
}

fn drop_database(admin_url: &str, name: &str) -> anyhow::Result<()> {
    let mut c = PgConnection::establish(admin_url)?;
    diesel::sql_query(format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", pgbench::quoted(name)))
        .execute(&mut c)?;
    Ok(())
}

/// pgbench's database goes with the run's (unless kept).
pub(crate) fn drop_pgbench(pg: Option<&Pgbench>, fresh: &Fresh, keep: bool) {
    if let (Some(p), FreshKind::Postgres { admin_url, .. }, false) = (pg, &fresh.kind, keep)
        && let Err(e) = drop_database(admin_url, p.database())
    {
        eprintln!("warning: could not drop {}: {e:#}", p.database());
    }
}

// ---------------------------------------------------------------------------
// Staff, keys and the warehouse.

pub(crate) struct Staff {
    pub(crate) admin: String,
    pub(crate) supervisor: String,
    pub(crate) platform: String,
    pickers: Vec<String>,
    packers: Vec<String>,
}

/// Staff accounts and API keys, through the library (as `custody admin`
/// makes them: the API has no endpoint for keys).
pub(crate) fn staff(pool: &Pool, args: &Args) -> anyhow::Result<Staff> {
    let mut rng = rand::rng();
    let password: String = (0..24).map(|_| char::from(rng.random_range(b'a'..=b'z'))).collect();
    db::write_tx(&mut *pool.get()?, |tx| -> Result<_, AppError> {
        let mut key = |role: &str, n: usize| -> Result<String, AppError> {
            let username = format!("flow-{role}-{n}");
            let u = auth::create_user(
                tx,
                NewUser { username: &username, display_name: &username, role, password: &password },
            )?;
            Ok(auth::create_api_key(tx, KeyOwner::Staff(u.id), "custody-bench flow")?.1)
        };
        Ok(Staff {
            admin: key("admin", 1)?,
            supervisor: key("supervisor", 1)?,
            pickers: (1..=args.pickers).map(|n| key("picker", n)).collect::<Result<_, _>>()?,
            packers: (1..=args.packers).map(|n| key("packer", n)).collect::<Result<_, _>>()?,
            platform: auth::create_api_key(tx, KeyOwner::Platform, "custody-bench flow platform")?.1,
        })
    })
    .map_err(app_error)
}

pub(crate) struct SeededSku {
    pub(crate) id: String,
}

pub(crate) struct Seeded {
    pub(crate) skus: Vec<SeededSku>,
    /// Tare of each carton of the catalog, by code.
    tares: HashMap<String, i64>,
    pub(crate) seconds: f64,
}

/// Bins per zone: 5 levels, 50 bays, 99 aisles.
const BINS_PER_ZONE: usize = 5 * 50 * 99;

/// The warehouse, seeded through the API: a supplier (admin), its key
/// (library), a zone and a bin per SKU (admin), the SKUs (the supplier), and
/// `wanted` units of each plus two as opening stock (supervisor, stock
/// adjustments `found`).
pub(crate) async fn seed(
    http: &Http,
    pool: &Pool,
    staff: &Staff,
    args: &Args,
    wanted: &[i64],
) -> anyhow::Result<Seeded> {
    let t = Instant::now();
    let admin = http.with_key(&staff.admin)?;
    let supervisor = http.with_key(&staff.supervisor)?;
    let s = admin
        .post_json(
            "/api/v1/suppliers",
            &json!({"code": "FLOW-SUPPLIER", "name_zh": "流程供应商", "name_en": "Flow supplier",
                "return_address": "1 Flow Road, Shenzhen"}),
            &[201],
        )
        .await?
        .json()?;
    let supplier: SupplierId = serde_json::from_value(s["id"].clone())?;
    let supplier_key = db::write_tx(&mut *pool.get()?, |tx| {
        auth::create_api_key(tx, KeyOwner::Supplier(supplier), "custody-bench flow supplier")
    })
    .map_err(app_error)?
    .1;
    let supplier = http.with_key(&supplier_key)?;
    // Parcels are routed by channel rules: the demo's three channels (ePacket,
    // EMS, small packet to every destination), as an admin would set them up.
    db::write_tx(&mut *pool.get()?, |tx| custody::demo::channels(tx, custody::db::types::Timestamp::now()))
        .map_err(app_error)?;
    admin.post_json("/api/v1/zones", &json!({"code": "F", "name": "Flow"}), &[201]).await?;
    let bins: Vec<String> = (0..args.skus)
        .map(|i| format!("F-{:02}-{:02}-{:02}", i / 250 + 1, (i / 5) % 50 + 1, i % 5 + 1))
        .collect();
    let body =
        json!({"bins": bins.iter().map(|b| json!({"code": b, "bin_type": "storage"})).collect::<Vec<_>>()});
    admin.post_json("/api/v1/bins", &body, &[201]).await?;

    let mut rng = SmallRng::seed_from_u64(0x5EED);
    let mut skus = Vec::with_capacity(args.skus);
    for n in 0..args.skus {
        // Small goods: one unit fits the smallest carton or the next.
        let body = json!({
            "sku_code": format!("FLOW-{n:05}"),
            "barcode": custody::demo::ean13(&format!("690{n:09}")),
            "name_zh": format!("流程商品 {n}"), "name_en": format!("Flow item {n}"),
            "declared": {"weight_g": rng.random_range(80..=900), "length_mm": rng.random_range(60..=200),
                "width_mm": rng.random_range(40..=140), "height_mm": rng.random_range(10..=90)},
            "declared_value": {"amount_minor": rng.random_range(199..=4999), "currency": "USD"},
            "hs_code": "950300", "origin_country": "CN",
            "supply_price": {"amount_minor": rng.random_range(500..=20_000), "currency": "CNY"},
        });
        let sku = supplier.post_json("/api/v1/skus", &body, &[201]).await?.json()?;
        let id = sku["id"].as_str().unwrap_or_default().to_owned();
        let stock = json!({"sku_id": id, "bin": bins[n], "quantity": wanted[n] + 2, "reason": "found",
            "note": "custody-bench flow: opening stock"});
        supervisor.post_json("/api/v1/stock/adjustments", &stock, &[200]).await?;
        skus.push(SeededSku { id });
    }
    let cartons = supervisor.get("/api/v1/carton-types", &[200]).await?.json()?;
    let tares = cartons
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| Some((c["code"].as_str()?.to_owned(), c["tare_g"].as_i64()?)))
        .collect();
    Ok(Seeded { skus, tares, seconds: t.elapsed().as_secs_f64() })
}

/// One order: one line of one unit.
pub(crate) fn order_json(rng: &mut SmallRng, sku: &str, platform_id: &str) -> Value {
    let dest = DESTINATIONS[rng.random_range(0..DESTINATIONS.len())];
    let ship_by =
        (chrono::Utc::now() + chrono::Duration::days(2)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    json!({
        "platform_order_id": platform_id, "shop": "Flow shop", "market": dest, "destination_country": dest,
        "service_level": "standard", "ship_by": ship_by,
        "lines": [{"sku_id": sku, "quantity": 1,
            "unit_price": {"amount_minor": rng.random_range(199..=4999), "currency": "USD"}}],
        "buyer": {"name": "Jane Flow", "phone": format!("+1 555 {:07}", rng.random_range(0..10_000_000)),
            "address": {"line1": "1 Flow Street", "city": "Testville", "postal_code": "10001", "country": dest}},
    })
}

// ---------------------------------------------------------------------------
// The flow.

/// Latencies of each kind of request, in milliseconds.
#[derive(Default)]
struct Calls {
    intake: Vec<f64>,
    waves: Vec<f64>,
    claims: Vec<f64>,
    confirms: Vec<f64>,
    pack_starts: Vec<f64>,
    unit_scans: Vec<f64>,
    weighs: Vec<f64>,
    labels: Vec<f64>,
}

impl Calls {
    fn add(&mut self, o: Calls) {
        self.intake.extend(o.intake);
        self.waves.extend(o.waves);
        self.claims.extend(o.claims);
        self.confirms.extend(o.confirms);
        self.pack_starts.extend(o.pack_starts);
        self.unit_scans.extend(o.unit_scans);
        self.weighs.extend(o.weighs);
        self.labels.extend(o.labels);
    }

    fn picking(&self) -> usize {
        self.claims.len() + self.confirms.len()
    }

    fn packing(&self) -> usize {
        self.pack_starts.len() + self.unit_scans.len() + self.weighs.len() + self.labels.len()
    }
}

pub(crate) struct Figures {
    calls: Calls,
    /// Seconds of each phase: intake, waves, picking, packing.
    pub(crate) phases: [f64; 4],
    waves: usize,
    tasks: usize,
    pub(crate) labelled: usize,
}

impl Figures {
    fn seconds(&self) -> f64 {
        self.phases.iter().sum()
    }

    fn flows_per_second(&self) -> f64 {
        self.labelled as f64 / self.seconds()
    }
}

pub(crate) async fn flow(
    http: &Http,
    staff: &Staff,
    seeded: &Seeded,
    args: &Args,
    orders: &[Vec<u8>],
) -> anyhow::Result<Figures> {
    let mut calls = Calls::default();
    let mut phases = [0.0; 4];

    // 1. Intake.
    let t = Instant::now();
    let platform = http.with_key(&staff.platform)?;
    let next = AtomicUsize::new(0);
    let client = || async {
        let mut lat = Vec::new();
        while let Some(body) = orders.get(next.fetch_add(1, Ordering::Relaxed)) {
            let a = platform.post("/api/v1/orders", body, &[201]).await?;
            let o = a.json()?;
            anyhow::ensure!(o["status"] == "allocated", "an order was not allocated: {o}");
            lat.push(a.ms);
        }
        Ok(lat)
    };
    for r in join_all((0..args.clients).map(|_| client())).await {
        calls.intake.extend(r?);
    }
    phases[0] = t.elapsed().as_secs_f64();

    // 2. Waves, one after the other, until nothing is left to wave.
    let t = Instant::now();
    let supervisor = http.with_key(&staff.supervisor)?;
    let (mut waves, mut tasks, mut waved) = (0, 0, 0);
    loop {
        let a = supervisor
            .post_json("/api/v1/waves", &json!({"max_orders": args.wave_size}), &[200, 409])
            .await?;
        if a.status == 409 {
            let p = a.json()?;
            anyhow::ensure!(p["code"] == "nothing_to_wave", "wave refused: {p}");
            break;
        }
        calls.waves.push(a.ms);
        let w = a.json()?;
        waves += 1;
        waved += w["orders"].as_array().map_or(0, Vec::len);
        tasks += w["tasks"].as_array().map_or(0, Vec::len);
    }
    anyhow::ensure!(waved == orders.len(), "{waved} of {} orders waved", orders.len());
    phases[1] = t.elapsed().as_secs_f64();

    // 3. Picking: claim, confirm into the order's tote, until nothing is left.
    let t = Instant::now();
    let totes: Mutex<HashMap<String, String>> = Mutex::default();
    let pickers = staff.pickers.iter().map(|k| http.with_key(k)).collect::<anyhow::Result<Vec<_>>>()?;
    for r in join_all(pickers.iter().map(|c| picker(c, &totes))).await {
        calls.add(r?);
    }
    anyhow::ensure!(
        calls.confirms.len() == tasks,
        "{} of {tasks} pick tasks confirmed",
        calls.confirms.len()
    );
    phases[2] = t.elapsed().as_secs_f64();

    // 4. Packing: tote, units, weight, label.
    let t = Instant::now();
    let queue: Mutex<Vec<String>> = Mutex::new(totes.into_inner().expect("totes").into_values().collect());
    let packers = staff.packers.iter().map(|k| http.with_key(k)).collect::<anyhow::Result<Vec<_>>>()?;
    let mut labelled = 0;
    for r in join_all(packers.iter().map(|c| packer(c, &queue, &seeded.tares))).await {
        let (c, n) = r?;
        calls.add(c);
        labelled += n;
    }
    anyhow::ensure!(labelled == orders.len(), "{labelled} of {} orders labelled", orders.len());
    phases[3] = t.elapsed().as_secs_f64();

    Ok(Figures { calls, phases, waves, tasks, labelled })
}

/// Claims and confirms tasks until the server has none left to give.
async fn picker(c: &Caller, totes: &Mutex<HashMap<String, String>>) -> anyhow::Result<Calls> {
    let mut out = Calls::default();
    loop {
        let a = c.post("/api/v1/pick-tasks/claim", b"", &[200, 204, 409]).await?;
        out.claims.push(a.ms);
        match a.status {
            204 => return Ok(out),
            409 => continue, // task_taken: ask again
            _ => {}
        }
        let task = a.json()?;
        let field = |k: &str| task[k].as_str().unwrap_or_default().to_owned();
        let (id, order) = (field("id"), field("order_id"));
        // The order's tote: set by its first pick, one per order.
        let tote = {
            let mut totes = totes.lock().expect("totes");
            let n = totes.len() + 1;
            totes.entry(order).or_insert_with(|| format!("TOTE-F{n:08}")).clone()
        };
        let pick = json!({"bin": field("bin_code"), "barcode": field("barcode"), "tote": tote});
        let a = c.post_json(&format!("/api/v1/pick-tasks/{id}/confirm"), &pick, &[200]).await?;
        out.confirms.push(a.ms);
    }
}

/// Packs totes from the queue until it is empty: the tote, every unit, the
/// weight the server expects (units and the suggested carton's tare), the
/// label. Returns the calls and the parcels labelled.
async fn packer(
    c: &Caller,
    queue: &Mutex<Vec<String>>,
    tares: &HashMap<String, i64>,
) -> anyhow::Result<(Calls, usize)> {
    let mut out = Calls::default();
    let mut labelled = 0;
    loop {
        let Some(tote) = queue.lock().expect("queue").pop() else { return Ok((out, labelled)) };
        let a = c.post_json("/api/v1/pack/start", &json!({ "tote": tote }), &[200]).await?;
        out.pack_starts.push(a.ms);
        let mut parcel = a.json()?;
        let id = parcel["id"].as_str().unwrap_or_default().to_owned();
        let path = format!("/api/v1/parcels/{id}/scans");
        let lines: Vec<(Value, i64)> = parcel["lines"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|l| (l["barcode"].clone(), l["remaining"].as_i64().unwrap_or(0)))
            .collect();
        for (barcode, remaining) in lines {
            let scan = serde_json::to_vec(&json!({ "barcode": barcode }))?;
            for _ in 0..remaining {
                let a = c.post(&path, &scan, &[200]).await?;
                out.unit_scans.push(a.ms);
                parcel = a.json()?;
            }
        }
        let carton = parcel["suggested_carton"].as_str().unwrap_or_default();
        let tare =
            tares.get(carton).ok_or_else(|| anyhow::anyhow!("no carton fits parcel {id}: {parcel}"))?;
        let units: i64 = parcel["lines"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|l| l["unit_weight_g"].as_i64().unwrap_or(0) * l["packed"].as_i64().unwrap_or(0))
            .sum();
        let a = c
            .post_json(&format!("/api/v1/parcels/{id}/weigh"), &json!({"weight_g": units + tare}), &[200])
            .await?;
        out.weighs.push(a.ms);
        let p = a.json()?;
        anyhow::ensure!(p["status"] == "packed", "parcel {id} not packed on the expected weight: {p}");
        let tracking = p["tracking_no"].as_str().unwrap_or_default().to_owned();
        let a = c.get(&format!("/api/v1/parcels/{id}/label"), &[200]).await?;
        out.labels.push(a.ms);
        anyhow::ensure!(
            !tracking.is_empty() && String::from_utf8_lossy(&a.body).contains(&tracking),
            "the label of parcel {id} does not carry its tracking number {tracking:?}"
        );
        labelled += 1;
    }
}

// ---------------------------------------------------------------------------
// The figures.

fn report(
    args: &Args,
    f: &Figures,
    before: Option<PgbenchRun>,
    after: Option<PgbenchRun>,
    check: &custody::stock::service::LedgerCheck,
) {
    let tps = match (&before, &after) {
        (Some(b), Some(a)) => Some(b.tps.max(a.tps)),
        _ => None,
    };
    let c = &f.calls;
    println!();
    println!(
        "{:<36} {:>8} {:>8} {:>10} {:>9} {:>12}",
        "phase", "requests", "seconds", "requests/s", "orders/s", "TPC-B/request"
    );
    let phase = |name: String, requests: usize, seconds: f64, orders: Option<usize>| {
        let rps = requests as f64 / seconds;
        let per = tps.map_or(String::from("-"), |t| format!("{:.1}", t / rps));
        let orders = orders.map_or(String::from("-"), |o| format!("{:.0}", o as f64 / seconds));
        println!("{name:<36} {requests:>8} {seconds:>8.1} {rps:>10.0} {orders:>9} {per:>12}");
    };
    phase(format!("intake ({} clients)", args.clients), c.intake.len(), f.phases[0], Some(c.intake.len()));
    phase(
        format!("waves of {} (1 supervisor)", args.wave_size),
        c.waves.len(),
        f.phases[1],
        Some(f.labelled),
    );
    phase(format!("picking ({} pickers)", args.pickers), c.picking(), f.phases[2], Some(f.labelled));
    phase(format!("packing ({} packers)", args.packers), c.packing(), f.phases[3], Some(f.labelled));
    let all = c.intake.len() + c.waves.len() + c.picking() + c.packing();
    phase("the whole flow".into(), all, f.seconds(), Some(f.labelled));
    println!(
        "({} waves, {} pick tasks; {} orders labelled; TPC-B/request: pgbench's tps (faster run) over the phase's requests/s)",
        f.waves, f.tasks, f.labelled
    );
    println!();
    println!(
        "{:<36} {:>8} {:>8} {:>8} {:>8} {:>8}",
        "latency", "calls", "p50 ms", "p95 ms", "p99 ms", "max ms"
    );
    let row = |name: &str, l: Latencies| {
        println!(
            "{name:<36} {:>8} {:>8.1} {:>8.1} {:>8.1} {:>8.1}",
            l.len(),
            l.pct(0.5),
            l.pct(0.95),
            l.pct(0.99),
            l.max()
        );
    };
    row("order intake", Latencies::of(c.intake.clone()));
    row("wave release", Latencies::of(c.waves.clone()));
    row("pick: claim a task", Latencies::of(c.claims.clone()));
    row("pick: confirm (bin, unit, tote)", Latencies::of(c.confirms.clone()));
    row("pack: scan the tote", Latencies::of(c.pack_starts.clone()));
    row("pack: scan a unit", Latencies::of(c.unit_scans.clone()));
    row("pack: weigh", Latencies::of(c.weighs.clone()));
    row("pack: label", Latencies::of(c.labels.clone()));
    let scans = [&c.claims, &c.confirms, &c.pack_starts, &c.unit_scans, &c.weighs, &c.labels];
    row("scans (every pick and pack request)", Latencies::merged(scans.map(Vec::as_slice)));
    println!();
    println!(
        "full flow: {:.0} flows/s ({} orders in {:.1} s)",
        f.flows_per_second(),
        f.labelled,
        f.seconds()
    );
    match (before, after) {
        (Some(b), Some(a)) => {
            let best = b.tps.max(a.tps);
            println!(
                "pgbench TPC-B-like, {} clients: {:.0} tps before, {:.0} tps after the flow",
                args.pgbench.pgbench_clients, b.tps, a.tps
            );
            println!(
                "full flow / pgbench (faster run): {:.1} / {:.0} = {:.3}",
                f.flows_per_second(),
                best,
                f.flows_per_second() / best
            );
            let intake = c.intake.len() as f64 / f.phases[0];
            println!("intake alone / pgbench: {intake:.0} / {best:.0} = {:.2}", intake / best);
        }
        _ => println!("pgbench: not run (SQLite)"),
    }
    println!(
        "ledger check: {} balances, {} movements, {} mismatches",
        check.balances,
        check.movements,
        check.mismatches.len()
    );
}
