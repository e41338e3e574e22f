use switchboard_engine::model::{CreateInstance, DeleteReport, Instance, LogoutReport};

super::commands! {
    fn list_instances(engine) -> Vec<Instance> {
        engine.list_instances().await
    }

    fn get_instance(engine, name: String) -> Instance {
        engine.get_instance(&name).await
    }

    /// The account's profile picture as a data URL; `None` when there is none to show.
    fn profile_picture(engine, name: String) -> Option<String> {
        engine
            .profile_picture(&name)
            .await
            .map(|bytes| bytes.as_deref().and_then(crate::data_url::picture))
    }

    /// As-you-type check of a new name against the engine's own rules.
    fn check_instance_name(engine, name: String) -> () {
        engine.check_name(&name).await
    }

    fn create_instance(engine, input: CreateInstance) -> Instance {
        engine.create_instance(input).await
    }

    fn logout(engine, name: String) -> LogoutReport {
        engine.logout(&name).await
    }

    fn delete_instance(engine, name: String) -> DeleteReport {
        engine.delete_instance(&name).await
    }
}
