//! `custody-bench tracking`: carriers' milestones coming in, measured from
//! outside over HTTP, next to pgbench's TPC-B-like transactions on the same
//! PostgreSQL in the same run; and the sort station's scan latency while
//! tracking ingestion and order intake load the server. A benchmark, not a
//! test: it prints figures and asserts nothing about them (it does refuse a
//! run in which the server refused an event it should have taken).
//!
//! It makes a database of its own (as `flow` does), seeds the warehouse and
//! runs the full flow for `--sort-parcels` orders through the API, so that
//! the sort station has labelled parcels to scan. Then it loads
//! `--parcels` parcels handed over to a carrier straight into the database
//! (set-based SQL in chunks: an order and a parcel each, with a tracking
//! number; going through the floor for a million parcels would take hours
//! and measure the floor, not tracking). Then:
//!
//! 1. ingestion alone: `--clients` carrier clients send every parcel's
//!    first transit milestone in batches of `--batch` (1,000 by default);
//! 2. under load: the same clients send a second milestone for every
//!    parcel while `--intake-clients` platform clients send orders and
//!    `--scanners` sort-station clients scan the labelled parcels; the
//!    sort scans' latency is the figure of this phase.
//!
//! Events per second are the milestones the server stored over the
//! phase's time; the ratio is to pgbench's faster run (before or after).

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Instant;

use custody::auth::service::{self as auth, KeyOwner};
use custody::config::Config;
use custody::db::{self, DatabaseUrl, DbConn, Pool};
use diesel::prelude::*;
use futures_util::future::join_all;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};

use crate::client::Http;
use crate::flow::{self, Fresh};
use crate::pgbench::{Pgbench, PgbenchRun};
use crate::server::Server;
use crate::stats::Latencies;
use crate::{app_error, open};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// PostgreSQL URL of the database to create for the run (it must not
    /// exist yet; pgbench gets `<name>_pgbench` beside it). Without it, a
    /// fresh SQLite file in a temporary directory (no ratio then).
    #[arg(long)]
    pub database_url: Option<String>,
    /// Parcels handed over to carriers, loaded straight into the database.
    #[arg(long, default_value_t = 1_000_000)]
    pub parcels: usize,
    /// Milestones per request (the API takes at most 1,000).
    #[arg(long, default_value_t = 1000)]
    pub batch: usize,
    /// Carrier clients sending batches at once.
    #[arg(long, default_value_t = 4)]
    pub clients: usize,
    /// Parcels taken through the floor over the API for the sort station.
    #[arg(long, default_value_t = 200)]
    pub sort_parcels: usize,
    /// Sort-station clients scanning during the second phase.
    #[arg(long, default_value_t = 2)]
    pub scanners: usize,
    /// Platform clients sending orders during the second phase.
    #[arg(long, default_value_t = 2)]
    pub intake_clients: usize,
    #[command(flatten)]
    pub pgbench: flow::PgbenchArgs,
    /// Keep the databases (and the SQLite file) afterwards.
    #[arg(long)]
    pub keep: bool,
}

