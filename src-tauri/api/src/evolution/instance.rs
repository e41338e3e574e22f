//! Evolution's instance routes: create (with settings, webhook and proxy inline, and the
//! first QR code when asked), connect, connectionState, fetchInstances, restart, logout
//! and delete, with the answers and words Evolution's reference and seed 001 give.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::Deserialize;
use serde_json::{json, Value};
use switchboard_commands::model::{CreateInstance, Instance};

use super::config::{ProxyFields, SettingsFields, WebhookFields};
use super::instance;
use super::reply::{Args, Body, Fault, InstanceName};
use super::shapes::{instance_record, settings_record, state_word, INTEGRATION};
use crate::auth::Caller;
use crate::linking::{self, Linking, NoQr};
use crate::ApiState;

type Answer = Result<(StatusCode, Json<Value>), Fault>;

fn ok(status: StatusCode, body: Value) -> Answer {
    Ok((status, Json(body)))
}

/// `POST /instance/create`'s body: Evolution's flat instance fields.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateBody {
    instance_name: Option<String>,
    token: Option<String>,
    #[serde(default)]
    qrcode: bool,
    number: Option<String>,
    integration: Option<String>,
    webhook: Option<WebhookFields>,
    #[serde(flatten)]
    settings: SettingsFields,
    #[serde(flatten)]
    proxy: ProxyFields,
    /// Integrations Evolution ships and Switchboard does not.
    chatwoot_account_id: Option<Value>,
    chatwoot_url: Option<Value>,
    rabbitmq: Option<Value>,
    sqs: Option<Value>,
    websocket: Option<Value>,
    nats: Option<Value>,
}

impl CreateBody {
    /// The first integration asked for that Switchboard does not have.
    fn missing_feature(&self) -> Option<&'static str> {
        let enabled = |v: &Option<Value>| v.as_ref().is_some_and(|v| v["enabled"] == true);
        if self.chatwoot_account_id.is_some() || self.chatwoot_url.is_some() {
            Some("Chatwoot")
        } else if enabled(&self.rabbitmq) {
            Some("RabbitMQ")
        } else if enabled(&self.sqs) {
            Some("Amazon SQS")
        } else if enabled(&self.websocket) {
            Some("Evolution's WebSocket events (Switchboard's own are at /ws)")
        } else if enabled(&self.nats) {
            Some("NATS")
        } else {
            None
        }
    }
}

/// `POST /instance/create`, for the global key only.
pub async fn create(
    State(api): State<ApiState>,
    Extension(caller): Extension<Caller>,
    Body(body): Body<CreateBody>,
) -> Answer {
    if !caller.is_account() {
        return Err(Fault::unauthorized());
    }
    let name = body
        .instance_name
        .clone()
        .filter(|n| !n.trim().is_empty())
        .ok_or_else(|| Fault::bad_request("instanceName is required"))?;
    if let Some(feature) = body.missing_feature() {
        return Err(Fault::not_offered(feature));
    }
    if let Some(integration) = body.integration.as_deref().filter(|i| *i != INTEGRATION) {
        return Err(Fault::not_offered(&format!(
            "The {integration} integration"
        )));
    }
    if body
        .token
        .as_deref()
        .is_some_and(|t| api.account.matches(t))
    {
        return Err(Fault::bad_request(
            "token must not be the global API key: it would reach every instance",
        ));
    }
    let settings = body.settings.into_settings(Default::default())?;
    let webhook = match body.webhook {
        Some(fields) => fields.into_input()?,
        None => None,
    };
    let input = CreateInstance {
        name: name.clone(),
        settings: Some(settings.clone()),
        webhook,
        proxy: body.proxy.into_url()?,
        s3: None,
        token: body.token.filter(|t| !t.is_empty()),
    };
    let instance = switchboard_commands::create_instance(&api.host, input)
        .await
        .map_err(|e| Fault::from_engine(&name, e))?;
    api.live.add(&instance);
    let qrcode = match (body.qrcode, body.number) {
        (true, Some(number)) if !number.trim().is_empty() => {
            Some(pairing(&api, &name, number).await?)
        }
        (true, _) => Some(qr_code(&api, &name).await?),
        (false, _) => None,
    };
    let instance = super::instance(&api, &name).await?;
    ok(
        StatusCode::CREATED,
        json!({
            "instance": {
                "instanceName": instance.name,
                "instanceId": instance.id,
                "integration": INTEGRATION,
                "webhookWaBusiness": Value::Null,
                "accessTokenWaBusiness": "",
                "status": state_word(&instance),
            },
            "hash": instance.token,
            "webhook": instance.webhook.as_ref().map(|w| json!({
                "webhookUrl": w.url,
                "webhookByEvents": w.by_events,
                "webhookBase64": false,
            })).unwrap_or_else(|| json!({})),
            "settings": settings_record(&instance.settings),
            "qrcode": qrcode,
        }),
    )
}

#[derive(Debug, Deserialize)]
pub struct ConnectArgs {
    number: Option<String>,
}

/// `GET /instance/connect/{instanceName}[?number=]`: the QR code (text and PNG), or the
/// pairing code for `number`; a connected instance answers its connection state.
pub async fn connect(
    State(api): State<ApiState>,
    InstanceName(name): InstanceName,
    Args(args): Args<ConnectArgs>,
) -> Answer {
    if let Some(number) = args.number.filter(|n| !n.trim().is_empty()) {
        return ok(StatusCode::OK, pairing(&api, &name, number).await?);
    }
    let instance = instance(&api, &name).await?;
    if instance.state.is_connected() {
        return ok(StatusCode::OK, connection_state(&instance));
    }
    ok(StatusCode::OK, qr_code(&api, &name).await?)
}

