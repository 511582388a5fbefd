//! Typed configuration from `CUSTODY_*` environment variables, optionally
//! read first from a file of `KEY=VALUE` lines (`CUSTODY_CONFIG` or
//! `--config`); the environment wins over the file. Every setting, its
//! default and its meaning are listed in [`SETTINGS`] and in the README.

use std::collections::HashMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Pretty,
    Json,
}

/// A secret-free view of the service's settings. `Debug` masks the URLs'
/// passwords so that the configuration can be logged at start-up.
#[derive(Clone)]
pub struct Config {
    pub bind: SocketAddr,
    pub database_url: String,
    pub amqp_url: Option<String>,
    pub log_format: LogFormat,
    pub log_filter: String,
    pub db_pool_size: u32,
    pub workers: usize,
    pub max_body_bytes: usize,
    pub cookie_secure: bool,
    pub session_ttl_hours: i64,
    pub login_max_failures: u32,
    pub login_max_failures_per_address: u32,
    /// `CUSTODY_TRUSTED_PROXIES`: whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<Network>,
    pub login_lockout_secs: u64,
    pub warehouse_code: String,
    pub amqp_exchange: String,
    pub relay_in_process: bool,
    /// `CUSTODY_RELAY_BIND`: where `custody relay` serves its `/healthz`,
    /// `/readyz` and `/metrics` (none: no port).
    pub relay_bind: Option<SocketAddr>,
    pub relay_batch_size: i64,
    pub events_retention_hours: i64,
    pub event_max_bytes: usize,
    /// How QC lots are planned (AQL for major defects, inspection level).
    pub qc: crate::inbound::qc::QcSettings,
    /// Keys that seal buyers' personal data (first seals, all open).
    pub pii_keys: crate::outbound::pii::Keys,
    /// Whether `pii_keys` came from the configuration (else a key for this
    /// process only).
    pub pii_keys_configured: bool,
    /// `CUSTODY_INSECURE_EPHEMERAL_PII_KEY`: serve without
    /// `CUSTODY_PII_KEYS`, sealing buyer data with a key that dies with the
    /// process (throwaway instances only; `serve --demo` implies it).
    pub insecure_ephemeral_pii_key: bool,
    pub pii_retention_days: i64,
    /// `CUSTODY_RETURN_GRADING_HOURS`: hours after a return parcel arrives
    /// within which its units are to be graded (later: on the overdue list).
    pub return_grading_hours: i64,
    /// Orders that may wait for the intake writers before requests get
    /// `503 overloaded`.
    pub intake_max_waiting_orders: usize,
    /// How long an order request may wait for a writer (ms).
    pub intake_max_wait_ms: u64,
    /// How far a parcel's weight may be from the expected weight, in
    /// percent of the expected weight (never less than 10 g).
    pub pack_weight_tolerance_pct: u32,
    /// The warehouse's time zone: the console shows and reads times in it
    /// (storage stays UTC).
    pub timezone: chrono_tz::Tz,
    /// The warehouse's customs registrations for 9610 declaration lists
    /// (`CUSTODY_CUSTOMS_*`, all or none); none: no list is made.
    pub customs: Option<crate::manifests::customs::CustomsCodes>,
}

