//! An instance's configuration: behaviour settings, proxy and webhook, each read and
//! updated on its own route.

use axum::extract::State;
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

use super::inputs::{SettingsFields, WebhookParts};
use super::reply::{Body, InstanceName, Refusal, RefusalBody};
use super::shapes::{ProxyView, SettingsView, WebhookView};
use crate::proxy_parts::ProxyParts;
use crate::ApiState;

#[derive(Debug, Serialize, ToSchema)]
pub struct SettingsAnswer {
    success: bool,
    message: &'static str,
    settings: SettingsView,
}

/// `GET /api/instance/getSettings/:instance`.
#[utoipa::path(
    get,
    path = "/api/instance/getSettings/{instance}",
    tag = "instance",
    params(("instance" = String, Path, description = "The instance's name")),
    security(("token" = []), ("bearer" = [])),
    responses(
        (status = 200, description = "Settings retrieved successfully", body = SettingsAnswer),
        (status = 401, description = "Invalid token", body = RefusalBody),
        (status = 404, description = "Instance not found", body = RefusalBody),
        (status = 429, description = "Rate limit exceeded. Try again later.", body = RefusalBody),
    )
)]
pub async fn get_settings(
    State(api): State<ApiState>,
    InstanceName(name): InstanceName,
) -> Result<Json<SettingsAnswer>, Refusal> {
    let instance = switchboard_commands::get_instance(&api.host, name).await?;
    Ok(Json(SettingsAnswer {
        success: true,
        message: "Settings retrieved successfully",
        settings: SettingsView::of(&instance.settings),
    }))
}

