//! The data folder's layout and the file-system steps the engine takes in it.

use std::io;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Component, Path, PathBuf};

#[derive(Debug, Clone)]
pub struct Paths {
    pub root: PathBuf,
    /// Locked by the engine that owns the folder (see `folder_lock`).
    pub lock: PathBuf,
    pub db: PathBuf,
    pub instances: PathBuf,
    pub trash: PathBuf,
}

impl Paths {
    pub fn new(root: PathBuf) -> Paths {
        Paths {
            lock: root.join("switchboard.lock"),
            db: root.join("switchboard.db"),
            instances: root.join("instances"),
            trash: root.join("trash"),
            root,
        }
    }

    pub fn instance_dir(&self, id: &str) -> PathBuf {
        self.instances.join(id)
    }

    pub fn media_dir(&self, id: &str) -> PathBuf {
        self.instance_dir(id).join("media")
    }

    pub fn session_db(&self, id: &str) -> PathBuf {
        self.instance_dir(id).join("session.db")
    }

    /// The account's own profile picture, as WhatsApp last served it.
    pub fn picture_file(&self, id: &str) -> PathBuf {
        self.instance_dir(id).join("profile-picture")
    }

    pub fn trash_dir(&self, id: &str) -> PathBuf {
        self.trash.join(id)
    }
}

/// Creates a folder (and its parents) readable by the owner only.
pub fn create_private_dir(path: &Path) -> io::Result<()> {
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(path)?;
    // `recursive` leaves an existing folder's mode alone: tighten it.
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o700))
}

pub fn make_private_file(path: &Path) -> io::Result<()> {
    match std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        other => other,
    }
}

/// Removes a folder tree; a missing one is already removed.
pub fn remove_tree(path: &Path) -> io::Result<()> {
    match std::fs::remove_dir_all(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        other => other,
    }
}

pub fn remove_file(path: &Path) -> io::Result<bool> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e),
    }
}

/// Removes the WhatsApp session store (with SQLite's -wal and -shm companions).
pub fn wipe_session(session_db: &Path) -> io::Result<()> {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut name = session_db.as_os_str().to_owned();
        name.push(suffix);
        remove_file(Path::new(&name))?;
    }
    Ok(())
}

/// A media path as stored: relative, under `media/`, no `..`, nothing absolute.
/// Anything else is refused so that a delete can never reach outside the instance.
pub fn is_safe_media_path(relative: &str) -> bool {
    let path = Path::new(relative);
    let mut components = path.components();
    components.next() == Some(Component::Normal("media".as_ref()))
        && components.clone().next().is_some()
        && components.all(|c| matches!(c, Component::Normal(_)))
}

/// Folder name of a chat's media: the canonical JID (only `[0-9a-z.@-]`).
pub fn chat_media_dir(media_dir: &Path, chat_jid: &str) -> PathBuf {
    media_dir.join(chat_jid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wiping_a_session_removes_the_store_and_its_companions_and_is_harmless_to_repeat() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("session.db");
        for name in ["session.db", "session.db-wal", "session.db-shm", "keep.txt"] {
            std::fs::write(dir.path().join(name), b"x").unwrap();
        }
        wipe_session(&db).unwrap();
        wipe_session(&db).unwrap();
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(left, vec!["keep.txt".to_string()]);
    }
}
