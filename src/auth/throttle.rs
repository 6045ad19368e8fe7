//! Login throttling that slows a guesser down without locking the owner out.
//!
//! Failures are counted per way in ([`Door`]): the log-in that opens sessions, app sign-ins
//! (Subsonic's app passwords), one-use links. A brute force on the log-in form therefore never
//! slows a phone.
//! Within a door every attempt meets two counters, and waits for the longer of the two:
//! - the account *from this address* (a name no account has counts on itself, slowed exactly
//!   like an account, so neither a 429 nor its timing tells who exists): the first
//!   [`FREE_FAILURES_PER_ACCOUNT`] failures cost nothing, then each further one doubles the wait
//!   before the next try, from [`FIRST_DELAY`] up to [`MAX_DELAY`];
//! - the address across every name (spraying): [`FREE_FAILURES_PER_ADDRESS`], then the same.
//!
//! Nothing counts against an account across addresses, so the right password from another
//! address is never refused, however many guesses arrive from elsewhere. A success forgets its
//! account's failures from that address, but not the address's own count, which a guesser could
//! otherwise reset by signing in to an account of its own. A count is forgotten
//! [`FORGET_AFTER`] its last failure.
//!
//! An address is an IPv4 address or an IPv6 /64: one subscriber's network, which hands out
//! addresses by the billion. Attempts being checked count too, so a burst of parallel guesses
//! cannot outrun the counters.
//!
//! Kept in memory per instance, at most [`MAX_ENTRIES`] counters (the least used go first):
//! names or addresses sprayed by an attacker cannot grow it without bound. A counter is a
//! digest of fixed size (no name or address is kept in the clear) holding a count and a time,
//! which is all a table shared by several instances would need to hold.

use std::net::IpAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use moka::sync::Cache;
use sha2::{Digest, Sha256};

use crate::storage::Id;

/// Failures of one account from one address before they slow it down: typos are free.
pub const FREE_FAILURES_PER_ACCOUNT: u32 = 5;
/// Failures from one address across every name before they slow it down.
pub const FREE_FAILURES_PER_ADDRESS: u32 = 20;
/// The wait after the first failure beyond the free ones; each further failure doubles it.
pub const FIRST_DELAY: Duration = Duration::from_secs(1);
pub const MAX_DELAY: Duration = Duration::from_secs(5 * 60);
/// Longer than [`MAX_DELAY`], so a guesser cannot wait its count away between two guesses.
pub const FORGET_AFTER: Duration = Duration::from_secs(60 * 60);
pub const MAX_ENTRIES: u64 = 100_000;
/// Attempts on one counter checked at once before the next waits: an app's burst of requests
/// passes, a guesser's burst of parallel guesses does not outrun the count.
const MAX_IN_FLIGHT: u32 = 16;

/// The way in an attempt used: each has counters of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Door {
    /// The log-in that opens a session (the web player, the native API).
    Login,
    /// App sign-ins (Subsonic): app passwords, and the login password where allowed.
    App,
    /// One-use links (invites, password resets): 128 random bits, so guessing is hopeless,
    /// but a flood of guesses is still slowed, per address.
    Link,
}

/// Whose password an attempt tried.
#[derive(Debug, Clone, Copy)]
pub enum Target<'a> {
    /// An account, by whichever of its names was typed.
    Account(Id),
    /// A name no account has, as typed (trimmed, case ignored).
    Unknown(&'a str),
    /// No name at all (an OpenSubsonic API key, a link): only the address counts.
    Unnamed,
}

type Key = [u8; 32];
type Slot = Arc<Mutex<Counter>>;

pub struct LoginThrottle {
    counters: Cache<Key, Slot>,
}

impl LoginThrottle {
    pub fn new() -> Self {
        Self::with_capacity(MAX_ENTRIES)
    }

    pub fn with_capacity(entries: u64) -> Self {
        LoginThrottle {
            counters: Cache::builder()
                .max_capacity(entries)
                .time_to_idle(FORGET_AFTER)
                .build(),
        }
    }

