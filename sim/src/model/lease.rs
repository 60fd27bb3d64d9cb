//! Leadership leases on virtual time.
//!
//! Juju's leadership tracker claims a lease for 60 s and renews it every 30 s
//! while the unit's agent runs (juju/juju `worker/leadership/tracker.go`).
//! Another unit can claim only after the holder stops renewing and the lease
//! lapses.

use serde::Serialize;

/// How long a claim or renewal holds, in ms.
pub const LEASE_MS: u64 = 60_000;
/// How often a running tracker renews, in ms.
pub const RENEW_MS: u64 = 30_000;

/// One application's leadership lease.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Lease {
    /// The unit holding the lease.
    pub holder: Option<String>,
    /// Virtual time of the last claim or renewal.
    pub renewed_at_ms: u64,
}

impl Lease {
    /// Moves the lease to `now`: a tracking holder renews on its 30 s beat; an
    /// untracked lease lapses 60 s after its last renewal. Returns the holder
    /// that lost the lease, if any.
    pub fn advance(&mut self, now: u64, holder_tracking: bool) -> Option<String> {
        self.holder.as_ref()?;
        if holder_tracking {
            if now >= self.renewed_at_ms + RENEW_MS {
                let beats = (now - self.renewed_at_ms) / RENEW_MS;
                self.renewed_at_ms += beats * RENEW_MS;
            }
            None
        } else if now >= self.renewed_at_ms + LEASE_MS {
            self.holder.take()
        } else {
            None
        }
    }

    /// When the lease lapses if nobody renews it.
    pub fn expires_at(&self) -> Option<u64> {
        self.holder.as_ref().map(|_| self.renewed_at_ms + LEASE_MS)
    }

    /// `unit` claims the (free) lease at `now`.
    pub fn claim(&mut self, unit: &str, now: u64) {
        self.holder = Some(unit.to_string());
        self.renewed_at_ms = now;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renews_while_tracked_and_lapses_after() {
        let mut l = Lease::default();
        l.claim("a/0", 0);
        assert_eq!(l.advance(95_000, true), None);
        assert_eq!(l.renewed_at_ms, 90_000);
        // The tracker stops: the lease holds until 60 s after the last renewal.
        assert_eq!(l.advance(149_999, false), None);
        assert_eq!(l.expires_at(), Some(150_000));
        assert_eq!(l.advance(150_000, false).as_deref(), Some("a/0"));
        assert!(l.holder.is_none());
    }
}
