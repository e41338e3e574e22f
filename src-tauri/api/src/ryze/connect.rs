//! `GET /api/instance/connect/:instance`: links an instance. Without a number it answers
//! the QR code the instance shows (as its text and as a PNG data URL drawn by the same
//! code the window uses), starting a QR round when none is running; with `?number=` it
//! answers the 8-character pairing code instead.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use switchboard_engine::model::{InstanceState, Millis};
use switchboard_engine::EngineEvent;
use tokio::sync::broadcast::error::RecvError;
use utoipa::ToSchema;

use super::reply::{Args, InstanceName, Refusal, RefusalBody};
use crate::live::ShownQr;
use crate::ApiState;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ConnectArgs {
    /// The phone number to pair by code instead of QR.
    number: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConnectAnswer {
    success: bool,
    message: &'static str,
    /// `qr`, `code`, or `connected` when there was nothing to link.
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    qr_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    qr_code_base64: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pairing_code: Option<String>,
    /// When the QR code stops being valid (milliseconds since the epoch).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<i64>)]
    expires_at: Option<Millis>,
}

#[utoipa::path(
    get,
    path = "/api/instance/connect/{instance}",
    tag = "instance",
    params(("instance" = String, Path, description = "The instance's name"), ConnectArgs),
    security(("token" = []), ("bearer" = [])),
    responses(
        (status = 200, description = "QR code generated, Pairing code generated, or Instance already connected", body = ConnectAnswer),
        (status = 400, description = "An invalid phone number", body = RefusalBody),
        (status = 401, description = "Invalid token", body = RefusalBody),
        (status = 404, description = "Instance not found", body = RefusalBody),
        (status = 409, description = "Already linked: reconnect, or log out first", body = RefusalBody),
        (status = 429, description = "Rate limit exceeded. Try again later.", body = RefusalBody),
        (status = 504, description = "No QR code came from WhatsApp in time", body = RefusalBody),
    )
)]
pub async fn connect(
    State(api): State<ApiState>,
    InstanceName(name): InstanceName,
    Args(args): Args<ConnectArgs>,
) -> Result<Json<ConnectAnswer>, Refusal> {
    if let Some(number) = args.number.filter(|n| !n.trim().is_empty()) {
        let code = switchboard_commands::connect_code(&api.host, name, number).await?;
        return Ok(Json(ConnectAnswer {
            pairing_code: Some(code),
            ..answer("Pairing code generated", "code")
        }));
    }
    let instance = switchboard_commands::get_instance(&api.host, name.clone()).await?;
    if instance.state.is_connected() {
        return Ok(Json(answer("Instance already connected", "connected")));
    }
    let showing_qr = matches!(instance.state, InstanceState::Connecting { .. });
    if let Some(qr) = api.live.current_qr(&instance.id).filter(|_| showing_qr) {
        return qr_answer(&api, qr).await;
    }
    // Subscribed before asking: the first code cannot slip past.
    let mut events = api.host.engine().subscribe();
    let state = switchboard_commands::connect_qr(&api.host, name).await?;
    if state.is_connected() {
        return Ok(Json(answer("Instance already connected", "connected")));
    }
    let wait = api.config.connect_wait;
    let first = tokio::time::timeout(wait, async {
        loop {
            match events.recv().await {
                Ok(EngineEvent::QrCode {
                    instance_id,
                    code,
                    expires_at,
                    ..
                }) if instance_id == instance.id => {
                    return Ok(ShownQr { code, expires_at });
                }
                Ok(EngineEvent::StateChanged { instance_id, state })
                    if instance_id == instance.id && gave_up(&state) =>
                {
                    return Err(no_code(&state));
                }
                Ok(_) | Err(RecvError::Lagged(_)) => {}
                Err(RecvError::Closed) => {
                    return Err(Refusal::new(
                        StatusCode::SERVICE_UNAVAILABLE,
                        "The engine is shutting down",
                    ))
                }
            }
        }
    })
    .await
    .map_err(|_| {
        Refusal::new(
            StatusCode::GATEWAY_TIMEOUT,
            "No QR code came from WhatsApp in time",
        )
        .with_detail(format!("waited {} s", wait.as_secs()))
    })??;
    qr_answer(&api, first).await
}

/// States after which no QR code of this round will come.
fn gave_up(state: &InstanceState) -> bool {
    !matches!(state, InstanceState::Connecting { .. })
}

fn no_code(state: &InstanceState) -> Refusal {
    if state.is_connected() {
        return Refusal::new(StatusCode::CONFLICT, "Instance connected without a QR code");
    }
    Refusal::new(StatusCode::BAD_GATEWAY, "WhatsApp gave no QR code")
        .with_detail(serde_json::to_string(state).unwrap_or_default())
}

async fn qr_answer(api: &ApiState, qr: ShownQr) -> Result<Json<ConnectAnswer>, Refusal> {
    let image = switchboard_commands::qr_image(&api.host, qr.code.clone()).await?;
    Ok(Json(ConnectAnswer {
        qr_code: Some(qr.code),
        qr_code_base64: Some(image),
        expires_at: Some(qr.expires_at),
        ..answer("QR code generated", "qr")
    }))
}

fn answer(message: &'static str, status: &'static str) -> ConnectAnswer {
    ConnectAnswer {
        success: true,
        message,
        status,
        qr_code: None,
        qr_code_base64: None,
        pairing_code: None,
        expires_at: None,
    }
}
