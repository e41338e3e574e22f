//! Whether a linked session still talks to WhatsApp. The library reports a drop only
//! when the server closes the stream; a server that stops answering is noticed by its
//! keepalive (after up to two unanswered pings) and then retried without any event, and
//! so are the waits between failed attempts. The actor reads the client's counters
//! every second instead, so the state never reads `connected` over a dead link.

use std::time::Duration;

use crate::model::{InstanceState, Millis};
use crate::wa::Health;

/// How often the actor looks at a running session.
pub(super) const CHECK_EVERY: Duration = Duration::from_secs(1);

/// How long a closed socket is given to explain itself (unlinked, banned, replaced)
/// before it reads as a lost connection.
pub(super) const CLOSE_SETTLES: Duration = Duration::from_secs(2);

/// The longest a healthy connection stays silent: the keepalive pings at most 30 s
/// after the last thing received once 15 s passed, and the server answers within the
/// keepalive's 20 s deadline. Longer means a ping went unanswered.
const SILENCE_LIMIT: Duration = Duration::from_secs(15 + 30 + 20);

/// Whether the session is logged in and heard from within the limit.
fn answering(health: &Health) -> bool {
    health.live && health.silent_for.is_none_or(|s| s <= SILENCE_LIMIT)
}

/// What the actor knows besides the counters of this check.
pub(super) struct Seen {
    /// The failure count of the previous check: a new count means a new wait began now.
    pub reconnect_errors: u32,
    /// How long the socket has been found closed, checks in a row.
    pub closed_for: Duration,
}

/// The state the counters call for, or `None` to keep the current one.
pub(super) fn judge(
    current: &InstanceState,
    health: &Health,
    seen: &Seen,
    now: Millis,
) -> Option<InstanceState> {
    match current {
        InstanceState::Connected { .. } if !health.live && seen.closed_for < CLOSE_SETTLES => None,
        InstanceState::Connected { .. } if !health.live => Some(InstanceState::Reconnecting {
            detail: Some("the connection to WhatsApp closed".into()),
            next_attempt: None,
            since: now,
        }),
        InstanceState::Connected { .. } if !answering(health) => {
            Some(InstanceState::Reconnecting {
                detail: Some("WhatsApp stopped answering the keepalive".into()),
                next_attempt: None,
                since: now,
            })
        }
        InstanceState::Reconnecting { .. } if answering(health) => {
            Some(InstanceState::Connected { since: now })
        }
        InstanceState::Reconnecting { detail, since, .. }
            if health.reconnect_errors > 0 && health.reconnect_errors != seen.reconnect_errors =>
        {
            let wait = retry_wait(health.reconnect_errors - 1);
            Some(InstanceState::Reconnecting {
                detail: detail.clone(),
                next_attempt: Some(now.saturating_add(wait.as_millis() as Millis)),
                since: *since,
            })
        }
        _ => None,
    }
}

/// The client's wait after failure `attempt` (0-based), without its ±10 % jitter:
/// WhatsApp Web's Fibonacci schedule 1, 1, 2, 3, 5, 8... seconds, capped at 900 s.
fn retry_wait(attempt: u32) -> Duration {
    const MAX_MILLIS: u64 = 900_000;
    let (mut a, mut b) = (1_000u64, 1_000u64);
    for _ in 0..attempt {
        (a, b) = (b, a.saturating_add(b).min(MAX_MILLIS));
    }
    Duration::from_millis(a.min(MAX_MILLIS))
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: Millis = 1_700_000_000_000;

    fn health(live: bool, silent_secs: u64, reconnect_errors: u32) -> Health {
        Health {
            live,
            silent_for: Some(Duration::from_secs(silent_secs)),
            reconnect_errors,
        }
    }

    fn seen(reconnect_errors: u32, closed_secs: u64) -> Seen {
        Seen {
            reconnect_errors,
            closed_for: Duration::from_secs(closed_secs),
        }
    }

    fn reconnecting(next_attempt: Option<Millis>) -> InstanceState {
        InstanceState::Reconnecting {
            detail: Some("x".into()),
            next_attempt,
            since: 7,
        }
    }

    #[test]
    fn a_healthy_connection_stays_connected() {
        let connected = InstanceState::Connected { since: 7 };
        assert_eq!(
            judge(&connected, &health(true, 40, 0), &seen(0, 0), NOW),
            None
        );
    }

    #[test]
    fn a_closed_socket_or_an_unanswered_keepalive_leaves_connected_at_once() {
        let connected = InstanceState::Connected { since: 7 };
        for dead in [health(false, 1, 0), health(true, 66, 0)] {
            match judge(&connected, &dead, &seen(0, 2), NOW) {
                Some(InstanceState::Reconnecting {
                    next_attempt: None,
                    since,
                    ..
                }) => assert_eq!(since, NOW),
                other => panic!("unexpected {other:?}"),
            }
        }
    }

    #[test]
    fn a_socket_just_closed_is_given_time_to_say_why() {
        let connected = InstanceState::Connected { since: 7 };
        assert_eq!(
            judge(&connected, &health(false, 1, 0), &seen(0, 1), NOW),
            None
        );
    }

    #[test]
    fn back_after_an_outage_is_connected_since_now() {
        assert_eq!(
            judge(&reconnecting(None), &health(true, 0, 0), &seen(0, 0), NOW),
            Some(InstanceState::Connected { since: NOW })
        );
    }

    #[test]
    fn each_failed_attempt_announces_the_next_one_and_keeps_the_outage_start() {
        assert_eq!(
            judge(&reconnecting(None), &health(false, 90, 4), &seen(3, 9), NOW),
            Some(InstanceState::Reconnecting {
                detail: Some("x".into()),
                next_attempt: Some(NOW + 3_000),
                since: 7,
            })
        );
        // The same count is the same wait: nothing new to say.
        assert_eq!(
            judge(
                &reconnecting(Some(1)),
                &health(false, 90, 4),
                &seen(4, 9),
                NOW
            ),
            None
        );
    }

    #[test]
    fn waits_follow_the_fibonacci_schedule_up_to_fifteen_minutes() {
        let secs: Vec<u64> = (0..10).map(|n| retry_wait(n).as_secs()).collect();
        assert_eq!(secs, [1, 1, 2, 3, 5, 8, 13, 21, 34, 55]);
        assert_eq!(retry_wait(40), Duration::from_secs(900));
    }
}
