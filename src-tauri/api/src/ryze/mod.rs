//! RyzeAPI's dialect under `/api`: its instance module and delete-chat, with the shapes,
//! messages and status codes of seeds 000, 002 and 004 (and RyzeAPI's public reference
//! where they stop). Each route is a thin mapping of commands onto that dialect.

mod chat;
mod config;
mod connect;
mod deliveries;
mod export;
mod inputs;
mod instance;
mod message;
mod reply;
mod s3;
mod shapes;

use axum::extract::{Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::Router;

use crate::auth;
use crate::dialect::{Dialect, Served};
use crate::ApiState;

pub(crate) use reply::{method_not_allowed, panicked, unknown_route, Args, Refusal, RefusalBody};

/// The handlers, for the API's description.
pub(crate) mod paths {
    pub use super::chat::*;
    pub use super::config::*;
    pub use super::connect::*;
    pub use super::deliveries::*;
    pub use super::export::*;
    pub use super::instance::*;
    pub use super::message::*;
    pub use super::s3::*;
}

/// The routes, behind the token check and the per-token rate limit.
pub(crate) fn routes(state: ApiState) -> Router<ApiState> {
    Router::new()
        .route("/api/instance/new", post(instance::create))
        .route("/api/instance/list", get(instance::list))
        .route("/api/instance/connect/{instance}", get(connect::connect))
        .route(
            "/api/instance/reconnect/{instance}",
            post(instance::reconnect),
        )
        .route("/api/instance/logout/{instance}", delete(instance::logout))
        .route("/api/instance/delete/{instance}", delete(instance::delete))
        .route(
            "/api/instance/getSettings/{instance}",
            get(config::get_settings),
        )
        .route(
            "/api/instance/settings/{instance}",
            post(config::set_settings),
        )
        .route("/api/instance/getProxy/{instance}", get(config::get_proxy))
        .route("/api/instance/proxy/{instance}", post(config::set_proxy))
        .route("/api/instance/getS3/{instance}", get(s3::get_s3))
        .route("/api/instance/s3/{instance}", post(s3::set_s3))
        .route(
            "/api/events/getWebhook/{instance}",
            get(config::get_webhook),
        )
        .route("/api/events/webhook/{instance}", post(config::set_webhook))
        .route(
            "/api/events/webhookDeliveries/{instance}",
            get(deliveries::deliveries),
        )
        .route(
            "/api/events/testWebhook/{instance}",
            post(deliveries::test_webhook),
        )
        .route("/api/chat/deleteChat/{instance}", delete(chat::delete_chat))
        .route(
            "/api/chat/downloadMedia/{instance}",
            post(chat::download_media),
        )
        .route("/api/chat/messages/{instance}", get(message::messages))
        .route("/api/chat/export/{instance}", get(export::export))
        .route("/api/message/sendText/{instance}", post(message::send_text))
        .route_layer(middleware::from_fn_with_state(state, authenticate))
}

/// Every request names a token the API knows, within that token's budget; the caller
/// rides along for the handlers. Tokens are never logged.
async fn authenticate(State(api): State<ApiState>, mut request: Request, next: Next) -> Response {
    let caller = auth::presented(request.headers())
        .and_then(|token| auth::identify(&api.account, &api.live, token));
    let Some(caller) = caller else {
        return reply::Refusal::invalid_token().into_response();
    };
    if let Err(wait) = api.limits.admit(&caller) {
        return reply::Refusal::rate_limited(wait).into_response();
    }
    request.extensions_mut().insert(caller);
    next.run(request).await
}

/// RyzeAPI's dialect.
pub struct Ryze;

impl Dialect for Ryze {
    fn list_instances() -> Served {
        Served::At(&["GET /api/instance/list"])
    }
    fn get_instance() -> Served {
        Served::At(&[
            "GET /api/instance/list",
            "GET /api/instance/connect/{instance}",
            "GET /api/instance/getSettings/{instance}",
            "POST /api/instance/settings/{instance}",
            "GET /api/instance/getProxy/{instance}",
            "GET /api/events/getWebhook/{instance}",
            "GET /api/instance/getS3/{instance}",
            "POST /api/instance/s3/{instance}",
        ])
    }
    fn profile_picture() -> Served {
        Served::Not("the list carries the profile's picture URL; the image itself is the window's")
    }
    fn check_instance_name() -> Served {
        Served::Not("an as-you-type check for the window; create answers the same errors")
    }
    fn create_instance() -> Served {
        Served::At(&["POST /api/instance/new"])
    }
    fn connect_qr() -> Served {
        Served::At(&["GET /api/instance/connect/{instance}"])
    }
    fn connect_code() -> Served {
        Served::At(&["GET /api/instance/connect/{instance}"])
    }
    fn reconnect() -> Served {
        Served::At(&["POST /api/instance/reconnect/{instance}"])
    }
    fn logout() -> Served {
        Served::At(&["DELETE /api/instance/logout/{instance}"])
    }
    fn delete_instance() -> Served {
        Served::At(&["DELETE /api/instance/delete/{instance}"])
    }
    fn list_chats() -> Served {
        Served::Not("RyzeAPI's chat listing belongs to its chat module, not offered yet")
    }
    fn chat_messages() -> Served {
        Served::At(&["GET /api/chat/messages/{instance}"])
    }
    fn media_thumbnail() -> Served {
        Served::Not("previews are drawn for the window's conversation view")
    }
    fn search_chat() -> Served {
        Served::At(&["GET /api/chat/messages/{instance}"])
    }
    fn download_media() -> Served {
        Served::At(&["POST /api/chat/downloadMedia/{instance}"])
    }
    fn save_media() -> Served {
        Served::Not("writes to a path on this computer; API callers get the files in the export")
    }
    fn open_media() -> Served {
        Served::Not("opens a file on this computer's desktop")
    }
    fn send_text() -> Served {
        Served::At(&["POST /api/message/sendText/{instance}"])
    }
    fn send_media() -> Served {
        Served::Not("takes a file on this computer; an upload route for API callers is to come")
    }
    fn export_to_zip() -> Served {
        Served::At(&["GET /api/chat/export/{instance}"])
    }
    fn cancel_export() -> Served {
        Served::Not("an API caller cancels its export by closing the connection")
    }
    fn delete_chat() -> Served {
        Served::At(&["DELETE /api/chat/deleteChat/{instance}"])
    }
    fn update_settings() -> Served {
        Served::At(&["POST /api/instance/settings/{instance}"])
    }
    fn set_webhook() -> Served {
        Served::At(&["POST /api/events/webhook/{instance}"])
    }
    fn webhook_status() -> Served {
        Served::At(&["GET /api/events/webhookDeliveries/{instance}"])
    }
    fn send_test_webhook() -> Served {
        Served::At(&["POST /api/events/testWebhook/{instance}"])
    }
    fn set_proxy() -> Served {
        Served::At(&["POST /api/instance/proxy/{instance}"])
    }
    fn get_s3() -> Served {
        Served::At(&["GET /api/instance/getS3/{instance}"])
    }
    fn set_s3() -> Served {
        Served::At(&["POST /api/instance/s3/{instance}"])
    }
    fn s3_media_usage() -> Served {
        Served::Not("the window's delete dialog; the delete route reports what was kept or deleted, and where")
    }
    fn timeline() -> Served {
        Served::Not("the timeline is read in the window")
    }
    fn qr_image() -> Served {
        Served::At(&["GET /api/instance/connect/{instance}"])
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
