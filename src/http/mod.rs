//! HTTP plumbing: application state, the server, middleware (request ids,
//! metrics), body limits and error mapping for extractors, idempotency,
//! pagination, health and the OpenAPI document.

pub mod caller;
pub mod edge;
pub mod health;
pub mod idempotency;
pub mod metrics;
pub mod openapi;
pub mod optional_json;
pub mod relay_port;
pub mod request_id;

pub use caller::ApiCaller;

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::middleware::{Compress, from_fn};
use actix_web::{App, HttpRequest, HttpServer, web};

use crate::auth::throttle::LoginThrottle;
use crate::config::Config;
use crate::db::Pool;
use crate::error::AppError;

/// Shared by every request.
pub struct AppState {
    pub pool: Pool,
    pub config: Config,
    pub metrics: Arc<metrics::Metrics>,
    pub login_throttle: LoginThrottle,
    pub backend: &'static str,
    /// The in-process event relay's state and counters (if one runs here).
    pub relay: Arc<crate::events::relay::RelayStatus>,
    /// Order intake (single and batch): requests wait here and are written
    /// in groups by a few writers, at most one pool connection each, so
    /// that a burst of orders never takes the connections the floor's scans
    /// need.
    pub intake: crate::outbound::intake::queue::IntakeQueue,
    /// API keys resolved in the last few seconds.
    pub api_keys: Arc<crate::auth::key_cache::KeyCache>,
    /// "Now" for the business rules (deadlines, retention, cut-offs,
    /// lateness): the system time, moved by tests.
    pub clock: crate::clock::Clock,
    /// Carriers' tracking batches go through one at a time (per instance):
    /// a batch of 1,000 is half a second of work, and several at once took
    /// the CPU and the database from the floor's scans. Waiting here costs
    /// nothing; carriers send again on their own schedule anyway.
    pub tracking_lane: Arc<tokio::sync::Semaphore>,
}

/// Tracking batches written at once per instance (see
/// [`AppState::tracking_lane`]).
pub const TRACKING_BATCHES_AT_ONCE: usize = 1;

/// Pool connections order intake leaves to everything else (scans, console).
pub const CONNECTIONS_KEPT_FROM_INTAKE: u32 = 6;

/// Order intake's writer threads (fewer if the pool leaves fewer
/// connections to intake). Intakes that share a SKU run one after another
/// whatever their number, so more writers only add transactions: with two,
/// one writes under its stock locks while the other prepares its group, and
/// groups grow larger: more orders a second than with four, single or in
/// batches (docs/BENCHMARKS.md).
pub const INTAKE_WRITERS: usize = 2;

impl AppState {
    /// State with no relay running in this process.
    pub fn new(pool: Pool, config: Config) -> Self {
        let relay =
            Arc::new(crate::events::relay::RelayStatus::new(crate::events::relay::BrokerState::NotRunning));
        Self::with_relay(pool, config, relay)
    }

    pub fn with_relay(pool: Pool, config: Config, relay: Arc<crate::events::relay::RelayStatus>) -> Self {
        // Orders waiting for stock are filled as soon as a movement that
        // makes it available commits (stock knows nothing of orders).
        crate::db::on_wake(crate::outbound::orders::fill_backorders_now);
        crate::db::docno::set_timezone(config.timezone);
        let backend = crate::db::DatabaseUrl::parse(&config.database_url)
            .map(|u| u.backend_name())
            .unwrap_or("unknown");
        let intake = crate::outbound::intake::queue::IntakeQueue::start(
            pool.clone(),
            config.pii_keys.clone(),
            (config.db_pool_size.saturating_sub(CONNECTIONS_KEPT_FROM_INTAKE).max(1) as usize)
                .min(INTAKE_WRITERS),
            crate::outbound::intake::queue::Limits {
                max_waiting_orders: config.intake_max_waiting_orders,
                max_wait: Duration::from_millis(config.intake_max_wait_ms),
            },
        );
        Self {
            login_throttle: LoginThrottle::new(
                config.login_max_failures,
                config.login_max_failures_per_address,
                Duration::from_secs(config.login_lockout_secs),
            ),
            pool,
            intake,
            metrics: Arc::new(metrics::Metrics::new(relay.clone())),
            api_keys: Arc::new(crate::auth::key_cache::KeyCache::default()),
            config,
            backend,
            relay,
            clock: crate::clock::Clock::system(),
            tracking_lane: Arc::new(tokio::sync::Semaphore::new(TRACKING_BATCHES_AT_ONCE)),
        }
    }

    /// The same state reading business time from `clock`.
    pub fn with_clock(mut self, clock: crate::clock::Clock) -> Self {
        self.clock = clock;
        self
    }
}

/// JSON, path and query extractor errors become problem+json 4xx responses.
fn json_config(limit: usize) -> web::JsonConfig {
    web::JsonConfig::default().limit(limit).error_handler(|err, _req: &HttpRequest| json_error(err).into())
}

pub fn json_error(err: actix_web::error::JsonPayloadError) -> AppError {
    use actix_web::error::JsonPayloadError as J;
    match err {
        J::OverflowKnownLength { .. } | J::Overflow { .. } => AppError::PayloadTooLarge,
        J::ContentType => AppError::NOT_JSON,
        J::Deserialize(e) if e.is_data() => {
            AppError::Validation { code: "invalid_body", detail: scrub_serde(&e.to_string()), errors: vec![] }
        }
        J::Deserialize(e) => {
            AppError::bad_request("malformed_json", format!("The body is not valid JSON: {e}"))
        }
        other => AppError::bad_request("unreadable_body", other.to_string()),
    }
}

