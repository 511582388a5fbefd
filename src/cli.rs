//! The command line: `serve` (default), `migrate`, `demo-data`, `admin ...`.
//! Admin commands print only their result on stdout, so scripts can capture
//! it; messages go to stderr.

use std::io::Read;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use crate::auth::service::{self as auth, KeyOwner, NewUser};
use crate::config::Config;
use crate::db::{self, Pool};
use crate::events::relay;
use crate::http::{self, AppState};

#[derive(Parser)]
#[command(name = "custody", version, about = "Custody: full-custody cross-border warehouse management")]
pub struct Cli {
    /// File of CUSTODY_*=value lines, read before the environment.
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Migrate and serve the console and the API (the default).
    Serve {
        /// Seed the demo warehouse first if the database is empty.
        #[arg(long)]
        demo: bool,
    },
    /// Apply pending database migrations and exit.
    Migrate,
    /// Load the demo warehouse into an empty database and print its credentials.
    DemoData,
    /// Operator commands.
    #[command(subcommand)]
    Admin(Admin),
    /// Run the event relay alone (when `serve` runs with CUSTODY_RELAY=false).
    Relay,
    /// Event tools for operators.
    #[command(subcommand)]
    Events(Events),
    /// Stock tools for operators.
    #[command(subcommand)]
    Stock(Stock),
}

#[derive(Subcommand)]
enum Stock {
    /// Replay the whole ledger against every balance; exits 1 on a mismatch.
    Verify,
    /// Time out stock-up orders not accepted by their deliver-by time (the
    /// server also does this every minute).
    ExpireOrders,
}

#[derive(Subcommand)]
enum Events {
    /// Print events as they arrive on the broker (the reference consumer).
    Tail {
        /// Routing-key pattern to bind, e.g. 'asn.#' or '*.registered'; repeatable.
        #[arg(long = "bind", default_value = "#")]
        bind: Vec<String>,
    },
    /// List events the relay parked after repeated failures.
    Parked,
    /// Put parked events back in line: one by id, or all.
    Retry {
        /// Event id; omit with --all.
        id: Option<String>,
        #[arg(long, conflicts_with = "id")]
        all: bool,
    },
}

#[derive(Subcommand)]
enum Admin {
    /// Register a supplier; prints its id.
    CreateSupplier {
        #[arg(long)]
        code: String,
        /// Chinese name (also used as the English name unless --name-en is given).
        #[arg(long)]
        name: String,
        #[arg(long)]
        name_en: Option<String>,
        #[arg(long, default_value = "(to be provided)")]
        return_address: String,
    },
    /// Create a staff account; the password is read from stdin.
    CreateUser {
        #[arg(long)]
        username: String,
        /// receiver, qc, picker, packer, shipping, returns, supervisor or admin.
        #[arg(long)]
        role: String,
        #[arg(long)]
        display_name: Option<String>,
        /// Read the password from standard input (required: never on the command line).
        #[arg(long, required = true)]
        password_stdin: bool,
    },
    /// Create an API key; prints the key alone on stdout, this once.
    CreateApiKey(KeyTarget),
    /// Revoke a live API key by id or prefix.
    RevokeApiKey {
        /// The key's id or its prefix (e.g. cus_sup_1a2b3c4d).
        key: String,
    },
    /// List API keys (never the keys themselves).
    ListApiKeys,
    /// Print a new random key for CUSTODY_PII_KEYS (`id:64 hex digits`).
    /// To rotate, put it first in the list, run `pii-reseal`, then drop the
    /// old key.
    PiiNewKey {
        /// The key's id (kept with every order it seals).
        #[arg(long)]
        id: String,
    },
    /// Re-seal every order's buyer data under the first key of
    /// CUSTODY_PII_KEYS, so that the older keys can be removed.
    PiiReseal,
}

