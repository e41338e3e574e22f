//! Where a host keeps its data: a flag, then the environment, then its default.

use std::path::PathBuf;

const DATA_DIR_FLAG: &str = "--data-dir";
const DATA_DIR_ENV: &str = "SWITCHBOARD_DATA_DIR";

/// The data folder: `--data-dir PATH` (or `--data-dir=PATH`), then
/// `SWITCHBOARD_DATA_DIR`, then the OS app-data folder given as `default`.
pub fn data_dir(args: &[String], default: PathBuf) -> PathBuf {
    data_dir_from_args(args)
        .or_else(|| {
            std::env::var_os(DATA_DIR_ENV)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        })
        .unwrap_or(default)
}

fn data_dir_from_args(args: &[String]) -> Option<PathBuf> {
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        if arg == DATA_DIR_FLAG {
            return iter.next().map(PathBuf::from);
        }
        if let Some(value) = arg.strip_prefix("--data-dir=") {
            return Some(PathBuf::from(value));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn flag_wins_in_both_spellings() {
        let default = PathBuf::from("/default");
        assert_eq!(
            data_dir(&args(&["app", "--data-dir", "/a"]), default.clone()),
            PathBuf::from("/a")
        );
        assert_eq!(
            data_dir(&args(&["app", "--data-dir=/b"]), default),
            PathBuf::from("/b")
        );
    }

    #[test]
    fn a_flag_without_value_is_ignored() {
        assert_eq!(data_dir_from_args(&args(&["app", "--data-dir"])), None);
        assert_eq!(data_dir_from_args(&args(&["app"])), None);
    }
}
