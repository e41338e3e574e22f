//! An instance's S3 media bucket (RyzeAPI's `getS3` and `s3` routes): read with the
//! secret masked, saved only after the engine has tested the bucket for real.

use axum::extract::State;
use axum::Json;
use serde::{Deserialize, Serialize};
use switchboard_engine::model::S3Status;
use switchboard_engine::s3::S3ConfigInput;
use utoipa::ToSchema;

use super::reply::{Body, InstanceName, Refusal, RefusalBody};
use crate::ApiState;

/// The bucket as the `s3` route and the create body take it. `enabled: false` turns S3
/// off (media stays on this computer); a left-out `secretKey` keeps the stored one.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct S3Parts {
    pub enabled: Option<bool>,
    /// `http://` or `https://` URL of any S3-compatible service.
    pub endpoint: Option<String>,
    /// Empty or left out: `us-east-1`.
    pub region: Option<String>,
    pub bucket: Option<String>,
    /// Key prefix, e.g. `whatsapp/media`.
    pub prefix: Option<String>,
    pub access_key: Option<String>,
    pub secret_key: Option<String>,
    /// `https://host/bucket/key` (the default) rather than `https://bucket.host/key`.
    pub path_style: Option<bool>,
}

impl S3Parts {
    /// The engine's input, `None` to turn S3 off; the engine checks every field by its
    /// own rules and answers `s3_invalid_config` with the field named.
    pub fn into_input(self) -> Option<S3ConfigInput> {
        if self.enabled == Some(false) {
            return None;
        }
        let defaults = S3ConfigInput::default();
        Some(S3ConfigInput {
            endpoint: self.endpoint.unwrap_or_default(),
            region: self.region.unwrap_or_default(),
            bucket: self.bucket.unwrap_or_default(),
            prefix: self.prefix.unwrap_or_default(),
            access_key: self.access_key.unwrap_or_default(),
            secret_key: self.secret_key.filter(|secret| !secret.is_empty()),
            path_style: self.path_style.unwrap_or(defaults.path_style),
        })
    }
}

/// The bucket as shown: never the secret, and the uploads still waiting to go up.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct S3View {
    enabled: bool,
    endpoint: Option<String>,
    region: Option<String>,
    bucket: Option<String>,
    prefix: Option<String>,
    access_key: Option<String>,
    /// Always masked.
    secret_key: Option<String>,
    path_style: Option<bool>,
    uploads_pending: u64,
}

impl S3View {
    pub fn of(status: Option<&S3Status>) -> Self {
        match status {
            None => S3View {
                enabled: false,
                endpoint: None,
                region: None,
                bucket: None,
                prefix: None,
                access_key: None,
                secret_key: None,
                path_style: None,
                uploads_pending: 0,
            },
            Some(status) => {
                let config = &status.config;
                S3View {
                    enabled: true,
                    endpoint: Some(config.endpoint.clone()),
                    region: Some(config.region.clone()),
                    bucket: Some(config.bucket.clone()),
                    prefix: Some(config.prefix.clone()),
                    access_key: Some(config.access_key.clone()),
                    secret_key: Some(config.secret_key.clone()),
                    path_style: Some(config.path_style),
                    uploads_pending: status.uploads_pending,
                }
            }
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct S3Answer {
    success: bool,
    message: &'static str,
    s3: S3View,
}

/// `GET /api/instance/getS3/:instance`: `enabled: false` when media stays local.
#[utoipa::path(
    get,
    path = "/api/instance/getS3/{instance}",
    tag = "instance",
    params(("instance" = String, Path, description = "The instance's name")),
    security(("token" = []), ("bearer" = [])),
    responses(
        (status = 200, description = "S3 configuration retrieved successfully", body = S3Answer),
        (status = 401, description = "Invalid token", body = RefusalBody),
        (status = 404, description = "Instance not found", body = RefusalBody),
        (status = 429, description = "Rate limit exceeded. Try again later.", body = RefusalBody),
    )
)]
pub async fn get_s3(
    State(api): State<ApiState>,
    InstanceName(name): InstanceName,
) -> Result<Json<S3Answer>, Refusal> {
    let instance = switchboard_commands::get_instance(&api.host, name).await?;
    Ok(Json(S3Answer {
        success: true,
        message: "S3 configuration retrieved successfully",
        s3: S3View::of(instance.s3.as_ref()),
    }))
}

/// `POST /api/instance/s3/:instance`: tests the bucket (writes, reads back and removes a
/// probe object) and saves it only if that passed.
#[utoipa::path(
    post,
    path = "/api/instance/s3/{instance}",
    tag = "instance",
    params(("instance" = String, Path, description = "The instance's name")),
    request_body = S3Parts,
    security(("token" = []), ("bearer" = [])),
    responses(
        (status = 200, description = "S3 configured successfully", body = S3Answer),
        (status = 400, description = "Invalid request body; s3_invalid_config, s3_access_denied or s3_no_such_bucket (nothing saved)", body = RefusalBody),
        (status = 401, description = "Invalid token", body = RefusalBody),
        (status = 404, description = "Instance not found", body = RefusalBody),
        (status = 429, description = "Rate limit exceeded. Try again later.", body = RefusalBody),
        (status = 502, description = "s3_unreachable: the endpoint did not answer (nothing saved)", body = RefusalBody),
    )
)]
pub async fn set_s3(
    State(api): State<ApiState>,
    InstanceName(name): InstanceName,
    Body(parts): Body<S3Parts>,
) -> Result<Json<S3Answer>, Refusal> {
    let instance = switchboard_commands::set_s3(&api.host, name, parts.into_input()).await?;
    Ok(Json(S3Answer {
        success: true,
        message: "S3 configured successfully",
        s3: S3View::of(instance.s3.as_ref()),
    }))
}
