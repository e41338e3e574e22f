use switchboard_engine::model::{ChatDeleteReport, ChatSummary};

super::commands! {
    fn list_chats(engine, name: String) -> Vec<ChatSummary> {
        engine.list_chats(&name).await
    }

    fn delete_chat(engine, name: String, chat: String, delete_media: bool) -> ChatDeleteReport {
        engine.delete_chat(&name, &chat, delete_media).await
    }
}
