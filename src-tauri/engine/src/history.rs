//! Reading a conversation: a chat's messages a page at a time, newest first, paged by
//! a keyset cursor on (timestamp, id) so that the last page of a long chat costs what
//! the first one does (the index `messages_by_chat_page`, never OFFSET).

use std::path::Path;

use sqlx::sqlite::SqliteRow;
use sqlx::{FromRow, SqlitePool};
use tracing::instrument;

use crate::conversation::{ChatMessage, MessagePage};
use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::model::Millis;
use crate::stored_message::{message_columns, StoredMessage};
use crate::validate;

/// Messages per page when the caller does not say.
pub const PAGE_DEFAULT: u32 = 50;
pub const PAGE_MAX: u32 = 200;

/// Where a page ends: the oldest message it holds. Written `<timestamp>:<id>`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Cursor {
    timestamp: Millis,
    id: String,
}

impl Cursor {
    fn parse(text: &str) -> Result<Cursor> {
        let invalid = || Error::InvalidPage(format!("'{text}' is not a page cursor"));
        let (timestamp, id) = text.split_once(':').ok_or_else(invalid)?;
        let timestamp = timestamp.parse::<Millis>().map_err(|_| invalid())?;
        if id.is_empty() {
            return Err(invalid());
        }
        Ok(Cursor {
            timestamp,
            id: id.to_string(),
        })
    }

    fn write(&self) -> String {
        format!("{}:{}", self.timestamp, self.id)
    }
}

fn page_size(limit: Option<u32>) -> Result<u32> {
    match limit {
        None => Ok(PAGE_DEFAULT),
        Some(n) if (1..=PAGE_MAX).contains(&n) => Ok(n),
        Some(n) => Err(Error::InvalidPage(format!(
            "a page holds 1 to {PAGE_MAX} messages (asked for {n})"
        ))),
    }
}

impl Engine {
    /// A page of a chat's messages, newest first. `before` is the `next` of the previous
    /// page; none starts at the newest message. `limit` is 1 to 200 (default 50).
    #[instrument(skip_all, fields(name = %name))]
    pub async fn chat_messages(
        &self,
        name: &str,
        chat: &str,
        before: Option<&str>,
        limit: Option<u32>,
    ) -> Result<MessagePage> {
        self.read_page(name, chat, before, limit, None).await
    }

    /// A page of a chat's messages whose text or caption contains `text` (any case for
    /// a-z), newest first; paged like `chat_messages`.
    #[instrument(skip_all, fields(name = %name))]
    pub async fn search_chat(
        &self,
        name: &str,
        chat: &str,
        text: &str,
        before: Option<&str>,
        limit: Option<u32>,
    ) -> Result<MessagePage> {
        let pattern = like_pattern(text)?;
        self.read_page(name, chat, before, limit, Some(pattern.as_str()))
            .await
    }

    /// What both readings share: checks every argument, then reads one page.
    async fn read_page(
        &self,
        name: &str,
        chat: &str,
        before: Option<&str>,
        limit: Option<u32>,
        matching: Option<&str>,
    ) -> Result<MessagePage> {
        let jid = validate::chat_jid(chat)?;
        let limit = page_size(limit)?;
        let cursor = before.map(Cursor::parse).transpose()?;
        let id = self.id_of(name)?;
        if !chat_exists(self.db(), &id, &jid).await? {
            return Err(Error::ChatNotFound(jid));
        }
        let instance_dir = self.paths().instance_dir(&id);
        let cursor = cursor.as_ref();
        page(self.db(), &id, &jid, cursor, limit, matching, &instance_dir).await
    }
}

/// Longest search text, in characters.
pub const SEARCH_MAX: usize = 100;

/// A LIKE pattern that finds `text` literally: its own `%`, `_` and `\` are escaped.
fn like_pattern(text: &str) -> Result<String> {
    let text = text.trim();
    let length = text.chars().count();
    if length == 0 || length > SEARCH_MAX {
        return Err(Error::InvalidPage(format!(
            "a search is 1 to {SEARCH_MAX} characters (got {length})"
        )));
    }
    let mut pattern = String::with_capacity(text.len() + 2);
    pattern.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    Ok(pattern)
}

pub(crate) async fn chat_exists(db: &SqlitePool, instance_id: &str, jid: &str) -> Result<bool> {
    let found: Option<i64> =
        sqlx::query_scalar("SELECT 1 FROM chats WHERE instance_id = ? AND jid = ?")
            .bind(instance_id)
            .bind(jid)
            .fetch_optional(db)
            .await?;
    Ok(found.is_some())
}

