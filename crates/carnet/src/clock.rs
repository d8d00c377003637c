//! Time as the engine sees it: an injected wall clock and the hybrid logical clock (HLC).
//!
//! Why injected: the engine never asks the operating system for the time, so every output
//! (letters, exports, demo data, tests) is a pure function of its inputs. The desktop shell and
//! the CLI pass a [`SystemClock`]-like implementation of [`Clock`]; tests pass a [`ManualClock`].
//!
//! Why hybrid: laptops' clocks drift and jump backwards (a dead CMOS battery, a manual change,
//! a time-zone mistake). The HLC is `(wall ms, counter, device)`. Each local change gets a stamp
//! strictly greater than every stamp this device has issued or received, even if the wall
//! clock went back, and the device id makes stamps from two devices never equal. The resulting
//! order is total and is what sync's "last writer wins per field" compares.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

/// A source of wall-clock time in milliseconds since the Unix epoch (UTC).
pub trait Clock: Send {
    /// Current wall-clock time in milliseconds since 1970-01-01T00:00:00Z.
    fn now_ms(&self) -> i64;

    /// Today's date, used by validation rules such as "no birth date in the future".
    fn today(&self) -> NaiveDate {
        DateTime::<Utc>::from_timestamp_millis(self.now_ms())
            .map(|t| t.date_naive())
            .unwrap_or(NaiveDate::MIN)
    }
}

/// The operating system's clock, with the officer's local calendar day.
///
/// For the binaries (CLI, desktop) to pass in: nothing inside the engine constructs one, so
/// the engine itself still never reads the time on its own.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

// The one place the engine's crate reads the system clock (`crates/carnet/clippy.toml`
// forbids it everywhere else).
#[allow(clippy::disallowed_methods)]
impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        chrono::Utc::now().timestamp_millis()
    }

    fn today(&self) -> NaiveDate {
        chrono::Local::now().date_naive()
    }
}

/// A clock the caller sets by hand: tests, the demo generator, benchmarks.
///
/// Share it with `Arc` to keep moving it after handing it to a store.
#[derive(Debug)]
pub struct ManualClock {
    ms: AtomicI64,
}

impl ManualClock {
    /// A clock stopped at `ms`.
    pub fn new(ms: i64) -> Self {
        ManualClock {
            ms: AtomicI64::new(ms),
        }
    }

    /// A clock stopped at midday UTC on `date`.
    pub fn at_date(date: NaiveDate) -> Self {
        let ms = date
            .and_hms_opt(12, 0, 0)
            .map(|t| t.and_utc().timestamp_millis())
            .unwrap_or(0);
        Self::new(ms)
    }

    /// Moves the clock to `ms` (backwards too: that is what the HLC must survive).
    pub fn set(&self, ms: i64) {
        self.ms.store(ms, Ordering::Relaxed);
    }

    /// Moves the clock forward by `delta` milliseconds.
    pub fn advance(&self, delta: i64) {
        self.ms.fetch_add(delta, Ordering::Relaxed);
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> i64 {
        self.ms.load(Ordering::Relaxed)
    }
}

impl<C: Clock + Sync> Clock for Arc<C> {
    fn now_ms(&self) -> i64 {
        self.as_ref().now_ms()
    }
}

/// A hybrid logical clock stamp. Ordered by wall time, then counter, then device id bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Hlc {
    pub wall_ms: i64,
    pub counter: i64,
    pub device: Uuid,
}

impl Hlc {
    /// The smallest stamp of a device, before it issued anything.
    pub fn zero(device: Uuid) -> Self {
        Hlc {
            wall_ms: 0,
            counter: 0,
            device,
        }
    }
}

impl fmt::Display for Hlc {
    /// Fixed-width and sortable as text: `000001732530000000-0000000003-<device>`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:018}-{:010}-{}",
            self.wall_ms,
            self.counter,
            self.device.simple()
        )
    }
}

impl std::str::FromStr for Hlc {
    type Err = ();

    /// Parses the text form written by `Display`, for every value a stamp can hold (a
    /// negative wall time or counter starts with its own `-`, which is not a separator).
    fn from_str(text: &str) -> Result<Hlc, ()> {
        let (numbers, device) = text.rsplit_once('-').ok_or(())?;
        let split = numbers
            .char_indices()
            .skip(1)
            .find(|(_, c)| *c == '-')
            .map(|(i, _)| i)
            .ok_or(())?;
        let (wall, counter) = (&numbers[..split], &numbers[split + 1..]);
        let wall_ms = wall.parse().map_err(|_| ())?;
        let counter = counter.parse().map_err(|_| ())?;
        let device = Uuid::parse_str(device).map_err(|_| ())?;
        Ok(Hlc {
            wall_ms,
            counter,
            device,
        })
    }
}

