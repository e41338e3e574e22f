//! The media CDN: files the phone encrypted as WhatsApp does, served over
//! HTTPS on loopback at the paths the client builds from `media_conn`.

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::extract::DefaultBodyLimit;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Router;
use base64::prelude::{Engine as _, BASE64_URL_SAFE_NO_PAD};
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tokio_rustls::server::TlsStream;
use tokio_rustls::TlsAcceptor;

use crate::error::MockError;

/// The CDN's self-signed certificate for 127.0.0.1 and its key. WhatsApp's
/// client builds `https://` URLs only, so downloads need TLS; the client must
/// skip certificate verification (`danger-skip-tls-verify`) to trust it.
const CERT_DER: &[u8] = include_bytes!("../tls/media-cert.der");
const KEY_DER: &[u8] = include_bytes!("../tls/media-key.der");

/// Truncated HMAC-SHA256 length that follows the ciphertext.
const MAC_LEN: usize = 10;

/// What a file's HKDF info string is: one per media kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaKind {
    Image,
    Video,
    Audio,
    Document,
    History,
}

impl MediaKind {
    fn hkdf_info(self) -> &'static [u8] {
        match self {
            Self::Image => b"WhatsApp Image Keys",
            Self::Video => b"WhatsApp Video Keys",
            Self::Audio => b"WhatsApp Audio Keys",
            Self::Document => b"WhatsApp Document Keys",
            Self::History => b"WhatsApp History Keys",
        }
    }

    /// The CDN folder WhatsApp puts this kind under.
    fn path_segment(self) -> &'static str {
        match self {
            Self::Image => "t62.7118-24",
            Self::Video => "t62.7161-24",
            Self::Audio => "t62.7114-24",
            Self::Document => "t62.7119-24",
            Self::History => "t62.36145-24",
        }
    }
}

/// One encrypted upload and what a message needs to point at it.
#[derive(Debug, Clone)]
pub struct Uploaded {
    pub direct_path: String,
    pub media_key: [u8; 32],
    pub file_sha256: [u8; 32],
    pub file_enc_sha256: [u8; 32],
    pub file_length: u64,
    /// Unix seconds: the message's `media_key_timestamp`.
    pub uploaded_at: u64,
}

/// Encrypts `plaintext` with a fresh media key: HKDF-SHA256 expands it to
/// IV, AES key and MAC key; the blob is AES-256-CBC ciphertext followed by
/// the first 10 bytes of HMAC-SHA256(iv || ciphertext).
fn encrypt(plaintext: &[u8], kind: MediaKind) -> Result<([u8; 32], Vec<u8>), MockError> {
    let media_key: [u8; 32] = rand::random();
    let mut expanded = [0u8; 112];
    wacore::crypto::hkdf_sha256_into(&media_key, None, kind.hkdf_info(), &mut expanded)
        .map_err(|_| MockError::Internal("media key expansion".into()))?;
    let (iv, rest) = expanded.split_at(16);
    let (cipher_key, rest) = rest.split_at(32);
    let mac_key = &rest[..32];
    let mut blob = Vec::with_capacity(plaintext.len() + 16 + MAC_LEN);
    wacore::libsignal::crypto::aes_256_cbc_encrypt_into(plaintext, cipher_key, iv, &mut blob)
        .map_err(|e| MockError::Internal(format!("media encryption: {e}")))?;
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(mac_key)
        .map_err(|e| MockError::Internal(format!("media MAC key: {e}")))?;
    mac.update(iv);
    mac.update(&blob);
    blob.extend_from_slice(&mac.finalize().into_bytes()[..MAC_LEN]);
    Ok((media_key, blob))
}

struct Blob {
    bytes: Vec<u8>,
    /// The `token` query parameter: base64url of the blob's SHA-256.
    token: String,
    /// Hex SHA-256 of the plain file, for files the phone uploaded (what a test knows
    /// of a file it sent); none for what a device uploaded encrypted.
    plain_sha256: Option<String>,
}

