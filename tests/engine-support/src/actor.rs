//! One actor on a temporary instance folder, reporting into a sink that records every
//! call in order.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use switchboard_engine::actor::{ActorContext, ActorHandle, SessionSink, WaConfig};
use switchboard_engine::model::{InstanceState, Millis, Profile, Settings};
use switchboard_engine::records::{ChatUpsert, MediaSaved, MessageUpsert, Receipts};
use tokio::sync::Notify;
use wa_mock::PhoneProfile;

#[derive(Debug, Clone)]
pub enum Call {
    State(InstanceState),
    Qr(String, Millis),
    PairingCode(String, Millis),
    Profile(Profile),
    Paired(bool),
    Chats(Vec<ChatUpsert>),
    Messages(Vec<MessageUpsert>),
    MediaSaved(MediaSaved),
    RemoteChatDeleted(String, bool),
    Delivery(Receipts),
}

#[derive(Default)]
pub struct RecordingSink {
    calls: Mutex<Vec<(String, Call)>>,
    changed: Notify,
}

impl RecordingSink {
    fn record(&self, instance_id: &str, call: Call) {
        self.calls
            .lock()
            .unwrap()
            .push((instance_id.to_string(), call));
        self.changed.notify_waiters();
    }

    pub fn calls(&self) -> Vec<Call> {
        self.calls
            .lock()
            .unwrap()
            .iter()
            .map(|(_, c)| c.clone())
            .collect()
    }

    pub fn states(&self) -> Vec<InstanceState> {
        self.calls()
            .into_iter()
            .filter_map(|c| match c {
                Call::State(s) => Some(s),
                _ => None,
            })
            .collect()
    }

    /// Waits until `found` picks something out of the calls so far.
    pub async fn wait_for<T>(
        &self,
        what: &str,
        timeout: Duration,
        found: impl Fn(&[Call]) -> Option<T>,
    ) -> T {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.changed.notified();
            if let Some(hit) = found(&self.calls()) {
                return hit;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                panic!(
                    "timed out waiting for {what}; calls so far: {:#?}",
                    self.calls()
                );
            }
        }
    }

    pub async fn wait_for_state(
        &self,
        timeout: Duration,
        matches: impl Fn(&InstanceState) -> bool,
    ) -> InstanceState {
        self.wait_for("a state", timeout, |calls| {
            calls.iter().rev().find_map(|c| match c {
                Call::State(s) if matches(s) => Some(s.clone()),
                _ => None,
            })
        })
        .await
    }
}

#[async_trait::async_trait]
impl SessionSink for RecordingSink {
    async fn state_changed(&self, instance_id: &str, state: InstanceState) {
        self.record(instance_id, Call::State(state));
    }
    async fn qr_code(&self, instance_id: &str, code: String, expires_at: Millis) {
        self.record(instance_id, Call::Qr(code, expires_at));
    }
    async fn pairing_code(
        &self,
        instance_id: &str,
        code: String,
        _phone: String,
        expires_at: Millis,
    ) {
        self.record(instance_id, Call::PairingCode(code, expires_at));
    }
    async fn profile(&self, instance_id: &str, profile: Profile) {
        self.record(instance_id, Call::Profile(profile));
    }
    async fn paired(&self, instance_id: &str, paired: bool) {
        self.record(instance_id, Call::Paired(paired));
    }
    async fn chats(&self, instance_id: &str, chats: Vec<ChatUpsert>) {
        self.record(instance_id, Call::Chats(chats));
    }
    async fn messages(&self, instance_id: &str, messages: Vec<MessageUpsert>) {
        self.record(instance_id, Call::Messages(messages));
    }
    async fn media_saved(&self, instance_id: &str, media: MediaSaved) {
        self.record(instance_id, Call::MediaSaved(media));
    }
    async fn remote_chat_deleted(&self, instance_id: &str, chat_jid: String, delete_media: bool) {
        self.record(instance_id, Call::RemoteChatDeleted(chat_jid, delete_media));
    }
    async fn delivery(&self, instance_id: &str, receipts: Receipts) {
        self.record(instance_id, Call::Delivery(receipts));
    }
}

/// A temporary instance folder laid out as the engine lays it out.
pub struct Instance {
    pub dir: tempfile::TempDir,
    pub sink: Arc<RecordingSink>,
}

impl Default for Instance {
    fn default() -> Instance {
        Instance {
            dir: tempfile::tempdir().unwrap(),
            sink: Arc::new(RecordingSink::default()),
        }
    }
}

impl Instance {
    pub fn session_db(&self) -> PathBuf {
        self.dir.path().join("instances/i1/session.db")
    }

    pub fn picture_file(&self) -> PathBuf {
        self.dir.path().join("instances/i1/profile-picture")
    }

    pub fn context(&self, settings: Settings, server_url: Option<String>) -> ActorContext {
        ActorContext {
            instance_id: "i1".into(),
            name: "shop".into(),
            session_db: self.session_db(),
            media_dir: self.dir.path().join("instances/i1/media"),
            picture_file: self.picture_file(),
            settings,
            proxy: None,
            wa: WaConfig {
                server_url,
                logout_timeout: Duration::from_secs(2),
            },
            sink: self.sink.clone(),
            profile: Default::default(),
        }
    }

    pub fn spawn(&self, server_url: Option<String>) -> ActorHandle {
        ActorHandle::spawn(self.context(Settings::default(), server_url))
    }
}

/// A loopback address where nothing answers (the port was just freed).
pub fn dead_server_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("ws://127.0.0.1:{port}/ws/chat")
}

/// The phone that scans or types the code in these tests.
pub fn phone(number: &str) -> PhoneProfile {
    PhoneProfile {
        phone: number.into(),
        name: "Shop Phone".into(),
        business: None,
    }
}

/// The first QR code the instance was shown.
pub async fn first_qr(instance: &Instance, wait: Duration) -> String {
    instance
        .sink
        .wait_for("a QR code", wait, |calls| {
            calls.iter().find_map(|c| match c {
                Call::Qr(code, _) => Some(code.clone()),
                _ => None,
            })
        })
        .await
}
