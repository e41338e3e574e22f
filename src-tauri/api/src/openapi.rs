//! The API's description, OpenAPI 3.1, generated from the handlers' and shapes' Rust
//! types (utoipa) and served at `/api/openapi.json`. The committed copy,
//! `src-tauri/api/openapi.json`, is kept current by a test.

use axum::http::header;
use axum::response::IntoResponse;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::{events_socket, ryze};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Switchboard local API",
        description = "RyzeAPI's instance module, delete-chat and messaging, served by Switchboard on this computer or a server. Send the account token (everything) or an instance's own token (only that instance) in the `token` header or as `Authorization: Bearer`. Every refusal is `{\"success\":false,\"error\":{\"message\":...}}`; 100 requests per minute per token, 10 deletions per minute and 100 per hour, unless configured otherwise."
    ),
    paths(
        ryze::paths::create,
        ryze::paths::list,
        ryze::paths::connect,
        ryze::paths::reconnect,
        ryze::paths::logout,
        ryze::paths::delete,
        ryze::paths::get_settings,
        ryze::paths::set_settings,
        ryze::paths::get_proxy,
        ryze::paths::set_proxy,
        ryze::paths::get_s3,
        ryze::paths::set_s3,
        ryze::paths::get_webhook,
        ryze::paths::set_webhook,
        ryze::paths::deliveries,
        ryze::paths::test_webhook,
        ryze::paths::delete_chat,
        ryze::paths::download_media,
        ryze::paths::messages,
        ryze::paths::export,
        ryze::paths::send_text,
        events_socket::upgrade,
    ),
    modifiers(&Tokens),
    tags(
        (name = "instance", description = "Create, link, configure (settings, proxy, S3 media bucket), log out and delete instances"),
        (name = "events", description = "The instance's webhook: its address and events, its last delivery and queue, a test event"),
        (name = "chat", description = "Read a chat's messages; download a received file later; export a chat or an instance to a ZIP file; delete a chat, with its media if asked"),
        (name = "message", description = "Send messages"),
        (name = "socket", description = "Engine events as they happen"),
    )
)]
pub struct ApiDoc;

/// The two ways to present a token.
struct Tokens;

impl Modify for Tokens {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new("token"))),
        );
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The description as pretty JSON, exactly as committed.
pub fn document() -> String {
    let mut json = ApiDoc::openapi()
        .to_pretty_json()
        .expect("the description serializes");
    json.push('\n');
    json
}

/// `GET /api/openapi.json`, open to anyone who can reach the API.
pub async fn serve() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], document())
}