pub fn run(mut config: Config, args: Args) -> anyhow::Result<()> {
    anyhow::ensure!(args.parcels >= 1 && args.sort_parcels >= 1, "at least one parcel of each kind");
    anyhow::ensure!((1..=1000).contains(&args.batch), "--batch is 1 to 1000");
    anyhow::ensure!(args.clients >= 1 && args.scanners >= 1, "at least one client and one scanner");
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

/// The flow's settings for the parcels the sort station scans.
fn floor_args(args: &Args) -> flow::Args {
    flow::Args {
        database_url: None,
        orders: args.sort_parcels,
        skus: 50,
        clients: 4,
        pickers: 4,
        packers: 4,
        wave_size: 250,
        pgbench: args.pgbench.clone(),
        keep: args.keep,
    }
}

struct Keys {
    carrier: String,
    shipping: String,
}

fn keys(pool: &Pool) -> anyhow::Result<Keys> {
    db::write_tx(&mut *pool.get()?, |tx| -> Result<_, custody::error::AppError> {
        let password = "tracking-bench-password-123";
        let u = auth::create_user(
            tx,
            auth::NewUser {
                username: "tracking-sorter",
                display_name: "tracking-sorter",
                role: "shipping",
                password,
            },
        )?;
        Ok(Keys {
            carrier: auth::create_api_key(tx, KeyOwner::Carrier, "custody-bench tracking")?.1,
            shipping: auth::create_api_key(tx, KeyOwner::Staff(u.id), "custody-bench sort station")?.1,
        })
    })
    .map_err(app_error)
}

fn bench(config: &Config, args: &Args, fresh: &Fresh) -> anyhow::Result<()> {
    let url = DatabaseUrl::parse(&config.database_url).map_err(anyhow::Error::msg)?;
    println!(
        "tracking benchmark: {} parcels handed over, milestones in batches of {} from {} carrier clients; \
         backend {}, {} HTTP workers, pool {}",
        args.parcels,
        args.batch,
        args.clients,
        url.backend_name(),
        config.workers,
        config.db_pool_size
    );
    println!("database: {} (fresh)", fresh.describe());
    let pool = open(config)?;
    let floor = floor_args(args);
    let staff = flow::staff(&pool, &floor)?;
    let keys = keys(&pool)?;
    let mut rng = SmallRng::seed_from_u64(0x7AC6);
    let skus: Vec<usize> = (0..floor.orders).map(|_| rng.random_range(0..floor.skus)).collect();
    let mut wanted = vec![0i64; floor.skus];
    for &s in &skus {
        wanted[s] += 1;
    }
    // Stock for the orders sent during the second phase too.
    for w in &mut wanted {
        *w += 200;
    }

    let server = Server::start(pool.clone(), config.clone())?;
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let http = Http::new(server.addr)?;
    let setup = rt.block_on(async {
        let seeded = flow::seed(&http, &pool, &staff, &floor, &wanted).await?;
        let orders: Vec<Vec<u8>> = skus
            .iter()
            .enumerate()
            .map(|(n, &s)| flow::order_json(&mut rng, &seeded.skus[s].id, &format!("SORT-{n:07}")))
            .map(|o| serde_json::to_vec(&o))
            .collect::<Result<_, _>>()?;
        let figures = flow::flow(&http, &staff, &seeded, &floor, &orders).await?;
        Ok::<_, anyhow::Error>((seeded, figures))
    });
    let (seeded, floor_figures) = match setup {
        Ok(s) => s,
        Err(e) => {
            drop(rt);
            server.stop()?;
            return Err(e);
        }
    };
    println!(
        "floor over the API: {} parcels labelled for the sort station in {:.1} s",
        floor_figures.labelled,
        floor_figures.phases.iter().sum::<f64>()
    );
    let labelled = labelled_tracking_numbers(&pool)?;
    let t = Instant::now();
    let loaded = load_handed_over(&pool, args.parcels)?;
    println!(
        "loaded {loaded} parcels handed over to carriers (orders and parcels, set-based SQL) in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    if let DbConn::Pg(c) = &mut *pool.get()? {
        diesel::sql_query("ANALYZE orders, parcels").execute(c)?;
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
        let alone = rt.block_on(ingest(&http, &keys.carrier, args, "IN_TRANSIT", 0))?;
        let intake: Vec<Vec<u8>> = (0..100_000)
            .map(|n| {
                let sku = &seeded.skus[rng.random_range(0..seeded.skus.len())].id;
                flow::order_json(&mut rng, sku, &format!("LOAD-{n:07}"))
            })
            .map(|o| serde_json::to_vec(&o))
            .collect::<Result<_, _>>()?;
        let loaded = rt.block_on(under_load(&http, &keys, &staff.platform, args, &labelled, &intake))?;
        Ok::<_, anyhow::Error>((before, alone, loaded))
    })();
    drop(rt);
    server.stop()?;
    let (before, alone, loaded) = match outcome {
        Ok(o) => o,
        Err(e) => {
            flow::drop_pgbench(pg.as_ref(), fresh, args.keep);
            return Err(e);
        }
    };
    let after = pg.as_ref().map(|p| p.run(args.pgbench.pgbench_seconds)).transpose();
    flow::drop_pgbench(pg.as_ref(), fresh, args.keep);
    let after = after?;
    let stored = stored_events(&pool)?;
    drop(pool);
    report(args, &alone, &loaded, stored, before, after);
    Ok(())
}