    /// Admits an attempt on `target` from `address`, or says how long to wait (whole seconds,
    /// rounded up, so a client that waits exactly that long is admitted). The attempt must be
    /// settled with [`Attempt::failed`] or [`Attempt::succeeded`]; dropped unsettled (an
    /// error before the password was judged), it counts for nothing.
    pub fn begin(&self, door: Door, target: Target, address: &str) -> Result<Attempt, Duration> {
        self.begin_at(door, target, address, Instant::now())
    }

    fn begin_at(
        &self,
        door: Door,
        target: Target,
        address: &str,
        now: Instant,
    ) -> Result<Attempt, Duration> {
        let address = address_bytes(address);
        let by_address = self.slot(key(door, None, &address));
        admit(&by_address, FREE_FAILURES_PER_ADDRESS, now)?;
        let mut attempt = Attempt {
            by_address,
            by_account: None,
            settled: false,
        };
        let who = match target {
            Target::Account(id) => Some(Who::Account(id)),
            Target::Unknown(name) => Some(Who::Name(name.trim().to_lowercase())),
            Target::Unnamed => None,
        };
        if let Some(who) = who {
            let by_account = self.slot(key(door, Some(&who), &address));
            // Dropping `attempt` on a refusal frees the address's place.
            admit(&by_account, FREE_FAILURES_PER_ACCOUNT, now)?;
            attempt.by_account = Some(by_account);
        }
        Ok(attempt)
    }

    fn slot(&self, key: Key) -> Slot {
        self.counters.get_with(key, Slot::default)
    }

    #[cfg(test)]
    fn entries(&self) -> u64 {
        self.counters.run_pending_tasks();
        self.counters.entry_count()
    }
}

impl Default for LoginThrottle {
    fn default() -> Self {
        Self::new()
    }
}

/// An admitted attempt, until its password is judged.
#[derive(Debug)]
#[must_use = "settle the attempt with failed() or succeeded()"]
pub struct Attempt {
    by_address: Slot,
    by_account: Option<Slot>,
    settled: bool,
}

impl Attempt {
    pub fn failed(self) {
        self.failed_at(Instant::now());
    }

    fn failed_at(mut self, now: Instant) {
        for slot in self.slots() {
            let mut counter = lock(slot);
            counter.leave();
            counter.forget_if_stale(now);
            counter.failures = counter.failures.saturating_add(1);
            counter.last_failure = Some(now);
        }
        self.settled = true;
    }

    /// Forgets the account's failures from this address; the address's stay.
    pub fn succeeded(mut self) {
        lock(&self.by_address).leave();
        if let Some(slot) = &self.by_account {
            let mut counter = lock(slot);
            counter.leave();
            counter.failures = 0;
            counter.last_failure = None;
        }
        self.settled = true;
    }

    fn slots(&self) -> impl Iterator<Item = &Slot> {
        std::iter::once(&self.by_address).chain(&self.by_account)
    }
}

impl Drop for Attempt {
    fn drop(&mut self) {
        if !self.settled {
            for slot in self.slots() {
                lock(slot).leave();
            }
        }
    }
}

#[derive(Debug, Default)]
struct Counter {
    failures: u32,
    last_failure: Option<Instant>,
    in_flight: u32,
}

impl Counter {
    fn forget_if_stale(&mut self, now: Instant) {
        if self
            .last_failure
            .is_some_and(|last| now.saturating_duration_since(last) >= FORGET_AFTER)
        {
            self.failures = 0;
            self.last_failure = None;
        }
    }

    /// How long this counter makes the next attempt wait, if at all.
    fn wait(&self, free: u32, now: Instant) -> Option<Duration> {
        if self.failures < free {
            return (self.in_flight >= MAX_IN_FLIGHT).then_some(FIRST_DELAY);
        }
        // Past the free failures, one attempt at a time: the next waits for this one's verdict.
        if self.in_flight > 0 {
            return Some(FIRST_DELAY);
        }
        let last = self.last_failure?;
        let left = (last + delay_after(self.failures - free)).saturating_duration_since(now);
        (!left.is_zero()).then(|| whole_seconds(left))
    }

