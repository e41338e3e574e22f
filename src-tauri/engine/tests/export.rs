//! Export against wa-mock with the real WhatsApp client: the phone's contact sends a
//! text, an image and a document; the chat's ZIP (and the instance's) holds every
//! message as JSON Lines, every file with the hash the manifest gives, and a transcript
//! naming them. A cancelled export and refused destinations leave nothing behind, and
//! an existing file under the chosen name stays as it was.

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use engine_support::{customer_writes, linked_engine, zip_entries, CustomerFiles, LinkedEngine};
use sha2::{Digest, Sha256};
use switchboard_engine::conversation::{
    ChatMessage, Delivery, Location, MessageKind, QuotedMessage,
};
use switchboard_engine::export::{ExportReport, ExportRequest};
use switchboard_engine::model::Settings;
use switchboard_engine::records::{MediaSaved, MessageUpsert};
use switchboard_engine::{Engine, EngineEvent, ErrorCode};

const WAIT: Duration = Duration::from_secs(60);
const CUSTOMER: &str = "5511955554444@s.whatsapp.net";

fn request(id: &str, destination: &Path, chat: Option<&str>) -> ExportRequest {
    ExportRequest {
        export_id: id.into(),
        destination: destination.display().to_string(),
        chat: chat.map(str::to_string),
        language: None,
    }
}

/// The manifest lists every other entry with its size and SHA-256, and nothing else.
fn assert_manifest_matches(files: &HashMap<String, Vec<u8>>) -> serde_json::Value {
    let manifest: serde_json::Value = serde_json::from_slice(&files["manifest.json"]).unwrap();
    let listed = manifest["files"].as_array().unwrap();
    assert_eq!(listed.len(), files.len() - 1, "{manifest:#}");
    for file in listed {
        let bytes = &files[file["path"].as_str().unwrap()];
        assert_eq!(file["bytes"], bytes.len() as u64);
        assert_eq!(file["sha256"], hex::encode(Sha256::digest(bytes)));
    }
    manifest
}

