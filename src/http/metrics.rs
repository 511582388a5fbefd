//! The Prometheus exposition of `/metrics`, through the `prometheus` crate.
//!
//! Each [`Metrics`] (one per [`AppState`](super::AppState)) has its own
//! [`Registry`]: tests start many servers in one process, and the crate's
//! global default registry would mix their series. Request counts and
//! latency histograms by method, route pattern and status are recorded as
//! requests finish; everything that another part of the process keeps (the
//! pool, the intake queue, the relay, transaction retries, the outbox
//! backlog) is read at scrape time into [`Readings`] and set just before
//! encoding.
//!
//! The names, labels, help texts and buckets are the ones dashboards were
//! built on: change none of them without changing those.

use std::sync::Mutex;
use std::time::Duration;

use prometheus::{
    Gauge, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, Opts, Registry, TextEncoder,
};

use crate::events::relay::RelayStatus;

/// Upper bounds of the request latency histogram, in seconds.
pub const BUCKETS: [f64; 11] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5];

/// The two outbox series, left out of a scrape whose database read failed
/// (rather than shown with a stale value).
const BACKLOG_SERIES: [&str; 2] = ["custody_events_backlog", "custody_events_oldest_unpublished_seconds"];

/// What a scrape reads from the rest of the process.
#[derive(Debug, Clone, Default)]
pub struct Readings {
    pub pool_connections: u32,
    pub pool_idle: u32,
    pub pool_max: u32,
    /// `crate::db::RETRIES`.
    pub db_retries: u64,
    pub intake: IntakeReadings,
    /// Events not yet published and the age of the oldest, in seconds;
    /// `None` when the database could not be asked.
    pub backlog: Option<(i64, f64)>,
}

/// The intake queue's counters and gauges (`GroupStats`).
#[derive(Debug, Clone, Copy, Default)]
pub struct IntakeReadings {
    pub transactions: u64,
    pub requests: u64,
    pub orders: u64,
    pub split_groups: u64,
    pub reallocated: u64,
    pub waiting: u64,
    pub peak: u64,
    pub overloaded: u64,
}

impl Readings {
    /// The pool and the retries: what every process has.
    pub fn read_pool(pool: &crate::db::Pool) -> Self {
        let st = pool.state();
        Self {
            pool_connections: st.connections,
            pool_idle: st.idle_connections,
            pool_max: pool.max_size(),
            db_retries: crate::db::RETRIES.load(std::sync::atomic::Ordering::Relaxed),
            intake: IntakeReadings::default(),
            backlog: None,
        }
    }

    /// Everything but the outbox backlog (which needs a database round trip).
    pub fn read(pool: &crate::db::Pool, intake: &crate::outbound::intake::queue::GroupStats) -> Self {
        use std::sync::atomic::Ordering::Relaxed;
        let (transactions, requests, orders, split_groups) = intake.read();
        let (waiting, peak, overloaded) = intake.backlog.read();
        Self {
            intake: IntakeReadings {
                transactions,
                requests,
                orders,
                split_groups,
                reallocated: crate::outbound::intake::REALLOCATED.load(Relaxed),
                waiting: waiting as u64,
                peak: peak as u64,
                overloaded,
            },
            ..Self::read_pool(pool)
        }
    }

    /// The outbox as [`crate::events::backlog`] read it: events not yet
    /// published, and when the oldest was recorded.
    pub fn set_backlog(&mut self, (count, oldest): (i64, Option<crate::db::types::Timestamp>)) {
        let age = oldest.map(|t| (chrono::Utc::now() - t.0).num_milliseconds().max(0) as f64 / 1000.0);
        self.backlog = Some((count, age.unwrap_or(0.0)));
    }
}

