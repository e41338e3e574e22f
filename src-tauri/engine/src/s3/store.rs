//! One instance's bucket through `object_store`'s S3 client: uploads (multipart for
//! large files) with their content type, reads, listings and deletions with a report
//! per object. Requests are signed by the crate; 5xx answers, throttling and dropped
//! connections are retried with backoff before an error is reported.

use std::path::Path as FsPath;
use std::sync::{Arc, Once};
use std::time::Duration;

use futures::{StreamExt, TryStreamExt};
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path;
use object_store::{
    Attribute, Attributes, BackoffConfig, ClientOptions, ObjectStore, ObjectStoreExt,
    PutMultipartOptions, PutOptions, PutPayload, RetryConfig, WriteMultipart,
};
use serde::{Deserialize, Serialize};
use tokio::io::AsyncReadExt;
use ts_rs::TS;

use super::config::S3Config;
use super::errors::classify;
use crate::error::{Error, Result};

/// Files above this size go up in parts.
pub const MULTIPART_THRESHOLD: u64 = 16 * 1024 * 1024;
/// Size of one part (S3's minimum is 5 MiB, except for the last).
const PART_SIZE: usize = 8 * 1024 * 1024;
/// Parts of one file in flight at once.
const PARTS_IN_FLIGHT: usize = 2;
/// Single-object deletions in flight at once.
const DELETES_IN_FLIGHT: usize = 16;

/// How patient the client is; tests shorten the waits.
#[derive(Debug, Clone)]
pub struct S3Tuning {
    pub connect_timeout: Duration,
    /// Bound on one request (one part of a multipart upload).
    pub request_timeout: Duration,
    /// Retries of a request that failed with a 5xx, throttling or a dropped connection.
    pub max_retries: usize,
    /// Wait before the first retry; doubled on each further one.
    pub retry_backoff: Duration,
}

impl Default for S3Tuning {
    fn default() -> Self {
        S3Tuning {
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(120),
            max_retries: 4,
            retry_backoff: Duration::from_millis(250),
        }
    }
}

/// Objects under a prefix: how many, and their bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Usage {
    #[ts(type = "number")]
    pub objects: u64,
    #[ts(type = "number")]
    pub bytes: u64,
}

/// One object that could not be deleted, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ObjectFailure {
    pub key: String,
    /// The error code (`s3_access_denied`...) or the server's own code.
    pub code: String,
    pub message: String,
}

/// What a deletion of objects did, object by object.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ObjectsDeleted {
    #[ts(type = "number")]
    pub removed: u64,
    #[ts(type = "number")]
    pub removed_bytes: u64,
    pub failed: Vec<ObjectFailure>,
}

/// An object read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredObject {
    pub bytes: Vec<u8>,
    pub content_type: Option<String>,
}

/// A client of one configured bucket. Cheap to clone.
#[derive(Debug, Clone)]
pub struct S3Store {
    config: S3Config,
    client: Arc<AmazonS3>,
}

impl S3Store {
    /// Builds the client; nothing is sent until the first operation.
    pub fn new(config: &S3Config, tuning: &S3Tuning) -> Result<S3Store> {
        install_crypto_provider();
        let options = ClientOptions::new()
            .with_allow_http(true)
            .with_connect_timeout(tuning.connect_timeout)
            .with_timeout(tuning.request_timeout);
        let retry = RetryConfig {
            backoff: BackoffConfig {
                init_backoff: tuning.retry_backoff,
                max_backoff: tuning.retry_backoff.saturating_mul(16),
                base: 2.0,
            },
            max_retries: tuning.max_retries,
            retry_timeout: tuning.request_timeout.saturating_mul(2),
        };
        let client = AmazonS3Builder::new()
            .with_endpoint(&config.endpoint)
            .with_region(&config.region)
            .with_bucket_name(&config.bucket)
            .with_access_key_id(&config.access_key)
            .with_secret_access_key(config.secret_key.expose())
            .with_virtual_hosted_style_request(!config.path_style)
            .with_client_options(options)
            .with_retry(retry)
            .build()
            .map_err(|e| {
                Error::S3InvalidConfig(format!("the S3 client refused the configuration: {e}"))
            })?;
        Ok(S3Store {
            config: config.clone(),
            client: Arc::new(client),
        })
    }