fn lines(jsonl: &[u8]) -> Vec<ChatMessage> {
    std::str::from_utf8(jsonl)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

/// Unpacks the archive and lets Chromium (headless) load the transcript, which has no
/// script, from disk; answers the page as Chromium parsed it.
fn transcript_in_chromium(files: &HashMap<String, Vec<u8>>) -> String {
    let unpacked = tempfile::tempdir().unwrap();
    for (name, bytes) in files {
        let path = unpacked.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
    let chromium = std::env::var("CHROMIUM_PATH").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let profile = tempfile::tempdir().unwrap();
    let output = std::process::Command::new(chromium)
        .args(["--headless", "--no-sandbox", "--disable-gpu"])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("--dump-dom")
        .arg(format!(
            "file://{}",
            unpacked.path().join("transcript.html").display()
        ))
        .output()
        .expect("Chromium runs (the page tests need it too)");
    assert!(output.status.success(), "{output:?}");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

async fn three_messages_arrive(engine: &Engine) -> Vec<ChatMessage> {
    tokio::time::timeout(WAIT, async {
        loop {
            if let Ok(page) = engine.chat_messages("shop", CUSTOMER, None, None).await {
                if page.messages.iter().filter(|m| m.file.is_some()).count() == 2
                    && page.messages.len() == 3
                {
                    return page.messages;
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await
    .expect("the phone's three messages are stored within 60 s")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_chat_and_an_instance_export_every_message_and_file_with_matching_hashes() {
    let settings = Settings {
        auto_download_media: true,
        ..Settings::default()
    };
    // The data folder is bound: a `..` would drop (delete) it at once, and a connection the
    // pool opens later would find an empty database.
    let LinkedEngine {
        mock,
        dir: _dir,
        engine,
        instance,
        linked,
    } = linked_engine(settings, "5511911112222").await;
    let CustomerFiles { photo, invoice } =
        customer_writes(&mock, &linked.jid, CUSTOMER, "Good morning <b>&</b>").await;
    let history = three_messages_arrive(&engine).await;

    let out = tempfile::tempdir().unwrap();
    let chat_zip = out.path().join("customer.zip");
    let mut events = engine.subscribe();
    let report = engine
        .export("shop", request("chat-1", &chat_zip, Some("5511955554444")))
        .await
        .unwrap();
    assert_eq!(
        report,
        ExportReport {
            export_id: "chat-1".into(),
            path: chat_zip.display().to_string(),
            chats: 1,
            messages: 3,
            media_files: 2,
            media_missing: 0,
            bytes: std::fs::metadata(&chat_zip).unwrap().len(),
        }
    );
    // Progress ends at done == total (3 messages and 2 files, one step each).
    let mut last = None;
    while let Ok(event) = events.try_recv() {
        if let EngineEvent::ExportProgress {
            export_id,
            done,
            total,
            instance_id,
        } = event
        {
            assert_eq!(
                (export_id.as_str(), instance_id.as_str()),
                ("chat-1", instance.id.as_str())
            );
            last = Some((done, total));
        }
    }
    assert_eq!(last, Some((5, 5)));

    let files = zip_entries(std::fs::File::open(&chat_zip).unwrap());
    let manifest = assert_manifest_matches(&files);
    assert_eq!(manifest["chat"], CUSTOMER);
    assert_eq!(manifest["counts"]["messages"], 3);
    assert_eq!(manifest["counts"]["media_files"], 2);
    let exported = lines(&files["messages.jsonl"]);
    assert_eq!(exported.len(), 3);
    for stored in &history {
        let line = exported.iter().find(|m| m.id == stored.id).unwrap();
        assert_eq!((&line.text, line.kind), (&stored.text, stored.kind));
        if let Some(file) = &line.file {
            // The file's path is its place in the archive, holding the stored bytes.
            let inside = file.path.as_ref().unwrap();
            let on_disk = std::fs::read(stored.file.as_ref().unwrap().path.as_ref().unwrap());
            assert_eq!(&files[inside], &on_disk.unwrap());
            assert!(
                inside.starts_with(&format!("media/{CUSTOMER}/")),
                "{inside}"
            );
        }
    }
    let media: Vec<&Vec<u8>> = files
        .iter()
        .filter(|(name, _)| name.starts_with("media/"))
        .map(|(_, bytes)| bytes)
        .collect();
    assert_eq!(media.len(), 2);
    assert!(media.contains(&&photo) && media.contains(&&invoice));
    let transcript = String::from_utf8(files["transcript.html"].clone()).unwrap();
    assert!(
        transcript.contains("Good morning &lt;b&gt;&amp;&lt;/b&gt;"),
        "{transcript}"
    );
    assert!(transcript.contains(">invoice.pdf</a>"), "{transcript}");
    // Without a language, the transcript's own words are English.
    assert!(transcript.contains("<html lang=\"en\">"), "{transcript}");
    assert!(transcript.contains("<p>Document: <a"), "{transcript}");
    assert!(transcript.contains("<img src=\"media/"), "{transcript}");
    // The stored markup stays text in the page: no <b> element comes of it.
    let dom = transcript_in_chromium(&files);
    for text in [
        "Good morning &lt;b&gt;&amp;&lt;/b&gt;",
        "The shelf",
        ">invoice.pdf</a>",
    ] {
        assert!(dom.contains(text), "Chromium shows {text:?}: {dom}");
    }
    assert!(!dom.contains("<b>&amp;</b>"), "{dom}");
    assert!(dom.contains("<img src=\"media/"), "{dom}");

    // The whole instance, in the window's language: the same chat, as the only one.
    let all_zip = out.path().join("shop.zip");
    let in_portuguese = ExportRequest {
        language: Some("pt-BR".into()),
        ..request("all-1", &all_zip, None)
    };
    let report = engine.export("shop", in_portuguese).await.unwrap();
    assert_eq!(
        (report.chats, report.messages, report.media_files),
        (1, 3, 2)
    );
    let all = zip_entries(std::fs::File::open(&all_zip).unwrap());
    assert_manifest_matches(&all);
    assert_eq!(all["messages.jsonl"], files["messages.jsonl"]);
    let transcript = String::from_utf8(all["transcript.html"].clone()).unwrap();
    for words in [
        "<html lang=\"pt-BR\">",
        "<p>Exportado em <time",
        "<p>Documento: <a",
        "alt=\"Foto\"",
    ] {
        assert!(transcript.contains(words), "{words}: {transcript}");
    }
    let names: Vec<_> = std::fs::read_dir(out.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(names.len(), 2, "no temporary file is left: {names:?}");
}

/// An instance with one long chat and a large file, so that an export takes a while.
async fn long_chat(dir: &Path) -> (Engine, String) {
    let engine = engine_support::open(dir).await;
    let instance = engine_support::create(&engine, "shop").await;
    engine_support::seed(&engine, dir, &instance, 1, 20_000, 20).await;
    let big = engine_support::store::instance_dir(dir, &instance.id)
        .join("media/5511900000000@s.whatsapp.net/0.jpg");
    std::fs::write(big, vec![1u8; 64 * 1024 * 1024]).unwrap();
    (engine, instance.id)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cancelled_export_leaves_nothing_and_keeps_the_file_it_would_replace() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, _) = long_chat(dir.path()).await;
    let out = tempfile::tempdir().unwrap();
    let destination = out.path().join("shop.zip");
    std::fs::write(&destination, b"last week's export").unwrap();

    let mut events = engine.subscribe();
    let export = tokio::spawn({
        let engine = engine.clone();
        let request = request("cancel-me", &destination, None);
        async move { engine.export("shop", request).await }
    });
    engine_support::next_event(&mut events, "the first progress", WAIT, |e| match e {
        EngineEvent::ExportProgress { export_id, .. } if export_id == "cancel-me" => Some(()),
        _ => None,
    })
    .await;
    engine.cancel_export("cancel-me").unwrap();
    let refused = export.await.unwrap().unwrap_err();
    assert_eq!(refused.code(), ErrorCode::ExportCancelled);
    assert_eq!(std::fs::read(&destination).unwrap(), b"last week's export");
    assert_eq!(
        std::fs::read_dir(out.path()).unwrap().count(),
        1,
        "no temporary file"
    );
    // Its id is free again, and cancelling what no longer runs says so.
    assert_eq!(
        engine.cancel_export("cancel-me").unwrap_err().code(),
        ErrorCode::ExportNotFound
    );
    // Dropping an export's future cancels it the same way.
    let dropped = tokio::time::timeout(
        Duration::from_millis(50),
        engine.export("shop", request("cancel-me", &destination, None)),
    )
    .await;
    assert!(dropped.is_err(), "the export outlasted 50 ms");
    tokio::time::timeout(WAIT, async {
        while std::fs::read_dir(out.path()).unwrap().count() > 1 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("the dropped export's temporary file goes");
    assert_eq!(std::fs::read(&destination).unwrap(), b"last week's export");
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_requests_give_their_code_and_create_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine_support::open(dir.path()).await;
    engine_support::create(&engine, "shop").await;
    let out = tempfile::tempdir().unwrap();
    let folder = out.path().join("folder.zip");
    std::fs::create_dir(&folder).unwrap();
    let good = out.path().join("ok.zip");
    let cases = [
        (
            request("a", Path::new("relative.zip"), None),
            ErrorCode::ExportDestinationInvalid,
        ),
        (
            request("a", &out.path().join("no/such/dir/x.zip"), None),
            ErrorCode::ExportDestinationInvalid,
        ),
        (
            request("a", &folder, None),
            ErrorCode::ExportDestinationInvalid,
        ),
        (
            request("a", &out.path().join("notes.txt"), None),
            ErrorCode::ExportDestinationInvalid,
        ),
        (request("bad id", &good, None), ErrorCode::InvalidExportId),
        (
            request("a", &good, Some("not a jid")),
            ErrorCode::InvalidJid,
        ),
        (
            request("a", &good, Some("5511900000099")),
            ErrorCode::ChatNotFound,
        ),
    ];
    for (request, code) in cases {
        let refused = engine.export("shop", request.clone()).await.unwrap_err();
        assert_eq!(refused.code(), code, "{request:?}");
    }
    let refused = engine
        .export("nobody", request("a", &good, None))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), ErrorCode::InstanceNotFound);
    let left: Vec<_> = std::fs::read_dir(out.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left, ["folder.zip"], "only the folder made by the test");
    assert_eq!(std::fs::read_dir(&folder).unwrap().count(), 0);
    // An empty instance exports: a transcript, no messages, a manifest.
    let report = engine
        .export("shop", request("a", &good, None))
        .await
        .unwrap();
    assert_eq!((report.messages, report.media_files), (0, 0));
    let files = zip_entries(std::fs::File::open(&good).unwrap());
    assert_manifest_matches(&files);
    assert!(files["messages.jsonl"].is_empty());
    engine.shutdown().await;
}

#[tokio::test]
async fn the_export_reads_every_field_exactly_as_the_history_does() {
    const GROUP: &str = "120363000000000001@g.us";
    let dir = tempfile::tempdir().unwrap();
    let engine = engine_support::open(dir.path()).await;
    let instance = engine_support::create(&engine, "shop").await;
    let base = |id: &str, timestamp: i64| MessageUpsert {
        chat_jid: GROUP.into(),
        id: id.into(),
        sender: Some("5511911112222@s.whatsapp.net".into()),
        sender_name: Some("Ana <b>".into()),
        timestamp,
        text: Some(format!("text {id} \"quoted\" \\ \u{1F600}")),
        ..Default::default()
    };
    let messages = vec![
        base("TEXT", 1),
        MessageUpsert {
            kind: MessageKind::Location,
            // Doubles that 15 significant digits would not give back.
            location: Some(Location {
                latitude: 0.1 + 0.2,
                longitude: -46.6 / 3.0,
            }),
            ..base("PLACE", 2)
        },
        MessageUpsert {
            kind: MessageKind::Voice,
            text: None,
            ..base("VOICE", 3)
        },
        MessageUpsert {
            from_me: true,
            sender: None,
            sender_name: None,
            delivery: Some(Delivery::Read),
            quoted: Some(QuotedMessage {
                id: "TEXT".into(),
                text: None,
            }),
            ..base("REPLY", 4)
        },
    ];
    let sink = engine.session_sink();
    sink.messages(&instance.id, messages).await;
    let relative = format!("media/{GROUP}/VOICE.ogg");
    let file = dir
        .path()
        .join("instances")
        .join(&instance.id)
        .join(&relative);
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(&file, b"ogg").unwrap();
    sink.media_saved(
        &instance.id,
        MediaSaved {
            chat_jid: GROUP.into(),
            message_id: "VOICE".into(),
            relative_path: relative.clone(),
            bytes: 3,
            mime: Some("audio/ogg".into()),
        },
    )
    .await;

    let out = tempfile::tempdir().unwrap();
    let zip = out.path().join("group.zip");
    engine
        .export("shop", request("exact", &zip, None))
        .await
        .unwrap();
    let exported = lines(&zip_entries(std::fs::File::open(&zip).unwrap())["messages.jsonl"]);
    let mut history = engine
        .chat_messages("shop", GROUP, None, None)
        .await
        .unwrap()
        .messages;
    history.reverse(); // the export runs oldest first
    assert_eq!(exported.len(), 4);
    for (mut exported, mut read) in exported.into_iter().zip(history) {
        // The same file, named by its place in the archive rather than on this computer.
        if let (Some(in_zip), Some(on_disk)) = (&mut exported.file, &mut read.file) {
            assert_eq!(in_zip.path.as_deref(), Some(relative.as_str()));
            assert!(on_disk.path.as_ref().unwrap().ends_with(&relative));
            (in_zip.path, on_disk.path) = (None, None);
        }
        assert_eq!(exported, read);
    }
    engine.shutdown().await;
}
