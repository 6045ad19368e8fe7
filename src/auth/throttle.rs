//! Login throttling: too many failures for one username, or from one address, within a
//! window and further attempts are refused until the oldest failure leaves the window.
//! Kept in memory per instance; bounded, so a spray of names cannot grow it without limit.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use moka::sync::Cache;

pub const WINDOW: Duration = Duration::from_secs(5 * 60);
pub const MAX_FAILURES_PER_USERNAME: usize = 10;
pub const MAX_FAILURES_PER_ADDRESS: usize = 20;

type Failures = Arc<Mutex<VecDeque<Instant>>>;

pub struct LoginThrottle {
    failures: Cache<String, Failures>,
}

impl LoginThrottle {
    pub fn new() -> Self {
        LoginThrottle {
            failures: Cache::builder()
                .max_capacity(100_000)
                .time_to_idle(WINDOW)
                .build(),
        }
    }

    /// `Err(wait)` while either key is over its limit.
    pub fn check(&self, address: &str, username: &str) -> Result<(), Duration> {
        let now = Instant::now();
        let waits = [
            self.wait(&user_key(username), MAX_FAILURES_PER_USERNAME, now),
            self.wait(&address_key(address), MAX_FAILURES_PER_ADDRESS, now),
        ];
        match waits.into_iter().flatten().max() {
            Some(wait) => Err(wait),
            None => Ok(()),
        }
    }

    pub fn record_failure(&self, address: &str, username: &str) {
        let now = Instant::now();
        for key in [user_key(username), address_key(address)] {
            let entry = self.failures.get_with(key, Failures::default);
            if let Ok(mut times) = entry.lock() {
                prune(&mut times, now);
                times.push_back(now);
            }
        }
    }

    /// A successful login forgets the username's failures (not the address's).
    pub fn record_success(&self, username: &str) {
        self.failures.invalidate(&user_key(username));
    }

    fn wait(&self, key: &str, limit: usize, now: Instant) -> Option<Duration> {
        let entry = self.failures.get(key)?;
        let mut times = entry.lock().ok()?;
        prune(&mut times, now);
        if times.len() < limit {
            return None;
        }
        let oldest = *times.front()?;
        Some(
            (oldest + WINDOW)
                .saturating_duration_since(now)
                .max(Duration::from_secs(1)),
        )
    }
}

impl Default for LoginThrottle {
    fn default() -> Self {
        Self::new()
    }
}

fn prune(times: &mut VecDeque<Instant>, now: Instant) {
    while times
        .front()
        .is_some_and(|t| now.duration_since(*t) >= WINDOW)
    {
        times.pop_front();
    }
}

fn user_key(username: &str) -> String {
    format!("user:{}", username.trim().to_lowercase())
}

fn address_key(address: &str) -> String {
    format!("addr:{address}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenth_failure_for_a_username_locks_it_from_any_address() {
        let throttle = LoginThrottle::new();
        for i in 0..MAX_FAILURES_PER_USERNAME {
            assert!(throttle.check(&format!("10.0.0.{i}"), "Ann").is_ok());
            throttle.record_failure(&format!("10.0.0.{i}"), "Ann");
        }
        let wait = throttle.check("10.9.9.9", " ann ").unwrap_err();
        assert!(
            wait > Duration::from_secs(200) && wait <= WINDOW,
            "{wait:?}"
        );
        assert!(
            throttle.check("10.9.9.9", "ben").is_ok(),
            "other names unaffected"
        );
        throttle.record_success("ANN");
        assert!(throttle.check("10.9.9.9", "ann").is_ok());
    }

    #[test]
    fn one_address_trying_many_names_is_locked() {
        let throttle = LoginThrottle::new();
        for i in 0..MAX_FAILURES_PER_ADDRESS {
            throttle.record_failure("192.0.2.1", &format!("user{i}"));
        }
        assert!(throttle.check("192.0.2.1", "fresh-name").is_err());
        assert!(throttle.check("192.0.2.2", "fresh-name").is_ok());
    }
}