/// The series set from [`Readings`] and the relay's status at scrape time.
struct AtScrape {
    pool_connections: IntGauge,
    pool_idle: IntGauge,
    pool_max: IntGauge,
    db_retries: IntCounter,
    intake_transactions: IntCounter,
    intake_requests: IntCounter,
    intake_orders: IntCounter,
    intake_split_groups: IntCounter,
    intake_reallocated: IntCounter,
    intake_waiting: IntGauge,
    intake_peak: IntGauge,
    intake_overloaded: IntCounter,
    events_published: IntCounter,
    events_nacked: IntCounter,
    relay_refusal_pauses: IntCounter,
    events_returned: IntCounter,
    events_parked: IntCounter,
    relay_reconnects: IntCounter,
    relay_broker_up: IntGauge,
    events_backlog: IntGauge,
    events_oldest: Gauge,
}

/// One server's metrics.
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    durations: HistogramVec,
    at_scrape: AtScrape,
    /// Setting the values read at scrape time and encoding them is one step:
    /// two scrapes at once would otherwise interleave their updates.
    scrape: Mutex<()>,
    relay: std::sync::Arc<RelayStatus>,
    /// `custody relay`'s own port: no HTTP or intake series (that process
    /// serves neither), the pool, retries, relay and outbox ones.
    relay_only: bool,
}

impl Metrics {
    /// A registry with every series registered once; the relay's confirm
    /// histogram is the relay's own, shared.
    pub fn new(relay: std::sync::Arc<RelayStatus>) -> Self {
        let registry = Registry::new();
        let labels = ["method", "route", "status"];
        let requests =
            IntCounterVec::new(Opts::new("custody_http_requests_total", "HTTP requests handled."), &labels)
                .expect("valid metric");
        let durations = HistogramVec::new(
            HistogramOpts::new("custody_http_request_duration_seconds", "Time to handle a request.")
                .buckets(BUCKETS.to_vec()),
            &labels,
        )
        .expect("valid metric");
        registry.register(Box::new(requests.clone())).expect("registered once");
        registry.register(Box::new(durations.clone())).expect("registered once");
        registry.register(Box::new(relay.confirm_histogram().clone())).expect("registered once");

        let counter = |name: &str, help: &str| {
            let c = IntCounter::new(name, help).expect("valid metric");
            registry.register(Box::new(c.clone())).expect("registered once");
            c
        };
        let gauge = |name: &str, help: &str| {
            let g = IntGauge::new(name, help).expect("valid metric");
            registry.register(Box::new(g.clone())).expect("registered once");
            g
        };
        let events_oldest =
            Gauge::new("custody_events_oldest_unpublished_seconds", "Age of the oldest unpublished event.")
                .expect("valid metric");
        registry.register(Box::new(events_oldest.clone())).expect("registered once");
        let at_scrape = AtScrape {
            pool_connections: gauge("custody_db_pool_connections", "Open database connections."),
            pool_idle: gauge("custody_db_pool_idle", "Idle database connections."),
            pool_max: gauge("custody_db_pool_max", "Pool size limit."),
            db_retries: counter(
                "custody_db_retries_total",
                "Transactions run again after a conflict (serialization failure).",
            ),
            intake_transactions: counter(
                "custody_intake_transactions_total",
                "Order intake transactions (each a group of requests).",
            ),
            intake_requests: counter("custody_intake_requests_total", "Order intake requests written."),
            intake_orders: counter("custody_intake_orders_total", "Orders in those requests."),
            intake_split_groups: counter(
                "custody_intake_split_groups_total",
                "Groups that failed as a whole and were run again request by request.",
            ),
            intake_reallocated: counter(
                "custody_intake_reallocated_total",
                "Intake transactions whose allocation made ahead of the stock locks no longer held under them, and that allocated again.",
            ),
            intake_waiting: gauge("custody_intake_waiting_orders", "Orders waiting for an intake writer."),
            intake_peak: gauge(
                "custody_intake_waiting_orders_peak",
                "The most orders that waited at once since the start.",
            ),
            intake_overloaded: counter(
                "custody_intake_overloaded_total",
                "Intake requests refused with 503 overloaded.",
            ),
            events_published: counter("custody_events_published_total", "Events confirmed by the broker."),
            events_nacked: counter("custody_events_nacked_total", "Events the broker refused (nack)."),
            relay_refusal_pauses: counter(
                "custody_relay_refusal_pauses_total",
                "Times the relay paused because the broker refused events.",
            ),
            events_returned: counter("custody_events_returned_total", "Events returned as unroutable."),
            events_parked: counter("custody_events_parked_total", "Events parked after repeated failures."),
            relay_reconnects: counter(
                "custody_relay_reconnects_total",
                "Connections the relay opened to the broker.",
            ),
            relay_broker_up: gauge(
                "custody_relay_broker_up",
                "1 when this process's relay is connected to the broker.",
            ),
            events_backlog: gauge("custody_events_backlog", "Events recorded but not yet published."),
            events_oldest,
        };
        Self { registry, requests, durations, at_scrape, scrape: Mutex::new(()), relay, relay_only: false }
    }