/// (name, default, meaning): the one table of settings.
pub const SETTINGS: &[(&str, &str, &str)] = &[
    ("CUSTODY_CONFIG", "(none)", "Optional file of KEY=VALUE lines read before the environment."),
    ("CUSTODY_BIND", "127.0.0.1:8080", "Address the HTTP server listens on."),
    (
        "CUSTODY_DATABASE_URL",
        "sqlite://data/custody.db",
        "sqlite://<path> (file created on first start) or postgres://user@host/db.",
    ),
    (
        "CUSTODY_AMQP_URL",
        "(none)",
        "RabbitMQ URL for publishing events; none means events only accumulate (events issue).",
    ),
    ("CUSTODY_LOG_FORMAT", "pretty", "pretty (human) or json (one object per line)."),
    ("CUSTODY_LOG", "info", "Log filter in tracing's EnvFilter syntax, e.g. info,custody=debug."),
    ("CUSTODY_DB_POOL_SIZE", "10", "Maximum database connections in the pool."),
    ("CUSTODY_WORKERS", "(number of cores)", "HTTP worker threads."),
    ("CUSTODY_MAX_BODY_BYTES", "1048576", "Largest accepted JSON body; bigger bodies get 413."),
    (
        "CUSTODY_COOKIE_SECURE",
        "true",
        "Mark console cookies Secure (set false only for plain-HTTP testing off localhost).",
    ),
    ("CUSTODY_SESSION_TTL_HOURS", "12", "Console session lifetime."),
    (
        "CUSTODY_LOGIN_MAX_FAILURES",
        "5",
        "Failed logins of one username (from any address) before it is locked out.",
    ),
    (
        "CUSTODY_PACK_WEIGHT_TOLERANCE_PCT",
        "5",
        "How far (percent of the expected weight, never less than 10 g) a parcel may weigh from its \
         expected weight (units' measured weights + carton tare) before it is held for a supervisor. \
         1 to 50.",
    ),
    (
        "CUSTODY_RETURN_GRADING_HOURS",
        "48",
        "Hours after a return parcel arrives within which its units are graded; later it is on the \
         overdue list (`GET /api/v1/returns?overdue=true`).",
    ),
    (
        "CUSTODY_TRUSTED_PROXIES",
        "(none)",
        "Comma-separated addresses or networks (10.0.0.0/8) of the load balancers in front: for a \
         connection from one of them, the client's address (login throttling) is the last \
         X-Forwarded-For entry not theirs.",
    ),
    (
        "CUSTODY_LOGIN_MAX_FAILURES_PER_ADDRESS",
        "20",
        "Failed logins from one address (across usernames) before it is locked out.",
    ),
    (
        "CUSTODY_LOGIN_LOCKOUT_SECS",
        "900",
        "Length of a login lockout and of the window failures are counted in.",
    ),
    (
        "CUSTODY_WAREHOUSE_CODE",
        "CAN1",
        "Code of this warehouse, printed on labels and used as the event source.",
    ),
    (
        "CUSTODY_AMQP_EXCHANGE",
        "custody.events",
        "Durable topic exchange events are published to (its alternate exchange is <name>.unrouted).",
    ),
    (
        "CUSTODY_RELAY",
        "true",
        "Run the event relay inside `custody serve` (false when a separate `custody relay` runs).",
    ),
    (
        "CUSTODY_RELAY_BIND",
        "(none)",
        "Address where `custody relay` serves /healthz, /readyz and /metrics (e.g. 0.0.0.0:9465); \
         none: the relay alone opens no port. `serve` ignores it.",
    ),
    (
        "CUSTODY_RELAY_BATCH",
        "1500",
        "Most events sent and not yet marked published (sent in thirds, pipelined); also the most a crash re-sends.",
    ),
    ("CUSTODY_EVENTS_RETENTION_HOURS", "168", "How long published events stay in the outbox and the feed."),
    (
        "CUSTODY_EVENT_MAX_BYTES",
        "1048576",
        "Largest event payload the relay publishes; larger ones are parked.",
    ),
    (
        "CUSTODY_QC_AQL",
        "2.5",
        "AQL (ISO 2859-1) for major defects at quality inspection; critical defects always use 0.",
    ),
    ("CUSTODY_QC_LEVEL", "II", "General inspection level for sampling: I, II or III (or S-1 to S-4)."),
    (
        "CUSTODY_PII_KEYS",
        "(required)",
        "Keys sealing buyer data, id:64-hex pairs, comma-separated; the first seals, all open (rotation). \
         `serve` and `demo-data` refuse to start without it (make one with `custody admin pii-new-key`).",
    ),
    (
        "CUSTODY_INSECURE_EPHEMERAL_PII_KEY",
        "false",
        "true: run without CUSTODY_PII_KEYS, sealing buyer data with a key that dies with the process \
         (its orders' labels cannot be printed after a restart). Throwaway instances only; \
         `serve --demo` implies it.",
    ),
    (
        "CUSTODY_PII_RETENTION_DAYS",
        "30",
        "Days after cancellation, or after delivery, before an order's buyer data is erased.",
    ),
    (
        "CUSTODY_INTAKE_MAX_WAITING_ORDERS",
        "5000",
        "Orders that may wait to be written; beyond, order requests get 503 `overloaded` with Retry-After (memory stays bounded).",
    ),
    (
        "CUSTODY_INTAKE_MAX_WAIT_MS",
        "5000",
        "How long an order request may wait to be written before it is answered 503 `overloaded`, unwritten.",
    ),
    (
        "CUSTODY_TIMEZONE",
        "Asia/Shanghai",
        "The warehouse's time zone (IANA name): the console shows and reads every time in it; storage stays UTC.",
    ),
    (
        "CUSTODY_CUSTOMS_PORT_CODE",
        "(none)",
        "Customs district / port of export (customsCode, portCode) on 9610 declaration lists. The six \
         CUSTODY_CUSTOMS_* codes are set together or not at all; without them no list is made \
         (`serve --demo` uses demo codes).",
    ),
    ("CUSTODY_CUSTOMS_WAREHOUSE_CODE", "(none)", "The supervised warehouse's customs code (loctNo)."),
    ("CUSTODY_CUSTOMS_PLATFORM_CODE", "(none)", "The platform's customs code (ebpCode)."),
    (
        "CUSTODY_CUSTOMS_ECOMMERCE_CODE",
        "(none)",
        "The e-commerce company's customs code (ebcCode, ownerCode).",
    ),
    (
        "CUSTODY_CUSTOMS_LOGISTICS_CODE",
        "(none)",
        "The logistics company's customs code (logisticsCode) for channels that name no carrier code.",
    ),
    (
        "CUSTODY_CUSTOMS_BROKER_CODE",
        "(none)",
        "The customs broker's code (agentCode) that declares the lists.",
    ),
];

