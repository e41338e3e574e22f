//! A customer's phone writing to the linked number on wa-mock (a text, a photo and an
//! invoice), and reading the ZIP files exports make: what the conversation, export and
//! server tests share.

use std::collections::HashMap;
use std::io::{Read, Seek};

use base64::Engine as _;
use wa_mock::{IncomingMedia, IncomingMediaKind, IncomingMessage, WaMock};

/// A file's SHA-256 in lowercase hex, as manifests and the phone's checks write it.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    hex::encode(sha2::Sha256::digest(bytes))
}

/// A file as the phone attaches it to a message.
pub fn attachment(
    kind: IncomingMediaKind,
    mime: &str,
    name: Option<&str>,
    bytes: &[u8],
) -> IncomingMedia {
    IncomingMedia {
        kind,
        mime: mime.into(),
        file_name: name.map(str::to_string),
        bytes_base64: base64::engine::general_purpose::STANDARD.encode(bytes),
    }
}

/// The two files the customer sent, to compare with what was stored or exported.
pub struct CustomerFiles {
    pub photo: Vec<u8>,
    pub invoice: Vec<u8>,
}

/// `customer` writes `greeting`, then a captioned photo ("The shelf"), then an invoice
/// (invoice.pdf) to the device `linked_jid`.
pub async fn customer_writes(
    mock: &WaMock,
    linked_jid: &str,
    customer: &str,
    greeting: &str,
) -> CustomerFiles {
    let files = CustomerFiles {
        photo: b"\xff\xd8\xff\xe0 a small photo".to_vec(),
        invoice: b"%PDF-1.4 invoice 42".to_vec(),
    };
    let message = |text: Option<&str>, media: Option<IncomingMedia>| IncomingMessage {
        chat: customer.into(),
        from: customer.into(),
        text: text.map(str::to_string),
        media,
    };
    let photo = attachment(IncomingMediaKind::Image, "image/jpeg", None, &files.photo);
    let invoice = attachment(
        IncomingMediaKind::Document,
        "application/pdf",
        Some("invoice.pdf"),
        &files.invoice,
    );
    for sent in [
        message(Some(greeting), None),
        message(Some("The shelf"), Some(photo)),
        message(None, Some(invoice)),
    ] {
        mock.send_message(linked_jid, &sent).await.unwrap();
    }
    files
}

/// Every entry of a ZIP archive, by name.
pub fn zip_entries(archive: impl Read + Seek) -> HashMap<String, Vec<u8>> {
    let mut archive = zip::ZipArchive::new(archive).unwrap();
    (0..archive.len())
        .map(|i| {
            let mut entry = archive.by_index(i).unwrap();
            let mut bytes = Vec::new();
            entry.read_to_end(&mut bytes).unwrap();
            (entry.name().unwrap().to_string(), bytes)
        })
        .collect()
}