#[derive(Args)]
#[group(required = true, multiple = false)]
struct KeyTarget {
    /// Supplier code the key acts for.
    #[arg(long)]
    supplier: Option<String>,
    /// A key for the platform integration.
    #[arg(long)]
    platform: bool,
    /// A key for a carrier or tracking aggregator (tracking events in).
    #[arg(long)]
    carrier: bool,
    /// Staff username whose personal API token this is.
    #[arg(long)]
    user: Option<String>,
    #[arg(long, default_value = "created by custody admin")]
    label: String,
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match Config::from_env(cli.config.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("configuration error: {e}");
            return ExitCode::from(2);
        }
    };
    crate::telemetry::init(config.log_format, &config.log_filter);
    match run(cli.command.unwrap_or(Command::Serve { demo: false }), config) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn open(config: &Config) -> anyhow::Result<Pool> {
    let pool = db::connect(&config.database_url, config.db_pool_size)?;
    let mut conn = pool.get()?;
    let applied =
        db::migrate::run_pending(&mut conn).map_err(|e| anyhow::anyhow!("migration failed: {e}"))?;
    if !applied.is_empty() {
        tracing::info!(count = applied.len(), "applied migrations");
    }
    Ok(pool)
}

/// An error for the operator: what the API would say, and for an internal
/// error its cause too (the API hides it; the operator at the terminal
/// needs it), also logged.
fn cli_error(e: crate::error::AppError) -> anyhow::Error {
    match e {
        crate::error::AppError::Internal(cause) => {
            tracing::error!(error = format!("{cause:#}"), "internal error");
            cause.context("internal error")
        }
        crate::error::AppError::Validation { detail, errors, .. } => {
            let fields: Vec<String> =
                errors.iter().map(|e| format!("{}: {} ({})", e.field, e.message, e.code)).collect();
            anyhow::anyhow!("{detail} {}", fields.join("; "))
        }
        other => anyhow::anyhow!("{}", other.public_detail()),
    }
}

fn in_tx<T>(
    pool: &Pool,
    f: impl FnOnce(&mut db::DbConn) -> Result<T, crate::error::AppError>,
) -> anyhow::Result<T> {
    let mut conn = pool.get()?;
    db::write_tx(&mut conn, f).map_err(cli_error)
}

fn run(command: Command, config: Config) -> anyhow::Result<()> {
    crate::db::docno::set_timezone(config.timezone);
    match command {
        Command::Serve { demo } => serve(config, demo),
        Command::Migrate => {
            let pool = db::connect(&config.database_url, 1)?;
            let mut conn = pool.get()?;
            let applied =
                db::migrate::run_pending(&mut conn).map_err(|e| anyhow::anyhow!("migration failed: {e}"))?;
            eprintln!("{} migration(s) applied", applied.len());
            Ok(())
        }
        Command::DemoData => {
            require_pii_keys(&config, false)?;
            let pool = open(&config)?;
            let keys = config.pii_keys.clone();
            let creds = in_tx(&pool, move |tx| crate::demo::seed(tx, &keys))?;
            print!("{}", creds.print());
            Ok(())
        }
        Command::Admin(cmd) => admin(cmd, &config),
        Command::Relay => relay_alone(config),
        Command::Events(cmd) => events(cmd, &config),
        Command::Stock(cmd) => stock(cmd, &config),
    }
}