    fn leave(&mut self) {
        self.in_flight = self.in_flight.saturating_sub(1);
    }
}

/// Checks a counter and, when it lets the attempt through, holds a place in it.
fn admit(slot: &Slot, free: u32, now: Instant) -> Result<(), Duration> {
    let mut counter = lock(slot);
    counter.forget_if_stale(now);
    match counter.wait(free, now) {
        Some(wait) => Err(wait),
        None => {
            counter.in_flight += 1;
            Ok(())
        }
    }
}

/// The wait after the `extra`-th failure beyond the free ones (counting from 0).
fn delay_after(extra: u32) -> Duration {
    let factor = 1u32.checked_shl(extra).unwrap_or(u32::MAX);
    FIRST_DELAY.saturating_mul(factor).min(MAX_DELAY)
}

fn whole_seconds(wait: Duration) -> Duration {
    let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    Duration::from_secs(seconds)
}

/// A counter holds plain numbers, always consistent, so a panic elsewhere cannot spoil it.
fn lock(slot: &Slot) -> MutexGuard<'_, Counter> {
    slot.lock().unwrap_or_else(PoisonError::into_inner)
}

enum Who {
    Account(Id),
    Name(String),
}

/// The bytes an address is counted under: IPv4 whole, IPv6 by its /64 (an IPv4-mapped IPv6
/// address as the IPv4 one). Anything else (no peer address) as written.
fn address_bytes(address: &str) -> Vec<u8> {
    match address.parse::<IpAddr>().map(|ip| ip.to_canonical()) {
        Ok(IpAddr::V4(v4)) => [b"4".as_slice(), &v4.octets()].concat(),
        Ok(IpAddr::V6(v6)) => [b"6".as_slice(), &v6.octets()[..8]].concat(),
        Err(_) => [b"?".as_slice(), address.as_bytes()].concat(),
    }
}

