//! Latency samples per request type, and their summary.

use std::time::Duration;

#[derive(Default, Clone)]
pub struct Samples {
    micros: Vec<u64>,
    pub errors: u64,
}

impl Samples {
    pub fn add(&mut self, took: Duration) {
        self.micros
            .push(u64::try_from(took.as_micros()).unwrap_or(u64::MAX));
    }

    pub fn merge(&mut self, other: Samples) {
        self.micros.extend(other.micros);
        self.errors += other.errors;
    }

    /// The `q` quantile (0..=1) in milliseconds, nearest rank.
    fn quantile(sorted: &[u64], q: f64) -> f64 {
        if sorted.is_empty() {
            return 0.0;
        }
        let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
        sorted[rank - 1] as f64 / 1000.0
    }

    pub fn summary(&self, seconds: f64) -> Summary {
        let mut sorted = self.micros.clone();
        sorted.sort_unstable();
        Summary {
            count: sorted.len(),
            errors: self.errors,
            per_second: sorted.len() as f64 / seconds,
            p50: Self::quantile(&sorted, 0.50),
            p90: Self::quantile(&sorted, 0.90),
            p99: Self::quantile(&sorted, 0.99),
            max: sorted.last().map_or(0.0, |m| *m as f64 / 1000.0),
        }
    }
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Summary {
    pub count: usize,
    pub errors: u64,
    pub per_second: f64,
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub max: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_use_the_nearest_rank() {
        let mut s = Samples::default();
        for ms in 1..=100 {
            s.add(Duration::from_millis(ms));
        }
        let summary = s.summary(2.0);
        assert_eq!(summary.count, 100);
        assert_eq!(summary.per_second, 50.0);
        assert_eq!(
            (summary.p50, summary.p90, summary.p99, summary.max),
            (50.0, 90.0, 99.0, 100.0)
        );
    }
}