    pub fn config(&self) -> &S3Config {
        &self.config
    }

    /// Stores `bytes` at `key`.
    pub async fn put_bytes(&self, key: &str, bytes: Vec<u8>, content_type: &str) -> Result<()> {
        let options = PutOptions {
            attributes: content_type_attribute(content_type),
            ..Default::default()
        };
        self.client
            .put_opts(&path(key)?, PutPayload::from(bytes), options)
            .await
            .map_err(|e| classify(&self.config, "writing", &e))?;
        Ok(())
    }

    /// Uploads the file at `file` to `key` with its content type: in one request up to
    /// [`MULTIPART_THRESHOLD`], in parts above it. Returns the bytes sent.
    pub async fn put_file(&self, key: &str, file: &FsPath, content_type: &str) -> Result<u64> {
        let size = tokio::fs::metadata(file).await?.len();
        if size <= MULTIPART_THRESHOLD {
            self.put_bytes(key, tokio::fs::read(file).await?, content_type)
                .await?;
            return Ok(size);
        }
        let options = PutMultipartOptions {
            attributes: content_type_attribute(content_type),
            ..Default::default()
        };
        let upload = self
            .client
            .put_multipart_opts(&path(key)?, options)
            .await
            .map_err(|e| classify(&self.config, "writing", &e))?;
        let mut writer = WriteMultipart::new_with_chunk_size(upload, PART_SIZE);
        match self.send_parts(&mut writer, file).await {
            Ok(()) => {
                writer
                    .finish()
                    .await
                    .map_err(|e| classify(&self.config, "writing", &e))?;
                Ok(size)
            }
            Err(e) => {
                // Parts already sent would otherwise be kept (and billed) by the server.
                let _ = writer.abort().await;
                Err(e)
            }
        }
    }

    async fn send_parts(&self, writer: &mut WriteMultipart, file: &FsPath) -> Result<()> {
        let mut file = tokio::fs::File::open(file).await?;
        let mut buffer = vec![0u8; PART_SIZE];
        loop {
            writer
                .wait_for_capacity(PARTS_IN_FLIGHT)
                .await
                .map_err(|e| classify(&self.config, "writing", &e))?;
            let read = file.read(&mut buffer).await?;
            if read == 0 {
                return Ok(());
            }
            writer.write(&buffer[..read]);
        }
    }

    /// The object at `key`; `None` when the bucket has no such object.
    pub async fn get(&self, key: &str) -> Result<Option<StoredObject>> {
        let result = match self.client.get(&path(key)?).await {
            Ok(result) => result,
            Err(e) if is_missing_object(&e) => return Ok(None),
            Err(e) => return Err(classify(&self.config, "reading", &e)),
        };
        let content_type = result
            .attributes
            .get(&Attribute::ContentType)
            .map(|value| value.to_string());
        let bytes = result
            .bytes()
            .await
            .map_err(|e| classify(&self.config, "reading", &e))?;
        Ok(Some(StoredObject {
            bytes: bytes.to_vec(),
            content_type,
        }))
    }

