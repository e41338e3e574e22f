//! The engine's S3 operations: an instance's bucket (read masked, saved only after
//! the probe passed, removed), and a received media file read from wherever it lives.

use sqlx::Row;
use tracing::{info, instrument};

use super::config::{self, S3Config, S3ConfigInput, S3ConfigView};
use super::objects_step::{self, S3MediaChoice, S3MediaOutcome};
use super::store::S3Store;
use super::{probe, queue, stored};
use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::model::Instance;
use crate::paths;
use crate::validate;

/// A received media file's content, wherever it was stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaFile {
    pub bytes: Vec<u8>,
    pub mime: Option<String>,
    /// `None` for the local copy; the object's key when it came from the bucket.
    pub s3_key: Option<String>,
}

impl Engine {
    /// The instance's bucket with the secret key masked; `None` keeps media local.
    #[instrument(skip_all, fields(name = %name))]
    pub async fn get_s3(&self, name: &str) -> Result<Option<S3ConfigView>> {
        let id = self.id_of(name)?;
        Ok(stored::load(self.db(), &id)
            .await?
            .map(|config| config.view()))
    }

    /// Tests the bucket (write, read back, remove a probe object) and saves it; a
    /// configuration that fails the test is not saved. `None` turns S3 off: media
    /// received from then on stays local (what is already in the bucket stays there).
    #[instrument(skip_all, fields(name = %name))]
    pub async fn set_s3(&self, name: &str, input: Option<S3ConfigInput>) -> Result<Instance> {
        let key = validate::name(name)?;
        let (id, _) = self.live(&key, name)?;
        match input {
            Some(input) => {
                let stored_secret = stored::load(self.db(), &id)
                    .await?
                    .map(|config| config.secret_key);
                let config = self.tested_s3(input, stored_secret.as_ref()).await?;
                stored::save(self.db(), &id, &config).await?;
                queue::make_all_due(self.db()).await?;
                self.wake_uploads();
                info!(instance_id = %id, bucket = %config.bucket, "S3 media storage saved");
            }
            None => {
                if stored::remove(self.db(), &id).await? {
                    info!(instance_id = %id, "S3 media storage turned off");
                }
            }
        }
        self.instance_updated(&id).await
    }

    /// A configuration validated and probed, ready to be saved.
    pub(crate) async fn tested_s3(
        &self,
        input: S3ConfigInput,
        stored_secret: Option<&config::Secret>,
    ) -> Result<S3Config> {
        let config = config::validate(input, stored_secret)?;
        probe(&config, self.s3_tuning()).await?;
        Ok(config)
    }

    /// Where the instance's objects are in its bucket and how many (for the delete
    /// dialog); `None` when its media stays on this computer.
    #[instrument(skip_all, fields(name = %name))]
    pub async fn s3_media_usage(&self, name: &str) -> Result<Option<S3MediaOutcome>> {
        let id = self.id_of(name)?;
        objects_step::survey(self.db(), &id, S3MediaChoice::Keep, self.s3_tuning()).await
    }

    /// A received media file, read from the disk or from the bucket it was uploaded to.
    #[instrument(skip_all, fields(name = %name))]
    pub async fn media_file(&self, name: &str, chat: &str, message_id: &str) -> Result<MediaFile> {
        let id = self.id_of(name)?;
        let jid = validate::chat_jid(chat)?;
        let row = sqlx::query(
            "SELECT path, mime, s3_endpoint, s3_bucket, s3_key FROM media
             WHERE instance_id = ? AND chat_jid = ? AND message_id = ?",
        )
        .bind(&id)
        .bind(&jid)
        .bind(message_id)
        .fetch_optional(self.db())
        .await?
        .ok_or_else(|| {
            Error::MediaNotFound(format!("no media for message '{message_id}' in chat {jid}"))
        })?;
        let mime: Option<String> = row.try_get("mime")?;
        let Some(key) = row.try_get::<Option<String>, _>("s3_key")? else {
            let relative: String = row.try_get("path")?;
            if !paths::is_safe_media_path(&relative) {
                return Err(Error::MediaNotFound(format!(
                    "the media of message '{message_id}' has no valid path"
                )));
            }
            let bytes = tokio::fs::read(self.paths().instance_dir(&id).join(&relative))
                .await
                .map_err(|e| match e.kind() {
                    std::io::ErrorKind::NotFound => Error::MediaNotFound(format!(
                        "the media file of message '{message_id}' is no longer on this computer"
                    )),
                    _ => e.into(),
                })?;
            return Ok(MediaFile {
                bytes,
                mime,
                s3_key: None,
            });
        };
        let endpoint: Option<String> = row.try_get("s3_endpoint")?;
        let bucket: Option<String> = row.try_get("s3_bucket")?;
        let config = stored::load(self.db(), &id)
            .await?
            .filter(|c| Some(&c.endpoint) == endpoint.as_ref() && Some(&c.bucket) == bucket.as_ref())
            .ok_or_else(|| {
                Error::S3InvalidConfig(format!(
                    "the media of message '{message_id}' is in bucket '{}' at {}, which this instance no longer uses",
                    bucket.as_deref().unwrap_or_default(),
                    endpoint.as_deref().unwrap_or_default()
                ))
            })?;
        let object = S3Store::new(&config, self.s3_tuning())?
            .get(&key)
            .await?
            .ok_or_else(|| {
                Error::MediaNotFound(format!("the {} has no object '{key}'", config.location()))
            })?;
        Ok(MediaFile {
            bytes: object.bytes,
            mime: mime.or(object.content_type),
            s3_key: Some(key),
        })
    }
}
