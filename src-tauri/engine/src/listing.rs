//! The instance list kept between reads. Listing 1,000 instances costs milliseconds of
//! SQL; the kept copy is handed out again as long as the listing version is unchanged.
//! Triggers bump that version inside the same transaction as any change to the rows the
//! list reads, so the check is exact: a reader never gets a list older than the database.

use std::sync::{Arc, Mutex, PoisonError};

use sqlx::{SqliteConnection, SqlitePool};

use crate::db;
use crate::error::Result;
use crate::model::Instance;

/// Every instance as stored (live state not yet laid over), with the version it was read at.
struct Kept {
    version: i64,
    instances: Arc<Vec<Instance>>,
}

#[derive(Default)]
pub(crate) struct Listing(Mutex<Option<Kept>>);

impl Listing {
    /// The stored instances in name order: the kept copy while the version has not moved,
    /// else read again (rows and version from one snapshot) and kept.
    pub async fn stored(&self, pool: &SqlitePool) -> Result<Arc<Vec<Instance>>> {
        let mut conn = pool.acquire().await?;
        let version = version(&mut conn).await?;
        if let Some(instances) = self.kept_at(version) {
            return Ok(instances);
        }
        let mut snapshot = sqlx::Connection::begin(&mut *conn).await?;
        let version = self::version(&mut snapshot).await?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{} ORDER BY i.name_key",
            db::INSTANCE_SELECT
        )))
        .fetch_all(&mut *snapshot)
        .await?;
        snapshot.commit().await?;
        let instances = Arc::new(
            rows.iter()
                .map(db::instance_from_row)
                .collect::<Result<Vec<_>>>()?,
        );
        self.keep(version, &instances);
        Ok(instances)
    }

    fn kept_at(&self, version: i64) -> Option<Arc<Vec<Instance>>> {
        let kept = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        kept.as_ref()
            .filter(|k| k.version == version)
            .map(|k| k.instances.clone())
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
