//! Each number's timeline: what happened to it, whoever did it, kept by the instance's
//! id (a name used again starts a new story) and after the instance is gone. The
//! destructive-action audit is read into it as it is.

use sqlx::{Row, SqlitePool};

use crate::audit;
use crate::db::to_json;
use crate::error::{Error, Result};
use crate::model::{
    now_millis, InstanceState, LogoutCause, TimelineEntry, TimelineEvent, TimelineItem,
};

/// Whose timeline to read.
pub enum Whose<'a> {
    Everyone,
    /// One instance, by id.
    Instance(&'a str),
    /// Instances that no longer exist, by their lower-cased name.
    DeletedNamed(&'a str),
}

/// Stores one event for `instance_id`, under the name the instance has now (or had, while
/// its deletion runs). Nothing is stored for an instance already gone.
pub async fn record(db: &SqlitePool, instance_id: &str, event: &TimelineEvent) -> Result<()> {
    sqlx::query(
        "INSERT INTO timeline (instance_id, instance_name, at, event)
         SELECT ?1, name, ?2, ?3 FROM (
             SELECT name FROM instances WHERE id = ?1
             UNION ALL SELECT name FROM deletions WHERE instance_id = ?1
         ) LIMIT 1",
    )
    .bind(instance_id)
    .bind(now_millis())
    .bind(to_json(event))
    .execute(db)
    .await?;
    Ok(())
}

/// What a change of state means for the timeline, if anything. Logging out here is the
/// audit's; a reconnect attempt or a QR round is not news.
pub fn event_of_change(previous: &InstanceState, next: &InstanceState) -> Option<TimelineEvent> {
    match (previous, next) {
        (InstanceState::Reconnecting { since, .. }, InstanceState::Connected { since: back }) => {
            Some(TimelineEvent::ConnectionBack {
                after_ms: back.saturating_sub(*since),
            })
        }
        (InstanceState::Reconnecting { .. }, InstanceState::Reconnecting { .. }) => None,
        (_, InstanceState::Reconnecting { detail, .. }) => Some(TimelineEvent::ConnectionLost {
            detail: detail.clone(),
        }),
        (
            _,
            InstanceState::Loggedout {
                cause: LogoutCause::Phone,
                ..
            },
        ) => Some(TimelineEvent::UnlinkedByPhone),
        (InstanceState::Banned { until: was, .. }, InstanceState::Banned { until, .. })
            if was == until =>
        {
            None
        }
        (_, InstanceState::Banned { until, .. }) => Some(TimelineEvent::Banned { until: *until }),
        (
            _,
            InstanceState::Disconnected {
                reason:
                    crate::model::DisconnectReason::Failed
                    | crate::model::DisconnectReason::ProxyUnreachable
                    | crate::model::DisconnectReason::ProxyAuthFailed,
                detail,
                ..
            },
        ) => Some(TimelineEvent::ConnectFailed {
            detail: detail.clone(),
        }),
        _ => None,
    }
}

/// Newest first: the stored events and the audit records of `whose`.
pub async fn list(db: &SqlitePool, whose: Whose<'_>) -> Result<Vec<TimelineEntry>> {
    let (by_id, by_name) = match whose {
        Whose::Everyone => (None, None),
        Whose::Instance(id) => (Some(id), None),
        Whose::DeletedNamed(key) => (None, Some(key)),
    };
    let rows = sqlx::query(
        "SELECT instance_id, instance_name, at, event FROM timeline
         WHERE (?1 IS NULL OR instance_id = ?1)
           AND (?2 IS NULL OR (lower(instance_name) = ?2
                               AND instance_id NOT IN (SELECT id FROM instances)))
         ORDER BY at DESC, id DESC",
    )
    .bind(by_id)
    .bind(by_name)
    .fetch_all(db)
    .await?;
    let mut entries = rows
        .iter()
        .map(|row| {
            let text: String = row.try_get("event")?;
            let event: TimelineEvent = serde_json::from_str(&text)
                .map_err(|e| Error::storage(format!("unreadable timeline event: {e}")))?;
            Ok(TimelineEntry {
                instance_id: row.try_get("instance_id")?,
                instance_name: row.try_get("instance_name")?,
                at: row.try_get("at")?,
                item: TimelineItem::Happened(event),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let actions = audit::list(db, by_id, by_name).await?;
    entries.extend(actions.into_iter().map(|record| TimelineEntry {
        instance_id: record.instance_id.clone(),
        instance_name: record.instance_name.clone(),
        at: record.at,
        item: TimelineItem::Action(record),
    }));
    // Stable: at the same millisecond, a stored event stays before the audit record.
    entries.sort_by_key(|entry| std::cmp::Reverse(entry.at));
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::DisconnectReason;

    fn reconnecting(since: i64) -> InstanceState {
        InstanceState::Reconnecting {
            detail: Some("stream ended".into()),
            next_attempt: None,
            since,
        }
    }

    #[test]
    fn an_outage_is_lost_then_back_with_its_length() {
        let connected = InstanceState::Connected { since: 1 };
        assert_eq!(
            event_of_change(&connected, &reconnecting(10)),
            Some(TimelineEvent::ConnectionLost {
                detail: Some("stream ended".into())
            })
        );
        assert_eq!(event_of_change(&reconnecting(10), &reconnecting(10)), None);
        assert_eq!(
            event_of_change(
                &reconnecting(10),
                &InstanceState::Connected { since: 4_010 }
            ),
            Some(TimelineEvent::ConnectionBack { after_ms: 4_000 })
        );
    }

    #[test]
    fn what_the_phone_and_whatsapp_did_is_kept_and_routine_is_not() {
        let connected = InstanceState::Connected { since: 1 };
        let unlinked = InstanceState::Loggedout {
            cause: LogoutCause::Phone,
            since: 2,
        };
        assert_eq!(
            event_of_change(&connected, &unlinked),
            Some(TimelineEvent::UnlinkedByPhone)
        );
        let user = InstanceState::Loggedout {
            cause: LogoutCause::User,
            since: 2,
        };
        assert_eq!(event_of_change(&connected, &user), None, "the audit's");
        let banned = InstanceState::Banned {
            until: Some(9),
            since: 2,
        };
        assert_eq!(
            event_of_change(&connected, &banned),
            Some(TimelineEvent::Banned { until: Some(9) })
        );
        assert_eq!(event_of_change(&banned, &banned), None);
        let failed = InstanceState::Disconnected {
            reason: DisconnectReason::Failed,
            detail: Some("proxy 127.0.0.1:9 cannot be reached".into()),
            since: 3,
        };
        assert!(matches!(
            event_of_change(&connected, &failed),
            Some(TimelineEvent::ConnectFailed { .. })
        ));
        let proxy_refused = InstanceState::Disconnected {
            reason: DisconnectReason::ProxyAuthFailed,
            detail: Some("the proxy 127.0.0.1:1080 refused the login".into()),
            since: 3,
        };
        assert!(matches!(
            event_of_change(&connected, &proxy_refused),
            Some(TimelineEvent::ConnectFailed { .. })
        ));
        let idle = InstanceState::Disconnected {
            reason: DisconnectReason::Idle,
            detail: None,
            since: 3,
        };
        assert_eq!(event_of_change(&connected, &idle), None);
        let connecting = InstanceState::Connecting {
            via: crate::model::ConnectVia::Qr,
            since: 3,
        };
        assert_eq!(event_of_change(&idle, &connecting), None);
    }
}
