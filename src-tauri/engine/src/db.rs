//! The app database: opening it, and the queries on the instances table.

use std::time::Duration;

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow,
    SqliteSynchronous,
};
use sqlx::Row;

use crate::error::{Error, Result};
use crate::model::{
    Counts, Instance, InstanceState, Profile, S3Status, Settings, Webhook, WebhookEvent,
    WebhookFormat,
};
use crate::paths::{make_private_file, Paths};
use crate::s3::config::SECRET_MASK;
use crate::s3::S3ConfigView;

pub async fn open(paths: &Paths) -> Result<SqlitePool> {
    let options = SqliteConnectOptions::new()
        .filename(&paths.db)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(10));
    let pool = SqlitePoolOptions::new()
        .max_connections(4)
        .connect_with(options)
        .await?;
    make_private_file(&paths.db)?;
    sqlx::migrate!("./migrations").run(&pool).await?;
    // A deleted instance's mark only tells a list kept before the deletion to drop it;
    // no list is kept yet.
    sqlx::query("DELETE FROM listing_changes WHERE instance_id NOT IN (SELECT id FROM instances)")
        .execute(&pool)
        .await?;
    Ok(pool)
}

/// A transaction that takes the write lock at once, waiting for it as long as the busy
/// timeout allows. One that reads before it writes must start this way: in WAL mode a
/// deferred one fails at its first write, without waiting (SQLITE_BUSY_SNAPSHOT), when
/// another connection wrote since its read.
pub async fn begin_write(
    pool: &SqlitePool,
) -> sqlx::Result<sqlx::Transaction<'static, sqlx::Sqlite>> {
    pool.begin_with("BEGIN IMMEDIATE").await
}

pub fn to_json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("engine types always serialise")
}

fn from_json<T: serde::de::DeserializeOwned>(column: &str, text: &str) -> Result<T> {
    serde_json::from_str(text).map_err(|e| Error::storage(format!("bad {column} column: {e}")))
}

/// One instance as stored, plus its counts. The live state and the deleting flag come
/// from the registry, which the caller lays over it.
pub const INSTANCE_SELECT: &str = "
SELECT i.id, i.name, i.token, i.webhook_secret, i.settings, i.proxy, i.state, i.paired,
       i.phone_jid, i.lid, i.push_name, i.business_name, i.picture_url, i.created_at,
       w.url AS webhook_url, w.events AS webhook_events, w.authorization AS webhook_authorization,
       w.format AS webhook_format, w.by_events AS webhook_by_events,
       COALESCE(t.chats, 0) AS chats, COALESCE(t.messages, 0) AS messages,
       COALESCE(t.media_files, 0) AS media_files, COALESCE(t.media_bytes, 0) AS media_bytes,
       EXISTS (SELECT 1 FROM deletions d WHERE d.instance_id = i.id) AS deleting,
       s.endpoint AS s3_endpoint, s.region AS s3_region, s.bucket AS s3_bucket,
       s.prefix AS s3_prefix, s.access_key AS s3_access_key, s.path_style AS s3_path_style,
       (SELECT COUNT(*) FROM s3_uploads u WHERE u.instance_id = i.id) AS s3_pending
FROM instances i
LEFT JOIN webhooks w ON w.instance_id = i.id
LEFT JOIN s3_configs s ON s.instance_id = i.id
LEFT JOIN chat_totals t ON t.instance_id = i.id
";

/// The four counters, read from the columns of the same names (instances and audit).
pub fn counts_from_row(row: &SqliteRow) -> Result<Counts> {
    let count = |column: &str| -> Result<u64> { Ok(row.try_get::<i64, _>(column)? as u64) };
    Ok(Counts {
        chats: count("chats")?,
        messages: count("messages")?,
        media_files: count("media_files")?,
        media_bytes: count("media_bytes")?,
    })
}

/// The stored word of a webhook's format, as serde writes it.
pub fn webhook_format(word: &str) -> Result<WebhookFormat> {
    from_json("webhook format", &format!("\"{word}\""))
}

pub fn instance_from_row(row: &SqliteRow) -> Result<Instance> {
    let secret: String = row.try_get("webhook_secret")?;
    let webhook = match row.try_get::<Option<String>, _>("webhook_url")? {
        Some(url) => Some(Webhook {
            url,
            events: from_json::<Vec<WebhookEvent>>(
                "webhook events",
                &row.try_get::<String, _>("webhook_events")?,
            )?,
            authorization: row.try_get("webhook_authorization")?,
            secret,
            format: webhook_format(&row.try_get::<String, _>("webhook_format")?)?,
            by_events: row.try_get("webhook_by_events")?,
        }),
        None => None,
    };
    Ok(Instance {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        token: row.try_get("token")?,
        state: from_json::<InstanceState>("state", &row.try_get::<String, _>("state")?)?,
        profile: Profile {
            phone_jid: row.try_get("phone_jid")?,
            lid: row.try_get("lid")?,
            push_name: row.try_get("push_name")?,
            business_name: row.try_get("business_name")?,
            picture_url: row.try_get("picture_url")?,
        },
        settings: from_json::<Settings>("settings", &row.try_get::<String, _>("settings")?)?,
        webhook,
        proxy: row.try_get("proxy")?,
        s3: s3_from_row(row)?,
        counts: counts_from_row(row)?,
        deleting: row.try_get("deleting")?,
        paired: row.try_get("paired")?,
        created_at: row.try_get("created_at")?,
    })
}