    /// The metrics of `custody relay` run alone (its `CUSTODY_RELAY_BIND`
    /// port): the same names, without the series of a server.
    pub fn for_relay(relay: std::sync::Arc<RelayStatus>) -> Self {
        Self { relay_only: true, ..Self::new(relay) }
    }

    /// One request handled.
    pub fn observe(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        let status = status.to_string();
        let labels = [method, route, status.as_str()];
        self.requests.with_label_values(&labels).inc();
        self.durations.with_label_values(&labels).observe(elapsed.as_secs_f64());
    }

    /// The Prometheus text format ([`prometheus::TEXT_FORMAT`]) of every
    /// series, with `readings` and the relay's status as they are now.
    pub fn encode(&self, readings: &Readings) -> Result<String, prometheus::Error> {
        use std::sync::atomic::Ordering::Relaxed;
        let _one_scrape = self.scrape.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let s = &self.at_scrape;
        s.pool_connections.set(readings.pool_connections.into());
        s.pool_idle.set(readings.pool_idle.into());
        s.pool_max.set(readings.pool_max.into());
        catch_up(&s.db_retries, readings.db_retries);
        let i = &readings.intake;
        catch_up(&s.intake_transactions, i.transactions);
        catch_up(&s.intake_requests, i.requests);
        catch_up(&s.intake_orders, i.orders);
        catch_up(&s.intake_split_groups, i.split_groups);
        catch_up(&s.intake_reallocated, i.reallocated);
        s.intake_waiting.set(gauge_value(i.waiting));
        s.intake_peak.set(gauge_value(i.peak));
        catch_up(&s.intake_overloaded, i.overloaded);
        let relay = &self.relay;
        catch_up(&s.events_published, relay.published.load(Relaxed));
        catch_up(&s.events_nacked, relay.nacked.load(Relaxed));
        catch_up(&s.relay_refusal_pauses, relay.refusal_pauses.load(Relaxed));
        catch_up(&s.events_returned, relay.returned.load(Relaxed));
        catch_up(&s.events_parked, relay.parked.load(Relaxed));
        catch_up(&s.relay_reconnects, relay.reconnects.load(Relaxed));
        s.relay_broker_up.set(i64::from(relay.state() == crate::events::relay::BrokerState::Up));
        if let Some((count, age)) = readings.backlog {
            s.events_backlog.set(count);
            s.events_oldest.set(age);
        }
        let mut families = self.registry.gather();
        if readings.backlog.is_none() {
            families.retain(|f| !BACKLOG_SERIES.contains(&f.name()));
        }
        if self.relay_only {
            families.retain(|f| {
                !f.name().starts_with("custody_http_") && !f.name().starts_with("custody_intake_")
            });
        }
        TextEncoder::new().encode_to_string(&families)
    }
}

/// Brings a counter that mirrors a count kept elsewhere up to it (the
/// count only grows; the counter never goes back).
fn catch_up(counter: &IntCounter, total: u64) {
    counter.inc_by(total.saturating_sub(counter.get()));
}