/// The messages of one chat (`?` instance, `?` chat).
const MESSAGE_SELECT: &str = concat!(
    message_columns!(),
    " WHERE m.instance_id = ? AND m.chat_jid = ?"
);

/// One stored message of a chat.
pub(crate) async fn message(
    db: &SqlitePool,
    instance_id: &str,
    jid: &str,
    message_id: &str,
    instance_dir: &Path,
) -> Result<Option<ChatMessage>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{MESSAGE_SELECT} AND m.id = ?"
    )))
    .bind(instance_id)
    .bind(jid)
    .bind(message_id)
    .fetch_optional(db)
    .await?;
    row.map(|row| message_of(&row, instance_dir)).transpose()
}

async fn page(
    db: &SqlitePool,
    instance_id: &str,
    jid: &str,
    cursor: Option<&Cursor>,
    limit: u32,
    matching: Option<&str>,
    instance_dir: &Path,
) -> Result<MessagePage> {
    // The first page starts above every message: one query, one index range.
    let (timestamp, id) = cursor.map_or((Millis::MAX, ""), |c| (c.timestamp, c.id.as_str()));
    // A search walks the same range and keeps the rows whose text matches (NULL never
    // does); `?` IS NULL keeps every row of a plain page.
    // One more than asked tells whether an older page exists.
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{MESSAGE_SELECT} AND (m.timestamp, m.id) < (?, ?)
           AND (? IS NULL OR m.text LIKE ? ESCAPE '\\')
         ORDER BY m.timestamp DESC, m.id DESC LIMIT ?"
    )))
    .bind(instance_id)
    .bind(jid)
    .bind(timestamp)
    .bind(id)
    .bind(matching)
    .bind(matching)
    .bind(i64::from(limit) + 1)
    .fetch_all(db)
    .await?;
    let mut messages = rows
        .iter()
        .map(|row| message_of(row, instance_dir))
        .collect::<Result<Vec<_>>>()?;
    let next = if messages.len() > limit as usize {
        messages.truncate(limit as usize);
        messages.last().map(|m| {
            Cursor {
                timestamp: m.timestamp,
                id: m.id.clone(),
            }
            .write()
        })
    } else {
        None
    };
    Ok(MessagePage { messages, next })
}

pub(crate) fn message_of(row: &SqliteRow, instance_dir: &Path) -> Result<ChatMessage> {
    Ok(StoredMessage::from_row(row)?.into_message(instance_dir))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    #[test]
    fn cursors_read_back_what_they_wrote() {
        let cursor = Cursor {
            timestamp: 1_700_000_000_123,
            id: "3EB0:AB".into(),
        };
        assert_eq!(Cursor::parse(&cursor.write()).unwrap(), cursor);
    }

    #[test]
    fn searches_match_their_text_literally_and_bad_lengths_are_refused() {
        assert_eq!(like_pattern("  order 42 ").unwrap(), "%order 42%");
        assert_eq!(like_pattern("50%_off\\").unwrap(), "%50\\%\\_off\\\\%");
        assert_eq!(like_pattern("ação").unwrap(), "%ação%");
        for bad in [String::new(), "   ".into(), "x".repeat(SEARCH_MAX + 1)] {
            assert_eq!(
                like_pattern(&bad).unwrap_err().code(),
                ErrorCode::InvalidPage,
                "{bad:?}"
            );
        }
        assert!(like_pattern(&"é".repeat(SEARCH_MAX)).is_ok());
    }

    #[test]
    fn foreign_cursors_and_sizes_are_refused() {
        for bad in ["", "abc", "12", "12:", "x:ID"] {
            assert_eq!(
                Cursor::parse(bad).unwrap_err().code(),
                ErrorCode::InvalidPage,
                "{bad:?}"
            );
        }
        assert_eq!(page_size(None).unwrap(), PAGE_DEFAULT);
        assert_eq!(page_size(Some(PAGE_MAX)).unwrap(), PAGE_MAX);
        assert_eq!(
            page_size(Some(0)).unwrap_err().code(),
            ErrorCode::InvalidPage
        );
        assert_eq!(
            page_size(Some(PAGE_MAX + 1)).unwrap_err().code(),
            ErrorCode::InvalidPage
        );
    }
}
