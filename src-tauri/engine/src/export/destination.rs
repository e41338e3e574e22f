//! Where an export (or a media file saved out of the store) goes: an absolute path in an
//! existing folder, written through a temporary file beside it that is renamed into place
//! only once complete.

use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

use crate::error::{Error, Result};

#[derive(Debug)]
pub(crate) struct Destination {
    path: PathBuf,
    folder: PathBuf,
}

fn invalid(message: String) -> Error {
    Error::ExportDestinationInvalid(message)
}

impl Destination {
    /// A `.zip` file; checks the path without creating anything.
    pub(crate) fn parse(text: &str) -> Result<Destination> {
        Self::checked(text, Some("zip"))
    }

    /// A file of any name; checks the path without creating anything.
    pub(crate) fn any_file(text: &str) -> Result<Destination> {
        Self::checked(text, None)
    }

    fn checked(text: &str, extension: Option<&str>) -> Result<Destination> {
        let path = Path::new(text);
        if text.trim().is_empty() || text.contains('\0') {
            return Err(invalid("choose a file to export to".into()));
        }
        if !path.is_absolute() {
            return Err(invalid(format!("'{text}' is not an absolute path")));
        }
        let named_right = extension.is_none_or(|wanted| {
            path.extension()
                .is_some_and(|e| e.eq_ignore_ascii_case(wanted))
        });
        let (Some(_), Some(folder), true) = (path.file_name(), path.parent(), named_right) else {
            return Err(invalid(match extension {
                Some(wanted) => format!("'{text}' is not a file name ending in .{wanted}"),
                None => format!("'{text}' is not a file name"),
            }));
        };
        if !folder.is_dir() {
            return Err(invalid(format!(
                "the folder {} does not exist",
                folder.display()
            )));
        }
        if path.is_dir() {
            return Err(invalid(format!("{text} is a folder")));
        }
        Ok(Destination {
            path: path.to_path_buf(),
            folder: folder.to_path_buf(),
        })
    }

    /// A hidden temporary file in the destination's folder, removed when dropped.
    pub(crate) fn temporary(&self) -> Result<NamedTempFile> {
        tempfile::Builder::new()
            .prefix(".switchboard-")
            .suffix(".part")
            .tempfile_in(&self.folder)
            .map_err(|e| {
                invalid(format!(
                    "cannot write in the folder {}: {e}",
                    self.folder.display()
                ))
            })
    }

    /// Puts the complete file in place (replacing what was there); the data is on disk
    /// before the name points at it.
    pub(crate) fn commit(&self, temporary: NamedTempFile) -> Result<u64> {
        temporary.as_file().sync_all()?;
        let bytes = temporary.as_file().metadata()?.len();
        temporary.persist(&self.path).map_err(|e| {
            Error::io_caused(format!("cannot write {}", self.path.display()), e.error)
        })?;
        Ok(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    #[test]
    fn only_a_zip_in_an_existing_folder_is_taken() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("chats.zip");
        std::fs::create_dir(&folder).unwrap();
        let missing = dir.path().join("nowhere").join("a.zip");
        for bad in [
            "".to_string(),
            "relative/a.zip".into(),
            dir.path().join("a.txt").display().to_string(),
            dir.path().display().to_string(),
            missing.display().to_string(),
            folder.display().to_string(),
        ] {
            assert_eq!(
                Destination::parse(&bad).unwrap_err().code(),
                ErrorCode::ExportDestinationInvalid,
                "{bad:?}"
            );
        }
        assert!(!missing.parent().unwrap().exists(), "nothing was created");
        let good = dir.path().join("Chat.ZIP");
        Destination::parse(&good.display().to_string()).unwrap();
        assert!(!good.exists(), "parsing creates nothing");
    }
}