/// A phone's profile picture; its id changes with every new picture, as WhatsApp's does.
struct Picture {
    id: String,
    bytes: Arc<Vec<u8>>,
}

/// Where the client finds a profile picture (`<picture id url direct_path>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PictureRef {
    pub id: String,
    pub url: String,
    pub direct_path: String,
}

/// WhatsApp keeps profile pictures small; a bigger upload is refused.
const MAX_PICTURE_BYTES: usize = 2 * 1024 * 1024;

/// The CDN's files by direct path, and the auth token `media_conn` hands out.
pub struct MediaStore {
    blobs: Mutex<HashMap<String, Arc<Blob>>>,
    /// Direct paths of files the host no longer serves, as WhatsApp's media servers
    /// forget files some weeks after they were sent.
    expired: Mutex<HashSet<String>>,
    /// Profile pictures by phone number, served in the clear as WhatsApp's are.
    pictures: Mutex<HashMap<String, Picture>>,
    auth: String,
    host: SocketAddr,
}

impl MediaStore {
    /// The `hostname` the client is told in `media_conn` (host:port).
    pub fn hostname(&self) -> String {
        self.host.to_string()
    }

    pub fn auth(&self) -> &str {
        &self.auth
    }

    /// Encrypts `plaintext` and stores it where a download will look.
    pub fn upload(&self, plaintext: &[u8], kind: MediaKind) -> Result<Uploaded, MockError> {
        let (media_key, blob) = encrypt(plaintext, kind)?;
        let file_enc_sha256: [u8; 32] = Sha256::digest(&blob).into();
        let file_sha256: [u8; 32] = Sha256::digest(plaintext).into();
        let direct_path = self.put(kind, blob, &file_enc_sha256, Some(hex(&file_sha256)));
        Ok(Uploaded {
            direct_path,
            media_key,
            file_sha256,
            file_enc_sha256,
            file_length: plaintext.len() as u64,
            uploaded_at: crate::registry::now_unix(),
        })
    }

    /// Keeps an encrypted file under a fresh direct path and returns that path.
    fn put(
        &self,
        kind: MediaKind,
        blob: Vec<u8>,
        enc_sha256: &[u8; 32],
        plain_sha256: Option<String>,
    ) -> String {
        let name = BASE64_URL_SAFE_NO_PAD.encode(rand::random::<[u8; 18]>());
        let direct_path = format!("/v/{}/{name}.enc", kind.path_segment());
        self.blobs.lock().unwrap_or_else(|p| p.into_inner()).insert(
            direct_path.clone(),
            Arc::new(Blob {
                bytes: blob,
                token: BASE64_URL_SAFE_NO_PAD.encode(enc_sha256),
                plain_sha256,
            }),
        );
        direct_path
    }