/// The tracking numbers of the parcels the floor labelled (the sort
/// station's parcels).
fn labelled_tracking_numbers(pool: &Pool) -> anyhow::Result<Vec<String>> {
    use custody::db::schema::parcels;
    let found: Vec<Option<String>> = parcels::table
        .filter(parcels::status.eq("packed"))
        .select(parcels::tracking_no)
        .load(&mut *pool.get()?)?;
    let found: Vec<String> = found.into_iter().flatten().collect();
    anyhow::ensure!(!found.is_empty(), "the floor labelled no parcel");
    Ok(found)
}

/// The tracking number of the `n`th loaded parcel.
fn tracking_no(n: usize) -> String {
    format!("TB{n:09}CN")
}

/// Rows loaded per statement.
const LOAD_CHUNK: usize = 50_000;

/// `n` orders, shipped, and a parcel each, handed over on the demo's
/// ePacket channel with tracking number `TB<n>CN`: set-based SQL, a chunk
/// per transaction. Buyer data is already erased (none is needed here).
fn load_handed_over(pool: &Pool, n: usize) -> anyhow::Result<usize> {
    let mut conn = pool.get()?;
    let now = custody::db::types::instant_to_text(&custody::db::types::Timestamp::now().0);
    let mut done = 0;
    while done < n {
        let (lo, hi) = (done + 1, (done + LOAD_CHUNK).min(n));
        let statements = match &mut *conn {
            DbConn::Pg(_) => pg_chunk(lo, hi),
            DbConn::Sqlite(_) => sqlite_chunk(lo, hi, &now),
        };
        db::write_tx(&mut conn, |tx| -> Result<(), custody::error::AppError> {
            for s in &statements {
                match tx {
                    DbConn::Pg(c) => diesel::sql_query(s).execute(c)?,
                    DbConn::Sqlite(c) => diesel::sql_query(s).execute(c)?,
                };
            }
            Ok(())
        })
        .map_err(app_error)?;
        done = hi;
    }
    Ok(done)
}

const PARCEL_COLUMNS: &str = "id, parcel_no, order_id, tote, status, carton_code, expected_weight_g, weight_g, \
     route, tracking_no, packed_by, created_at, updated_at, packed_at, channel_id, channel_version, \
     volumetric_weight_g, chargeable_weight_g, handed_over_at";
const ORDER_COLUMNS: &str = "id, order_no, platform_order_id, shop, market, destination_country, \
     service_level, ship_by, status, buyer_masked, buyer_erased_at, created_at, updated_at";

fn pg_chunk(lo: usize, hi: usize) -> Vec<String> {
    vec![
        format!(
            "INSERT INTO orders ({ORDER_COLUMNS}) SELECT gen_random_uuid(), 'TB-' || lpad(i::text, 9, '0'), \
             'TRACKBENCH-' || i, 'bench', 'US', 'US', 'standard', now(), 'shipped', '', now(), now(), now() \
             FROM generate_series({lo}, {hi}) AS i"
        ),
        format!(
            "INSERT INTO parcels ({PARCEL_COLUMNS}) SELECT gen_random_uuid(), 'P' || o.order_no, o.id, 'BENCH', \
             'handed_over', 'BOX-S', 300, 300, c.code, 'TB' || substr(o.order_no, 4) || 'CN', 'bench', now(), now(), \
             now(), c.id, 1, 100, 300, now() FROM orders o, channels c WHERE c.code = 'EPACKET' \
             AND o.order_no BETWEEN 'TB-{lo:09}' AND 'TB-{hi:09}'"
        ),
    ]
}