    /// The object at `key` as a stream of chunks, so that a large file is never held
    /// whole; `None` when the bucket has no such object.
    pub async fn get_chunks(
        &self,
        key: &str,
    ) -> Result<Option<futures::stream::BoxStream<'static, Result<Vec<u8>>>>> {
        let result = match self.client.get(&path(key)?).await {
            Ok(result) => result,
            Err(e) if is_missing_object(&e) => return Ok(None),
            Err(e) => return Err(classify(&self.config, "reading", &e)),
        };
        let config = self.config.clone();
        Ok(Some(
            result
                .into_stream()
                .map(move |chunk| {
                    chunk
                        .map(|bytes| bytes.to_vec())
                        .map_err(|e| classify(&config, "reading", &e))
                })
                .boxed(),
        ))
    }

    /// Removes one object; removing a missing one succeeds (S3's rule).
    pub async fn delete(&self, key: &str) -> Result<()> {
        self.client
            .delete(&path(key)?)
            .await
            .map_err(|e| classify(&self.config, "deleting", &e))
    }

    /// Every key under `prefix` (which ends with `/`) with its size.
    pub async fn list(&self, prefix: &str) -> Result<Vec<(String, u64)>> {
        let prefix = path(prefix.trim_end_matches('/'))?;
        self.client
            .list(Some(&prefix))
            .map_ok(|meta| (meta.location.to_string(), meta.size))
            .try_collect()
            .await
            .map_err(|e| classify(&self.config, "listing", &e))
    }

    /// How many objects, of how many bytes, live under `prefix`.
    pub async fn usage(&self, prefix: &str) -> Result<Usage> {
        let objects = self.list(prefix).await?;
        Ok(Usage {
            objects: objects.len() as u64,
            bytes: objects.iter().map(|(_, size)| size).sum(),
        })
    }

    /// Removes every object under `prefix`; reports each one that failed.
    pub async fn delete_prefix(&self, prefix: &str) -> Result<ObjectsDeleted> {
        let objects = self.list(prefix).await?;
        Ok(self.delete_objects(&objects).await)
    }

    /// Removes the given objects (key and size), a few requests at a time, each with
    /// its own answer. The first failure stops the rest (it is the bucket's, nearly
    /// always: keys, permissions, reachability); they are reported as not tried.
    pub async fn delete_objects(&self, objects: &[(String, u64)]) -> ObjectsDeleted {
        let mut report = ObjectsDeleted::default();
        let mut handled = std::collections::HashSet::new();
        let mut stopped_by: Option<Error> = None;
        // Owned keys: the futures must not borrow the caller's slice generically, or
        // they are not Send in a spawned task.
        let mut results = futures::stream::iter(objects.to_vec())
            .map(|(key, size)| {
                let store = self.clone();
                async move {
                    let result = store.delete(&key).await;
                    (key, size, result)
                }
            })
            .buffer_unordered(DELETES_IN_FLIGHT);
        while let Some((key, size, result)) = results.next().await {
            match result {
                Ok(()) => {
                    report.removed += 1;
                    report.removed_bytes += size;
                    handled.insert(key);
                }
                Err(e) => {
                    report.failed.push(failure(&key, &e));
                    handled.insert(key);
                    stopped_by = Some(e);
                    break;
                }
            }
        }
        drop(results);
        if let Some(error) = stopped_by {
            report.failed.extend(
                objects
                    .iter()
                    .filter(|(key, _)| !handled.contains(key))
                    .map(|(key, _)| ObjectFailure {
                        key: key.clone(),
                        code: error.code().to_string(),
                        message: format!("not tried after an earlier failure: {error}"),
                    }),
            );
        }
        report
    }
}

fn failure(key: &str, error: &Error) -> ObjectFailure {
    ObjectFailure {
        key: key.to_string(),
        code: error.code().to_string(),
        message: error.to_string(),
    }
}

fn path(key: &str) -> Result<Path> {
    Path::parse(key)
        .map_err(|e| Error::S3InvalidConfig(format!("'{key}' is not a valid object key: {e}")))
}

fn content_type_attribute(content_type: &str) -> Attributes {
    Attributes::from_iter([(Attribute::ContentType, content_type.to_string())])
}

fn is_missing_object(error: &object_store::Error) -> bool {
    matches!(error, object_store::Error::NotFound { .. })
        && !error.to_string().contains("NoSuchBucket")
}

/// The HTTP client's TLS needs a process-wide crypto provider; the engine's other
/// clients already use ring, so the S3 client does too (one crypto stack).
fn install_crypto_provider() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        // Another part of the process may have installed the same provider first.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}
