//! `custody-bench`: Custody's benchmarks, a binary of their own beside the
//! `custody` server (built with `--features bench`; the server never
//! carries their code or their HTTP client). Each prints figures and
//! asserts nothing; each measures a reference in the same run (pgbench, a
//! raw lapin publisher) so that the ratio means something on a noisy
//! machine. Figures and the commands that produced them: docs/BENCHMARKS.md.
//!
//! - `orders`: order intake over HTTP (single orders and batches) next to
//!   pgbench, and pick/pack scan latency under intake load (scratch
//!   database: `CUSTODY_DATABASE_URL`).
//! - `flow`: the full flow intake → wave → pick → pack → weigh → label over
//!   HTTP, next to pgbench (a fresh database of its own).
//! - `tracking`: carriers' milestones in batches of 1,000 for a million
//!   parcels next to pgbench, and sort-scan latency while tracking
//!   ingestion and order intake run (a fresh database of its own).
//! - `relay`: the event relay next to a raw lapin publisher, and the lag
//!   (scratch database: `CUSTODY_DATABASE_URL`; `CUSTODY_AMQP_URL`).
//!
//! They start the real server in this process (`server::Server`), on
//! 127.0.0.1 and a random port, and drive it from outside with reqwest.

mod client;
mod flow;
mod orders;
mod pgbench;
mod relay;
mod server;
mod stats;
mod tracking;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use custody::config::Config;
use custody::db::{self, Pool};

#[derive(Parser)]
#[command(name = "custody-bench", version, about = "Custody's benchmarks (run them on scratch databases)")]
struct Cli {
    /// File of CUSTODY_*=value lines, read before the environment.
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Order intake and allocation over HTTP (single orders, batches), pick
    /// and pack scan latency under load, next to pgbench on the same server
    /// (a scratch database: CUSTODY_DATABASE_URL).
    Orders(orders::Args),
    /// The full flow over HTTP, intake → wave → pick → pack → weigh →
    /// label, next to pgbench on the same server (a fresh database of its
    /// own: PostgreSQL with --database-url, SQLite otherwise).
    Flow(flow::Args),
    /// Relay throughput next to a raw lapin publisher, and end-to-end lag
    /// (a scratch database: CUSTODY_DATABASE_URL; CUSTODY_AMQP_URL).
    Relay(relay::Args),
    /// Carriers' milestones in batches for a million handed-over parcels,
    /// next to pgbench; sort-scan latency while tracking and intake run (a
    /// fresh database of its own, as `flow`).
    Tracking(tracking::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match Config::from_env(cli.config.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("configuration error: {e}");
            return ExitCode::from(2);
        }
    };
    custody::telemetry::init(config.log_format, &config.log_filter);
    db::docno::set_timezone(config.timezone);
    let outcome = match cli.command {
        Command::Orders(args) => open(&config).and_then(|pool| orders::run(&config, pool, args)),
        Command::Flow(args) => flow::run(config, args),
        Command::Relay(args) => open(&config).and_then(|pool| relay::run(&config, pool, args)),
        Command::Tracking(args) => tracking::run(config, args),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// The pool of `config`'s database, migrated.
fn open(config: &Config) -> anyhow::Result<Pool> {
    let pool = db::connect(&config.database_url, config.db_pool_size)?;
    db::migrate::run_pending(&mut *pool.get()?).map_err(|e| anyhow::anyhow!("migration failed: {e}"))?;
    Ok(pool)
}

/// A library error as the benchmark reports it.
fn app_error(e: custody::error::AppError) -> anyhow::Error {
    match e {
        custody::error::AppError::Internal(cause) => cause.context("internal error"),
        other => anyhow::anyhow!("{}", other.public_detail()),
    }
}