fn sqlite_chunk(lo: usize, hi: usize, now: &str) -> Vec<String> {
    vec![
        format!(
            "WITH RECURSIVE s(i) AS (SELECT {lo} UNION ALL SELECT i + 1 FROM s WHERE i < {hi}) \
             INSERT INTO orders ({ORDER_COLUMNS}) SELECT randomblob(16), 'TB-' || printf('%09d', i), \
             'TRACKBENCH-' || i, 'bench', 'US', 'US', 'standard', '{now}', 'shipped', '', '{now}', '{now}', '{now}' \
             FROM s"
        ),
        format!(
            "INSERT INTO parcels ({PARCEL_COLUMNS}) SELECT randomblob(16), 'P' || o.order_no, o.id, 'BENCH', \
             'handed_over', 'BOX-S', 300, 300, c.code, 'TB' || substr(o.order_no, 4) || 'CN', 'bench', '{now}', \
             '{now}', '{now}', c.id, 1, 100, 300, '{now}' FROM orders o, channels c WHERE c.code = 'EPACKET' \
             AND o.order_no BETWEEN 'TB-{lo:09}' AND 'TB-{hi:09}'"
        ),
    ]
}

/// What one ingestion phase did.
#[derive(Default)]
struct Ingested {
    batches: usize,
    stored: usize,
    refused: usize,
    seconds: f64,
    latencies: Vec<f64>,
}

impl Ingested {
    fn events_per_second(&self) -> f64 {
        self.stored as f64 / self.seconds
    }
}

/// Every parcel's milestone `code`, `offset_minutes` after a fixed start, in
/// batches from `--clients` clients at once; `stop` (if given) is raised
/// when every batch is in.
async fn ingest(
    http: &Http,
    key: &str,
    args: &Args,
    code: &str,
    offset_minutes: i64,
) -> anyhow::Result<Ingested> {
    ingest_until(http, key, args, code, offset_minutes, None).await
}

async fn ingest_until(
    http: &Http,
    key: &str,
    args: &Args,
    code: &str,
    offset_minutes: i64,
    done: Option<&AtomicBool>,
) -> anyhow::Result<Ingested> {
    let carrier = http.with_key(key)?;
    let batches = args.parcels.div_ceil(args.batch);
    let next = AtomicUsize::new(0);
    let start = chrono::DateTime::parse_from_rfc3339("2026-11-01T08:00:00Z")?.with_timezone(&chrono::Utc);
    let client = || async {
        let mut out = Ingested::default();
        loop {
            let b = next.fetch_add(1, Ordering::Relaxed);
            if b >= batches {
                return Ok::<_, anyhow::Error>(out);
            }
            let events: Vec<Value> = (b * args.batch..((b + 1) * args.batch).min(args.parcels))
                .map(|i| {
                    let at = start
                        + chrono::Duration::minutes(offset_minutes)
                        + chrono::Duration::seconds(i as i64 % 3600);
                    json!({"tracking_no": tracking_no(i + 1), "carrier": "CHINA POST", "event_code": code,
                        "event_time": at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                        "location": "Guangzhou"})
                })
                .collect();
            let a =
                carrier.post_json("/api/v1/tracking-events", &json!({ "events": events }), &[200]).await?;
            let answer = a.json()?;
            out.batches += 1;
            out.stored += answer["stored"].as_u64().unwrap_or(0) as usize;
            out.refused += answer["refused"].as_u64().unwrap_or(0) as usize;
            out.latencies.push(a.ms);
        }
    };
    let t = Instant::now();
    let mut all = Ingested::default();
    for r in join_all((0..args.clients).map(|_| client())).await {
        let r = r?;
        all.batches += r.batches;
        all.stored += r.stored;
        all.refused += r.refused;
        all.latencies.extend(r.latencies);
    }
    all.seconds = t.elapsed().as_secs_f64();
    if let Some(d) = done {
        d.store(true, Ordering::Relaxed);
    }
    anyhow::ensure!(all.refused == 0, "the server refused {} milestones", all.refused);
    Ok(all)
}

/// The second phase's figures.
struct Loaded {
    ingested: Ingested,
    sort_scans: Vec<f64>,
    orders: Vec<f64>,
}

