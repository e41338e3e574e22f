//! The instance lifecycle routes: create, list, reconnect, log out, delete.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use switchboard_engine::model::{
    CreateInstance, Instance, LogoutOutcome, WebhookEvent, WebhookOutcome,
};
use switchboard_engine::s3::S3MediaOutcome;
use utoipa::ToSchema;

use super::inputs::{SettingsFields, WebhookParts};
use super::reply::{Args, Body, InstanceName, Refusal, RefusalBody, INSTANCE_NOT_FOUND};
use super::s3::S3Parts;
use super::shapes::{CountsView, InstanceView};
use crate::auth::Caller;
use crate::proxy_parts::ProxyParts;
use crate::ApiState;

/// `POST /api/instance/new`: the name, with settings, webhook and proxy inline.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateBody {
    name: Option<String>,
    /// A chosen TokenInstance (16-128 of `[A-Za-z0-9._~-]`); one is generated when absent.
    token: Option<String>,
    proxy_enabled: Option<bool>,
    proxy_host: Option<String>,
    proxy_port: Option<String>,
    proxy_protocol: Option<String>,
    proxy_username: Option<String>,
    proxy_password: Option<String>,
    webhook_enabled: Option<bool>,
    #[serde(rename = "webhookURL", alias = "webhookUrl")]
    webhook_url: Option<String>,
    webhook_authorization: Option<String>,
    webhook_by_events: Option<bool>,
    #[schema(value_type = Option<Vec<String>>)]
    webhook_events: Option<Vec<WebhookEvent>>,
    webhook_media_base64: Option<bool>,
    /// Received media goes to this bucket (tested before the instance is created).
    s3: Option<S3Parts>,
    #[serde(flatten)]
    settings: SettingsFields,
}

