//! Media in the business's own S3 bucket, per instance: the configuration and its
//! rules, the probe that tests it before it is saved, the client (uploads, reads,
//! listings, deletions with a per-object report), the object keys, and the persistent
//! queue that retries uploads with backoff.

pub mod chat_objects;
pub mod config;
mod errors;
pub mod keys;
pub mod objects_step;
mod operations;
mod probe;
pub mod queue;
mod store;
pub mod stored;
mod uploader;
pub(crate) mod worker;

pub use config::{S3Config, S3ConfigInput, S3ConfigView, Secret};
pub use objects_step::{S3MediaChoice, S3MediaOutcome};
pub use operations::MediaFile;
pub use probe::probe;
pub use store::{
    ObjectFailure, ObjectsDeleted, S3Store, S3Tuning, StoredObject, Usage, MULTIPART_THRESHOLD,
};
pub use uploader::{Pass, Uploader};