/// A second milestone for every parcel while orders come in and the sort
/// station scans; the others stop when the milestones are in.
async fn under_load(
    http: &Http,
    keys: &Keys,
    platform_key: &str,
    args: &Args,
    labelled: &[String],
    intake: &[Vec<u8>],
) -> anyhow::Result<Loaded> {
    let done = AtomicBool::new(false);
    let sorter = http.with_key(&keys.shipping)?;
    let platform = http.with_key(platform_key)?;
    let scanner = |n: usize| {
        let (sorter, done) = (&sorter, &done);
        async move {
            let mut lat = Vec::new();
            let mut i = n;
            while !done.load(Ordering::Relaxed) {
                let code = &labelled[i % labelled.len()];
                i += 7;
                let a = sorter.post_json("/api/v1/sort/scan", &json!({ "parcel": code }), &[200]).await?;
                lat.push(a.ms);
            }
            Ok::<_, anyhow::Error>(lat)
        }
    };
    let next = AtomicUsize::new(0);
    let intaker = || {
        let (platform, done, next) = (&platform, &done, &next);
        async move {
            let mut lat = Vec::new();
            while !done.load(Ordering::Relaxed) {
                let Some(body) = intake.get(next.fetch_add(1, Ordering::Relaxed)) else { break };
                let a = platform.post("/api/v1/orders", body, &[201]).await?;
                lat.push(a.ms);
            }
            Ok::<_, anyhow::Error>(lat)
        }
    };
    let (ingested, scans, orders) = tokio::join!(
        ingest_until(http, &keys.carrier, args, "OUT_FOR_DELIVERY", 24 * 60, Some(&done)),
        join_all((0..args.scanners).map(scanner)),
        join_all((0..args.intake_clients).map(|_| intaker())),
    );
    let mut loaded = Loaded { ingested: ingested?, sort_scans: Vec::new(), orders: Vec::new() };
    for s in scans {
        loaded.sort_scans.extend(s?);
    }
    for o in orders {
        loaded.orders.extend(o?);
    }
    Ok(loaded)
}

fn stored_events(pool: &Pool) -> anyhow::Result<i64> {
    use custody::db::schema::tracking_events;
    Ok(tracking_events::table.count().get_result(&mut *pool.get()?)?)
}

fn report(
    args: &Args,
    alone: &Ingested,
    loaded: &Loaded,
    stored: i64,
    before: Option<PgbenchRun>,
    after: Option<PgbenchRun>,
) {
    println!();
    println!("{:<44} {:>8} {:>10} {:>8} {:>10}", "phase", "batches", "milestones", "seconds", "events/s");
    let phase = |name: &str, i: &Ingested| {
        println!(
            "{name:<44} {:>8} {:>10} {:>8.1} {:>10.0}",
            i.batches,
            i.stored,
            i.seconds,
            i.events_per_second()
        );
    };
    phase(&format!("ingestion alone ({} clients)", args.clients), alone);
    phase("ingestion with intake and sort scans", &loaded.ingested);
    println!("({stored} milestones stored in all)");
    println!();
    println!(
        "{:<44} {:>8} {:>8} {:>8} {:>8} {:>8}",
        "latency", "calls", "p50 ms", "p95 ms", "p99 ms", "max ms"
    );
    let row = |name: &str, l: Latencies| {
        println!(
            "{name:<44} {:>8} {:>8.1} {:>8.1} {:>8.1} {:>8.1}",
            l.len(),
            l.pct(0.5),
            l.pct(0.95),
            l.pct(0.99),
            l.max()
        );
    };
    row(&format!("a batch of {} (alone)", args.batch), Latencies::of(alone.latencies.clone()));
    row(&format!("a batch of {} (under load)", args.batch), Latencies::of(loaded.ingested.latencies.clone()));
    row(
        &format!("sort scan under load ({} scanners)", args.scanners),
        Latencies::of(loaded.sort_scans.clone()),
    );
    row(
        &format!("order intake under load ({} clients)", args.intake_clients),
        Latencies::of(loaded.orders.clone()),
    );
    match (before, after) {
        (Some(b), Some(a)) => {
            let best = b.tps.max(a.tps);
            println!();
            println!(
                "pgbench TPC-B-like, {} clients: {:.0} tps before, {:.0} tps after",
                args.pgbench.pgbench_clients, b.tps, a.tps
            );
            println!(
                "tracking ingestion / pgbench (faster run): {:.0} / {:.0} = {:.1}",
                alone.events_per_second(),
                best,
                alone.events_per_second() / best
            );
        }
        _ => println!("pgbench: not run (SQLite)"),
    }
}