fn admin(cmd: Admin, config: &Config) -> anyhow::Result<()> {
    // Neither needs the database (nor creates one).
    match &cmd {
        Admin::PiiNewKey { id } => return print_new_pii_key(id),
        Admin::PiiReseal if !config.pii_keys_configured => {
            anyhow::bail!("CUSTODY_PII_KEYS is not set: nothing to re-seal with")
        }
        _ => {}
    }
    let pool = open(config)?;
    match cmd {
        Admin::CreateSupplier { code, name, name_en, return_address } => {
            let input = crate::suppliers::domain::SupplierInput {
                code,
                name_en: name_en.unwrap_or_else(|| name.clone()),
                name_zh: name,
                contact_name: String::new(),
                contact_email: String::new(),
                contact_phone: String::new(),
                return_address,
            };
            let s = in_tx(&pool, |tx| crate::suppliers::service::create(tx, &input))?;
            println!("{}", s.id);
        }
        Admin::CreateUser { username, role, display_name, password_stdin: _ } => {
            let mut password = String::new();
            std::io::stdin().read_to_string(&mut password)?;
            let password = password.trim_end_matches(['\r', '\n']).to_owned();
            let display = display_name.unwrap_or_else(|| username.clone());
            let u = in_tx(&pool, |tx| {
                auth::create_user(
                    tx,
                    NewUser { username: &username, display_name: &display, role: &role, password: &password },
                )
            })?;
            println!("{}", u.id);
        }
        Admin::CreateApiKey(t) => {
            let key = in_tx(&pool, |tx| {
                let owner = if let Some(code) = &t.supplier {
                    KeyOwner::Supplier(crate::suppliers::service::by_code(tx, code)?.id)
                } else if let Some(user) = &t.user {
                    let u = crate::auth::service::user_by_username(tx, &user.trim().to_lowercase())?
                        .ok_or(crate::error::AppError::not_found("staff user"))?;
                    KeyOwner::Staff(u.id)
                } else if t.carrier {
                    KeyOwner::Carrier
                } else {
                    KeyOwner::Platform
                };
                auth::create_api_key(tx, owner, &t.label)
            })?;
            println!("{}", key.1);
        }
        Admin::RevokeApiKey { key } => {
            in_tx(&pool, |tx| auth::revoke_api_key(tx, &key))?;
            eprintln!("revoked");
        }
        Admin::PiiNewKey { id } => print_new_pii_key(&id)?,
        Admin::PiiReseal => {
            let mut conn = pool.get()?;
            let done = crate::outbound::pii::reseal(&mut conn, &config.pii_keys).map_err(cli_error)?;
            println!("{} order(s) re-sealed under key {}", done.resealed, config.pii_keys.sealing_key_id());
            if !done.unreadable.is_empty() {
                for id in &done.unreadable {
                    println!("UNREADABLE {id}");
                }
                anyhow::bail!(
                    "{} order(s) are sealed under a key that is not in CUSTODY_PII_KEYS; they were left as they are",
                    done.unreadable.len()
                );
            }
        }
        Admin::ListApiKeys => {
            let keys = in_tx(&pool, auth::list_api_keys)?;
            for k in keys {
                println!(
                    "{}\t{}\t{}\t{}\t{}",
                    k.id,
                    k.prefix,
                    k.kind.as_str(),
                    if k.revoked_at.is_some() { "revoked" } else { "live" },
                    k.label
                );
            }
        }
    }
    Ok(())
}

/// Runs the relay in the foreground until SIGINT or SIGTERM, with its
/// health and metrics port if `CUSTODY_RELAY_BIND` names one.
fn relay_alone(config: Config) -> anyhow::Result<()> {
    let _one_relay = db::sqlite_relay_lock(&config.database_url)?;
    let pool = open(&config)?;
    let listener = config
        .relay_bind
        .map(|addr| {
            TcpListener::bind(addr)
                .map_err(|e| anyhow::anyhow!("cannot listen on {addr} (CUSTODY_RELAY_BIND): {e}"))
        })
        .transpose()?;
    let handle = relay::start(pool.clone(), &config);
    let backend = db::DatabaseUrl::parse(&config.database_url).map(|u| u.backend_name()).unwrap_or("unknown");
    let status = handle.status.clone();
    let ended = actix_web::rt::System::new().block_on(async move {
        // The relay's thread ending on its own (a panic) ends the process,
        // with an error, so that its supervisor starts it again.
        let relay_ended = {
            let status = status.clone();
            async move {
                while status.is_running() {
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
            }
        };
        let lost = || std::io::Error::other("the relay's thread stopped on its own");
        match listener {
            // The port's server stops on SIGINT and SIGTERM itself.
            Some(l) => {
                eprintln!("the relay serves /healthz, /readyz and /metrics on http://{}/", l.local_addr()?);
                let server = http::relay_port::start(l, pool, status, backend)?;
                let port = server.handle();
                tokio::select! {
                    r = server => r,
                    _ = relay_ended => {
                        port.stop(true).await;
                        Err(lost())
                    }
                }
            }
            None => {
                let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => Ok(()),
                    _ = term.recv() => Ok(()),
                    _ = relay_ended => Err(lost()),
                }
            }
        }
    });
    // However the wait ended (a signal, or the port failing), the relay
    // settles its batch and gives its lease up before the process exits.
    eprintln!("stopping the relay after its current batch");
    handle.stop();
    Ok(ended?)
}

