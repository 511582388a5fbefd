//! Latency figures.

/// Latencies in milliseconds, sorted.
#[derive(Default, Clone)]
pub struct Latencies(Vec<f64>);

impl Latencies {
    pub fn of(mut v: Vec<f64>) -> Self {
        v.sort_by(f64::total_cmp);
        Self(v)
    }

    /// All of several, sorted together.
    pub fn merged<'a>(all: impl IntoIterator<Item = &'a [f64]>) -> Self {
        Self::of(all.into_iter().flatten().copied().collect())
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// The `p` quantile (0 to 1), nearest rank; NaN when empty.
    pub fn pct(&self, p: f64) -> f64 {
        if self.0.is_empty() {
            return f64::NAN;
        }
        self.0[((self.0.len() as f64 - 1.0) * p).round() as usize]
    }

    pub fn max(&self) -> f64 {
        self.0.last().copied().unwrap_or(f64::NAN)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_by_nearest_rank() {
        let l = Latencies::of((1..=100).rev().map(f64::from).collect());
        assert_eq!((l.pct(0.0), l.pct(0.5), l.pct(0.99), l.max()), (1.0, 51.0, 99.0, 100.0));
        assert!(Latencies::default().pct(0.5).is_nan());
        assert_eq!(Latencies::merged([&[3.0, 1.0][..], &[2.0][..]]).pct(0.5), 2.0);
    }
}