/// The instance's bucket with the secret masked (the query never reads the secret).
fn s3_from_row(row: &SqliteRow) -> Result<Option<S3Status>> {
    let Some(endpoint) = row.try_get::<Option<String>, _>("s3_endpoint")? else {
        return Ok(None);
    };
    Ok(Some(S3Status {
        config: S3ConfigView {
            endpoint,
            region: row.try_get("s3_region")?,
            bucket: row.try_get("s3_bucket")?,
            prefix: row.try_get("s3_prefix")?,
            access_key: row.try_get("s3_access_key")?,
            secret_key: SECRET_MASK.to_string(),
            path_style: row.try_get("s3_path_style")?,
        },
        uploads_pending: row.try_get::<i64, _>("s3_pending")? as u64,
    }))
}

/// What an instance holds, summed from its chats' counters.
pub async fn instance_counts<'e, E>(db: E, instance_id: &str) -> Result<Counts>
where
    E: sqlx::SqliteExecutor<'e>,
{
    let row = sqlx::query(
        "SELECT COUNT(*) AS chats, COALESCE(SUM(message_count), 0) AS messages,
                COALESCE(SUM(media_files), 0) AS media_files,
                COALESCE(SUM(media_bytes), 0) AS media_bytes
         FROM chats WHERE instance_id = ?",
    )
    .bind(instance_id)
    .fetch_one(db)
    .await?;
    counts_from_row(&row)
}

/// Instances with a stored session that was not logged out or banned for good, and
/// not being deleted: the ones to reconnect at start-up. `(id, name)` each. A temporary
/// ban is tried again: WhatsApp answers with what is left of it, if anything.
pub async fn instances_to_reconnect(db: &SqlitePool) -> Result<Vec<(String, String)>> {
    Ok(sqlx::query_as(
        "SELECT id, name FROM instances WHERE paired = 1
         AND json_extract(state, '$.state') != 'loggedout'
         AND NOT (json_extract(state, '$.state') = 'banned'
                  AND json_extract(state, '$.until') IS NULL)
         AND id NOT IN (SELECT instance_id FROM deletions)",
    )
    .fetch_all(db)
    .await?)
}

/// Whether the instance holds a linked session, and its name; `None` without a row.
pub async fn paired_and_name(db: &SqlitePool, id: &str) -> Result<Option<(bool, String)>> {
    Ok(
        sqlx::query_as("SELECT paired, name FROM instances WHERE id = ?")
            .bind(id)
            .fetch_optional(db)
            .await?,
    )
}

pub async fn set_paired(db: &SqlitePool, id: &str, paired: bool) -> Result<()> {
    sqlx::query("UPDATE instances SET paired = ? WHERE id = ?")
        .bind(paired)
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

/// What an instance's actor is configured with: its name, settings and proxy.
pub async fn actor_config(db: &SqlitePool, id: &str) -> Result<(String, Settings, Option<String>)> {
    let (name, settings, proxy): (String, String, Option<String>) =
        sqlx::query_as("SELECT name, settings, proxy FROM instances WHERE id = ?")
            .bind(id)
            .fetch_one(db)
            .await?;
    Ok((name, from_json("settings", &settings)?, proxy))
}

/// The linked account as last stored.
pub async fn stored_profile(db: &SqlitePool, id: &str) -> Result<Profile> {
    let row = sqlx::query(
        "SELECT phone_jid, lid, push_name, business_name, picture_url FROM instances WHERE id = ?",
    )
    .bind(id)
    .fetch_one(db)
    .await?;
    Ok(Profile {
        phone_jid: row.try_get("phone_jid")?,
        lid: row.try_get("lid")?,
        push_name: row.try_get("push_name")?,
        business_name: row.try_get("business_name")?,
        picture_url: row.try_get("picture_url")?,
    })
}

/// The linked account as WhatsApp last described it.
pub async fn store_profile(db: &SqlitePool, id: &str, profile: &Profile) -> Result<()> {
    sqlx::query(
        "UPDATE instances SET phone_jid = ?, lid = ?, push_name = ?, business_name = ?,
                              picture_url = ? WHERE id = ?",
    )
    .bind(&profile.phone_jid)
    .bind(&profile.lid)
    .bind(&profile.push_name)
    .bind(&profile.business_name)
    .bind(&profile.picture_url)
    .bind(id)
    .execute(db)
    .await?;
    Ok(())
}