fn events(cmd: Events, config: &Config) -> anyhow::Result<()> {
    match cmd {
        Events::Tail { bind } => {
            let url =
                config.amqp_url.as_deref().ok_or_else(|| anyhow::anyhow!("CUSTODY_AMQP_URL is not set"))?;
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
            rt.block_on(crate::events::tail::run(url, &config.amqp_exchange, &bind))
        }
        Events::Parked => {
            let pool = open(config)?;
            let rows = in_tx(&pool, |tx| Ok(crate::events::parked(tx)?))?;
            for r in rows {
                println!(
                    "{}\t{}\t{}\tseq={}\tattempts={}\t{}",
                    r.id,
                    r.event_type,
                    r.document_no,
                    r.sequence,
                    r.attempts,
                    r.last_error.unwrap_or_default()
                );
            }
            Ok(())
        }
        Events::Retry { id, all } => {
            let id = match (id, all) {
                (Some(id), false) => Some(
                    id.parse::<crate::ids::EventId>()
                        .map_err(|_| anyhow::anyhow!("not an event id: {id}"))?,
                ),
                (None, true) => None,
                _ => anyhow::bail!("give an event id or --all"),
            };
            let pool = open(config)?;
            let n = in_tx(&pool, |tx| Ok(crate::events::retry_parked(tx, id)?))?;
            eprintln!("{n} event(s) queued again");
            Ok(())
        }
    }
}

/// A fresh random key for CUSTODY_PII_KEYS, `id:hex`.
fn print_new_pii_key(id: &str) -> anyhow::Result<()> {
    if id.is_empty()
        || id.len() > 32
        || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        anyhow::bail!("--id is 1 to 32 letters, digits, - or _ (e.g. k2 or 2026-12)");
    }
    let key: [u8; 32] = rand::random();
    println!("{id}:{}", hex::encode(key));
    Ok(())
}

/// Buyer data fails closed: without CUSTODY_PII_KEYS nothing that seals
/// it starts, unless this is a demo or the insecure opt-in is named.
fn require_pii_keys(config: &Config, demo: bool) -> anyhow::Result<()> {
    if config.pii_keys_configured {
        return Ok(());
    }
    if demo || config.insecure_ephemeral_pii_key {
        tracing::warn!(
            "INSECURE: CUSTODY_PII_KEYS is not set; buyer data is sealed with a key for this process \
             only, and labels of its orders cannot be printed after a restart"
        );
        eprintln!(
            "WARNING: buyer data is sealed with a key that dies with this process (no CUSTODY_PII_KEYS)"
        );
        return Ok(());
    }
    anyhow::bail!(
        "CUSTODY_PII_KEYS is not set: refusing to take buyers' personal data without a key to seal it. \
         Make one with `custody admin pii-new-key --id k1` and set CUSTODY_PII_KEYS=<its output>; for a \
         throwaway instance use `serve --demo` or CUSTODY_INSECURE_EPHEMERAL_PII_KEY=true"
    )
}

fn serve(mut config: Config, demo: bool) -> anyhow::Result<()> {
    require_pii_keys(&config, demo)?;
    if demo && config.customs.is_none() {
        // A demo makes customs lists under codes that are nobody's.
        config.customs = Some(crate::manifests::customs::CustomsCodes::demo());
    }
    tracing::info!(config = ?config, "starting");
    // SQLite is one instance: a second `serve` (or a `relay`) with the
    // relay on the same file is refused before it touches anything.
    let _one_relay =
        if config.relay_in_process { db::sqlite_relay_lock(&config.database_url)? } else { None };
    let pool = open(&config)?;
    if demo {
        let mut conn = pool.get()?;
        if crate::demo::is_empty(&mut conn).map_err(|e| anyhow::anyhow!("{e}"))? {
            let creds =
                db::write_tx(&mut conn, |tx| crate::demo::seed(tx, &config.pii_keys)).map_err(cli_error)?;
            println!("{}", creds.print());
        } else {
            eprintln!(
                "demo: the database already has data; not seeding (demo password: {})",
                crate::demo::DEMO_PASSWORD
            );
        }
    }
    let clock = crate::clock::Clock::system();
    spawn_housekeeping(pool.clone(), config.pii_retention_days, clock.clone());
    spawn_backorder_sweep(pool.clone());
    let listener = TcpListener::bind(config.bind)
        .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", config.bind))?;
    let addr = listener.local_addr()?;
    eprintln!("Custody is serving on http://{addr}/ (console at /console, API docs at /api/docs)");
    let (status, relay_handle) = relay::start_in_process(pool.clone(), &config);
    let state = actix_web::web::Data::new(AppState::with_relay(pool, config, status).with_clock(clock));
    let kept = state.clone();
    actix_web::rt::System::new().block_on(async move { http::start(listener, state)?.await })?;
    if let Some(h) = relay_handle {
        h.stop();
    }
    // Intake writers finish and connections close before the process exits.
    if !http::let_go(kept, Duration::from_secs(15)) {
        tracing::warn!("the server's workers still held the application state 15 s after it stopped");
    }
    Ok(())
}

