//! Client operations that may run in a task beside the actor: profile look-ups,
//! downloads, presence, read receipts and call rejection.

use std::sync::Arc;
use std::time::Duration;

use whatsapp_rust::download::{DownloadParams, MediaType};
use whatsapp_rust::http::HttpRequest;
use whatsapp_rust::prelude::*;
use whatsapp_rust::waproto::whatsapp as wa;
use whatsapp_rust::ErrorChainExt;

use super::messages::{CallOffer, ReadReceipt};
use crate::conversation::MessageKind;
use crate::error::{Error, Result};
use crate::records::MediaSource;

/// How long profile look-ups after connect may take; they never hold up the connection.
const PROFILE_LOOKUP_TIMEOUT: Duration = Duration::from_secs(10);
/// WhatsApp serves profile pictures of a few hundred kilobytes; anything far bigger is
/// not a profile picture.
const MAX_PICTURE_BYTES: usize = 5 * 1024 * 1024;

/// Client operations that may run in a task beside the actor.
#[derive(Clone)]
pub(crate) struct Remote(pub(super) Arc<Client>);

impl Remote {
    /// Business name and picture URL of the linked account, each when WhatsApp tells.
    pub(crate) async fn profile_extras(&self) -> (Option<String>, Option<String>) {
        let Some(me) = self.0.pn().map(|j| j.to_non_ad()) else {
            return (None, None);
        };
        let business = tokio::time::timeout(
            PROFILE_LOOKUP_TIMEOUT,
            self.0.contacts().get_user_info(std::slice::from_ref(&me)),
        )
        .await
        .ok()
        .and_then(|r| r.ok())
        .and_then(|mut infos| infos.remove(&me))
        .and_then(|info| info.verified_name)
        .and_then(|v| v.name)
        .filter(|n| !n.is_empty());
        let picture = tokio::time::timeout(
            PROFILE_LOOKUP_TIMEOUT,
            self.0.contacts().get_profile_picture(&me, false),
        )
        .await
        .ok()
        .and_then(|r| r.ok())
        .flatten()
        .map(|p| p.url)
        .filter(|u| !u.is_empty());
        (business, picture)
    }

    /// A group's subject, as a group query answers it; none when it does not.
    pub(crate) async fn group_subject(&self, jid: &str) -> Option<String> {
        let jid: Jid = jid.parse().ok()?;
        let metadata =
            tokio::time::timeout(PROFILE_LOOKUP_TIMEOUT, self.0.groups().get_metadata(&jid)).await;
        match metadata {
            Ok(Ok(metadata)) => Some(metadata.subject).filter(|s| !s.is_empty()),
            Ok(Err(e)) => {
                tracing::debug!(group = %jid, error = %e, "no group subject");
                None
            }
            Err(_) => None,
        }
    }

    /// Downloads a profile picture through the client's own HTTP client, so the
    /// instance's proxy and TLS rules apply to it as to media.
    pub(crate) async fn fetch_picture(&self, url: &str) -> Result<Vec<u8>> {
        let response = tokio::time::timeout(
            PROFILE_LOOKUP_TIMEOUT,
            self.0.http_client.execute(HttpRequest::get(url)),
        )
        .await
        .map_err(|_| Error::Timeout("the profile picture did not arrive in time".into()))?
        .map_err(|e| Error::WhatsApp(format!("downloading the profile picture failed: {e}")))?;
        match response.status_code {
            200 if (1..=MAX_PICTURE_BYTES).contains(&response.body.len()) => Ok(response.body),
            200 => Err(Error::WhatsApp(format!(
                "the profile picture has {} bytes",
                response.body.len()
            ))),
            status => Err(Error::WhatsApp(format!(
                "the profile picture answered HTTP {status}"
            ))),
        }
    }

    /// Downloads, checks and decrypts an attachment into `file`; returns the bytes
    /// written. A file WhatsApp no longer serves (404 or 410 from its media host) is
    /// `media_expired`.
    pub(crate) async fn download(
        &self,
        source: &MediaSource,
        kind: MessageKind,
        file: std::fs::File,
    ) -> Result<u64> {
        let params = DownloadParams {
            direct_path: source.direct_path.clone(),
            media_key: source.media_key.clone(),
            file_sha256: source.file_sha256.clone(),
            file_enc_sha256: source.file_enc_sha256.clone(),
            file_length: source.file_length,
            media_type: media_type(kind)?,
        };
        let mut file = self
            .0
            .download_from_params_to_writer(&params, file)
            .await
            .map_err(|e: anyhow::Error| {
                let chain: &(dyn std::error::Error + Send + Sync + 'static) = e.as_ref();
                match chain.http_status() {
                    Some(404 | 410) => Error::MediaExpired(
                        "WhatsApp no longer has this file: its sender's phone must send it again"
                            .into(),
                    ),
                    _ => Error::WhatsApp(format!("downloading media failed: {e}")),
                }
            })?;
        use std::io::Write;
        file.flush()?;
        file.sync_all()?;
        // The library hands the file back rewound: its length is what was written.
        Ok(file.metadata()?.len())
    }

    pub(crate) async fn set_online(&self, online: bool) {
        let presence = self.0.presence();
        let result = if online {
            presence.set_available().await
        } else {
            presence.set_unavailable().await
        };
        if let Err(e) = result {
            tracing::warn!("setting presence failed: {e}");
        }
    }

    /// Read receipts for messages others sent, one request per chat and sender.
    pub(crate) async fn mark_read(&self, receipts: &[ReadReceipt]) {
        let mut batches: Vec<(&ReadReceipt, Vec<&str>)> = Vec::new();
        for r in receipts.iter().filter(|r| !r.from_me) {
            let same = |(first, _): &&mut (&ReadReceipt, Vec<&str>)| {
                first.chat == r.chat && first.sender == r.sender
            };
            match batches.iter_mut().find(same) {
                Some((_, ids)) => ids.push(&r.id),
                None => batches.push((r, vec![&r.id])),
            }
        }
        for (first, ids) in batches {
            if let Err(e) = self
                .0
                .mark_as_read(&first.chat, first.sender.as_ref(), &ids)
                .await
            {
                tracing::warn!("sending read receipts failed: {e}");
            }
        }
    }

    /// Declines a call, then optionally sends the caller a text.
    pub(crate) async fn reject_call(&self, offer: &CallOffer, reply: Option<&str>) {
        if let Err(e) = self.0.voip().reject(&offer.0).await {
            tracing::warn!("rejecting a call failed: {e}");
            return;
        }
        if let Some(text) = reply.filter(|t| !t.trim().is_empty()) {
            let to = offer.0.from.to_non_ad();
            if let Err(e) = self.0.send_message(&to, wa::Message::text(text)).await {
                tracing::warn!("sending the call-rejection reply failed: {e}");
            }
        }
    }
}

/// The media type a message kind's file is encrypted as.
fn media_type(kind: MessageKind) -> Result<MediaType> {
    match kind {
        MessageKind::Image => Ok(MediaType::Image),
        MessageKind::Video => Ok(MediaType::Video),
        MessageKind::Audio | MessageKind::Voice => Ok(MediaType::Audio),
        MessageKind::Document => Ok(MediaType::Document),
        MessageKind::Sticker => Ok(MediaType::Sticker),
        other => Err(Error::NoMedia(format!(
            "a {} message carries no file",
            other.as_str()
        ))),
    }
}
