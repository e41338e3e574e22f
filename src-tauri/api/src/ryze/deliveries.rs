//! The webhook's deliveries, Switchboard's addition to RyzeAPI's events module: the last
//! attempt with the outbox's size, and a test event sent exactly like a real one.

use axum::extract::State;
use axum::Json;
use serde::Serialize;
use switchboard_commands::webhook_status::WebhookStatus;
use utoipa::ToSchema;

use super::reply::{InstanceName, Refusal, RefusalBody};
use crate::ApiState;

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryView {
    /// The event's name (`TEST` for a test event).
    pub event: String,
    /// Milliseconds since the epoch.
    pub at: i64,
    /// The receiver's HTTP status; null when no answer came.
    pub status: Option<u16>,
    /// Why it was not delivered; null when it was.
    pub error: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeliveriesView {
    /// Null before the first attempt, or once the webhook's address changed.
    pub last_delivery: Option<DeliveryView>,
    /// Events waiting in the outbox for this instance's webhook.
    pub pending: u64,
}

impl DeliveriesView {
    fn of(status: WebhookStatus) -> Self {
        DeliveriesView {
            last_delivery: status.last_delivery.map(|d| DeliveryView {
                event: d.event,
                at: d.at,
                status: d.status,
                error: d.error,
            }),
            pending: status.pending,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveriesAnswer {
    success: bool,
    message: &'static str,
    deliveries: DeliveriesView,
}

fn answer(message: &'static str, status: WebhookStatus) -> Json<DeliveriesAnswer> {
    Json(DeliveriesAnswer {
        success: true,
        message,
        deliveries: DeliveriesView::of(status),
    })
}

/// `GET /api/events/webhookDeliveries/:instance`.
#[utoipa::path(
    get,
    path = "/api/events/webhookDeliveries/{instance}",
    tag = "events",
    params(("instance" = String, Path, description = "The instance's name")),
    security(("token" = []), ("bearer" = [])),
    responses(
        (status = 200, description = "Webhook deliveries retrieved successfully", body = DeliveriesAnswer),
        (status = 401, description = "Invalid token", body = RefusalBody),
        (status = 404, description = "Instance not found", body = RefusalBody),
        (status = 429, description = "Rate limit exceeded. Try again later.", body = RefusalBody),
    )
)]
pub async fn deliveries(
    State(api): State<ApiState>,
    InstanceName(name): InstanceName,
) -> Result<Json<DeliveriesAnswer>, Refusal> {
    let status = switchboard_commands::webhook_status(&api.host, name).await?;
    Ok(answer("Webhook deliveries retrieved successfully", status))
}

/// `POST /api/events/testWebhook/:instance`: queues a `TEST` event, signed and retried
/// like any other, and answers once its first try is over.
#[utoipa::path(
    post,
    path = "/api/events/testWebhook/{instance}",
    tag = "events",
    params(("instance" = String, Path, description = "The instance's name")),
    security(("token" = []), ("bearer" = [])),
    responses(
        (status = 200, description = "Test event sent", body = DeliveriesAnswer),
        (status = 401, description = "Invalid token", body = RefusalBody),
        (status = 404, description = "Instance not found", body = RefusalBody),
        (status = 409, description = "The instance has no webhook (webhook_not_configured)", body = RefusalBody),
        (status = 429, description = "Rate limit exceeded. Try again later.", body = RefusalBody),
    )
)]
pub async fn test_webhook(
    State(api): State<ApiState>,
    InstanceName(name): InstanceName,
) -> Result<Json<DeliveriesAnswer>, Refusal> {
    let status = switchboard_commands::send_test_webhook(&api.host, name).await?;
    Ok(answer("Test event sent", status))
}