#[derive(Debug)]
pub struct ConfigError(pub String);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for ConfigError {}

/// Whether `key` is one of the variables Kubernetes puts into every pod for
/// each Service in its namespace (a Service `custody` gives
/// `CUSTODY_SERVICE_HOST`, `CUSTODY_SERVICE_PORT[_<NAME>]`,
/// `CUSTODY_PORT=tcp://…`, `CUSTODY_PORT_8080_TCP[_PROTO|_PORT|_ADDR]`).
/// They are not settings, and refusing them would keep the service from
/// starting in a namespace that has such a Service; no setting of ours has
/// these shapes.
pub fn is_kubernetes_service_link(key: &str, value: &str) -> bool {
    if key.ends_with("_SERVICE_HOST") || key.ends_with("_SERVICE_PORT") || key.contains("_SERVICE_PORT_") {
        return true;
    }
    let url = ["tcp://", "udp://", "sctp://"].iter().any(|p| value.starts_with(p));
    if key.ends_with("_PORT") && url {
        return true;
    }
    // `<PREFIX>_PORT_<number>_<PROTOCOL>` and its `_PROTO`, `_PORT`, `_ADDR`.
    let parts: Vec<&str> = key.split('_').collect();
    parts.windows(3).enumerate().any(|(i, w)| {
        w[0] == "PORT"
            && !w[1].is_empty()
            && w[1].bytes().all(|b| b.is_ascii_digit())
            && matches!(w[2], "TCP" | "UDP" | "SCTP")
            && match &parts[i + 3..] {
                [] => true,
                [last] => matches!(*last, "PROTO" | "PORT" | "ADDR"),
                _ => false,
            }
    })
}

/// An IP address or a network (`10.0.0.0/8`, `fd00::/8`): the load
/// balancers of `CUSTODY_TRUSTED_PROXIES`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Network {
    addr: std::net::IpAddr,
    prefix: u8,
}

impl Network {
    pub fn contains(&self, ip: std::net::IpAddr) -> bool {
        use std::net::IpAddr;
        let (net, ip, bits) = match (self.addr, ip) {
            (IpAddr::V4(n), IpAddr::V4(i)) => (u128::from(n.to_bits()), u128::from(i.to_bits()), 32),
            (IpAddr::V6(n), IpAddr::V6(i)) => (n.to_bits(), i.to_bits(), 128),
            _ => return false,
        };
        let shift = bits - u32::from(self.prefix);
        shift >= 128 || (net >> shift) == (ip >> shift)
    }
}

impl std::str::FromStr for Network {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => {
                (a.parse::<std::net::IpAddr>().map_err(drop)?, Some(p.parse::<u8>().map_err(drop)?))
            }
            None => (s.parse().map_err(drop)?, None),
        };
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = prefix.unwrap_or(max);
        if prefix > max {
            return Err(());
        }
        Ok(Self { addr, prefix })
    }
}