fn stock(cmd: Stock, config: &Config) -> anyhow::Result<()> {
    let pool = open(config)?;
    let mut conn = pool.get()?;
    match cmd {
        Stock::Verify => {
            let check = crate::stock::service::verify(&mut conn)?;
            println!("{} balances, {} movements", check.balances, check.movements);
            for m in &check.mismatches {
                println!("MISMATCH {m}");
            }
            if !check.mismatches.is_empty() {
                anyhow::bail!("{} balance(s) differ from the ledger", check.mismatches.len());
            }
            println!("every balance equals its ledger");
        }
        Stock::ExpireOrders => {
            let now = crate::clock::Clock::system().now();
            let n = db::write_tx(&mut conn, |tx| crate::inbound::stock_orders::expire_overdue(tx, now))?;
            println!("{n} stock-up order(s) timed out");
        }
    }
    Ok(())
}

/// Every two seconds: fills orders waiting for stock that became available
/// and was not dealt with right after its movement (a crash in between, a
/// path that does not fill them itself). Several instances may sweep at
/// once: allocating an order is done under its lock, once.
fn spawn_backorder_sweep(pool: Pool) {
    std::thread::Builder::new()
        .name("backorders".into())
        .spawn(move || {
            loop {
                std::thread::sleep(Duration::from_secs(2));
                let Ok(mut conn) = pool.get() else { continue };
                match crate::outbound::orders::fill_backorders(&mut conn) {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(orders = n, "backorders filled by the sweep"),
                    Err(e) => tracing::warn!(error = %e, "filling backorders failed"),
                }
            }
        })
        .expect("spawn backorder sweep thread");
}

/// Every minute: times out stock-up orders not accepted by their deliver-by
/// time, erases buyer data past its retention, marks parcels silent past
/// their channel's days as suspected lost; every ten: drops expired sessions and idempotency records. On its
/// own thread so it never touches the HTTP workers.
fn spawn_housekeeping(pool: Pool, pii_retention_days: i64, clock: crate::clock::Clock) {
    std::thread::Builder::new()
        .name("housekeeping".into())
        .spawn(move || {
            for tick in 1u64.. {
                std::thread::sleep(Duration::from_secs(60));
                if let Ok(mut conn) = pool.get() {
                    let now = clock.now();
                    let expire = |tx: &mut db::DbConn| crate::inbound::stock_orders::expire_overdue(tx, now);
                    match db::write_tx(&mut conn, expire) {
                        Ok(0) => {}
                        Ok(n) => tracing::info!(stock_orders = n, "stock-up orders timed out"),
                        Err(e) => tracing::warn!(error = %e, "timing out stock-up orders failed"),
                    }
                    let erase = |tx: &mut db::DbConn| {
                        crate::outbound::orders::erase_expired_buyers(tx, pii_retention_days, now)
                    };
                    match db::write_tx(&mut conn, erase) {
                        Ok(0) => {}
                        Ok(n) => tracing::info!(orders = n, "buyer data erased after the retention period"),
                        Err(e) => tracing::warn!(error = %e, "erasing buyer data failed"),
                    }
                    let sweep = |tx: &mut db::DbConn| crate::tracking::service::sweep_lost(tx, now);
                    match db::write_tx(&mut conn, sweep) {
                        Ok(0) => {}
                        Ok(n) => tracing::info!(parcels = n, "parcels suspected lost (no carrier milestone)"),
                        Err(e) => tracing::warn!(error = %e, "the lost-parcel sweep failed"),
                    }
                }
                if tick % 10 != 0 {
                    continue;
                }
                if let Ok(mut conn) = pool.get() {
                    let now = crate::db::types::Timestamp::now();
                    let r = db::write_tx(&mut conn, |tx| {
                        let s = crate::auth::service::delete_expired_sessions(tx, now)?;
                        let i = crate::http::idempotency::purge_expired(tx)?;
                        Ok::<_, diesel::result::Error>((s, i))
                    });
                    match r {
                        Ok((s, i)) => tracing::debug!(sessions = s, idempotency = i, "housekeeping"),
                        Err(e) => tracing::warn!(error = %e, "housekeeping failed"),
                    }
                }
            }
        })
        .expect("spawn housekeeping thread");
}
