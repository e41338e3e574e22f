//! `GET /api/instance/connect/:instance`: links an instance. Without a number it answers
//! the QR code the instance shows (as its text and as a PNG data URL drawn by the same
//! code the window uses), starting a QR round when none is running; with `?number=` it
//! answers the 8-character pairing code instead.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use switchboard_engine::model::Millis;
use utoipa::ToSchema;

use super::reply::{Args, InstanceName, Refusal, RefusalBody};
use crate::linking::{self, Linking, NoQr};
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
    match linking::qr(&api, name).await {
        Ok(Linking::Connected) => Ok(Json(answer("Instance already connected", "connected"))),
        Ok(Linking::Qr(qr)) => qr_answer(&api, qr).await,
        Err(NoQr::Engine(e)) => Err(e.into()),
        Err(NoQr::TimedOut(wait)) => Err(Refusal::new(
            StatusCode::GATEWAY_TIMEOUT,
            "No QR code came from WhatsApp in time",
        )
        .with_detail(format!("waited {} s", wait.as_secs()))),
        Err(NoQr::GaveUp(state)) if state.is_connected() => Err(Refusal::new(
            StatusCode::CONFLICT,
            "Instance connected without a QR code",
        )),
        Err(NoQr::GaveUp(state)) => Err(Refusal::new(
            StatusCode::BAD_GATEWAY,
            "WhatsApp gave no QR code",
        )
        .with_detail(serde_json::to_string(&state).unwrap_or_default())),
        Err(NoQr::ShuttingDown) => Err(Refusal::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "The engine is shutting down",
        )),
    }
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
