//! The command list. A host expands it with `with_commands!(its_expander)`, where the
//! expander is a `macro_rules!` that accepts every entry in this form:
//!
//! ```text
//! $(#[doc = $doc:literal])*
//! fn $name:ident($engine:ident $(, $arg:ident: $ty:ty)* $(,)?) -> $answer:ty $body:block
//! ```
//!
//! The body borrows the engine under the first name and answers `Result<Answer, E>` for
//! any `E` that becomes an `ErrorPayload`. Adding a command here adds it to every host.

/// Hands the whole command list to the macro `$cb` (see the module documentation).
#[macro_export]
macro_rules! with_commands {
    ($cb:ident) => {
        $cb! {
            fn list_instances(engine) -> Vec<$crate::model::Instance> {
                engine.list_instances().await
            }

            fn get_instance(engine, name: String) -> $crate::model::Instance {
                engine.get_instance(&name).await
            }

            /// The account's profile picture as a data URL; null when there is none to show.
            fn profile_picture(engine, name: String) -> Option<String> {
                engine
                    .profile_picture(&name)
                    .await
                    .map(|bytes| bytes.as_deref().and_then($crate::data_url::picture))
            }

            /// As-you-type check of a new name against the engine's own rules: answers
            /// when the name is valid and free, else invalid_name or name_taken.
            fn check_instance_name(engine, name: String) -> () {
                engine.check_name(&name).await
            }

            fn create_instance(engine, input: $crate::model::CreateInstance) -> $crate::model::Instance {
                engine.create_instance(input).await
            }

            fn connect_qr(engine, name: String) -> $crate::model::InstanceState {
                engine.connect_qr(&name).await
            }

            /// Answers the 8-character pairing code to type on the phone.
            fn connect_code(engine, name: String, phone: String) -> String {
                engine.connect_code(&name, &phone).await
            }

            fn reconnect(engine, name: String) -> $crate::model::InstanceState {
                engine.reconnect(&name).await
            }

            fn logout(engine, name: String) -> $crate::model::LogoutReport {
                engine.logout(&name).await
            }

            /// With `delete_s3_media` (the API's `deleteS3Media`), the instance's objects in
            /// its S3 bucket are deleted too; without it they are kept (and reported).
            fn delete_instance(
                engine,
                name: String,
                delete_s3_media: bool,
            ) -> $crate::model::DeleteReport {
                let choice = if delete_s3_media {
                    $crate::s3::S3MediaChoice::Delete
                } else {
                    $crate::s3::S3MediaChoice::Keep
                };
                engine.delete_instance_with(&name, choice).await
            }

            /// Where the instance's objects are in its S3 bucket, and how many (objects and
            /// bytes), for the delete dialog; null when its media stays on this computer.
            fn s3_media_usage(engine, name: String) -> Option<$crate::s3::S3MediaOutcome> {
                engine.s3_media_usage(&name).await
            }

            /// The instance's S3 bucket with the secret key masked; null when none.
            fn get_s3(engine, name: String) -> Option<$crate::s3::S3ConfigView> {
                engine.get_s3(&name).await
            }

            /// Tests the bucket (write, read back, remove a probe object) and saves it only
            /// if that passed; null turns S3 off. A left-out or masked secret keeps the
            /// stored one.
            fn set_s3(
                engine,
                name: String,
                s3: Option<$crate::s3::S3ConfigInput>,
            ) -> $crate::model::Instance {
                engine.set_s3(&name, s3).await
            }

            fn list_chats(engine, name: String) -> Vec<$crate::model::ChatSummary> {
                engine.list_chats(&name).await
            }

            fn delete_chat(
                engine,
                name: String,
                chat: String,
                delete_media: bool,
            ) -> $crate::model::ChatDeleteReport {
                engine.delete_chat(&name, &chat, delete_media).await
            }

            fn update_settings(
                engine,
                name: String,
                settings: $crate::model::Settings,
            ) -> $crate::model::Instance {
                engine.update_settings(&name, settings).await
            }

            /// Without a webhook, removes it and drops what was still queued for it.
            fn set_webhook(
                engine,
                name: String,
                webhook: Option<$crate::model::WebhookInput>,
            ) -> $crate::model::Instance {
                engine.set_webhook(&name, webhook).await
            }

            fn set_proxy(engine, name: String, proxy: Option<String>) -> $crate::model::Instance {
                engine.set_proxy(&name, proxy).await
            }

            /// Destructive actions of one instance, or of every instance (deleted ones
            /// too) without a name.
            fn audit_log(engine, name: Option<String>) -> Vec<$crate::model::AuditRecord> {
                engine.audit_log(name.as_deref()).await
            }

            /// The QR code drawn in Rust, as a PNG data URL the window can show under a
            /// strict CSP.
            fn qr_image(_engine, code: String) -> String {
                $crate::qr::png_data_url(&code)
            }
        }
    };
}
