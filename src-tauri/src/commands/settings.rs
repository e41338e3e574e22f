use switchboard_engine::model::{AuditRecord, Instance, Settings, WebhookInput};

super::commands! {
    fn update_settings(engine, name: String, settings: Settings) -> Instance {
        engine.update_settings(&name, settings).await
    }

    /// `None` removes the webhook and drops what was still queued for it.
    fn set_webhook(engine, name: String, webhook: Option<WebhookInput>) -> Instance {
        engine.set_webhook(&name, webhook).await
    }

    fn set_proxy(engine, name: String, proxy: Option<String>) -> Instance {
        engine.set_proxy(&name, proxy).await
    }

    /// Destructive actions of one instance, or of every instance (deleted ones too) with `None`.
    fn audit_log(engine, name: Option<String>) -> Vec<AuditRecord> {
        engine.audit_log(name.as_deref()).await
    }
}
