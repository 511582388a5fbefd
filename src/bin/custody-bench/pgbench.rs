//! pgbench's TPC-B-like script on the benchmark's PostgreSQL server, in a
//! database of its own beside the benchmark's (`<database>_pgbench`): the
//! reference each HTTP figure is set against.

use std::process::Command;
use std::time::Instant;

use diesel::prelude::*;

pub struct Pgbench {
    bin: String,
    url: String,
    name: String,
    clients: usize,
    scale: u32,
}

pub struct PgbenchRun {
    pub tps: f64,
    pub latency_ms: f64,
}

impl Pgbench {
    /// Finds pgbench, creates `<database>_pgbench` beside the database of
    /// `url` if it is missing and initialises it (TPC-B-like tables at
    /// `scale`); runs will use `clients` clients.
    pub fn prepare(url: &str, clients: usize, scale: u32) -> anyhow::Result<Self> {
        let bin = find_pgbench();
        let (pg_url, name) = sibling_database(url, "_pgbench")?;
        let mut c = PgConnection::establish(url)?;
        if !database_exists(&mut c, &name)? {
            diesel::sql_query(format!("CREATE DATABASE {}", quoted(&name))).execute(&mut c)?;
        }
        let t = Instant::now();
        let init = Command::new(&bin)
            .args(["-i", "-q", "-s", &scale.to_string(), &pg_url])
            .output()
            .map_err(|e| anyhow::anyhow!("cannot run {bin}: {e}"))?;
        anyhow::ensure!(
            init.status.success(),
            "pgbench -i failed: {}",
            String::from_utf8_lossy(&init.stderr).trim()
        );
        println!(
            "pgbench: database {name} initialised at scale {scale} in {:.1} s ({bin})",
            t.elapsed().as_secs_f64()
        );
        Ok(Self { bin, url: pg_url, name, clients, scale })
    }

    /// The name of pgbench's database.
    pub fn database(&self) -> &str {
        &self.name
    }

    /// Runs the TPC-B-like script for `seconds`.
    pub fn run(&self, seconds: u64) -> anyhow::Result<PgbenchRun> {
        let out = Command::new(&self.bin)
            .args(["-c", &self.clients.to_string(), "-j", "2", "-T", &seconds.to_string(), &self.url])
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
            run.tps, run.latency_ms, self.clients, self.scale, seconds
        );
        Ok(run)
    }
}

/// Whether the server of `c` has a database of that name.
pub fn database_exists(c: &mut PgConnection, name: &str) -> anyhow::Result<bool> {
    #[derive(QueryableByName)]
    struct Found {
        #[diesel(sql_type = diesel::sql_types::Integer)]
        #[allow(dead_code)]
        one: i32,
    }
    let found: Option<Found> = diesel::sql_query("SELECT 1 AS one FROM pg_database WHERE datname = $1")
        .bind::<diesel::sql_types::Text, _>(name)
        .get_result(c)
        .optional()?;
    Ok(found.is_some())
}

/// A database name as an SQL identifier.
pub fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
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
pub fn sibling_database(url: &str, suffix: &str) -> anyhow::Result<(String, String)> {
    let name = format!("{}{suffix}", database_name(url)?);
    Ok((with_database(url, &name)?, name))
}

/// The database `url` names.
pub fn database_name(url: &str) -> anyhow::Result<&str> {
    let (_, db, _) = split_url(url)?;
    anyhow::ensure!(!db.is_empty(), "the database URL names no database");
    Ok(db)
}

/// `url` with its database replaced by `name` (its query kept).
pub fn with_database(url: &str, name: &str) -> anyhow::Result<String> {
    let (base, _, query) = split_url(url)?;
    Ok(match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    })
}

/// (`scheme://authority`, database, query).
fn split_url(url: &str) -> anyhow::Result<(String, &str, Option<&str>)> {
    let (scheme, rest) = url.split_once("://").ok_or_else(|| anyhow::anyhow!("not a URL: {url}"))?;
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    let (db, query) = path.split_once('?').map_or((path, None), |(d, q)| (d, Some(q)));
    Ok((format!("{scheme}://{authority}"), db, query))
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
        assert_eq!(with_database("postgres://h:5432", "postgres").unwrap(), "postgres://h:5432/postgres");
    }
}
