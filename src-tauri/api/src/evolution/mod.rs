//! Evolution API v2's dialect at the root (`/instance/...`, `/message/...`): the routes
//! integrations written for Evolution call, with its bodies, answers, state names and
//! status codes, behind the `apikey` header (the account token, Evolution's global key,
//! or an instance's own token). What Evolution has and Switchboard does not answers a
//! 501 that names it.

mod chat;
mod config;
mod instance;
mod media;
mod message;
mod reply;
mod shapes;

use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::Uri;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, delete, get, post};
use axum::Router;

use crate::auth;
use crate::dialect::{Dialect, Served};
use crate::ApiState;

pub(crate) use reply::unknown_route;

/// The header Evolution reads the key from.
const KEY_HEADER: &str = "apikey";

/// Route families Evolution offers and Switchboard does not, with the feature's name.
const NOT_OFFERED: [(&str, &str); 22] = [
    ("group", "Groups management"),
    ("chatwoot", "Chatwoot"),
    ("typebot", "Typebot"),
    ("openai", "OpenAI bots"),
    ("dify", "Dify bots"),
    ("flowise", "Flowise bots"),
    ("evolutionBot", "Evolution bots"),
    ("evoai", "EvoAI bots"),
    ("n8n", "n8n bots (call Switchboard from n8n instead)"),
    ("rabbitmq", "RabbitMQ"),
    ("sqs", "Amazon SQS"),
    ("nats", "NATS"),
    ("kafka", "Kafka"),
    ("pusher", "Pusher"),
    (
        "websocket",
        "Evolution's WebSocket events (Switchboard's own are at /ws)",
    ),
    ("label", "Labels"),
    ("business", "WhatsApp Business catalogs"),
    ("call", "Calls"),
    ("template", "Meta templates"),
    ("message", "This kind of message"),
    ("chat", "This chat action"),
    ("instance", "This instance action"),
];

/// The routes, behind the key check and the per-token rate limit.
pub(crate) fn routes(state: ApiState) -> Router<ApiState> {
    let media_limit = state.config.limits.max_media_body_bytes;
    let served = Router::new()
        .route("/instance/create", post(instance::create))
        .route("/instance/fetchInstances", get(instance::fetch))
        .route("/instance/connect/{instance}", get(instance::connect))
        .route(
            "/instance/connectionState/{instance}",
            get(instance::connection),
        )
        .route("/instance/restart/{instance}", post(instance::restart))
        .route("/instance/logout/{instance}", delete(instance::logout))
        .route("/instance/delete/{instance}", delete(instance::delete))
        .route("/settings/set/{instance}", post(config::set_settings))
        .route("/settings/find/{instance}", get(config::find_settings))
        .route("/webhook/set/{instance}", post(config::set_webhook))
        .route("/webhook/find/{instance}", get(config::find_webhook))
        .route("/proxy/set/{instance}", post(config::set_proxy))
        .route("/proxy/find/{instance}", get(config::find_proxy))
        .route("/message/sendText/{instance}", post(message::send_text))
        .route(
            "/message/sendMedia/{instance}",
            post(message::send_media).layer(DefaultBodyLimit::max(media_limit)),
        )
        .route("/chat/findChats/{instance}", post(chat::find_chats))
        .route("/chat/findMessages/{instance}", post(chat::find_messages))
        .route(
            "/chat/getBase64FromMediaMessage/{instance}",
            post(media::base64_of_media),
        );
    let mut missing = Router::new();
    for (family, _) in NOT_OFFERED {
        missing = missing
            .route(&format!("/{family}"), any(not_offered))
            .route(&format!("/{family}/{{*rest}}"), any(not_offered));
    }
    served
        .merge(missing)
        .route_layer(middleware::from_fn_with_state(state, authenticate))
}

/// Every request presents a key the API knows (`apikey`), within that token's budget;
/// the caller rides along for the handlers. Keys are never logged.
async fn authenticate(State(api): State<ApiState>, mut request: Request, next: Next) -> Response {
    let caller = request
        .headers()
        .get(KEY_HEADER)
        .and_then(|key| key.to_str().ok())
        .and_then(|key| auth::identify(&api.account, &api.live, key));
    let Some(caller) = caller else {
        return reply::Fault::unauthorized().into_response();
    };
    if let Err(wait) = api.limits.admit(&caller) {
        return reply::Fault::rate_limited(wait).into_response();
    }
    request.extensions_mut().insert(caller);
    next.run(request).await
}

/// A route of a family Switchboard does not offer: a 501 naming the feature.
async fn not_offered(uri: Uri) -> reply::Fault {
    let family = uri
        .path()
        .trim_start_matches('/')
        .split('/')
        .next()
        .unwrap_or("");
    let feature = NOT_OFFERED
        .iter()
        .find(|(name, _)| *name == family)
        .map_or("This route", |(_, feature)| *feature);
    reply::Fault::not_offered(&format!("{feature} ({})", uri.path()))
}

