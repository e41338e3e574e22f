//! An instance's S3 configuration in the app database (`s3_configs`).

use sqlx::Row;

use super::config::{S3Config, Secret};
use crate::error::Result;
use crate::model::now_millis;

/// The instance's configuration, if it has one.
pub async fn load<'e, E: sqlx::SqliteExecutor<'e>>(
    db: E,
    instance_id: &str,
) -> Result<Option<S3Config>> {
    let row = sqlx::query(
        "SELECT endpoint, region, bucket, prefix, access_key, secret_key, path_style
         FROM s3_configs WHERE instance_id = ?",
    )
    .bind(instance_id)
    .fetch_optional(db)
    .await?;
    let Some(row) = row else { return Ok(None) };
    Ok(Some(S3Config {
        endpoint: row.try_get("endpoint")?,
        region: row.try_get("region")?,
        bucket: row.try_get("bucket")?,
        prefix: row.try_get("prefix")?,
        access_key: row.try_get("access_key")?,
        secret_key: Secret::new(row.try_get::<String, _>("secret_key")?),
        path_style: row.try_get("path_style")?,
    }))
}

/// Saves (or replaces) the instance's configuration.
pub async fn save<'e, E: sqlx::SqliteExecutor<'e>>(
    db: E,
    instance_id: &str,
    config: &S3Config,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO s3_configs
             (instance_id, endpoint, region, bucket, prefix, access_key, secret_key, path_style, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (instance_id) DO UPDATE SET
             endpoint = excluded.endpoint, region = excluded.region, bucket = excluded.bucket,
             prefix = excluded.prefix, access_key = excluded.access_key,
             secret_key = excluded.secret_key, path_style = excluded.path_style,
             updated_at = excluded.updated_at",
    )
    .bind(instance_id)
    .bind(&config.endpoint)
    .bind(&config.region)
    .bind(&config.bucket)
    .bind(&config.prefix)
    .bind(&config.access_key)
    .bind(config.secret_key.expose())
    .bind(config.path_style)
    .bind(now_millis())
    .execute(db)
    .await?;
    Ok(())
}

/// Turns S3 off for the instance; media received from now on stays local.
pub async fn remove<'e, E: sqlx::SqliteExecutor<'e>>(db: E, instance_id: &str) -> Result<bool> {
    let removed = sqlx::query("DELETE FROM s3_configs WHERE instance_id = ?")
        .bind(instance_id)
        .execute(db)
        .await?
        .rows_affected();
    Ok(removed > 0)
}