fn gauge_value(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::relay::BrokerState;

    /// Every family `/metrics` had when it was written by hand, with its
    /// type and help text: dashboards and alerts depend on them.
    const FAMILIES: [(&str, &str, &str); 24] = [
        ("custody_db_pool_connections", "gauge", "Open database connections."),
        ("custody_db_pool_idle", "gauge", "Idle database connections."),
        ("custody_db_pool_max", "gauge", "Pool size limit."),
        (
            "custody_db_retries_total",
            "counter",
            "Transactions run again after a conflict (serialization failure).",
        ),
        ("custody_events_backlog", "gauge", "Events recorded but not yet published."),
        ("custody_events_nacked_total", "counter", "Events the broker refused (nack)."),
        ("custody_events_oldest_unpublished_seconds", "gauge", "Age of the oldest unpublished event."),
        ("custody_events_parked_total", "counter", "Events parked after repeated failures."),
        ("custody_events_published_total", "counter", "Events confirmed by the broker."),
        ("custody_events_returned_total", "counter", "Events returned as unroutable."),
        ("custody_http_request_duration_seconds", "histogram", "Time to handle a request."),
        ("custody_http_requests_total", "counter", "HTTP requests handled."),
        ("custody_intake_orders_total", "counter", "Orders in those requests."),
        ("custody_intake_overloaded_total", "counter", "Intake requests refused with 503 overloaded."),
        (
            "custody_intake_reallocated_total",
            "counter",
            "Intake transactions whose allocation made ahead of the stock locks no longer held under them, and that allocated again.",
        ),
        ("custody_intake_requests_total", "counter", "Order intake requests written."),
        (
            "custody_intake_split_groups_total",
            "counter",
            "Groups that failed as a whole and were run again request by request.",
        ),
        (
            "custody_intake_transactions_total",
            "counter",
            "Order intake transactions (each a group of requests).",
        ),
        ("custody_intake_waiting_orders", "gauge", "Orders waiting for an intake writer."),
        (
            "custody_intake_waiting_orders_peak",
            "gauge",
            "The most orders that waited at once since the start.",
        ),
        ("custody_relay_broker_up", "gauge", "1 when this process's relay is connected to the broker."),
        ("custody_relay_confirm_seconds", "histogram", "Time from publish to the broker's confirm."),
        ("custody_relay_reconnects_total", "counter", "Connections the relay opened to the broker."),
        (
            "custody_relay_refusal_pauses_total",
            "counter",
            "Times the relay paused because the broker refused events.",
        ),
    ];

    fn readings() -> Readings {
        Readings {
            pool_connections: 3,
            pool_idle: 2,
            pool_max: 8,
            db_retries: 4,
            intake: IntakeReadings {
                transactions: 5,
                requests: 6,
                orders: 7,
                split_groups: 1,
                reallocated: 2,
                waiting: 9,
                peak: 11,
                overloaded: 12,
            },
            backlog: Some((13, 1.5)),
        }
    }

    #[test]
    fn every_family_keeps_its_name_type_and_help() {
        let relay = std::sync::Arc::new(RelayStatus::new(BrokerState::Up));
        let metrics = Metrics::new(relay);
        metrics.observe("GET", "/api/v1/skus", 200, Duration::from_millis(3));
        let text = metrics.encode(&readings()).unwrap();
        for (name, kind, help) in FAMILIES {
            assert!(
                text.contains(&format!("# HELP {name} {help}\n# TYPE {name} {kind}\n")),
                "{name} in {text}"
            );
        }
        let families = text.lines().filter(|l| l.starts_with("# TYPE ")).count();
        assert_eq!(families, FAMILIES.len(), "no family more, none less: {text}");
    }

    #[test]
    fn requests_are_counted_by_method_route_and_status_in_the_old_buckets() {
        let relay = std::sync::Arc::new(RelayStatus::new(BrokerState::Down));
        let metrics = Metrics::new(relay);
        for _ in 0..2 {
            metrics.observe("GET", "/api/v1/skus", 200, Duration::from_millis(3));
        }
        metrics.observe("POST", r#"/odd/"quoted"\route"#, 409, Duration::from_secs(3));
        let text = metrics.encode(&readings()).unwrap();
        let skus = r#"method="GET",route="/api/v1/skus",status="200""#;
        let odd = r#"method="POST",route="/odd/\"quoted\"\\route",status="409""#;
        let expected = [
            format!("custody_http_requests_total{{{skus}}} 2"),
            format!("custody_http_requests_total{{{odd}}} 1"),
            format!("custody_http_request_duration_seconds_bucket{{{skus},le=\"0.001\"}} 0"),
            format!("custody_http_request_duration_seconds_bucket{{{skus},le=\"0.0025\"}} 0"),
            format!("custody_http_request_duration_seconds_bucket{{{skus},le=\"0.005\"}} 2"),
            format!("custody_http_request_duration_seconds_bucket{{{skus},le=\"1\"}} 2"),
            format!("custody_http_request_duration_seconds_bucket{{{skus},le=\"2.5\"}} 2"),
            format!("custody_http_request_duration_seconds_bucket{{{skus},le=\"+Inf\"}} 2"),
            format!("custody_http_request_duration_seconds_sum{{{skus}}} 0.006"),
            format!("custody_http_request_duration_seconds_count{{{skus}}} 2"),
            format!("custody_http_request_duration_seconds_bucket{{{odd},le=\"2.5\"}} 0"),
            format!("custody_http_request_duration_seconds_bucket{{{odd},le=\"+Inf\"}} 1"),
            "custody_db_pool_connections 3".into(),
            "custody_db_pool_idle 2".into(),
            "custody_db_pool_max 8".into(),
            "custody_db_retries_total 4".into(),
            "custody_intake_transactions_total 5".into(),
            "custody_intake_requests_total 6".into(),
            "custody_intake_orders_total 7".into(),
            "custody_intake_split_groups_total 1".into(),
            "custody_intake_reallocated_total 2".into(),
            "custody_intake_waiting_orders 9".into(),
            "custody_intake_waiting_orders_peak 11".into(),
            "custody_intake_overloaded_total 12".into(),
            "custody_events_backlog 13".into(),
            "custody_events_oldest_unpublished_seconds 1.5".into(),
            "custody_events_published_total 0".into(),
            "custody_relay_broker_up 0".into(),
            "custody_relay_confirm_seconds_bucket{le=\"0.001\"} 0".into(),
            "custody_relay_confirm_seconds_bucket{le=\"+Inf\"} 0".into(),
            "custody_relay_confirm_seconds_sum 0".into(),
            "custody_relay_confirm_seconds_count 0".into(),
        ];
        let lines: Vec<&str> = text.lines().collect();
        for line in &expected {
            assert!(lines.contains(&line.as_str()), "{line} in {text}");
        }
        let buckets = lines
            .iter()
            .filter(|l| l.starts_with("custody_http_request_duration_seconds_bucket{method=\"GET\""))
            .count();
        assert_eq!(buckets, BUCKETS.len() + 1);
    }

    #[test]
    fn counters_follow_their_sources_and_an_unread_backlog_is_left_out() {
        use std::sync::atomic::Ordering::Relaxed;
        let relay = std::sync::Arc::new(RelayStatus::new(BrokerState::Up));
        let metrics = Metrics::new(relay.clone());
        let mut r = readings();
        metrics.encode(&r).unwrap();
        relay.published.fetch_add(5, Relaxed);
        r.db_retries = 10;
        r.backlog = None;
        let text = metrics.encode(&r).unwrap();
        for line in
            ["custody_events_published_total 5", "custody_db_retries_total 10", "custody_relay_broker_up 1"]
        {
            assert!(text.lines().any(|l| l == line), "{line} in {text}");
        }
        assert!(!text.contains("custody_events_backlog"), "{text}");
        assert!(!text.contains("custody_events_oldest_unpublished_seconds"), "{text}");
    }
}
