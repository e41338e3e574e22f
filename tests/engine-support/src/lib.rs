//! What the engine's integration tests share: engines in temp folders, data fed the
//! way actors feed it, waits for background work, a real webhook receiver, loopback
//! proxies, one actor with a recording sink, child processes for crashes and for a
//! data folder held by another process, and a real S3-compatible server. A dev-only crate, so each test binary uses
//! the part it needs.

pub mod actor;
pub mod child;
pub mod engine;
pub mod proxy;
pub mod receiver;
pub mod s3;
pub mod store;
pub mod wait;

pub use engine::*;
pub use receiver::{signature_verifies, Received, Receiver};
pub use store::*;
pub use wait::*;
