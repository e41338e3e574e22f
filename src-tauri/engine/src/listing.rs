//! The instance list kept between reads. Listing 1,000 instances costs milliseconds of
//! SQL; the kept copy is handed out again as long as the listing version is unchanged.
//! Triggers bump that version inside the same transaction as any change to the rows the
//! list reads, so the check is exact: a reader never gets a list older than the database.
//! The same triggers record which instance each change touched (`listing_changes`), so a
//! list whose version moved re-reads only those instances.
//! A [`ListingStamp`] extends the same check to the live overlay, so a host can keep its
//! own rendering of the list (the API keeps its encoded answer) just as exactly.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, PoisonError};

use sqlx::{SqliteConnection, SqlitePool};

use crate::db;
use crate::error::Result;
use crate::model::Instance;

/// What a listing was read at: the stored version and the live registry's generation.
/// Two equal stamps mean two equal lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListingStamp {
    version: i64,
    live: u64,
}

impl ListingStamp {
    pub(crate) fn new(version: i64, live: u64) -> Self {
        Self { version, live }
    }
}

/// Every instance as stored (live state not yet laid over), with the version it was read at.
struct Kept {
    version: i64,
    instances: Arc<Vec<Instance>>,
}

#[derive(Default)]
pub(crate) struct Listing(Mutex<Option<Kept>>);

impl Listing {
    /// The stored instances in name order, with their version: the kept copy while the
    /// version has not moved; else, in one snapshot, the version and either the instances
    /// changed since the kept copy (read again and merged into it) or all of them.
    pub async fn stored(&self, pool: &SqlitePool) -> Result<(i64, Arc<Vec<Instance>>)> {
        let mut conn = pool.acquire().await?;
        let version = version(&mut conn).await?;
        let kept = self.kept();
        if let Some((at, instances)) = &kept {
            if *at == version {
                return Ok((version, instances.clone()));
            }
        }
        let mut snapshot = sqlx::Connection::begin(&mut *conn).await?;
        let version = self::version(&mut snapshot).await?;
        let instances = match kept {
            Some((at, instances)) if at < version => {
                changed_since(&mut snapshot, at, &instances).await?
            }
            _ => every_instance(&mut snapshot).await?,
        };
        snapshot.commit().await?;
        let instances = Arc::new(instances);
        self.keep(version, &instances);
        Ok((version, instances))
    }

    fn kept(&self) -> Option<(i64, Arc<Vec<Instance>>)> {
        let kept = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        kept.as_ref().map(|k| (k.version, k.instances.clone()))
    }

    /// Keeps a read unless a concurrent one already kept a newer version.
    fn keep(&self, version: i64, instances: &Arc<Vec<Instance>>) {
        let mut kept = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if kept.as_ref().is_none_or(|k| k.version <= version) {
            *kept = Some(Kept {
                version,
                instances: instances.clone(),
            });
        }
    }
}

async fn version(conn: &mut SqliteConnection) -> Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT version FROM listing_version WHERE id = 1")
            .fetch_one(conn)
            .await?,
    )
}

async fn every_instance(conn: &mut SqliteConnection) -> Result<Vec<Instance>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{} ORDER BY i.name_key",
        db::INSTANCE_SELECT
    )))
    .fetch_all(conn)
    .await?;
    rows.iter().map(db::instance_from_row).collect()
}

/// `kept` (read at version `at`) with every instance a change since touched read again:
/// those still stored take their new rows, the others leave the list.
async fn changed_since(
    conn: &mut SqliteConnection,
    at: i64,
    kept: &[Instance],
) -> Result<Vec<Instance>> {
    let touched: HashSet<String> =
        sqlx::query_scalar("SELECT instance_id FROM listing_changes WHERE version > ?")
            .bind(at)
            .fetch_all(&mut *conn)
            .await?
            .into_iter()
            .collect();
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{} WHERE i.id IN (SELECT instance_id FROM listing_changes WHERE version > ?)",
        db::INSTANCE_SELECT
    )))
    .bind(at)
    .fetch_all(conn)
    .await?;
    let mut instances: Vec<Instance> = kept
        .iter()
        .filter(|i| !touched.contains(&i.id))
        .cloned()
        .collect();
    for row in &rows {
        instances.push(db::instance_from_row(row)?);
    }
    // The order of `ORDER BY name_key`: names are ASCII, and the key is the lower case.
    instances.sort_by(|a, b| name_key(a).cmp(name_key(b)));
    Ok(instances)
}

fn name_key(instance: &Instance) -> impl Iterator<Item = u8> + '_ {
    instance.name.bytes().map(|c| c.to_ascii_lowercase())
}
