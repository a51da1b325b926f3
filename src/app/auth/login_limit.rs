//! The login rate limiter: a fixed number of attempts per key (an email, a client address) per
//! window, with bounded memory whatever is submitted. A key is held as the first 16 bytes of the
//! SHA-256 of its normalised text, so a 256 KB "email" costs as little as a short one; entries
//! whose window has ended are swept once per window; and the map never holds more than
//! `max_keys` entries — when full, the oldest windows are dropped first (those keys start again
//! from zero, which only ever favours attempts that are spread out in time).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use sha2::Digest;

/// A key's attempts in its current window.
#[derive(Debug, Clone, Copy)]
struct Window {
    started: Instant,
    attempts: u32,
}

#[derive(Debug)]
struct Windows {
    by_key: HashMap<[u8; 16], Window>,
    next_sweep: Option<Instant>,
}

/// Attempts per key per window, in bounded memory.
#[derive(Debug)]
pub struct LoginLimiter {
    windows: Mutex<Windows>,
    per_window: u32,
    window: Duration,
    max_keys: usize,
}

impl Default for LoginLimiter {
    /// Five attempts per minute per key; at most 10,000 keys (under a megabyte).
    fn default() -> Self {
        Self::new(5, Duration::from_secs(60), 10_000)
    }
}

/// The fixed-size form of a key: case and surrounding spaces do not make a new key.
fn digest(key: &str) -> [u8; 16] {
    let full = sha2::Sha256::digest(key.trim().to_lowercase().as_bytes());
    let mut out = [0u8; 16];
    out.copy_from_slice(&full[..16]);
    out
}

impl LoginLimiter {
    /// `per_window` attempts per key per `window`, remembering at most `max_keys` keys.
    pub fn new(per_window: u32, window: Duration, max_keys: usize) -> Self {
        let windows = Windows {
            by_key: HashMap::new(),
            next_sweep: None,
        };
        Self {
            windows: Mutex::new(windows),
            per_window: per_window.max(1),
            window,
            max_keys: max_keys.max(1),
        }
    }

    /// Count an attempt for `key` now; false when the key has used up its window.
    pub fn check(&self, key: &str) -> bool {
        self.check_at(key, Instant::now())
    }

    /// Count an attempt for `key` at `now` (tests pass their own clock).
    pub fn check_at(&self, key: &str, now: Instant) -> bool {
        let mut w = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        if w.next_sweep.is_none_or(|t| now >= t) {
            let window = self.window;
            w.by_key
                .retain(|_, v| now.saturating_duration_since(v.started) < window);
            w.next_sweep = Some(now + window);
        }
        let k = digest(key);
        if !w.by_key.contains_key(&k) && w.by_key.len() >= self.max_keys {
            evict_oldest(&mut w.by_key, self.max_keys);
        }
        let entry = w.by_key.entry(k).or_insert(Window {
            started: now,
            attempts: 0,
        });
        if now.saturating_duration_since(entry.started) >= self.window {
            *entry = Window {
                started: now,
                attempts: 0,
            };
        }
        entry.attempts = entry.attempts.saturating_add(1);
        entry.attempts <= self.per_window
    }

    /// How many keys are remembered now.
    pub fn len(&self) -> usize {
        self.windows
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .by_key
            .len()
    }

    /// True when no key is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Make room in a full map: drop the oldest tenth of the windows (at least one), so that a
/// flood of new keys costs one partial sort per many insertions, not one per insertion.
fn evict_oldest(map: &mut HashMap<[u8; 16], Window>, max_keys: usize) {
    let drop = (max_keys / 10).max(1).min(map.len());
    let mut starts: Vec<Instant> = map.values().map(|v| v.started).collect();
    let (_, cutoff, _) = starts.select_nth_unstable(drop - 1);
    let cutoff = *cutoff;
    let mut left = drop;
    map.retain(|_, v| {
        if left > 0 && v.started <= cutoff {
            left -= 1;
            false
        } else {
            true
        }
    });
}
