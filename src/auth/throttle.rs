//! Login throttling: after too many failures for one username from one
//! address, further attempts are refused for a while. Kept in memory: a
//! restart forgives, which is acceptable for a single console instance.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct LoginThrottle {
    max_failures: u32,
    window: Duration,
    state: Mutex<HashMap<(String, String), Entry>>,
}

struct Entry {
    failures: u32,
    first_failure: Instant,
}

impl LoginThrottle {
    pub fn new(max_failures: u32, window: Duration) -> Self {
        Self { max_failures, window, state: Mutex::new(HashMap::new()) }
    }

    /// Seconds until another attempt is allowed, if locked out now.
    pub fn locked_for(&self, username: &str, addr: &str) -> Option<u64> {
        let state = self.state.lock().expect("throttle lock");
        let e = state.get(&(username.to_lowercase(), addr.to_owned()))?;
        let elapsed = e.first_failure.elapsed();
        (e.failures >= self.max_failures && elapsed < self.window)
            .then(|| (self.window - elapsed).as_secs().max(1))
    }

    pub fn failed(&self, username: &str, addr: &str) {
        let mut state = self.state.lock().expect("throttle lock");
        let now = Instant::now();
        state.retain(|_, e| now.duration_since(e.first_failure) < self.window);
        let e = state
            .entry((username.to_lowercase(), addr.to_owned()))
            .or_insert(Entry { failures: 0, first_failure: now });
        e.failures += 1;
    }

    pub fn succeeded(&self, username: &str, addr: &str) {
        self.state.lock().expect("throttle lock").remove(&(username.to_lowercase(), addr.to_owned()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_after_the_allowed_failures_and_success_forgives() {
        let t = LoginThrottle::new(3, Duration::from_secs(60));
        for _ in 0..2 {
            t.failed("Ann", "1.2.3.4");
        }
        assert!(t.locked_for("ann", "1.2.3.4").is_none());
        t.failed("ann", "1.2.3.4");
        assert!(t.locked_for("ann", "1.2.3.4").is_some());
        assert!(t.locked_for("ann", "5.6.7.8").is_none(), "other addresses are not locked");
        t.succeeded("ann", "1.2.3.4");
        assert!(t.locked_for("ann", "1.2.3.4").is_none());
    }
}
