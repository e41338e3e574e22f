//! Engines in temp folders with short waits, instances, and data fed through the same
//! sink the WhatsApp actors use.

use std::path::Path;
use std::time::Duration;

use switchboard_engine::actor::WaConfig;
use switchboard_engine::conversation::MessageKind;
use switchboard_engine::model::{CreateInstance, Instance, WebhookInput};
use switchboard_engine::records::{ChatUpsert, MediaSaved, MessageUpsert};
use switchboard_engine::s3::queue::QueueTuning;
use switchboard_engine::s3::S3Tuning;
use switchboard_engine::{Engine, EngineConfig, WebhookTuning};

pub fn config(dir: &Path) -> EngineConfig {
    EngineConfig {
        data_dir: dir.to_path_buf(),
        wa: WaConfig {
            server_url: None,
            logout_timeout: Duration::from_secs(1),
        },
        webhooks: WebhookTuning {
            request_timeout: Duration::from_secs(2),
            base_backoff: Duration::from_millis(20),
            max_backoff: Duration::from_millis(100),
            max_attempts: 4,
            delete_attempts: 3,
        },
        s3: S3Tuning {
            connect_timeout: Duration::from_secs(2),
            request_timeout: Duration::from_secs(30),
            max_retries: 1,
            retry_backoff: Duration::from_millis(10),
        },
        uploads: QueueTuning {
            base_backoff: Duration::from_millis(50),
            max_backoff: Duration::from_millis(200),
        },
    }
}

/// For tests that count deliveries: a receiver slowed down by a busy machine must not
/// turn one delivery into a timed-out try and a retry.
pub fn patient_config(dir: &Path) -> EngineConfig {
    let mut config = config(dir);
    config.webhooks.request_timeout = Duration::from_secs(60);
    config
}

pub async fn open(dir: &Path) -> Engine {
    Engine::open(config(dir)).await.expect("engine opens")
}

pub async fn create(engine: &Engine, name: &str) -> Instance {
    engine
        .create_instance(CreateInstance {
            name: name.into(),
            ..Default::default()
        })
        .await
        .expect("instance created")
}

pub async fn create_with_webhook(engine: &Engine, name: &str, url: &str) -> Instance {
    engine
        .create_instance(CreateInstance {
            name: name.into(),
            webhook: Some(WebhookInput {
                url: url.into(),
                events: vec![],
                authorization: Some("Bearer test-token".into()),
                ..Default::default()
            }),
            ..Default::default()
        })
        .await
        .expect("instance created")
}

/// Feeds `chats` chats of `messages_per_chat` messages, each chat with `media_per_chat`
/// media files written under the instance's media folder, as an actor would.
pub async fn seed(
    engine: &Engine,
    data_dir: &Path,
    instance: &Instance,
    chats: usize,
    messages_per_chat: usize,
    media_per_chat: usize,
) {
    let sink = engine.session_sink();
    for c in 0..chats {
        let jid = format!("55119{:08}@s.whatsapp.net", c);
        sink.chats(
            &instance.id,
            vec![ChatUpsert {
                jid: jid.clone(),
                name: Some(format!("Chat {c}")),
                push_name: None,
            }],
        )
        .await;
        let messages = (0..messages_per_chat)
            .map(|m| MessageUpsert {
                chat_jid: jid.clone(),
                id: format!("MSG{c}-{m}"),
                from_me: m % 2 == 0,
                sender: None,
                timestamp: 1_700_000_000_000 + m as i64,
                text: Some(format!("hello {m}")),
                kind: if m < media_per_chat {
                    MessageKind::Image
                } else {
                    MessageKind::Text
                },
                ..Default::default()
            })
            .collect();
        sink.messages(&instance.id, messages).await;
        for m in 0..media_per_chat {
            let relative = format!("media/{jid}/{m}.jpg");
            let path = data_dir
                .join("instances")
                .join(&instance.id)
                .join(&relative);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, vec![7u8; 100 + m]).unwrap();
            sink.media_saved(
                &instance.id,
                MediaSaved {
                    chat_jid: jid.clone(),
                    message_id: format!("MSG{c}-{m}"),
                    relative_path: relative,
                    bytes: (100 + m) as u64,
                    mime: Some("image/jpeg".into()),
                },
            )
            .await;
        }
    }
}
