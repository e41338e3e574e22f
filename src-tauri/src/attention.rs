//! Which state changes deserve the user's attention when they did not ask for them.

use std::time::Duration;

use switchboard_engine::model::{DisconnectReason, Instance, InstanceState, LogoutCause};

/// A dropped connection is only worth a notification once it has lasted this long.
pub const DROP_GRACE: Duration = Duration::from_secs(60);

/// What a notification tells; the words come from the user's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    Unlinked,
    TemporarilyBanned,
    Banned,
    Replaced,
    OfflineForAMinute,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Alert {
    /// Tell the user now.
    Now(Notice),
    /// Tell the user if the instance is still in this very state after `DROP_GRACE`.
    IfStillDroppedAfterGrace,
    None,
}

/// What a new state means to the user, who did not ask for it.
pub fn alert_for(state: &InstanceState) -> Alert {
    match state {
        InstanceState::Loggedout {
            cause: LogoutCause::Phone,
            ..
        } => Alert::Now(Notice::Unlinked),
        InstanceState::Banned { until: Some(_), .. } => Alert::Now(Notice::TemporarilyBanned),
        InstanceState::Banned { until: None, .. } => Alert::Now(Notice::Banned),
        InstanceState::Disconnected {
            reason: DisconnectReason::StreamReplaced,
            ..
        } => Alert::Now(Notice::Replaced),
        // The first word of an outage; later ones only move the next attempt.
        InstanceState::Reconnecting {
            next_attempt: None, ..
        } => Alert::IfStillDroppedAfterGrace,
        _ => Alert::None,
    }
}

/// True when a person should look at this number: it cannot work until they act,
/// or it has lost its connection.
pub fn needs_attention(state: &InstanceState) -> bool {
    match state {
        InstanceState::Loggedout { cause, .. } => *cause == LogoutCause::Phone,
        InstanceState::Banned { .. } => true,
        InstanceState::Disconnected { reason, .. } => !matches!(
            reason,
            DisconnectReason::Idle
                | DisconnectReason::QrExpired
                | DisconnectReason::PairCodeExpired
        ),
        InstanceState::Reconnecting { .. } => true,
        InstanceState::Connecting { .. } | InstanceState::Connected { .. } => false,
    }
}

/// How many numbers are connected, and how many need a look.
pub fn tally(instances: &[Instance]) -> (usize, usize) {
    let connected = instances.iter().filter(|i| i.state.is_connected()).count();
    let attention = instances
        .iter()
        .filter(|i| needs_attention(&i.state))
        .count();
    (connected, attention)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn disconnected(reason: DisconnectReason) -> InstanceState {
        InstanceState::Disconnected {
            reason,
            detail: None,
            since: 1,
        }
    }

    fn reconnecting(next_attempt: Option<i64>) -> InstanceState {
        InstanceState::Reconnecting {
            detail: None,
            next_attempt,
            since: 1,
        }
    }

    #[test]
    fn only_unasked_losses_alert() {
        let phone = InstanceState::Loggedout {
            cause: LogoutCause::Phone,
            since: 1,
        };
        let user = InstanceState::Loggedout {
            cause: LogoutCause::User,
            since: 1,
        };
        assert_eq!(alert_for(&phone), Alert::Now(Notice::Unlinked));
        assert_eq!(alert_for(&user), Alert::None);
        assert_eq!(
            alert_for(&disconnected(DisconnectReason::Idle)),
            Alert::None
        );
        assert_eq!(
            alert_for(&disconnected(DisconnectReason::QrExpired)),
            Alert::None
        );
        assert_eq!(
            alert_for(&reconnecting(None)),
            Alert::IfStillDroppedAfterGrace
        );
        assert_eq!(alert_for(&reconnecting(Some(9))), Alert::None);
        let banned = InstanceState::Banned {
            until: Some(5),
            since: 1,
        };
        assert_eq!(alert_for(&banned), Alert::Now(Notice::TemporarilyBanned));
        assert_eq!(
            alert_for(&InstanceState::Connected { since: 1 }),
            Alert::None
        );
    }

    #[test]
    fn attention_excludes_states_the_user_chose() {
        assert!(!needs_attention(&disconnected(DisconnectReason::Idle)));
        assert!(!needs_attention(&disconnected(DisconnectReason::QrExpired)));
        assert!(needs_attention(&reconnecting(Some(9))));
        assert!(needs_attention(&InstanceState::Banned {
            until: None,
            since: 1
        }));
        assert!(!needs_attention(&InstanceState::Loggedout {
            cause: LogoutCause::User,
            since: 1
        }));
    }
}
