//! The UI's TypeScript types are generated from the Rust ones (ts-rs). This fails when
//! the committed ui/src/bindings differ from what the Rust types generate now.
//! To refresh them: `SWITCHBOARD_UPDATE_BINDINGS=1 cargo test -p switchboard-engine --test bindings`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use switchboard_engine::conversation::{MessagePage, SendMedia, SendText};
use switchboard_engine::export::{ExportReport, ExportRequest};
use switchboard_engine::model::*;
use switchboard_engine::{EngineEvent, ErrorPayload};
use ts_rs::{Config, TS};

/// Written beside these by the shell's own bindings test (the commands' signatures).
const SHELL_GENERATED: &str = "commands.ts";

fn export_all(dir: &Path) {
    let cfg = Config::new().with_out_dir(dir);
    // Each call also writes the types it depends on.
    EngineEvent::export_all(&cfg).unwrap();
    ErrorPayload::export_all(&cfg).unwrap();
    Instance::export_all(&cfg).unwrap();
    CreateInstance::export_all(&cfg).unwrap();
    ChatSummary::export_all(&cfg).unwrap();
    LogoutReport::export_all(&cfg).unwrap();
    DeleteReport::export_all(&cfg).unwrap();
    ChatDeleteReport::export_all(&cfg).unwrap();
    TimelineEntry::export_all(&cfg).unwrap();
    WebhookInput::export_all(&cfg).unwrap();
    MessagePage::export_all(&cfg).unwrap();
    SendText::export_all(&cfg).unwrap();
    SendMedia::export_all(&cfg).unwrap();
    ExportRequest::export_all(&cfg).unwrap();
    ExportReport::export_all(&cfg).unwrap();
}

fn files(dir: &Path) -> BTreeMap<String, String> {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .map(|e| e.unwrap().path())
                .filter(|p| p.extension().is_some_and(|x| x == "ts"))
                .map(|p| {
                    (
                        p.file_name().unwrap().to_string_lossy().into_owned(),
                        std::fs::read_to_string(&p).unwrap(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn committed_bindings_match_the_rust_types() {
    let committed_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../ui/src/bindings");
    if std::env::var_os("SWITCHBOARD_UPDATE_BINDINGS").is_some() {
        export_all(&committed_dir);
    }
    let fresh = tempfile::tempdir().unwrap();
    export_all(fresh.path());
    let expected = files(fresh.path());
    let committed = files(&committed_dir);
    assert!(expected.len() > 20, "every exported type was generated");
    let stale: Vec<_> = expected
        .iter()
        .filter(|(name, text)| committed.get(*name) != Some(text))
        .map(|(name, _)| name.as_str())
        .chain(
            committed
                .keys()
                .filter(|name| !expected.contains_key(*name) && *name != SHELL_GENERATED)
                .map(String::as_str),
        )
        .collect();
    assert!(
        stale.is_empty(),
        "ui/src/bindings is stale ({stale:?}); run SWITCHBOARD_UPDATE_BINDINGS=1 cargo test -p switchboard-engine --test bindings"
    );
}
