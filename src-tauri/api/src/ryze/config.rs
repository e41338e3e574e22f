//! An instance's configuration: behaviour settings, proxy and webhook, each read and
//! updated on its own route.

use axum::extract::State;
use axum::Json;
use serde::Serialize;

use super::inputs::{ProxyParts, SettingsFields, WebhookParts};
use super::reply::{Body, InstanceName, Refusal};
use super::shapes::{ProxyView, SettingsView, WebhookView};
use crate::ApiState;

#[derive(Debug, Serialize)]
pub struct SettingsAnswer {
    success: bool,
    message: &'static str,
    settings: SettingsView,
}

/// `GET /api/instance/getSettings/:instance`.
pub async fn get_settings(
    State(api): State<ApiState>,
    InstanceName(name): InstanceName,
) -> Result<Json<SettingsAnswer>, Refusal> {
    let instance = switchboard_commands::get_instance(&api.engine, name).await?;
    Ok(Json(SettingsAnswer {
        success: true,
        message: "Settings retrieved successfully",
        settings: SettingsView::of(&instance.settings),
    }))
}

/// `POST /api/instance/settings/:instance`: the flags given change, the others stay.
pub async fn set_settings(
    State(api): State<ApiState>,
    InstanceName(name): InstanceName,
    Body(fields): Body<SettingsFields>,
) -> Result<Json<SettingsAnswer>, Refusal> {
    let current = switchboard_commands::get_instance(&api.engine, name.clone()).await?;
    let settings = fields.apply_to(current.settings);
    let instance = switchboard_commands::update_settings(&api.engine, name, settings).await?;
    Ok(Json(SettingsAnswer {
        success: true,
        message: "Settings updated successfully",
        settings: SettingsView::of(&instance.settings),
    }))
}

#[derive(Debug, Serialize)]
pub struct ProxyAnswer {
    success: bool,
    message: &'static str,
    proxy: ProxyView,
}

/// `GET /api/instance/getProxy/:instance`: the parts, never the password.
pub async fn get_proxy(
    State(api): State<ApiState>,
    InstanceName(name): InstanceName,
) -> Result<Json<ProxyAnswer>, Refusal> {
    let instance = switchboard_commands::get_instance(&api.engine, name).await?;
    Ok(Json(ProxyAnswer {
        success: true,
        message: "Proxy configuration retrieved successfully",
        proxy: ProxyView::of(instance.proxy.as_deref()),
    }))
}

/// `POST /api/instance/proxy/:instance`: `enabled: false` removes the proxy. It takes
/// effect at the next connect or reconnect.
pub async fn set_proxy(
    State(api): State<ApiState>,
    InstanceName(name): InstanceName,
    Body(parts): Body<ProxyParts>,
) -> Result<Json<ProxyAnswer>, Refusal> {
    let url = parts.into_url()?;
    let instance = switchboard_commands::set_proxy(&api.engine, name, url).await?;
    Ok(Json(ProxyAnswer {
        success: true,
        message: "Proxy configured successfully",
        proxy: ProxyView::of(instance.proxy.as_deref()),
    }))
}

#[derive(Debug, Serialize)]
pub struct WebhookAnswer {
    success: bool,
    message: &'static str,
    webhook: WebhookView,
}

/// `GET /api/events/getWebhook/:instance`: `enabled: false` when there is none.
pub async fn get_webhook(
    State(api): State<ApiState>,
    InstanceName(name): InstanceName,
) -> Result<Json<WebhookAnswer>, Refusal> {
    let instance = switchboard_commands::get_instance(&api.engine, name).await?;
    Ok(Json(WebhookAnswer {
        success: true,
        message: "Webhook configuration retrieved successfully",
        webhook: WebhookView::of(instance.webhook.as_ref()),
    }))
}

/// `POST /api/events/webhook/:instance`: sets the webhook, or removes it (and what was
/// still queued for it) with `enabled: false`.
pub async fn set_webhook(
    State(api): State<ApiState>,
    InstanceName(name): InstanceName,
    Body(parts): Body<WebhookParts>,
) -> Result<Json<WebhookAnswer>, Refusal> {
    let input = parts.into_input()?;
    let instance = switchboard_commands::set_webhook(&api.engine, name, input).await?;
    Ok(Json(WebhookAnswer {
        success: true,
        message: "Webhook configured successfully",
        webhook: WebhookView::of(instance.webhook.as_ref()),
    }))
}
