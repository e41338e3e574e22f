//! The account token (RyzeAPI's TokenAccount): it reaches every route. It comes from the
//! environment, or lives in the data folder in a file only its owner can read; it is
//! compared in constant time and never logged.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use rand::RngCore;
use subtle::ConstantTimeEq;

/// Gives the account token instead of the file.
pub const ACCOUNT_TOKEN_ENV: &str = "SWITCHBOARD_ACCOUNT_TOKEN";
const FILE_NAME: &str = "api-token";
/// A token any shorter is too easy to guess to guard a whole account.
const MIN_LENGTH: usize = 16;
const RANDOM_BYTES: usize = 32;

/// Where the token in use came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenSource {
    Environment,
    File { path: PathBuf, created: bool },
}

/// The account token in use; clones share it, so a regeneration reaches every holder.
#[derive(Clone)]
pub struct AccountToken {
    current: Arc<RwLock<String>>,
    file: Option<PathBuf>,
}

impl std::fmt::Debug for AccountToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccountToken")
            .field("file", &self.file)
            .finish_non_exhaustive()
    }
}

impl AccountToken {
    /// `SWITCHBOARD_ACCOUNT_TOKEN` when set, else the data folder's token file (made on
    /// first use).
    pub fn from_env_or_file(data_dir: &Path) -> io::Result<(AccountToken, TokenSource)> {
        match std::env::var(ACCOUNT_TOKEN_ENV) {
            Ok(token) if !token.is_empty() => {
                let token = checked(token, ACCOUNT_TOKEN_ENV)?;
                Ok((Self::fixed(token), TokenSource::Environment))
            }
            _ => Self::from_file(data_dir),
        }
    }

    /// The data folder's token file, made with a fresh random token when there is none.
    pub fn from_file(data_dir: &Path) -> io::Result<(AccountToken, TokenSource)> {
        let path = data_dir.join(FILE_NAME);
        let (token, created) = match fs::read_to_string(&path) {
            Ok(text) if !text.trim().is_empty() => {
                restrict(&path)?;
                (
                    checked(text.trim().to_string(), &path.display().to_string())?,
                    false,
                )
            }
            Ok(_) => (write_new(&path)?, true),
            Err(e) if e.kind() == io::ErrorKind::NotFound => (write_new(&path)?, true),
            Err(e) => return Err(e),
        };
        let account = AccountToken {
            current: Arc::new(RwLock::new(token)),
            file: Some(path.clone()),
        };
        Ok((account, TokenSource::File { path, created }))
    }

    /// A token that lives only in memory.
    pub fn fixed(token: String) -> AccountToken {
        AccountToken {
            current: Arc::new(RwLock::new(token)),
            file: None,
        }
    }

    /// Whether `presented` is the account token, in time independent of where they differ.
    pub fn matches(&self, presented: &str) -> bool {
        let current = self.current.read().unwrap_or_else(|e| e.into_inner());
        bool::from(current.as_bytes().ct_eq(presented.as_bytes()))
    }

    /// The token itself, for the window's copy button.
    pub fn reveal(&self) -> String {
        self.current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Replaces the token with a new random one; the old one stops working at once. A
    /// file-backed token is written before it is swapped, so a failed write changes
    /// nothing.
    pub fn regenerate(&self) -> io::Result<String> {
        let token = match &self.file {
            Some(path) => write_new(path)?,
            None => random_token(),
        };
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = token.clone();
        Ok(token)
    }
}

fn random_token() -> String {
    let mut bytes = [0u8; RANDOM_BYTES];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

fn checked(token: String, origin: &str) -> io::Result<String> {
    if token.len() < MIN_LENGTH || token.chars().any(char::is_whitespace) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "the account token from {origin} must be at least {MIN_LENGTH} characters without spaces"
            ),
        ));
    }
    Ok(token)
}

/// Writes a new token beside the file and renames it over, readable by its owner only.
fn write_new(path: &Path) -> io::Result<String> {
    let token = random_token();
    let partial = path.with_extension("partial");
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(&partial)?;
    restrict(&partial)?;
    file.write_all(token.as_bytes())?;
    file.sync_all()?;
    fs::rename(&partial, path)?;
    Ok(token)
}

/// Narrows the file to its owner, whatever mode it was found with.
fn restrict(path: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(path, fs::Permissions::from_mode(0o600))?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_is_made_once_owner_only_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let (first, source) = AccountToken::from_file(dir.path()).unwrap();
        let path = dir.path().join(FILE_NAME);
        assert_eq!(
            source,
            TokenSource::File {
                path: path.clone(),
                created: true
            }
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        let (again, source) = AccountToken::from_file(dir.path()).unwrap();
        assert!(matches!(source, TokenSource::File { created: false, .. }));
        assert_eq!(again.reveal(), first.reveal());
        assert_eq!(first.reveal().len(), 2 * RANDOM_BYTES);
    }

    #[test]
    fn regenerating_revokes_the_old_token_for_every_holder_and_rewrites_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let (token, _) = AccountToken::from_file(dir.path()).unwrap();
        let holder = token.clone();
        let old = token.reveal();
        let new = token.regenerate().unwrap();
        assert_ne!(old, new);
        assert!(!holder.matches(&old));
        assert!(holder.matches(&new));
        let on_disk = fs::read_to_string(dir.path().join(FILE_NAME)).unwrap();
        assert_eq!(on_disk, new);
    }

    #[test]
    fn only_the_exact_token_matches() {
        let token = AccountToken::fixed("0123456789abcdef0123".into());
        assert!(token.matches("0123456789abcdef0123"));
        assert!(!token.matches("0123456789abcdef012"));
        assert!(!token.matches("0123456789abcdef01234"));
        assert!(!token.matches(""));
    }

    #[test]
    fn a_short_or_spaced_token_is_refused() {
        assert!(checked("short".into(), "test").is_err());
        assert!(checked("0123456789 abcdef0123".into(), "test").is_err());
        assert!(checked("0123456789abcdef".into(), "test").is_ok());
    }
}
