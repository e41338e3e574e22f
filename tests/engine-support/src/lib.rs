//! What the engine's integration tests share: engines in temp folders, data fed the
//! way actors feed it, waits for background work, a real webhook receiver, loopback
//! proxies, one actor with a recording sink, child processes for crashes and for a
//! data folder held by another process, and a real S3-compatible server. A dev-only crate, so each test binary uses
//! the part it needs.

pub mod actor;
pub mod bench;
pub mod child;
pub mod customer;
pub mod engine;
pub mod linked;
pub mod proxy;
pub mod receiver;
pub mod s3;
pub mod store;
pub mod wait;

pub use customer::{attachment, customer_writes, sha256_hex, zip_entries, CustomerFiles};
pub use engine::*;
pub use linked::{is_connected, linked_engine, linked_instance, wa_mock_config, LinkedEngine};
pub use receiver::{signature_verifies, Received, Receiver};
pub use store::*;
pub use wait::*;
