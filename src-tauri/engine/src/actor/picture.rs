//! The account's own profile picture, kept beside its session so the window can show
//! it without reaching WhatsApp itself.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use crate::error::Result;
use crate::wa::Remote;

/// Downloads the picture at `url` into `file`, unless that very picture is there already.
pub(super) async fn refresh(
    remote: &Remote,
    url: &str,
    stored_url: Option<&str>,
    file: &Path,
) -> Result<()> {
    if stored_url == Some(url) && file.exists() {
        return Ok(());
    }
    let bytes = remote.fetch_picture(url).await?;
    // A half-written picture must never replace a whole one.
    let partial = file.with_extension("part");
    let mut out = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&partial)?;
    out.write_all(&bytes)?;
    out.sync_all()?;
    std::fs::rename(&partial, file)?;
    Ok(())
}
