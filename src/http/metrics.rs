//! Prometheus text exposition without a metrics crate: request counts and
//! latency histograms by method, route pattern and status, plus pool gauges.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Duration;

const BUCKETS: [f64; 11] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5];

#[derive(Default)]
struct Series {
    count: u64,
    sum: f64,
    buckets: [u64; BUCKETS.len()],
}

#[derive(Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(String, String, u16), Series>>,
}

impl Metrics {
    pub fn observe(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        let secs = elapsed.as_secs_f64();
        let mut map = self.requests.lock().expect("metrics lock");
        let s = map.entry((method.to_owned(), route.to_owned(), status)).or_default();
        s.count += 1;
        s.sum += secs;
        for (i, b) in BUCKETS.iter().enumerate() {
            if secs <= *b {
                s.buckets[i] += 1;
            }
        }
    }

    pub fn render(&self, pool: &crate::db::Pool) -> String {
        let mut out = String::new();
        let map = self.requests.lock().expect("metrics lock");
        out.push_str("# HELP custody_http_requests_total HTTP requests handled.\n");
        out.push_str("# TYPE custody_http_requests_total counter\n");
        for ((m, r, st), s) in map.iter() {
            let _ = writeln!(
                out,
                "custody_http_requests_total{{method=\"{m}\",route=\"{}\",status=\"{st}\"}} {}",
                esc(r),
                s.count
            );
        }
        out.push_str("# HELP custody_http_request_duration_seconds Time to handle a request.\n");
        out.push_str("# TYPE custody_http_request_duration_seconds histogram\n");
        for ((m, r, st), s) in map.iter() {
            let labels = format!("method=\"{m}\",route=\"{}\",status=\"{st}\"", esc(r));
            for (i, b) in BUCKETS.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "custody_http_request_duration_seconds_bucket{{{labels},le=\"{b}\"}} {}",
                    s.buckets[i]
                );
            }
            let _ = writeln!(
                out,
                "custody_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                s.count
            );
            let _ = writeln!(out, "custody_http_request_duration_seconds_sum{{{labels}}} {}", s.sum);
            let _ = writeln!(out, "custody_http_request_duration_seconds_count{{{labels}}} {}", s.count);
        }
        let st = pool.state();
        out.push_str("# HELP custody_db_pool_connections Open database connections.\n# TYPE custody_db_pool_connections gauge\n");
        let _ = writeln!(out, "custody_db_pool_connections {}", st.connections);
        out.push_str(
            "# HELP custody_db_pool_idle Idle database connections.\n# TYPE custody_db_pool_idle gauge\n",
        );
        let _ = writeln!(out, "custody_db_pool_idle {}", st.idle_connections);
        out.push_str("# HELP custody_db_pool_max Pool size limit.\n# TYPE custody_db_pool_max gauge\n");
        let _ = writeln!(out, "custody_db_pool_max {}", pool.max_size());
        out.push_str(
            "# HELP custody_db_retries_total Transactions run again after a conflict (serialization failure).\n# TYPE custody_db_retries_total counter\n",
        );
        let _ = writeln!(
            out,
            "custody_db_retries_total {}",
            crate::db::RETRIES.load(std::sync::atomic::Ordering::Relaxed)
        );
        out
    }
}

fn esc(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}
