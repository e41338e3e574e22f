//! The export's message pages, read ahead on the runtime while the archive thread writes
//! the pages before them: the database's time and the writing's overlap instead of adding
//! up. A bounded channel keeps at most a few pages in memory.

use sqlx::{Sqlite, Transaction};
use tokio::runtime::Handle;
use tokio::sync::mpsc;

use super::rows::{self, MessageCursor, Page, Scope};
use crate::error::{Error, Result};

/// Pages read ahead of the writer, at most.
const AHEAD: usize = 2;

pub(super) struct Pages {
    receiver: mpsc::Receiver<Result<Page>>,
}

impl Pages {
    /// Starts reading every message of `scope` from `snapshot`, which it keeps (and ends)
    /// once the last page is read or the writer stops listening.
    pub fn read_ahead(
        runtime: &Handle,
        mut snapshot: Transaction<'static, Sqlite>,
        scope: Scope,
    ) -> Pages {
        let (sender, receiver) = mpsc::channel(AHEAD);
        runtime.spawn(async move {
            let mut cursor = MessageCursor::start();
            loop {
                let page = rows::message_page(&mut snapshot, &scope, &mut cursor).await;
                let last = page.as_ref().map_or(true, Vec::is_empty);
                if sender.send(page).await.is_err() || last {
                    return;
                }
            }
        });
        Pages { receiver }
    }

    /// The next page, empty after the last one. Blocks: call it from the archive thread.
    pub fn next(&mut self) -> Result<Page> {
        self.receiver
            .blocking_recv()
            .unwrap_or_else(|| Err(Error::io("reading the messages to export stopped")))
    }
}