impl Config {
    /// Reads the process environment (and the file it may name).
    pub fn from_env(file: Option<&Path>) -> Result<Self, ConfigError> {
        let env: HashMap<String, String> =
            std::env::vars().filter(|(k, _)| k.starts_with("CUSTODY_")).collect();
        let file = file.map(Path::to_path_buf).or_else(|| env.get("CUSTODY_CONFIG").map(Into::into));
        let mut values = HashMap::new();
        if let Some(path) = file {
            let text = std::fs::read_to_string(&path)
                .map_err(|e| ConfigError(format!("cannot read config file {}: {e}", path.display())))?;
            values = parse_file(&text)?;
        }
        values.extend(env);
        Self::from_map(&values)
    }

    pub fn from_map(values: &HashMap<String, String>) -> Result<Self, ConfigError> {
        // A misspelt setting would silently fall back to its default: refuse
        // it. CUSTODY_TEST_* belong to the test suite.
        for (key, value) in values.iter().filter(|(k, _)| !k.starts_with("CUSTODY_TEST_")) {
            if is_kubernetes_service_link(key, value) {
                continue;
            }
            if !SETTINGS.iter().any(|(name, _, _)| name == key) {
                return Err(ConfigError(format!("unknown setting {key}")));
            }
        }
        let get = |k: &str| values.get(k).map(|s| s.trim()).filter(|s| !s.is_empty());
        fn parsed<T: std::str::FromStr>(k: &str, v: Option<&str>, default: T) -> Result<T, ConfigError> {
            match v {
                None => Ok(default),
                Some(v) => v.parse().map_err(|_| ConfigError(format!("{k}: cannot parse `{v}`"))),
            }
        }
        let log_format = match get("CUSTODY_LOG_FORMAT").unwrap_or("pretty") {
            "pretty" => LogFormat::Pretty,
            "json" => LogFormat::Json,
            other => {
                return Err(ConfigError(format!("CUSTODY_LOG_FORMAT: `{other}` is neither pretty nor json")));
            }
        };
        let database_url = get("CUSTODY_DATABASE_URL").unwrap_or("sqlite://data/custody.db").to_owned();
        crate::db::DatabaseUrl::parse(&database_url)
            .map_err(|e| ConfigError(format!("CUSTODY_DATABASE_URL: {e}")))?;
        let cfg = Config {
            bind: parsed("CUSTODY_BIND", get("CUSTODY_BIND"), "127.0.0.1:8080".parse().expect("valid"))?,
            database_url,
            amqp_url: get("CUSTODY_AMQP_URL").map(str::to_owned),
            log_format,
            log_filter: get("CUSTODY_LOG").unwrap_or("info").to_owned(),
            db_pool_size: parsed("CUSTODY_DB_POOL_SIZE", get("CUSTODY_DB_POOL_SIZE"), 10)?,
            workers: parsed(
                "CUSTODY_WORKERS",
                get("CUSTODY_WORKERS"),
                std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2),
            )?,
            max_body_bytes: parsed("CUSTODY_MAX_BODY_BYTES", get("CUSTODY_MAX_BODY_BYTES"), 1 << 20)?,
            cookie_secure: parsed("CUSTODY_COOKIE_SECURE", get("CUSTODY_COOKIE_SECURE"), true)?,
            session_ttl_hours: parsed("CUSTODY_SESSION_TTL_HOURS", get("CUSTODY_SESSION_TTL_HOURS"), 12)?,
            login_max_failures: parsed("CUSTODY_LOGIN_MAX_FAILURES", get("CUSTODY_LOGIN_MAX_FAILURES"), 5)?,
            trusted_proxies: get("CUSTODY_TRUSTED_PROXIES")
                .unwrap_or_default()
                .split(',')
                .map(str::trim)
                .filter(|a| !a.is_empty())
                .map(|a| {
                    a.parse().map_err(|_| {
                        ConfigError(format!(
                            "CUSTODY_TRUSTED_PROXIES: `{a}` is neither an IP address nor a network (10.0.0.0/8)"
                        ))
                    })
                })
                .collect::<Result<_, _>>()?,
            login_max_failures_per_address: parsed(
                "CUSTODY_LOGIN_MAX_FAILURES_PER_ADDRESS",
                get("CUSTODY_LOGIN_MAX_FAILURES_PER_ADDRESS"),
                20,
            )?,
            login_lockout_secs: parsed("CUSTODY_LOGIN_LOCKOUT_SECS", get("CUSTODY_LOGIN_LOCKOUT_SECS"), 900)?,
            warehouse_code: get("CUSTODY_WAREHOUSE_CODE").unwrap_or("CAN1").to_owned(),
            amqp_exchange: get("CUSTODY_AMQP_EXCHANGE").unwrap_or("custody.events").to_owned(),
            relay_in_process: parsed("CUSTODY_RELAY", get("CUSTODY_RELAY"), true)?,
            relay_bind: get("CUSTODY_RELAY_BIND")
                .map(|v| {
                    v.parse()
                        .map_err(|_| ConfigError(format!("CUSTODY_RELAY_BIND: cannot parse `{v}` (ip:port, e.g. 0.0.0.0:9465)")))
                })
                .transpose()?,
            relay_batch_size: parsed("CUSTODY_RELAY_BATCH", get("CUSTODY_RELAY_BATCH"), 1500)?,
            events_retention_hours: parsed(
                "CUSTODY_EVENTS_RETENTION_HOURS",
                get("CUSTODY_EVENTS_RETENTION_HOURS"),
                168,
            )?,
            event_max_bytes: parsed("CUSTODY_EVENT_MAX_BYTES", get("CUSTODY_EVENT_MAX_BYTES"), 1 << 20)?,
            qc: crate::inbound::qc::QcSettings {
                aql: parsed(
                    "CUSTODY_QC_AQL",
                    get("CUSTODY_QC_AQL"),
                    crate::inbound::qc::QcSettings::default().aql,
                )?,
                level: parsed("CUSTODY_QC_LEVEL", get("CUSTODY_QC_LEVEL"), Default::default())?,
            },
            pii_keys: match get("CUSTODY_PII_KEYS") {
                Some(v) => v.parse().map_err(|e| ConfigError(format!("CUSTODY_PII_KEYS: {e}")))?,
                None => crate::outbound::pii::Keys::ephemeral(),
            },
            pii_keys_configured: get("CUSTODY_PII_KEYS").is_some(),
            insecure_ephemeral_pii_key: parsed(
                "CUSTODY_INSECURE_EPHEMERAL_PII_KEY",
                get("CUSTODY_INSECURE_EPHEMERAL_PII_KEY"),
                false,
            )?,
            pii_retention_days: parsed("CUSTODY_PII_RETENTION_DAYS", get("CUSTODY_PII_RETENTION_DAYS"), 30)?,
            return_grading_hours: parsed(
                "CUSTODY_RETURN_GRADING_HOURS",
                get("CUSTODY_RETURN_GRADING_HOURS"),
                48,
            )?,
            intake_max_waiting_orders: parsed(
                "CUSTODY_INTAKE_MAX_WAITING_ORDERS",
                get("CUSTODY_INTAKE_MAX_WAITING_ORDERS"),
                5000,
            )?,
            intake_max_wait_ms: parsed(
                "CUSTODY_INTAKE_MAX_WAIT_MS",
                get("CUSTODY_INTAKE_MAX_WAIT_MS"),
                5000,
            )?,
            pack_weight_tolerance_pct: parsed(
                "CUSTODY_PACK_WEIGHT_TOLERANCE_PCT",
                get("CUSTODY_PACK_WEIGHT_TOLERANCE_PCT"),
                5,
            )?,
            timezone: match get("CUSTODY_TIMEZONE") {
                None => chrono_tz::Asia::Shanghai,
                Some(v) => v.parse().map_err(|_| {
                    ConfigError(format!(
                        "CUSTODY_TIMEZONE: `{v}` is not an IANA time zone (e.g. Asia/Shanghai)"
                    ))
                })?,
            },
            customs: crate::manifests::customs::CustomsCodes::from_settings(
                crate::manifests::customs::CustomsCodes::SETTINGS.map(get),
            )
            .map_err(ConfigError)?,
        };
        if !(1..=50).contains(&cfg.pack_weight_tolerance_pct) {
            return Err(ConfigError("CUSTODY_PACK_WEIGHT_TOLERANCE_PCT must be 1 to 50".into()));
        }
        if !(1..=10_000).contains(&cfg.relay_batch_size) {
            return Err(ConfigError("CUSTODY_RELAY_BATCH must be 1 to 10000".into()));
        }
        if cfg.db_pool_size == 0 || cfg.workers == 0 {
            return Err(ConfigError("pool size and workers must be at least 1".into()));
        }
        Ok(cfg)
    }
}