    /// Forgets every file the phone uploaded whose plain content has the SHA-256
    /// `sha256_hex`: from now on its direct path answers 410 Gone, as WhatsApp's media
    /// host answers for an expired file. Answers how many files were forgotten;
    /// `unknown_media` when there were none.
    pub fn forget(&self, sha256_hex: &str) -> Result<usize, MockError> {
        let wanted = sha256_hex.trim().to_ascii_lowercase();
        if wanted.len() != 64 || !wanted.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(MockError::BadRequest(
                "sha256 must be 64 hexadecimal digits".into(),
            ));
        }
        let mut blobs = self.blobs.lock().unwrap_or_else(|p| p.into_inner());
        let gone: Vec<String> = blobs
            .iter()
            .filter(|(_, blob)| blob.plain_sha256.as_deref() == Some(wanted.as_str()))
            .map(|(path, _)| path.clone())
            .collect();
        let mut expired = self.expired.lock().unwrap_or_else(|p| p.into_inner());
        for path in &gone {
            blobs.remove(path);
            expired.insert(path.clone());
        }
        if gone.is_empty() {
            return Err(MockError::UnknownMedia(wanted));
        }
        Ok(gone.len())
    }

    fn is_expired(&self, direct_path: &str) -> bool {
        self.expired
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .contains(direct_path)
    }

    /// The encrypted file at `direct_path`, as a download would get it.
    pub fn encrypted(&self, direct_path: &str) -> Option<Vec<u8>> {
        self.get(direct_path).map(|blob| blob.bytes.clone())
    }

    /// Sets (or with `None` removes) the profile picture of the phone `phone`.
    pub fn set_picture(&self, phone: &str, bytes: Option<Vec<u8>>) -> Result<(), MockError> {
        let mut pictures = self.pictures.lock().unwrap_or_else(|p| p.into_inner());
        match bytes {
            None => {
                pictures.remove(phone);
            }
            Some(b) if b.is_empty() || b.len() > MAX_PICTURE_BYTES => {
                return Err(MockError::BadRequest(format!(
                    "a picture has 1 to {MAX_PICTURE_BYTES} bytes, got {}",
                    b.len()
                )))
            }
            Some(b) => {
                let id = rand::random::<u32>().to_string();
                pictures.insert(
                    phone.to_owned(),
                    Picture {
                        id,
                        bytes: Arc::new(b),
                    },
                );
            }
        }
        Ok(())
    }

    /// Where the current picture of `phone` is, if it has one.
    pub fn picture(&self, phone: &str) -> Option<PictureRef> {
        let pictures = self.pictures.lock().unwrap_or_else(|p| p.into_inner());
        let picture = pictures.get(phone)?;
        let direct_path = format!("/pp/{phone}/{}.jpg", picture.id);
        Some(PictureRef {
            id: picture.id.clone(),
            url: format!("https://{}{direct_path}", self.host),
            direct_path,
        })
    }

    fn picture_bytes(&self, phone: &str, id: &str) -> Option<Arc<Vec<u8>>> {
        let pictures = self.pictures.lock().unwrap_or_else(|p| p.into_inner());
        pictures
            .get(phone)
            .filter(|p| p.id == id)
            .map(|p| Arc::clone(&p.bytes))
    }

    fn get(&self, direct_path: &str) -> Option<Arc<Blob>> {
        self.blobs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(direct_path)
            .cloned()
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A running CDN listener; dropping it stops serving.
pub struct MediaServer {
    pub store: Arc<MediaStore>,
    task: JoinHandle<()>,
}

impl Drop for MediaServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// TLS on top of a TCP listener, so axum serves HTTPS.
struct TlsListener {
    tcp: TcpListener,
    acceptor: TlsAcceptor,
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            let (tcp, peer) = match self.tcp.accept().await {
                Ok(accepted) => accepted,
                Err(e) => {
                    // E.g. out of file descriptors: back off instead of spinning.
                    tracing::warn!("media listener accept failed: {e}");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            };
            match self.acceptor.accept(tcp).await {
                Ok(tls) => return (tls, peer),
                Err(e) => tracing::debug!("media TLS handshake from {peer} failed: {e}"),
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        self.tcp.local_addr()
    }
}

fn tls_acceptor() -> Result<TlsAcceptor, MockError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let cert = rustls::pki_types::CertificateDer::from(CERT_DER);
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(KEY_DER.into());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .and_then(|b| b.with_no_client_auth().with_single_cert(vec![cert], key))
        .map_err(|e| MockError::Internal(format!("media TLS config: {e}")))?;
    Ok(TlsAcceptor::from(Arc::new(config)))
}

/// Starts the CDN on an ephemeral port of `ip` (loopback).
pub async fn start(ip: std::net::IpAddr) -> Result<MediaServer, MockError> {
    let tcp = TcpListener::bind((ip, 0))
        .await
        .map_err(|e| MockError::Internal(format!("bind media listener: {e}")))?;
    let host = tcp
        .local_addr()
        .map_err(|e| MockError::Internal(e.to_string()))?;
    let store = Arc::new(MediaStore {
        blobs: Mutex::default(),
        expired: Mutex::default(),
        pictures: Mutex::default(),
        auth: BASE64_URL_SAFE_NO_PAD.encode(rand::random::<[u8; 24]>()),
        host,
    });
    let listener = TlsListener {
        tcp,
        acceptor: tls_acceptor()?,
    };
    let app = Router::new()
        .route("/v/{folder}/{file}", get(download))
        .route("/pp/{phone}/{file}", get(download_picture))
        .route(
            "/mms/{kind}/{token}",
            post(upload_from_device).layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES)),
        )
        .with_state(store.clone());
    let task = tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::error!("wa-mock media server stopped: {e}");
        }
    });
    Ok(MediaServer { store, task })
}

