//! The one clock of the business rules. Deadlines (a stock-up order's
//! deliver-by time), retention (buyer data erased N days after an order
//! ended), cut-offs (waves) and lateness (a shipment arriving after its
//! arrive-by time) take "now" as a parameter; the edge reads it from the
//! [`Clock`] in the application state, so that a test moves time forward
//! instead of sleeping.
//!
//! Row stamps (`created_at`, `updated_at`, audit times) are facts about
//! when something was written and keep the system time.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use crate::db::types::Timestamp;

/// The system time, plus an offset only a clock made with
/// [`Clock::adjustable`] can move.
#[derive(Clone, Debug)]
pub struct Clock {
    offset_micros: Arc<AtomicI64>,
    adjustable: bool,
}

impl Clock {
    /// The real time. Production uses only this.
    pub fn system() -> Self {
        Self { offset_micros: Arc::new(AtomicI64::new(0)), adjustable: false }
    }

    /// The real time until [`Clock::advance`] moves it forward: for tests
    /// of rules that depend on time. Clones share the offset.
    pub fn adjustable() -> Self {
        Self { offset_micros: Arc::new(AtomicI64::new(0)), adjustable: true }
    }

    pub fn now(&self) -> Timestamp {
        let offset = self.offset_micros.load(Ordering::Relaxed);
        Timestamp::now() + chrono::Duration::microseconds(offset)
    }

    /// Moves this clock (and its clones) forward.
    ///
    /// # Panics
    /// On the system clock: time in production is not set by hand.
    pub fn advance(&self, by: chrono::Duration) {
        assert!(self.adjustable, "the system clock cannot be moved");
        let micros = by.num_microseconds().expect("a duration that fits in microseconds");
        assert!(micros >= 0, "time only moves forward");
        self.offset_micros.fetch_add(micros, Ordering::Relaxed);
    }
}

impl Default for Clock {
    fn default() -> Self {
        Self::system()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_adjustable_clock_moves_forward_with_its_clones() {
        let clock = Clock::adjustable();
        let seen_by_the_server = clock.clone();
        let before = seen_by_the_server.now();
        clock.advance(chrono::Duration::hours(2));
        let after = seen_by_the_server.now();
        assert!(after.0 - before.0 >= chrono::Duration::hours(2));
        assert!(after.0 - before.0 < chrono::Duration::hours(2) + chrono::Duration::seconds(5));
    }

    #[test]
    #[should_panic(expected = "the system clock cannot be moved")]
    fn the_system_clock_cannot_be_moved() {
        Clock::system().advance(chrono::Duration::seconds(1));
    }
}