/// The clock state of one device: the last stamp issued or seen.
#[derive(Debug, Clone, Copy)]
pub struct HlcState {
    last_wall: i64,
    last_counter: i64,
    device: Uuid,
}

impl HlcState {
    /// Restores the state of `device` from its last persisted stamp.
    pub fn new(device: Uuid, last_wall: i64, last_counter: i64) -> Self {
        HlcState {
            last_wall,
            last_counter,
            device,
        }
    }

    /// The device these stamps belong to.
    pub fn device(&self) -> Uuid {
        self.device
    }

    /// The last stamp issued or received, as `(wall ms, counter)`.
    pub fn last(&self) -> (i64, i64) {
        (self.last_wall, self.last_counter)
    }

    /// Issues a stamp for a local change: strictly greater than every stamp seen so far.
    pub fn tick(&mut self, now_ms: i64) -> Hlc {
        self.tick_range(now_ms, 1)
    }

    /// Reserves `n` consecutive stamps `(wall, c) … (wall, c + n - 1)` and returns the first;
    /// all are greater than every stamp seen so far.
    pub fn tick_range(&mut self, now_ms: i64, n: usize) -> Hlc {
        let n = n.max(1) as i64;
        let first = if now_ms > self.last_wall {
            self.last_wall = now_ms;
            0
        } else {
            self.last_counter + 1
        };
        self.last_counter = first + n - 1;
        Hlc {
            wall_ms: self.last_wall,
            counter: first,
            device: self.device,
        }
    }

    /// Takes a remote stamp into account so that later local stamps sort after it.
    pub fn observe(&mut self, remote: Hlc) {
        if (remote.wall_ms, remote.counter) > (self.last_wall, self.last_counter) {
            self.last_wall = remote.wall_ms;
            self.last_counter = remote.counter;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_increase_even_when_the_wall_clock_goes_back() {
        let device = Uuid::from_u128(7);
        let mut state = HlcState::new(device, 0, 0);
        let a = state.tick(1_000);
        let b = state.tick(1_000);
        let c = state.tick(500); // the clock went back
        let d = state.tick(2_000);
        assert!(a < b && b < c && c < d, "{a} {b} {c} {d}");
        assert_eq!(c.wall_ms, 1_000);
        assert_eq!(d.counter, 0);
    }

    #[test]
    fn ranges_reserve_every_stamp() {
        let mut state = HlcState::new(Uuid::from_u128(7), 0, 0);
        let a = state.tick_range(1_000, 3);
        let b = state.tick(1_000);
        assert_eq!((a.counter, b.counter), (0, 3));
        let c = state.tick_range(900, 2);
        assert_eq!((c.wall_ms, c.counter), (1_000, 4));
        assert_eq!(state.last(), (1_000, 5));
    }

    #[test]
    fn observing_a_remote_stamp_moves_later_ticks_past_it() {
        let mut state = HlcState::new(Uuid::from_u128(1), 0, 0);
        let remote = Hlc {
            wall_ms: 10_000,
            counter: 5,
            device: Uuid::from_u128(2),
        };
        state.observe(remote);
        let next = state.tick(3_000);
        assert!(next > remote);
        assert_eq!((next.wall_ms, next.counter), (10_000, 6));
    }

    proptest::proptest! {
        #[test]
        fn the_text_form_round_trips_every_stamp(wall in proptest::prelude::any::<i64>(), counter in proptest::prelude::any::<i64>(), device in proptest::prelude::any::<u128>()) {
            let stamp = Hlc { wall_ms: wall, counter, device: Uuid::from_u128(device) };
            proptest::prop_assert_eq!(stamp.to_string().parse::<Hlc>(), Ok(stamp));
        }
    }

    #[test]
    fn device_breaks_ties_and_text_form_sorts_like_the_stamp() {
        let a = Hlc {
            wall_ms: 5,
            counter: 1,
            device: Uuid::from_u128(1),
        };
        let b = Hlc {
            device: Uuid::from_u128(2),
            ..a
        };
        assert!(a < b);
        assert!(a.to_string() < b.to_string());
        assert_eq!(a.to_string().parse::<Hlc>(), Ok(a));
    }
}