impl CreateBody {
    fn into_input(self) -> Result<CreateInstance, Refusal> {
        let name = self
            .name
            .filter(|n| !n.is_empty())
            .ok_or_else(|| Refusal::new(StatusCode::BAD_REQUEST, "Name is required"))?;
        let proxy = ProxyParts {
            enabled: self.proxy_enabled,
            protocol: self.proxy_protocol,
            host: self.proxy_host,
            port: self.proxy_port,
            username: self.proxy_username,
            password: self.proxy_password,
        };
        let webhook = WebhookParts {
            label: None,
            enabled: self.webhook_enabled,
            url: self.webhook_url,
            authorization: self.webhook_authorization,
            by_events: self.webhook_by_events,
            events: self.webhook_events,
            media_base64: self.webhook_media_base64,
        };
        Ok(CreateInstance {
            name,
            settings: (!self.settings.is_empty())
                .then(|| self.settings.apply_to(Default::default())),
            webhook: if webhook.is_empty() {
                None
            } else {
                webhook.into_input()?
            },
            proxy: if proxy.is_empty() {
                None
            } else {
                proxy.into_url()?
            },
            s3: self.s3.and_then(S3Parts::into_input),
            token: self.token.filter(|t| !t.is_empty()),
        })
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InstanceAnswer {
    success: bool,
    message: &'static str,
    instance: InstanceView,
}

#[utoipa::path(
    post,
    path = "/api/instance/new",
    tag = "instance",
    request_body = CreateBody,
    security(("token" = []), ("bearer" = [])),
    responses(
        (status = 200, description = "Created, disconnected; `instance.token` is its TokenInstance", body = InstanceAnswer),
        (status = 400, description = "Invalid request body, or input the engine refuses", body = RefusalBody),
        (status = 401, description = "Invalid token", body = RefusalBody),
        (status = 409, description = "The name is taken", body = RefusalBody),
        (status = 429, description = "Rate limit exceeded. Try again later.", body = RefusalBody),
    )
)]
pub async fn create(
    State(api): State<ApiState>,
    Extension(caller): Extension<Caller>,
    Body(body): Body<CreateBody>,
) -> Result<Json<InstanceAnswer>, Refusal> {
    if !caller.is_account() {
        return Err(Refusal::invalid_token());
    }
    if body
        .token
        .as_deref()
        .is_some_and(|t| api.account.matches(t))
    {
        return Err(Refusal::new(
            StatusCode::BAD_REQUEST,
            "The instance token must not be the account token",
        ));
    }
    let instance = switchboard_commands::create_instance(&api.host, body.into_input()?).await?;
    api.live.add(&instance);
    Ok(Json(InstanceAnswer {
        success: true,
        message: "Instance created successfully",
        instance: InstanceView::of(&instance),
    }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListArgs {
    /// One name, or several separated by commas.
    #[serde(rename = "instanceName")]
    instance_name: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ListAnswer {
    success: bool,
    message: String,
    instances: Vec<InstanceView>,
}

/// `GET /api/instance/list`: every instance for the account (optionally filtered by
/// name), only its own for an instance token (which ignores the filter).
#[utoipa::path(
    get,
    path = "/api/instance/list",
    tag = "instance",
    params(ListArgs),
    security(("token" = []), ("bearer" = [])),
    responses(
        (status = 200, description = "\"1 Instance found\" or \"<N> Instances found\"", body = ListAnswer),
        (status = 401, description = "Invalid token", body = RefusalBody),
        (status = 404, description = "Instance not found (a filter of one name that does not exist)", body = RefusalBody),
        (status = 429, description = "Rate limit exceeded. Try again later.", body = RefusalBody),
    )
)]
pub async fn list(
    State(api): State<ApiState>,
    Extension(caller): Extension<Caller>,
    Args(args): Args<ListArgs>,
) -> Result<Response, Refusal> {
    if matches!(caller, Caller::Account) && args.instance_name.is_none() {
        let shape = |all: &[Instance]| ListAnswer::of(all.iter().map(InstanceView::of).collect());
        return Ok(api.ryze_list.answer(api.host.engine(), shape).await?);
    }
    let all = switchboard_commands::list_instances(&api.host).await?;
    let wanted: Vec<String> = match (&caller, args.instance_name) {
        (Caller::Account, Some(names)) => names
            .split(',')
            .map(|n| n.trim().to_ascii_lowercase())
            .filter(|n| !n.is_empty())
            .collect(),
        _ => Vec::new(),
    };
    let visible: Vec<InstanceView> = all
        .iter()
        .filter(|i| caller.sees(&i.id))
        .filter(|i| wanted.is_empty() || wanted.contains(&i.name.to_ascii_lowercase()))
        .map(InstanceView::of)
        .collect();
    if wanted.len() == 1 && visible.is_empty() {
        return Err(Refusal::new(StatusCode::NOT_FOUND, INSTANCE_NOT_FOUND));
    }
    Ok(Json(ListAnswer::of(visible)).into_response())
}

impl ListAnswer {
    fn of(instances: Vec<InstanceView>) -> Self {
        let message = match instances.len() {
            1 => "1 Instance found".to_string(),
            n => format!("{n} Instances found"),
        };
        Self {
            success: true,
            message,
            instances,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StatusAnswer {
    success: bool,
    message: &'static str,
    instance: NamedStatus,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NamedStatus {
    name: String,
    status: &'static str,
}

/// `POST /api/instance/reconnect/:instance`: restores a linked session without a code.
#[utoipa::path(
    post,
    path = "/api/instance/reconnect/{instance}",
    tag = "instance",
    params(("instance" = String, Path, description = "The instance's name")),
    security(("token" = []), ("bearer" = [])),
    responses(
        (status = 200, description = "Reconnecting with the stored session", body = StatusAnswer),
        (status = 401, description = "Invalid token", body = RefusalBody),
        (status = 404, description = "Instance not found", body = RefusalBody),
        (status = 409, description = "Nothing linked to reconnect (not_paired)", body = RefusalBody),
        (status = 429, description = "Rate limit exceeded. Try again later.", body = RefusalBody),
    )
)]
pub async fn reconnect(
    State(api): State<ApiState>,
    InstanceName(name): InstanceName,
) -> Result<Json<StatusAnswer>, Refusal> {
    let state = switchboard_commands::reconnect(&api.host, name.clone()).await?;
    Ok(Json(StatusAnswer {
        success: true,
        message: "Instance reconnecting",
        instance: NamedStatus {
            name,
            status: state.name(),
        },
    }))
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LogoutAnswer {
    success: bool,
    message: &'static str,
    instance: NamedStatus,
    /// Whether WhatsApp confirmed that the device left the phone.
    #[schema(value_type = String, example = "confirmed")]
    whatsapp_logout: LogoutOutcome,
}

/// `DELETE /api/instance/logout/:instance`: unlinks the device, keeps the instance.
#[utoipa::path(
    delete,
    path = "/api/instance/logout/{instance}",
    tag = "instance",
    params(("instance" = String, Path, description = "The instance's name")),
    security(("token" = []), ("bearer" = [])),
    responses(
        (status = 200, description = "Logged out; the instance stays", body = LogoutAnswer),
        (status = 401, description = "Invalid token", body = RefusalBody),
        (status = 404, description = "Instance not found", body = RefusalBody),
        (status = 429, description = "Rate limit exceeded. Try again later.", body = RefusalBody),
    )
)]
pub async fn logout(
    State(api): State<ApiState>,
    Extension(caller): Extension<Caller>,
    InstanceName(name): InstanceName,
) -> Result<Json<LogoutAnswer>, Refusal> {
    let report = switchboard_commands::logout(&api.host_for(&caller), name).await?;
    Ok(Json(LogoutAnswer {
        success: true,
        message: "Instance logged out",
        instance: NamedStatus {
            name: report.name,
            status: "loggedout",
        },
        whatsapp_logout: report.whatsapp,
    }))
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeleteAnswer {
    success: bool,
    message: &'static str,
    instance: DeletedInstance,
    /// What went with it.
    removed: CountsView,
    #[schema(value_type = String, example = "confirmed")]
    whatsapp_logout: LogoutOutcome,
    /// What became of the INSTANCE_DELETE webhook.
    #[schema(value_type = String, example = "not_configured")]
    webhook: WebhookOutcome,
    /// The instance's objects in its S3 bucket: kept or deleted (`deleteS3Media`),
    /// how many, and where; absent when its media stayed on this computer.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    s3_media: Option<S3MediaOutcome>,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct DeleteArgs {
    /// Also delete the instance's objects in its S3 bucket (they are kept by default).
    #[serde(default)]
    delete_s3_media: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeletedInstance {
    status: &'static str,
    id: String,
    name: String,
}

/// `DELETE /api/instance/delete/:instance`: the account token only (seed 000), within
/// the deletion limits.
#[utoipa::path(
    delete,
    path = "/api/instance/delete/{instance}",
    tag = "instance",
    params(("instance" = String, Path, description = "The instance's name"), DeleteArgs),
    security(("token" = []), ("bearer" = [])),
    responses(
        (status = 200, description = "Instance deleted", body = DeleteAnswer),
        (status = 401, description = "Invalid token (also any instance token)", body = RefusalBody),
        (status = 404, description = "Instance not found", body = RefusalBody),
        (status = 409, description = "A deletion is already under way", body = RefusalBody),
        (status = 429, description = "Rate limit exceeded. Try again later. (requests, or deletions per minute or hour)", body = RefusalBody),
        (status = 500, description = "Failed to delete instance: <reason>", body = RefusalBody),
    )
)]
pub async fn delete(
    State(api): State<ApiState>,
    Extension(caller): Extension<Caller>,
    InstanceName(name): InstanceName,
    Args(args): Args<DeleteArgs>,
) -> Result<Json<DeleteAnswer>, Refusal> {
    if !caller.is_account() {
        return Err(Refusal::invalid_token());
    }
    api.limits.admit_delete().map_err(Refusal::rate_limited)?;
    let report =
        switchboard_commands::delete_instance(&api.host_for(&caller), name, args.delete_s3_media)
            .await
            .map_err(|e| {
                let refusal = Refusal::from_engine(e);
                if refusal.status.is_server_error() {
                    let reason = refusal
                        .detail
                        .clone()
                        .unwrap_or_else(|| refusal.message.clone());
                    Refusal::new(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        format!("Failed to delete instance: {reason}"),
                    )
                } else {
                    refusal
                }
            })?;
    api.live.remove(&report.instance_id);
    Ok(Json(DeleteAnswer {
        success: true,
        message: "Instance deleted",
        instance: DeletedInstance {
            status: "deleted",
            id: report.instance_id,
            name: report.name,
        },
        removed: CountsView::of(&report.removed),
        whatsapp_logout: report.whatsapp_logout,
        webhook: report.webhook,
        s3_media: report.s3_media,
    }))
}
