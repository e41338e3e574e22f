//! The adapter to whatsapp-rust, and the only module tree that imports it: protocol
//! churn stays here. It builds clients on an instance's session store, translates
//! library events into engine terms (`SessionEvent`) and performs the few protocol
//! actions the instance actor needs. It decides nothing about states or storage: the
//! actor does. It depends only on the engine's plain data (model, records), its rules
//! (validate) and the proxy tunnel, never on the actor or the engine.

mod chat;
mod events;
mod messages;
mod outgoing;
mod remote;
mod session;
mod store;
mod transport;

pub(crate) use chat::{delete_chat_range, parse_chat_jid};
pub(crate) use events::{ClientFate, Lifecycle, SessionEvent};
pub(crate) use messages::Incoming;
pub(crate) use outgoing::{Outgoing, OutgoingMedia, Quote};
pub(crate) use remote::Remote;
pub(crate) use session::{Health, Session, SessionOptions};
pub(crate) use store::has_stored_session;