/// serde's message without the value it quotes (`invalid type: string
/// "Jane", expected u32` -> `invalid type: string, expected u32`): a body
/// may carry a buyer's data, and errors never echo it back.
pub fn scrub_serde(message: &str) -> String {
    for prefix in ["invalid type: ", "invalid value: "] {
        if let Some(rest) = message.strip_prefix(prefix)
            && let Some(at) = rest.find(", expected")
        {
            let kind = rest[..at].split([' ', '`', '"']).next().unwrap_or("value");
            return format!("{prefix}{kind}{}", &rest[at..]);
        }
    }
    if let Some(rest) = message.strip_prefix("unknown variant ")
        && let Some(at) = rest.find(", expected")
    {
        return format!("unknown variant{}", &rest[at..]);
    }
    message.to_owned()
}

fn query_config() -> web::QueryConfig {
    web::QueryConfig::default()
        .error_handler(|err, _| AppError::bad_request("invalid_query", err.to_string()).into())
}

fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|_err, _| AppError::not_found("resource").into())
}

/// Everything mounted on the app: API, console, health, docs.
pub fn configure(cfg: &mut web::ServiceConfig) {
    health::configure(cfg);
    openapi::configure(cfg);
    cfg.service(web::scope("/api/v1").wrap(from_fn(edge::middleware)).configure(crate::api_routes));
    crate::console::configure(cfg);
}

/// Binds and returns the running server (not awaited), so that tests and
/// `serve` start it the same way.
pub fn start(listener: TcpListener, state: web::Data<AppState>) -> std::io::Result<Server> {
    let workers = state.config.workers;
    let limit = state.config.max_body_bytes;
    let server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .app_data(json_config(limit))
            .app_data(query_config())
            .app_data(path_config())
            .app_data(web::FormConfig::default().limit(64 * 1024))
            .app_data(web::PayloadConfig::new(limit))
            .configure(configure)
            .default_service(web::to(not_found))
            .wrap(Compress::default())
            .wrap(from_fn(request_id::middleware))
    })
    .workers(workers)
    .shutdown_timeout(10)
    .listen(listener)?
    .run();
    Ok(server)
}

/// The server on a thread of its own, with its own actix system: for the
/// benchmark and the tests, which stop it and wait until it is gone.
pub struct ServerThread {
    handle: actix_web::dev::ServerHandle,
    thread: std::thread::JoinHandle<std::io::Result<()>>,
}

impl ServerThread {
    pub fn start(listener: TcpListener, state: web::Data<AppState>) -> std::io::Result<Self> {
        let (tx, rx) = std::sync::mpsc::channel();
        let thread = std::thread::Builder::new().name("http-server".into()).spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let server = start(listener, state)?;
                let _ = tx.send(server.handle());
                server.await
            })
        })?;
        match rx.recv() {
            Ok(handle) => Ok(Self { handle, thread }),
            Err(_) => Err(match thread.join() {
                Ok(Err(e)) => e,
                _ => std::io::Error::other("the server thread ended before the server started"),
            }),
        }
    }

    /// Stops the server and waits for its thread. `graceful` lets requests
    /// in flight finish (within the shutdown timeout); otherwise the workers
    /// drop their connections at once. Either way the workers end on their
    /// own threads a moment later, and with them their share of the state.
    pub fn stop(self, graceful: bool) -> std::io::Result<()> {
        // The command is sent at once; the thread's end is what is waited for.
        drop(self.handle.stop(graceful));
        self.thread.join().map_err(|_| std::io::Error::other("the server thread panicked"))?
    }
}

/// Waits (up to `patience`) until `state` is the last handle on the
/// application state (a stopped server's workers let go of theirs as their
/// threads end), then drops it: the intake writers finish and the pool
/// closes its connections here, not while the process exits. Returns
/// whether it was the last handle.
pub fn let_go(state: web::Data<AppState>, patience: Duration) -> bool {
    let state = state.into_inner();
    let deadline = std::time::Instant::now() + patience;
    while Arc::strong_count(&state) > 1 && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    Arc::strong_count(&state) == 1
}

/// No route: `405` with `Allow` for an API path that exists with other
/// methods, else `404`.
async fn not_found(req: HttpRequest) -> Result<actix_web::HttpResponse, AppError> {
    if let Some(allow) = openapi::allowed_methods(req.path()) {
        return Err(AppError::MethodNotAllowed { allow });
    }
    Err(AppError::not_found("resource"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn serde_messages_lose_the_values_they_quote() {
        use super::scrub_serde;
        assert_eq!(
            scrub_serde("invalid type: string \"Jane Doe\", expected u32 at line 1 column 9"),
            "invalid type: string, expected u32 at line 1 column 9"
        );
        assert_eq!(
            scrub_serde("invalid type: integer `5550102034`, expected a string at line 3 column 20"),
            "invalid type: integer, expected a string at line 3 column 20"
        );
        assert_eq!(
            scrub_serde("unknown variant `Jane`, expected `standard` or `express`"),
            "unknown variant, expected `standard` or `express`"
        );
        assert_eq!(scrub_serde("missing field `buyer`"), "missing field `buyer`");
    }
}