/// The instance `name`, or the engine's refusal in Evolution's words.
async fn instance(
    api: &ApiState,
    name: &str,
) -> Result<switchboard_commands::model::Instance, reply::Fault> {
    switchboard_commands::get_instance(&api.host, name.to_string())
        .await
        .map_err(|e| reply::Fault::from_engine(name, e))
}

/// Evolution API v2's dialect.
pub struct Evolution;

impl Dialect for Evolution {
    fn list_instances() -> Served {
        Served::At(&["GET /instance/fetchInstances"])
    }
    fn get_instance() -> Served {
        Served::At(&[
            "GET /instance/connectionState/{instance}",
            "GET /settings/find/{instance}",
            "GET /webhook/find/{instance}",
            "GET /proxy/find/{instance}",
        ])
    }
    fn profile_picture() -> Served {
        Served::Not("fetchInstances carries the profile picture's URL")
    }
    fn check_instance_name() -> Served {
        Served::Not("an as-you-type check for the window; instance/create answers the same errors")
    }
    fn create_instance() -> Served {
        Served::At(&["POST /instance/create"])
    }
    fn connect_qr() -> Served {
        Served::At(&["GET /instance/connect/{instance}", "POST /instance/create"])
    }
    fn connect_code() -> Served {
        Served::At(&["GET /instance/connect/{instance}", "POST /instance/create"])
    }
    fn reconnect() -> Served {
        Served::At(&["POST /instance/restart/{instance}"])
    }
    fn logout() -> Served {
        Served::At(&["DELETE /instance/logout/{instance}"])
    }
    fn delete_instance() -> Served {
        Served::At(&["DELETE /instance/delete/{instance}"])
    }
    fn list_chats() -> Served {
        Served::At(&["POST /chat/findChats/{instance}"])
    }
    fn chat_messages() -> Served {
        Served::At(&["POST /chat/findMessages/{instance}"])
    }
    fn media_thumbnail() -> Served {
        Served::Not("previews are drawn for the window's conversation view")
    }
    fn search_chat() -> Served {
        Served::Not(
            "Evolution's findMessages filters by key, not by text; RyzeAPI's dialect searches",
        )
    }
    fn send_text() -> Served {
        Served::At(&["POST /message/sendText/{instance}"])
    }
    fn send_media() -> Served {
        Served::At(&["POST /message/sendMedia/{instance}"])
    }
    fn export_to_zip() -> Served {
        Served::Not("Evolution has no export; RyzeAPI's dialect serves GET /api/chat/export")
    }
    fn cancel_export() -> Served {
        Served::Not("Evolution has no export")
    }
    fn delete_chat() -> Served {
        Served::Not("Evolution's chat deletion is per message; RyzeAPI's dialect deletes a chat")
    }
    fn update_settings() -> Served {
        Served::At(&["POST /settings/set/{instance}", "POST /instance/create"])
    }
    fn set_webhook() -> Served {
        Served::At(&["POST /webhook/set/{instance}", "POST /instance/create"])
    }
    fn set_proxy() -> Served {
        Served::At(&["POST /proxy/set/{instance}", "POST /instance/create"])
    }
    fn get_s3() -> Served {
        Served::Not(
            "Evolution configures S3 for the whole server; RyzeAPI's dialect sets it per instance",
        )
    }
    fn set_s3() -> Served {
        Served::Not(
            "Evolution configures S3 for the whole server; RyzeAPI's dialect sets it per instance",
        )
    }
    fn s3_media_usage() -> Served {
        Served::Not("the window's delete dialog")
    }
    fn timeline() -> Served {
        Served::Not("the timeline is read in the window")
    }
    fn qr_image() -> Served {
        Served::At(&["GET /instance/connect/{instance}"])
    }
    fn download_media() -> Served {
        Served::At(&["POST /chat/getBase64FromMediaMessage/{instance}"])
    }
    fn save_media() -> Served {
        Served::Not("saves a file on this computer, for the window")
    }
    fn open_media() -> Served {
        Served::Not("opens a file with this computer's app, for the window")
    }
    fn webhook_status() -> Served {
        Served::Not("Evolution has no delivery report; RyzeAPI's dialect serves GET /api/events/webhookDeliveries")
    }
    fn send_test_webhook() -> Served {
        Served::Not(
            "Evolution has no test event; RyzeAPI's dialect serves POST /api/events/testWebhook",
        )
    }
    fn local_api_status() -> Served {
        Served::Not("the window's own switch for this API")
    }
    fn set_local_api() -> Served {
        Served::Not("the window's own switch for this API; the API does not move itself")
    }
    fn regenerate_api_token() -> Served {
        Served::Not("the window's own switch for this API")
    }
}