fn key(door: Door, who: Option<&Who>, address: &[u8]) -> Key {
    let door: &[u8] = match door {
        Door::Login => b"login",
        Door::App => b"app",
        Door::Link => b"link",
    };
    let (kind, who): (&[u8], &[u8]) = match who {
        None => (b"address", b""),
        Some(Who::Account(id)) => (b"account", id.0.as_bytes()),
        Some(Who::Name(name)) => (b"name", name.as_bytes()),
    };
    let mut hash = Sha256::new();
    // Each part prefixed by its length, so no two different keys run together alike.
    for part in [door, kind, who, address] {
        hash.update((part.len() as u64).to_le_bytes());
        hash.update(part);
    }
    hash.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "192.0.2.1";
    const B: &str = "198.51.100.7";

    /// Records `n` failures, each once its wait is over on a simulated clock; returns the
    /// clock after the last.
    fn fail(
        throttle: &LoginThrottle,
        door: Door,
        target: Target,
        address: &str,
        n: u32,
    ) -> Instant {
        let mut now = Instant::now();
        let mut recorded = 0;
        while recorded < n {
            match throttle.begin_at(door, target, address, now) {
                Ok(attempt) => {
                    attempt.failed_at(now);
                    recorded += 1;
                }
                Err(wait) => now += wait,
            }
        }
        now
    }

    #[test]
    fn free_failures_then_a_doubling_wait_up_to_the_cap() {
        let throttle = LoginThrottle::new();
        let ann = Target::Account(Id::new());
        fail(&throttle, Door::Login, ann, A, FREE_FAILURES_PER_ACCOUNT);
        let mut waits = Vec::new();
        let mut now = Instant::now();
        for _ in 0..12 {
            let wait = throttle.begin_at(Door::Login, ann, A, now).unwrap_err();
            waits.push(wait.as_secs());
            now += wait;
            throttle
                .begin_at(Door::Login, ann, A, now)
                .expect("admitted once the wait is over")
                .failed_at(now);
        }
        assert_eq!(
            waits,
            [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300],
            "{waits:?}"
        );
    }

    #[test]
    fn an_account_guessed_at_from_one_address_is_open_from_another() {
        let throttle = LoginThrottle::new();
        let ann = Target::Account(Id::new());
        fail(&throttle, Door::Login, ann, A, 10);
        assert!(throttle.begin(Door::Login, ann, A).is_err());
        throttle
            .begin(Door::Login, ann, B)
            .expect("another address is not slowed")
            .succeeded();
        assert!(throttle.begin(Door::Login, ann, A).is_err(), "still slowed");
    }

    #[test]
    fn a_success_forgets_the_accounts_failures_but_not_the_addresses() {
        let throttle = LoginThrottle::new();
        let own = Target::Account(Id::new());
        let before = FREE_FAILURES_PER_ACCOUNT - 1;
        let now = Instant::now();
        for _ in 0..before {
            throttle
                .begin_at(Door::Login, own, A, now)
                .unwrap()
                .failed_at(now);
        }
        throttle.begin(Door::Login, own, A).unwrap().succeeded();
        for _ in 0..before {
            throttle
                .begin_at(Door::Login, own, A, now)
                .expect("the account's failures from here were forgotten")
                .failed_at(now);
        }

        let others = FREE_FAILURES_PER_ADDRESS - 1;
        for _ in 0..others {
            fail(&throttle, Door::Login, Target::Account(Id::new()), B, 1);
        }
        throttle.begin(Door::Login, own, B).unwrap().succeeded();
        fail(&throttle, Door::Login, Target::Account(Id::new()), B, 1);
        let fresh = Target::Account(Id::new());
        assert!(
            throttle.begin(Door::Login, fresh, B).is_err(),
            "the address's count stayed"
        );
    }

    #[test]
    fn log_in_failures_never_slow_app_sign_ins() {
        let throttle = LoginThrottle::new();
        let ann = Target::Account(Id::new());
        fail(&throttle, Door::Login, ann, A, 10);
        for n in 0..FREE_FAILURES_PER_ADDRESS {
            fail(
                &throttle,
                Door::Login,
                Target::Unknown(&format!("x{n}")),
                A,
                1,
            );
        }
        assert!(throttle.begin(Door::Login, ann, A).is_err());
        throttle.begin(Door::App, ann, A).unwrap().succeeded();
        throttle
            .begin(Door::App, Target::Unnamed, A)
            .unwrap()
            .succeeded();
        // And the other way round.
        fail(&throttle, Door::App, ann, B, 10);
        assert!(throttle.begin(Door::App, ann, B).is_err());
        throttle.begin(Door::Login, ann, B).unwrap().succeeded();
    }

    #[test]
    fn link_guesses_are_counted_apart_from_log_ins() {
        let throttle = LoginThrottle::new();
        for _ in 0..FREE_FAILURES_PER_ADDRESS {
            fail(&throttle, Door::Link, Target::Unnamed, A, 1);
        }
        assert!(throttle.begin(Door::Link, Target::Unnamed, A).is_err());
        let ann = Target::Account(Id::new());
        throttle.begin(Door::Login, ann, A).unwrap().succeeded();
    }

    #[test]
    fn spraying_names_from_one_address_slows_that_address() {
        let throttle = LoginThrottle::new();
        for n in 0..FREE_FAILURES_PER_ADDRESS {
            fail(
                &throttle,
                Door::Login,
                Target::Unknown(&format!("user{n}")),
                A,
                1,
            );
        }
        let fresh = Target::Unknown("fresh-name");
        assert_eq!(
            throttle.begin(Door::Login, fresh, A).err(),
            Some(FIRST_DELAY)
        );
        throttle.begin(Door::Login, fresh, B).unwrap().failed();
        // API keys name nobody: they meet the address's counter only.
        for _ in 0..FREE_FAILURES_PER_ADDRESS {
            fail(&throttle, Door::App, Target::Unnamed, B, 1);
        }
        assert!(throttle.begin(Door::App, Target::Unnamed, B).is_err());
    }

    #[test]
    fn unknown_names_are_slowed_like_accounts() {
        let throttle = LoginThrottle::new();
        let known = Target::Account(Id::new());
        let now = Instant::now();
        let waits = |target: Target, address: &str| {
            (0..12)
                .map(
                    |_| match throttle.begin_at(Door::Login, target, address, now) {
                        Ok(attempt) => {
                            attempt.failed_at(now);
                            None
                        }
                        Err(wait) => Some(wait),
                    },
                )
                .collect::<Vec<_>>()
        };
        assert_eq!(waits(known, A), waits(Target::Unknown("nobody"), B));
        // A name is counted as typed, trimmed and ignoring case.
        assert!(
            throttle
                .begin(Door::Login, Target::Unknown(" NoBody "), B)
                .is_err()
        );
    }

    #[test]
    fn an_ipv6_network_counts_as_one_address() {
        let throttle = LoginThrottle::new();
        let ann = Target::Account(Id::new());
        for n in 0..FREE_FAILURES_PER_ACCOUNT {
            fail(
                &throttle,
                Door::Login,
                ann,
                &format!("2001:db8:1:2::{n:x}"),
                1,
            );
        }
        assert!(
            throttle
                .begin(Door::Login, ann, "2001:db8:1:2:ffff::1")
                .is_err()
        );
        throttle
            .begin(Door::Login, ann, "2001:db8:1:3::1")
            .unwrap()
            .succeeded();
        fail(
            &throttle,
            Door::Login,
            ann,
            "203.0.113.9",
            FREE_FAILURES_PER_ACCOUNT,
        );
        assert!(
            throttle
                .begin(Door::Login, ann, "::ffff:203.0.113.9")
                .is_err()
        );
    }

    #[test]
    fn parallel_attempts_cannot_outrun_the_count() {
        let throttle = LoginThrottle::new();
        let ann = Target::Account(Id::new());
        let burst: Vec<_> = (0..MAX_IN_FLIGHT)
            .map(|_| {
                throttle
                    .begin(Door::App, ann, A)
                    .expect("an app's burst passes")
            })
            .collect();
        assert!(throttle.begin(Door::App, ann, A).is_err());
        for attempt in burst {
            attempt.succeeded();
        }
        let now = fail(&throttle, Door::App, ann, A, FREE_FAILURES_PER_ACCOUNT) + FIRST_DELAY;
        let one = throttle.begin_at(Door::App, ann, A, now).unwrap();
        assert!(
            throttle.begin_at(Door::App, ann, A, now).is_err(),
            "past the free failures, one guess at a time"
        );
        drop(one);
        let again = throttle.begin_at(Door::App, ann, A, now).unwrap();
        again.failed_at(now);
        assert_eq!(
            throttle.begin_at(Door::App, ann, A, now).err(),
            Some(2 * FIRST_DELAY),
            "an unsettled attempt counted nothing"
        );
    }

    #[test]
    fn failures_are_forgotten_after_a_quiet_hour() {
        let throttle = LoginThrottle::new();
        let ann = Target::Account(Id::new());
        let later = fail(&throttle, Door::Login, ann, A, 15) + FORGET_AFTER;
        for _ in 0..FREE_FAILURES_PER_ACCOUNT {
            throttle
                .begin_at(Door::Login, ann, A, later)
                .expect("forgotten")
                .failed_at(later);
        }
        assert!(throttle.begin_at(Door::Login, ann, A, later).is_err());
    }

    #[test]
    fn sprayed_names_and_addresses_stay_within_the_limit() {
        let throttle = LoginThrottle::with_capacity(1_000);
        for n in 0..20_000u32 {
            let address = std::net::Ipv4Addr::from(0x0a00_0000 + n).to_string();
            if let Ok(attempt) =
                throttle.begin(Door::Login, Target::Unknown(&format!("name{n}")), &address)
            {
                attempt.failed();
            }
        }
        let entries = throttle.entries();
        assert!(entries <= 1_000, "{entries} entries");
    }
}
