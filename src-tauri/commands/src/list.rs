//! The command list. A host expands it with `with_commands!(its_expander)`, where the
//! expander is a `macro_rules!` that accepts every entry in this form:
//!
//! ```text
//! $(#[doc = $doc:literal])*
//! fn $name:ident($host:ident $(, $arg:ident: $ty:ty)* $(,)?) -> $answer:ty $body:block
//! ```
//!
//! The body borrows the [`Host`](crate::Host) under the first name and answers
//! `Result<Answer, E>` for any `E` that becomes an `ErrorPayload`. Adding a command here
//! adds it to every host.

/// Hands the whole command list to the macro `$cb` (see the module documentation).
#[macro_export]
macro_rules! with_commands {
    ($cb:ident) => {
        $cb! {
            fn list_instances(host) -> Vec<$crate::model::Instance> {
                host.engine().list_instances().await
            }

            fn get_instance(host, name: String) -> $crate::model::Instance {
                host.engine().get_instance(&name).await
            }

            /// The account's profile picture as a data URL; null when there is none to show.
            fn profile_picture(host, name: String) -> Option<String> {
                host
                    .engine()
                    .profile_picture(&name)
                    .await
                    .map(|bytes| bytes.as_deref().and_then($crate::data_url::picture))
            }

            /// As-you-type check of a new name against the engine's own rules: answers
            /// when the name is valid and free, else invalid_name or name_taken.
            fn check_instance_name(host, name: String) -> () {
                host.engine().check_name(&name).await
            }

            fn create_instance(host, input: $crate::model::CreateInstance) -> $crate::model::Instance {
                host.engine().create_instance(input).await
            }

            fn connect_qr(host, name: String) -> $crate::model::InstanceState {
                host.engine().connect_qr(&name).await
            }

            /// Answers the 8-character pairing code to type on the phone.
            fn connect_code(host, name: String, phone: String) -> String {
                host.engine().connect_code(&name, &phone).await
            }

            fn reconnect(host, name: String) -> $crate::model::InstanceState {
                host.engine().reconnect(&name).await
            }

            fn logout(host, name: String) -> $crate::model::LogoutReport {
                host.engine().logout(&name).await
            }

            /// With `delete_s3_media` (the API's `deleteS3Media`), the instance's objects in
            /// its S3 bucket are deleted too; without it they are kept (and reported).
            fn delete_instance(
                host,
                name: String,
                delete_s3_media: bool,
            ) -> $crate::model::DeleteReport {
                let choice = if delete_s3_media {
                    $crate::s3::S3MediaChoice::Delete
                } else {
                    $crate::s3::S3MediaChoice::Keep
                };
                host.engine().delete_instance_with(&name, choice).await
            }

            /// Where the instance's objects are in its S3 bucket, and how many (objects and
            /// bytes), for the delete dialog; null when its media stays on this computer.
            fn s3_media_usage(host, name: String) -> Option<$crate::s3::S3MediaOutcome> {
                host.engine().s3_media_usage(&name).await
            }

            /// The instance's S3 bucket with the secret key masked; null when none.
            fn get_s3(host, name: String) -> Option<$crate::s3::S3ConfigView> {
                host.engine().get_s3(&name).await
            }

            /// Tests the bucket (write, read back, remove a probe object) and saves it only
            /// if that passed; null turns S3 off. A left-out or masked secret keeps the
            /// stored one.
            fn set_s3(
                host,
                name: String,
                s3: Option<$crate::s3::S3ConfigInput>,
            ) -> $crate::model::Instance {
                host.engine().set_s3(&name, s3).await
            }

            fn list_chats(host, name: String) -> Vec<$crate::model::ChatSummary> {
                host.engine().list_chats(&name).await
            }

            fn delete_chat(
                host,
                name: String,
                chat: String,
                delete_media: bool,
            ) -> $crate::model::ChatDeleteReport {
                host.engine().delete_chat(&name, &chat, delete_media).await
            }

            /// A page of a chat's messages, newest first; `before` is the previous page's
            /// `next`, `limit` 1 to 200 (default 50).
            fn chat_messages(
                host,
                name: String,
                chat: String,
                before: Option<String>,
                limit: Option<u32>,
            ) -> $crate::conversation::MessagePage {
                host.engine().chat_messages(&name, &chat, before.as_deref(), limit).await
            }

            /// A page of a chat's messages containing `text`, newest first; paged like
            /// `chat_messages`.
            fn search_chat(
                host,
                name: String,
                chat: String,
                text: String,
                before: Option<String>,
                limit: Option<u32>,
            ) -> $crate::conversation::MessagePage {
                host.engine()
                    .search_chat(&name, &chat, &text, before.as_deref(), limit)
                    .await
            }

            /// A small JPEG preview (data URL) of a stored picture, from this computer or
            /// the instance's bucket.
            fn media_thumbnail(
                host,
                name: String,
                chat: String,
                message_id: String,
            ) -> String {
                let file = host.engine().media_file(&name, &chat, &message_id).await?;
                $crate::thumbnail::preview(file.bytes).await
            }

            /// Saves a message's stored file where the person chose ("Save as…"): an
            /// absolute path in an existing folder, replaced only once the copy is complete.
            /// Read from this computer or the instance's bucket.
            fn save_media(
                host,
                name: String,
                chat: String,
                message_id: String,
                destination: String,
            ) -> () {
                host.engine()
                    .save_media(&name, &chat, &message_id, &destination)
                    .await
                    .map(|_bytes| ())
            }

            /// Opens a message's stored file with the system's app: a copy kept with the
            /// chat's data (deleted with it), read from this computer or the bucket.
            fn open_media(host, name: String, chat: String, message_id: String) -> () {
                let path = host.engine().media_to_open(&name, &chat, &message_id).await?;
                host.opener()?.open(&path)
            }

            /// Downloads a received message's file that was not downloaded when it
            /// arrived, while WhatsApp still serves it; answers the message with its file
            /// (at once when it already has one). media_expired when WhatsApp no longer
            /// has it.
            fn download_media(
                host,
                name: String,
                chat: String,
                message_id: String,
            ) -> $crate::conversation::ChatMessage {
                host.engine().download_media(&name, &chat, &message_id).await
            }

            /// Sends a text (optionally quoting a stored message); answers it as stored.
            fn send_text(
                host,
                name: String,
                input: $crate::conversation::SendText,
            ) -> $crate::conversation::ChatMessage {
                host.engine().send_text(&name, input).await
            }

            /// Sends a file from this computer with an optional caption.
            fn send_media(
                host,
                name: String,
                input: $crate::conversation::SendMedia,
            ) -> $crate::conversation::ChatMessage {
                host.engine().send_media(&name, input).await
            }

            /// Writes a chat (`request.chat`) or the whole instance to a ZIP file (messages
            /// as JSON Lines, a transcript, the media, a manifest with hashes), reporting
            /// export_progress events; answers once the file is in place.
            fn export_to_zip(
                host,
                name: String,
                request: $crate::export::ExportRequest,
            ) -> $crate::export::ExportReport {
                host.engine().export(&name, request).await
            }

            /// Stops a running export: it fails with export_cancelled and leaves no file.
            fn cancel_export(host, export_id: String) -> () {
                host.engine().cancel_export(&export_id)
            }

            fn update_settings(
                host,
                name: String,
                settings: $crate::model::Settings,
            ) -> $crate::model::Instance {
                host.engine().update_settings(&name, settings).await
            }

            /// Without a webhook, removes it and drops what was still queued for it.
            fn set_webhook(
                host,
                name: String,
                webhook: Option<$crate::model::WebhookInput>,
            ) -> $crate::model::Instance {
                host.engine().set_webhook(&name, webhook).await
            }

            /// The webhook's last delivery attempt and the events still queued for it.
            fn webhook_status(host, name: String) -> $crate::webhook_status::WebhookStatus {
                host.engine().webhook_status(&name).await
            }

            /// Queues a TEST event, signed and retried like any other, and answers once its
            /// first try is over; webhook_not_configured without a webhook.
            fn send_test_webhook(host, name: String) -> $crate::webhook_status::WebhookStatus {
                host.engine().send_test_webhook(&name).await
            }

            fn set_proxy(host, name: String, proxy: Option<String>) -> $crate::model::Instance {
                host.engine().set_proxy(&name, proxy).await
            }

            /// What happened to one instance (by the id its name has now), or to every
            /// instance (deleted ones too) without a name; destructive actions included.
            fn timeline(host, name: Option<String>) -> Vec<$crate::model::TimelineEntry> {
                host.engine().timeline(name.as_deref()).await
            }

            /// The QR code drawn in Rust, as a PNG data URL the window can show under a
            /// strict CSP.
            fn qr_image(_host, code: String) -> String {
                $crate::qr_image::png_data_url(&code)
            }

            /// The local API as the window's Settings show it.
            fn local_api_status(host) -> $crate::LocalApiStatus {
                Ok::<_, $crate::ErrorPayload>(host.local_api()?.status().await)
            }

            /// Switches the local API on or off, or moves it; a change that fails leaves
            /// it as it was.
            fn set_local_api(host, settings: $crate::LocalApiSettings) -> $crate::LocalApiStatus {
                host.local_api()?.apply(settings).await
            }

            /// A new account token for the local API; the old one stops working at once.
            fn regenerate_api_token(host) -> $crate::LocalApiStatus {
                host.local_api()?.regenerate_token().await
            }
        }
    };
}