/// `POST /api/instance/settings/:instance`: the flags given change, the others stay.
#[utoipa::path(
    post,
    path = "/api/instance/settings/{instance}",
    tag = "instance",
    params(("instance" = String, Path, description = "The instance's name")),
    request_body = SettingsFields,
    security(("token" = []), ("bearer" = [])),
    responses(
        (status = 200, description = "Settings updated successfully", body = SettingsAnswer),
        (status = 400, description = "Invalid request body, or input the engine refuses", body = RefusalBody),
        (status = 401, description = "Invalid token", body = RefusalBody),
        (status = 404, description = "Instance not found", body = RefusalBody),
        (status = 429, description = "Rate limit exceeded. Try again later.", body = RefusalBody),
    )
)]
pub async fn set_settings(
    State(api): State<ApiState>,
    InstanceName(name): InstanceName,
    Body(fields): Body<SettingsFields>,
) -> Result<Json<SettingsAnswer>, Refusal> {
    let current = switchboard_commands::get_instance(&api.host, name.clone()).await?;
    let settings = fields.apply_to(current.settings);
    let instance = switchboard_commands::update_settings(&api.host, name, settings).await?;
    Ok(Json(SettingsAnswer {
        success: true,
        message: "Settings updated successfully",
        settings: SettingsView::of(&instance.settings),
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProxyAnswer {
    success: bool,
    message: &'static str,
    proxy: ProxyView,
}

/// `GET /api/instance/getProxy/:instance`: the parts, never the password.
#[utoipa::path(
    get,
    path = "/api/instance/getProxy/{instance}",
    tag = "instance",
    params(("instance" = String, Path, description = "The instance's name")),
    security(("token" = []), ("bearer" = [])),
    responses(
        (status = 200, description = "Proxy configuration retrieved successfully", body = ProxyAnswer),
        (status = 401, description = "Invalid token", body = RefusalBody),
        (status = 404, description = "Instance not found", body = RefusalBody),
        (status = 429, description = "Rate limit exceeded. Try again later.", body = RefusalBody),
    )
)]
pub async fn get_proxy(
    State(api): State<ApiState>,
    InstanceName(name): InstanceName,
) -> Result<Json<ProxyAnswer>, Refusal> {
    let instance = switchboard_commands::get_instance(&api.host, name).await?;
    Ok(Json(ProxyAnswer {
        success: true,
        message: "Proxy configuration retrieved successfully",
        proxy: ProxyView::of(instance.proxy.as_deref()),
    }))
}

/// `POST /api/instance/proxy/:instance`: `enabled: false` removes the proxy. It takes
/// effect at the next connect or reconnect.
#[utoipa::path(
    post,
    path = "/api/instance/proxy/{instance}",
    tag = "instance",
    params(("instance" = String, Path, description = "The instance's name")),
    request_body = ProxyParts,
    security(("token" = []), ("bearer" = [])),
    responses(
        (status = 200, description = "Proxy configured successfully", body = ProxyAnswer),
        (status = 400, description = "Invalid request body, or input the engine refuses", body = RefusalBody),
        (status = 401, description = "Invalid token", body = RefusalBody),
        (status = 404, description = "Instance not found", body = RefusalBody),
        (status = 429, description = "Rate limit exceeded. Try again later.", body = RefusalBody),
    )
)]
pub async fn set_proxy(
    State(api): State<ApiState>,
    InstanceName(name): InstanceName,
    Body(parts): Body<ProxyParts>,
) -> Result<Json<ProxyAnswer>, Refusal> {
    let url = parts.into_url()?;
    let instance = switchboard_commands::set_proxy(&api.host, name, url).await?;
    Ok(Json(ProxyAnswer {
        success: true,
        message: "Proxy configured successfully",
        proxy: ProxyView::of(instance.proxy.as_deref()),
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookAnswer {
    success: bool,
    message: &'static str,
    webhook: WebhookView,
}

/// `GET /api/events/getWebhook/:instance`: `enabled: false` when there is none.
#[utoipa::path(
    get,
    path = "/api/events/getWebhook/{instance}",
    tag = "events",
    params(("instance" = String, Path, description = "The instance's name")),
    security(("token" = []), ("bearer" = [])),
    responses(
        (status = 200, description = "Webhook configuration retrieved successfully", body = WebhookAnswer),
        (status = 401, description = "Invalid token", body = RefusalBody),
        (status = 404, description = "Instance not found", body = RefusalBody),
        (status = 429, description = "Rate limit exceeded. Try again later.", body = RefusalBody),
    )
)]
pub async fn get_webhook(
    State(api): State<ApiState>,
    InstanceName(name): InstanceName,
) -> Result<Json<WebhookAnswer>, Refusal> {
    let instance = switchboard_commands::get_instance(&api.host, name).await?;
    Ok(Json(WebhookAnswer {
        success: true,
        message: "Webhook configuration retrieved successfully",
        webhook: WebhookView::of(instance.webhook.as_ref()),
    }))
}

/// `POST /api/events/webhook/:instance`: sets the webhook, or removes it (and what was
/// still queued for it) with `enabled: false`.
#[utoipa::path(
    post,
    path = "/api/events/webhook/{instance}",
    tag = "events",
    params(("instance" = String, Path, description = "The instance's name")),
    request_body = WebhookParts,
    security(("token" = []), ("bearer" = [])),
    responses(
        (status = 200, description = "Webhook configured successfully", body = WebhookAnswer),
        (status = 400, description = "Invalid request body, or input the engine refuses", body = RefusalBody),
        (status = 401, description = "Invalid token", body = RefusalBody),
        (status = 404, description = "Instance not found", body = RefusalBody),
        (status = 429, description = "Rate limit exceeded. Try again later.", body = RefusalBody),
    )
)]
pub async fn set_webhook(
    State(api): State<ApiState>,
    InstanceName(name): InstanceName,
    Body(parts): Body<WebhookParts>,
) -> Result<Json<WebhookAnswer>, Refusal> {
    let input = parts.into_input()?;
    let instance = switchboard_commands::set_webhook(&api.host, name, input).await?;
    Ok(Json(WebhookAnswer {
        success: true,
        message: "Webhook configured successfully",
        webhook: WebhookView::of(instance.webhook.as_ref()),
    }))
}
