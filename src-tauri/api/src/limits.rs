//! The API's limits (seeds 000 and 001): requests per token per minute across the API,
//! and instance deletions per minute and per hour for the account. Every number can be
//! configured; the window never comes through here, so it is never limited.

use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultDirectRateLimiter, DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::auth::Caller;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiLimits {
    pub requests_per_minute: NonZeroU32,
    pub deletes_per_minute: NonZeroU32,
    pub deletes_per_hour: NonZeroU32,
    /// Larger request bodies are refused before they are read.
    pub max_body_bytes: usize,
    /// The same for a route that takes a file inline (Evolution's sendMedia, base64).
    pub max_media_body_bytes: usize,
}

impl Default for ApiLimits {
    fn default() -> Self {
        Self {
            requests_per_minute: NonZeroU32::new(100).expect("non-zero"),
            deletes_per_minute: NonZeroU32::new(10).expect("non-zero"),
            deletes_per_hour: NonZeroU32::new(100).expect("non-zero"),
            max_body_bytes: 64 * 1024,
            // WhatsApp's largest file (a 100 MB document) in base64, with room for JSON.
            max_media_body_bytes: 140 * 1024 * 1024,
        }
    }
}

/// How long a refused caller should wait before trying again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryAfter(pub Duration);

impl RetryAfter {
    /// Whole seconds for the `Retry-After` header, never 0.
    pub fn seconds(&self) -> u64 {
        self.0.as_secs_f64().ceil().max(1.0) as u64
    }
}

pub(crate) struct Limits {
    requests: DefaultKeyedRateLimiter<String>,
    deletes_per_minute: DefaultDirectRateLimiter,
    deletes_per_hour: DefaultDirectRateLimiter,
    clock: DefaultClock,
}

impl Limits {
    pub fn new(limits: &ApiLimits) -> Self {
        Self {
            requests: RateLimiter::keyed(Quota::per_minute(limits.requests_per_minute)),
            deletes_per_minute: RateLimiter::direct(Quota::per_minute(limits.deletes_per_minute)),
            deletes_per_hour: RateLimiter::direct(Quota::per_hour(limits.deletes_per_hour)),
            clock: DefaultClock::default(),
        }
    }

    /// Counts one request of `caller` against its token's budget.
    pub fn admit(&self, caller: &Caller) -> Result<(), RetryAfter> {
        self.requests
            .check_key(&caller.limit_key())
            .map_err(|refused| RetryAfter(refused.wait_time_from(self.clock.now())))
    }

    /// Counts one instance deletion. The minute's budget is asked first: a deletion it
    /// refuses does not use up the hour's.
    pub fn admit_delete(&self) -> Result<(), RetryAfter> {
        let now = self.clock.now();
        self.deletes_per_minute
            .check()
            .and_then(|()| self.deletes_per_hour.check())
            .map_err(|refused| RetryAfter(refused.wait_time_from(now)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(requests: u32, per_minute: u32, per_hour: u32) -> Limits {
        Limits::new(&ApiLimits {
            requests_per_minute: NonZeroU32::new(requests).unwrap(),
            deletes_per_minute: NonZeroU32::new(per_minute).unwrap(),
            deletes_per_hour: NonZeroU32::new(per_hour).unwrap(),
            max_body_bytes: 1024,
            max_media_body_bytes: 1024,
        })
    }

    #[test]
    fn each_token_has_its_own_budget_per_minute() {
        let limits = limits(2, 1, 1);
        let shop = Caller::Instance {
            id: "a".into(),
            key: "shop".into(),
        };
        assert!(limits.admit(&Caller::Account).is_ok());
        assert!(limits.admit(&Caller::Account).is_ok());
        let refused = limits.admit(&Caller::Account).unwrap_err();
        assert!((1..=60).contains(&refused.seconds()), "{refused:?}");
        assert!(limits.admit(&shop).is_ok(), "another token is not affected");
    }

    #[test]
    fn deletions_stop_at_the_minute_then_at_the_hour() {
        let per_minute = limits(100, 2, 100);
        assert!(per_minute.admit_delete().is_ok());
        assert!(per_minute.admit_delete().is_ok());
        assert!(per_minute.admit_delete().unwrap_err().seconds() <= 60);

        let per_hour = limits(100, 10, 1);
        assert!(per_hour.admit_delete().is_ok());
        let refused = per_hour.admit_delete().unwrap_err();
        assert!(
            refused.seconds() > 60,
            "the hour's budget is what refuses: {refused:?}"
        );
    }

    #[test]
    fn retry_after_is_never_zero() {
        assert_eq!(RetryAfter(Duration::from_millis(1)).seconds(), 1);
        assert_eq!(RetryAfter(Duration::from_millis(1500)).seconds(), 2);
    }
}
