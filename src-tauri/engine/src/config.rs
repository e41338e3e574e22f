//! How an engine is opened: where its data lives, how WhatsApp and webhooks behave.

use std::path::PathBuf;
use std::time::Duration;

use crate::actor::WaConfig;
use crate::s3::queue::QueueTuning;
use crate::s3::S3Tuning;

#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// `<data>`: holds switchboard.db, instances/ and trash/.
    pub data_dir: PathBuf,
    pub wa: WaConfig,
    pub webhooks: WebhookTuning,
    /// The S3 client's timeouts and retries.
    pub s3: S3Tuning,
    /// Waits between tries of a queued media upload.
    pub uploads: QueueTuning,
}

/// Delivery policy of webhooks (tests shorten every wait).
#[derive(Debug, Clone)]
pub struct WebhookTuning {
    /// Per-request timeout.
    pub request_timeout: Duration,
    /// Wait before the second try; doubled on each further try.
    pub base_backoff: Duration,
    /// Upper bound of one wait.
    pub max_backoff: Duration,
    /// Tries of a queued event before it is dropped.
    pub max_attempts: u32,
    /// Tries of INSTANCE_DELETE, which a deletion waits for.
    pub delete_attempts: u32,
}

impl Default for WebhookTuning {
    fn default() -> Self {
        WebhookTuning {
            request_timeout: Duration::from_secs(10),
            base_backoff: Duration::from_secs(5),
            max_backoff: Duration::from_secs(300),
            max_attempts: 10,
            delete_attempts: 3,
        }
    }
}

impl EngineConfig {
    /// Defaults for everything but the data folder.
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        EngineConfig {
            data_dir: data_dir.into(),
            wa: WaConfig {
                server_url: None,
                logout_timeout: Duration::from_secs(10),
            },
            webhooks: WebhookTuning::default(),
            s3: S3Tuning::default(),
            uploads: QueueTuning::default(),
        }
    }
}
