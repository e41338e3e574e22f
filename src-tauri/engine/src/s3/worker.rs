//! The background loop of the upload queue: a pass whenever media is queued, a bucket
//! is saved, or the next retry is due; each pass's instances are told to the window
//! (their pending uploads changed) through the engine's events.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{watch, Notify};
use tracing::warn;

use super::uploader::Uploader;
use crate::engine::WeakEngine;
use crate::model::now_millis;

/// Wait after a pass failed on the database itself.
const AFTER_FAILURE: Duration = Duration::from_secs(5);

pub(crate) struct UploadWorker {
    uploader: Uploader,
    wake: Notify,
}

impl UploadWorker {
    pub fn new(uploader: Uploader) -> Arc<UploadWorker> {
        Arc::new(UploadWorker {
            uploader,
            wake: Notify::new(),
        })
    }

    /// Something was queued or became possible: run a pass now.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Runs passes until `stop` turns true or the engine is gone.
    pub async fn run(self: Arc<Self>, engine: WeakEngine, mut stop: watch::Receiver<bool>) {
        loop {
            if *stop.borrow() {
                return;
            }
            let wait = match self.uploader.run_due().await {
                Ok(pass) => {
                    let Some(engine) = engine.upgrade() else {
                        return;
                    };
                    for id in &pass.instances {
                        // Gone meanwhile (deleted): nothing to show.
                        let _ = engine.instance_updated(id).await;
                    }
                    pass.next_due
                        .map(|at| Duration::from_millis((at - now_millis()).max(0) as u64))
                }
                Err(e) => {
                    warn!(code = %e.code(), error = %e, "upload queue pass failed");
                    Some(AFTER_FAILURE)
                }
            };
            tokio::select! {
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep(wait.unwrap_or(Duration::from_secs(3600))) => {}
                _ = stop.changed() => return,
            }
        }
    }
}
