//! Which state changes deserve the user's attention when they did not ask for them.

use std::time::Duration;

use switchboard_engine::model::{DisconnectReason, Instance, InstanceState, LogoutCause};

/// A dropped connection is only worth a notification once it has lasted this long.
pub const DROP_GRACE: Duration = Duration::from_secs(60);

#[derive(Debug, PartialEq, Eq)]
pub enum Alert {
    /// Tell the user now, with this sentence.
    Now(String),
    /// Tell the user if the instance is still in this very state after `DROP_GRACE`.
    IfStillDroppedAfterGrace,
    None,
}

/// What a new state means for a number called `name`.
pub fn alert_for(name: &str, state: &InstanceState) -> Alert {
    match state {
        InstanceState::Loggedout {
            cause: LogoutCause::Phone,
            ..
        } => Alert::Now(format!(
            "{name} was unlinked from the phone. Link it again to keep receiving messages."
        )),
        InstanceState::Banned { until: Some(_), .. } => {
            Alert::Now(format!("{name} was temporarily banned by WhatsApp."))
        }
        InstanceState::Banned { until: None, .. } => {
            Alert::Now(format!("{name} was banned by WhatsApp."))
        }
        InstanceState::Disconnected {
            reason: DisconnectReason::StreamReplaced,
            ..
        } => Alert::Now(format!(
            "{name} was disconnected because WhatsApp was opened in another place."
        )),
        InstanceState::Disconnected {
            reason: DisconnectReason::ConnectionLost,
            ..
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
        InstanceState::Connecting { .. } | InstanceState::Connected { .. } => false,
    }
}

/// The tray tooltip: how many numbers work and how many need a look.
pub fn summary(instances: &[Instance]) -> String {
    let connected = instances.iter().filter(|i| i.state.is_connected()).count();
    let attention = instances
        .iter()
        .filter(|i| needs_attention(&i.state))
        .count();
    let numbers = |n: usize| if n == 1 { "number" } else { "numbers" };
    match attention {
        0 => format!("Switchboard: {connected} {} connected", numbers(connected)),
        _ => format!(
            "Switchboard: {connected} {} connected, {attention} {} need attention",
            numbers(connected),
            numbers(attention)
        ),
    }
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
        assert!(matches!(alert_for("Sales", &phone), Alert::Now(text) if text.contains("Sales")));
        assert_eq!(alert_for("Sales", &user), Alert::None);
        assert_eq!(
            alert_for("Sales", &disconnected(DisconnectReason::Idle)),
            Alert::None
        );
        assert_eq!(
            alert_for("Sales", &disconnected(DisconnectReason::QrExpired)),
            Alert::None
        );
        assert_eq!(
            alert_for("Sales", &disconnected(DisconnectReason::ConnectionLost)),
            Alert::IfStillDroppedAfterGrace
        );
        let banned = InstanceState::Banned {
            until: Some(5),
            since: 1,
        };
        assert!(
            matches!(alert_for("Sales", &banned), Alert::Now(text) if text.contains("temporarily"))
        );
        assert_eq!(
            alert_for("Sales", &InstanceState::Connected { since: 1 }),
            Alert::None
        );
    }

    #[test]
    fn attention_excludes_states_the_user_chose() {
        assert!(!needs_attention(&disconnected(DisconnectReason::Idle)));
        assert!(!needs_attention(&disconnected(DisconnectReason::QrExpired)));
        assert!(needs_attention(&disconnected(
            DisconnectReason::ConnectionLost
        )));
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