async fn pairing(api: &ApiState, name: &str, number: String) -> Result<Value, Fault> {
    let code = switchboard_commands::connect_code(&api.host, name.to_string(), number)
        .await
        .map_err(|e| Fault::from_engine(name, e))?;
    Ok(json!({ "pairingCode": code, "code": Value::Null, "base64": Value::Null }))
}

async fn qr_code(api: &ApiState, name: &str) -> Result<Value, Fault> {
    match linking::qr(api, name.to_string()).await {
        Ok(Linking::Qr(qr)) => {
            let base64 = switchboard_commands::qr_image(&api.host, qr.code.clone())
                .await
                .map_err(|e| Fault::from_engine(name, e))?;
            Ok(json!({ "pairingCode": Value::Null, "code": qr.code, "base64": base64 }))
        }
        Ok(Linking::Connected) => Ok(connection_state(&instance(api, name).await?)),
        Err(NoQr::Engine(e)) => Err(Fault::from_engine(name, e)),
        Err(NoQr::TimedOut(wait)) => Err(Fault::new(
            StatusCode::GATEWAY_TIMEOUT,
            format!("WhatsApp sent no QR code within {} s", wait.as_secs()),
        )),
        Err(NoQr::GaveUp(state)) => Err(Fault::new(
            StatusCode::BAD_GATEWAY,
            format!("WhatsApp gave no QR code; the instance is {}", state.name()),
        )),
        Err(NoQr::ShuttingDown) => Err(Fault::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "Switchboard is shutting down",
        )),
    }
}

fn connection_state(instance: &Instance) -> Value {
    json!({
        "instance": {
            "instanceName": instance.name,
            "state": state_word(instance),
            "switchboardState": instance.state.name(),
        }
    })
}

/// `GET /instance/connectionState/{instanceName}`: `open`, `connecting` or `close`.
pub async fn connection(State(api): State<ApiState>, InstanceName(name): InstanceName) -> Answer {
    ok(
        StatusCode::OK,
        connection_state(&instance(&api, &name).await?),
    )
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FetchArgs {
    instance_name: Option<String>,
    instance_id: Option<String>,
}

/// `GET /instance/fetchInstances[?instanceName=|instanceId=]`: every instance for the
/// global key, only its own for an instance token.
pub async fn fetch(
    State(api): State<ApiState>,
    Extension(caller): Extension<Caller>,
    Args(args): Args<FetchArgs>,
) -> Result<Response, Fault> {
    if matches!(caller, Caller::Account)
        && args.instance_name.is_none()
        && args.instance_id.is_none()
    {
        let shape = |all: &[Instance]| all.iter().map(instance_record).collect::<Vec<_>>();
        return api
            .evolution_list
            .answer(api.host.engine(), shape)
            .await
            .map_err(|e| Fault::from_engine("", e));
    }
    let all = switchboard_commands::list_instances(&api.host)
        .await
        .map_err(|e| Fault::from_engine("", e))?;
    let wanted = |i: &&Instance| {
        caller.sees(&i.id)
            && args
                .instance_name
                .as_deref()
                .is_none_or(|n| i.name.eq_ignore_ascii_case(n))
            && args.instance_id.as_deref().is_none_or(|id| i.id == id)
    };
    let found: Vec<Value> = all.iter().filter(wanted).map(instance_record).collect();
    if found.is_empty() {
        if let Some(asked) = args.instance_name.or(args.instance_id) {
            return Err(Fault::new(
                StatusCode::NOT_FOUND,
                format!("Instance \"{asked}\" not found"),
            ));
        }
    }
    Ok(Json(found).into_response())
}

/// `POST /instance/restart/{instanceName}`: reconnects a linked instance with its stored
/// session and answers the state it is in.
pub async fn restart(State(api): State<ApiState>, InstanceName(name): InstanceName) -> Answer {
    switchboard_commands::reconnect(&api.host, name.clone())
        .await
        .map_err(|e| Fault::from_engine(&name, e))?;
    ok(
        StatusCode::OK,
        connection_state(&instance(&api, &name).await?),
    )
}

/// `DELETE /instance/logout/{instanceName}`: unlinks the device, keeps the instance;
/// with nothing linked, Evolution's "not connected".
pub async fn logout(
    State(api): State<ApiState>,
    Extension(caller): Extension<Caller>,
    InstanceName(name): InstanceName,
) -> Answer {
    if !instance(&api, &name).await?.paired {
        return Err(Fault::bad_request(format!(
            "The \"{name}\" instance is not connected"
        )));
    }
    switchboard_commands::logout(&api.host_for(&caller), name.clone())
        .await
        .map_err(|e| Fault::from_engine(&name, e))?;
    ok(
        StatusCode::OK,
        json!({"status": "SUCCESS", "error": false, "response": {"message": "Instance logged out"}}),
    )
}

/// `DELETE /instance/delete/{instanceName}`: the global key only, within the deletion
/// limits; answers and refuses as seed 001 shows (a missing instance is a 400).
pub async fn delete(
    State(api): State<ApiState>,
    Extension(caller): Extension<Caller>,
    InstanceName(name): InstanceName,
) -> Answer {
    if !caller.is_account() {
        return Err(Fault::unauthorized());
    }
    api.limits.admit_delete().map_err(Fault::rate_limited)?;
    let report = switchboard_commands::delete_instance(&api.host_for(&caller), name.clone(), false)
        .await
        .map_err(|e| {
            let fault = Fault::from_engine(&name, e);
            if fault.status == StatusCode::NOT_FOUND {
                fault.with_status(StatusCode::BAD_REQUEST)
            } else {
                fault
            }
        })?;
    api.live.remove(&report.instance_id);
    ok(
        StatusCode::OK,
        json!({"status": "SUCCESS", "error": false, "response": {"message": "Instance deleted"}}),
    )
}