/// Serves a blob to a request carrying the current auth and the blob's token,
/// refusing as the CDN does: 401 for bad auth, 410 for a file it no longer keeps, 404
/// for an unknown or mistokened file.
async fn download(
    State(store): State<Arc<MediaStore>>,
    Path((folder, file)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Vec<u8>, StatusCode> {
    if q.get("auth").map(String::as_str) != Some(store.auth()) {
        return Err(StatusCode::UNAUTHORIZED);
    }
    let direct_path = format!("/v/{folder}/{file}");
    if store.is_expired(&direct_path) {
        return Err(StatusCode::GONE);
    }
    let blob = store.get(&direct_path).ok_or(StatusCode::NOT_FOUND)?;
    if q.get("token") != Some(&blob.token) {
        return Err(StatusCode::NOT_FOUND);
    }
    Ok(blob.bytes.clone())
}

/// The largest encrypted file a device may upload (WhatsApp's 2 GB document
/// limit, plus padding and MAC).
const MAX_UPLOAD_BYTES: usize = 2 * 1024 * 1024 * 1024 + 32;

/// What the media host answers a finished upload.
#[derive(serde::Serialize)]
struct UploadAnswer {
    url: String,
    direct_path: String,
}

/// Takes an encrypted file from a device, as the CDN does: 401 for bad auth,
/// 400 when the token is not the body's SHA-256, 404 for an unknown kind and
/// for a resume check (nothing is ever partly uploaded here).
async fn upload_from_device(
    State(store): State<Arc<MediaStore>>,
    Path((kind, token)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
    body: axum::body::Bytes,
) -> Result<axum::Json<UploadAnswer>, StatusCode> {
    if q.get("auth").map(String::as_str) != Some(store.auth()) {
        return Err(StatusCode::UNAUTHORIZED);
    }
    let kind = match kind.as_str() {
        "image" => MediaKind::Image,
        "video" => MediaKind::Video,
        "audio" => MediaKind::Audio,
        "document" => MediaKind::Document,
        _ => return Err(StatusCode::NOT_FOUND),
    };
    if q.contains_key("resume") {
        return Err(StatusCode::NOT_FOUND);
    }
    let enc_sha256: [u8; 32] = Sha256::digest(&body).into();
    if body.is_empty() || token != BASE64_URL_SAFE_NO_PAD.encode(enc_sha256) {
        return Err(StatusCode::BAD_REQUEST);
    }
    let direct_path = store.put(kind, body.to_vec(), &enc_sha256, None);
    Ok(axum::Json(UploadAnswer {
        url: format!("https://{}{direct_path}", store.host),
        direct_path,
    }))
}

/// Serves the current picture of a phone; an old picture id is gone, as on WhatsApp.
async fn download_picture(
    State(store): State<Arc<MediaStore>>,
    Path((phone, file)): Path<(String, String)>,
) -> Result<Vec<u8>, StatusCode> {
    let id = file.strip_suffix(".jpg").ok_or(StatusCode::NOT_FOUND)?;
    store
        .picture_bytes(&phone, id)
        .map(|bytes| bytes.as_ref().clone())
        .ok_or(StatusCode::NOT_FOUND)
}