fn parse_file(text: &str) -> Result<HashMap<String, String>, ConfigError> {
    let mut out = HashMap::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (k, v) = line
            .split_once('=')
            .ok_or_else(|| ConfigError(format!("config file line {}: expected KEY=VALUE", n + 1)))?;
        let v = v.trim().trim_matches('"');
        out.insert(k.trim().to_owned(), v.to_owned());
    }
    Ok(out)
}

/// Hides the password of a URL (`postgres://u:secret@h` -> `postgres://u:***@h`).
pub fn redact_url(url: &str) -> String {
    if let Some((scheme, rest)) = url.split_once("://")
        && let Some((creds, host)) = rest.split_once('@')
        && let Some((user, _)) = creds.split_once(':')
    {
        return format!("{scheme}://{user}:***@{host}");
    }
    url.to_owned()
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("bind", &self.bind)
            .field("relay_bind", &self.relay_bind)
            .field("database_url", &redact_url(&self.database_url))
            .field("amqp_url", &self.amqp_url.as_deref().map(redact_url))
            .field("log_format", &self.log_format)
            .field("db_pool_size", &self.db_pool_size)
            .field("workers", &self.workers)
            .field("warehouse_code", &self.warehouse_code)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn defaults_apply_when_nothing_is_set() {
        let c = Config::from_map(&HashMap::new()).unwrap();
        assert_eq!(c.bind.to_string(), "127.0.0.1:8080");
        assert_eq!(c.database_url, "sqlite://data/custody.db");
        assert!(c.amqp_url.is_none());
        assert_eq!(c.log_format, LogFormat::Pretty);
        assert_eq!(c.relay_bind, None, "the relay alone opens no port unless asked");
    }

    #[test]
    fn the_relays_port_is_an_address_or_refused() {
        let c = Config::from_map(&map(&[("CUSTODY_RELAY_BIND", "0.0.0.0:9465")])).unwrap();
        assert_eq!(c.relay_bind.map(|a| a.port()), Some(9465));
        let e = Config::from_map(&map(&[("CUSTODY_RELAY_BIND", "9465")])).unwrap_err();
        assert!(e.0.contains("CUSTODY_RELAY_BIND") && e.0.contains("ip:port"), "{e}");
    }

    #[test]
    fn bad_values_and_unknown_settings_are_refused_with_their_name() {
        let e = Config::from_map(&map(&[("CUSTODY_BIND", "nowhere")])).unwrap_err();
        assert!(e.0.contains("CUSTODY_BIND"), "{e}");
        let e = Config::from_map(&map(&[("CUSTODY_DATABSE_URL", "x")])).unwrap_err();
        assert!(e.0.contains("unknown setting CUSTODY_DATABSE_URL"), "{e}");
        let e = Config::from_map(&map(&[("CUSTODY_DATABASE_URL", "mysql://x")])).unwrap_err();
        assert!(e.0.contains("unsupported database URL scheme"), "{e}");
    }

    #[test]
    fn the_warehouse_time_zone_is_a_named_zone() {
        assert_eq!(Config::from_map(&HashMap::new()).unwrap().timezone, chrono_tz::Asia::Shanghai);
        let c = Config::from_map(&map(&[("CUSTODY_TIMEZONE", "Europe/Berlin")])).unwrap();
        assert_eq!(c.timezone, chrono_tz::Europe::Berlin);
        let e = Config::from_map(&map(&[("CUSTODY_TIMEZONE", "Mars/Olympus")])).unwrap_err();
        assert!(e.0.contains("CUSTODY_TIMEZONE"), "{e}");
    }

    #[test]
    fn customs_codes_are_all_set_or_none_and_have_no_default() {
        assert!(Config::from_map(&HashMap::new()).unwrap().customs.is_none());
        let e = Config::from_map(&map(&[("CUSTODY_CUSTOMS_PORT_CODE", "5141")])).unwrap_err();
        assert!(e.0.contains("CUSTODY_CUSTOMS_WAREHOUSE_CODE is missing"), "{e}");
    }

    #[test]
    fn file_lines_are_read_and_comments_skipped() {
        let m = parse_file("# c\nCUSTODY_BIND = 0.0.0.0:9000\n\nCUSTODY_LOG_FORMAT=\"json\"\n").unwrap();
        let c = Config::from_map(&m).unwrap();
        assert_eq!(c.bind.port(), 9000);
        assert_eq!(c.log_format, LogFormat::Json);
        assert!(parse_file("nonsense").is_err());
    }

    #[test]
    fn every_setting_read_is_a_known_one() {
        // A setting read but missing from SETTINGS would stop the start-up
        // of whoever sets it ("unknown setting").
        let source = include_str!("config.rs");
        let read: Vec<&str> = source
            .split("get(\"")
            .skip(1)
            .filter_map(|rest| rest.split('"').next())
            .filter(|name| name.starts_with("CUSTODY_"))
            .collect();
        assert!(read.len() > 20, "the settings read were found: {read:?}");
        for name in read {
            assert!(SETTINGS.iter().any(|(n, _, _)| *n == name), "{name} is read but not a known setting");
        }
    }

    #[test]
    fn the_readme_lists_every_setting() {
        let readme = include_str!("../README.md");
        for (name, default, _) in SETTINGS {
            assert!(readme.contains(&format!("| `{name}` | `{default}` |")), "README lacks {name}");
        }
    }

    #[test]
    fn debug_output_hides_passwords() {
        let c =
            Config::from_map(&map(&[("CUSTODY_DATABASE_URL", "postgres://app:hunter2@db/custody")])).unwrap();
        let s = format!("{c:?}");
        assert!(!s.contains("hunter2"), "{s}");
    }

    #[test]
    fn kubernetes_service_links_are_not_settings_and_do_not_stop_the_start() {
        let links = [
            ("CUSTODY_SERVICE_HOST", "10.96.0.12"),
            ("CUSTODY_SERVICE_PORT", "80"),
            ("CUSTODY_SERVICE_PORT_HTTP", "80"),
            ("CUSTODY_PORT", "tcp://10.96.0.12:80"),
            ("CUSTODY_PORT_80_TCP", "tcp://10.96.0.12:80"),
            ("CUSTODY_PORT_80_TCP_PROTO", "tcp"),
            ("CUSTODY_PORT_80_TCP_PORT", "80"),
            ("CUSTODY_PORT_80_TCP_ADDR", "10.96.0.12"),
            ("CUSTODY_RELAY_PORT", "tcp://10.96.0.13:9000"),
        ];
        for (k, v) in links {
            assert!(is_kubernetes_service_link(k, v), "{k}");
        }
        let mut m: HashMap<String, String> =
            links.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        m.insert("CUSTODY_RELAY".into(), "false".into());
        let c = Config::from_map(&m).expect("service links are ignored");
        assert!(!c.relay_in_process);
        // Our own settings are never taken for links, and a misspelt one is still refused.
        for (k, v) in [
            ("CUSTODY_CUSTOMS_PORT_CODE", "5141"),
            ("CUSTODY_BIND", "0.0.0.0:8080"),
            ("CUSTODY_RELAY", "true"),
        ] {
            assert!(!is_kubernetes_service_link(k, v), "{k}");
        }
        let typo: HashMap<String, String> = [("CUSTODY_PORT_80_TPC".to_string(), "1".to_string())].into();
        assert!(Config::from_map(&typo).is_err());
    }

    #[test]
    fn trusted_proxies_are_addresses_or_networks() {
        let net: Network = "10.0.0.0/8".parse().unwrap();
        assert!(net.contains("10.42.7.1".parse().unwrap()));
        assert!(!net.contains("11.0.0.1".parse().unwrap()));
        assert!(!net.contains("::1".parse().unwrap()));
        let one: Network = "192.0.2.7".parse().unwrap();
        assert!(one.contains("192.0.2.7".parse().unwrap()) && !one.contains("192.0.2.8".parse().unwrap()));
        let v6: Network = "fd00::/8".parse().unwrap();
        assert!(v6.contains("fd12::1".parse().unwrap()));
        let all: Network = "0.0.0.0/0".parse().unwrap();
        assert!(all.contains("203.0.113.1".parse().unwrap()));
        for bad in ["10.0.0.0/33", "ten", "10.0.0.0/x", ""] {
            assert!(bad.parse::<Network>().is_err(), "{bad}");
        }
        assert!(Config::from_map(&map(&[("CUSTODY_TRUSTED_PROXIES", "10.0.0.0/8, 192.0.2.7")])).is_ok());
        assert!(Config::from_map(&map(&[("CUSTODY_TRUSTED_PROXIES", "lb.internal")])).is_err());
    }
}
