//! Writing the archive, on a blocking thread: the media files first (so that the
//! messages know which files made it), then `messages.jsonl` and `transcript.html` in one
//! pass over the messages, and `manifest.json`. Rows come from one read transaction a page
//! at a time; files are copied through one reused buffer; every entry is hashed as it is
//! written.

use std::collections::HashSet;
use std::fs::File;
use std::io::{self, BufWriter, Read, Seek, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use futures::StreamExt;
use sha2::{Digest, Sha256};
use sqlx::SqlitePool;
use tokio::runtime::Handle;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipArchive, ZipWriter};

use super::destination::Destination;
use super::manifest::{self, Counts, FileEntry, Manifest, MissingMedia};
use super::pages::Pages;
use super::rows::{self, MediaRow, Scope};
use super::transcript::Transcript;
use crate::error::{Error, Result};
use crate::model::now_millis;
use crate::paths;
use crate::s3::S3Store;

/// The copy buffer, and the buffers in front of the temporary file and each entry.
const BUFFER: usize = 256 * 1024;

pub(super) const MESSAGES: &str = "messages.jsonl";
pub(super) const TRANSCRIPT: &str = "transcript.html";
pub(super) const MANIFEST: &str = "manifest.json";

/// The instance's bucket, for media uploaded to it.
pub(super) struct Bucket {
    pub store: S3Store,
    pub endpoint: String,
    pub name: String,
}

/// Everything one export needs, moved onto its thread.
pub(super) struct Job {
    pub db: SqlitePool,
    pub instance_dir: PathBuf,
    pub instance_id: String,
    pub instance_name: String,
    pub chat: Option<String>,
    /// The transcript's words.
    pub labels: &'static super::labels::Labels,
    pub bucket: Option<Bucket>,
    pub destination: Destination,
    pub cancelled: Arc<AtomicBool>,
    /// Called with (done, total): each message and each media file counts once.
    pub progress: Box<dyn Fn(u64, u64) + Send>,
}

impl Job {
    fn check(&self) -> Result<()> {
        if self.cancelled.load(Ordering::SeqCst) {
            Err(Error::ExportCancelled("the export was cancelled".into()))
        } else {
            Ok(())
        }
    }
}

fn zip_failed(e: zip::result::ZipError) -> Error {
    match e {
        zip::result::ZipError::Io(e) => Error::io_caused("writing the export failed", e),
        other => Error::io(format!("writing the export failed: {other}")),
    }
}

/// Progress reported at most every half percent, and at the end.
struct Progress<'a> {
    report: &'a dyn Fn(u64, u64),
    done: u64,
    total: u64,
    reported: u64,
}

impl Progress<'_> {
    fn step(&mut self) {
        self.done += 1;
        if self.done == self.total || self.done - self.reported >= (self.total / 200).max(1) {
            self.reported = self.done;
            (self.report)(self.done, self.total);
        }
    }
}

/// An open archive entry that hashes and counts what goes through it.
struct Entry<'a, W: Write + Seek> {
    zip: &'a mut ZipWriter<W>,
    path: String,
    hash: Sha256,
    bytes: u64,
}

impl<'a, W: Write + Seek> Entry<'a, W> {
    fn start(
        zip: &'a mut ZipWriter<W>,
        path: &str,
        options: SimpleFileOptions,
    ) -> Result<Entry<'a, W>> {
        zip.start_file(path, options).map_err(zip_failed)?;
        Ok(Entry {
            zip,
            path: path.to_string(),
            hash: Sha256::new(),
            bytes: 0,
        })
    }

    fn finish(self) -> FileEntry {
        FileEntry {
            path: self.path,
            bytes: self.bytes,
            sha256: hex::encode(self.hash.finalize()),
        }
    }
}

impl<W: Write + Seek> Write for Entry<'_, W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let written = self.zip.write(buf)?;
        self.hash.update(&buf[..written]);
        self.bytes += written as u64;
        Ok(written)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.zip.flush()
    }
}

/// What a finished export holds.
pub(super) struct Written {
    pub chats: u64,
    pub messages: u64,
    pub media_files: u64,
    pub media_missing: u64,
    pub bytes: u64,
}

/// Writes the whole archive and puts it in place; on any error or a cancel the
/// temporary file is removed and the destination is untouched.
pub(super) fn write(job: Job, runtime: &Handle) -> Result<Written> {
    let scope = Scope {
        instance_id: job.instance_id.clone(),
        chat: job.chat.clone(),
    };
    // One snapshot for every page: the counts, messages and files agree.
    let mut snapshot = runtime.block_on(job.db.begin())?;
    let totals = runtime.block_on(rows::totals(&mut snapshot, &scope))?;
    let chat_names = runtime.block_on(rows::chat_names(&mut snapshot, &scope))?;
    let temporary = job.destination.temporary()?;
    let file = BufWriter::with_capacity(BUFFER, temporary.as_file().try_clone()?);
    let mut zip = ZipWriter::new(file);
    let mut progress = Progress {
        report: &*job.progress,
        done: 0,
        total: totals.messages + totals.media_files,
        reported: 0,
    };
    (progress.report)(0, progress.total);
    let exported_at = now_millis();
    let mut manifest = Manifest {
        format: manifest::FORMAT,
        version: manifest::VERSION,
        instance: job.instance_name.clone(),
        chat: job.chat.clone(),
        exported_at,
        counts: Counts {
            chats: totals.chats,
            ..Counts::default()
        },
        files: Vec::new(),
        missing_media: Vec::new(),
    };

    let mut copier = MediaCopier {
        job: &job,
        runtime,
        buffer: vec![0; BUFFER],
    };
    let mut after: Option<MediaRow> = None;
    loop {
        let page = runtime.block_on(rows::media_page(&mut snapshot, &scope, after.as_ref()))?;
        let Some(last) = page.last().cloned() else {
            break;
        };
        for media in page {
            job.check()?;
            match copier.copy(&mut zip, &media)? {
                Ok(entry) => manifest.files.push(entry),
                Err(reason) => manifest.missing_media.push(MissingMedia {
                    chat_jid: media.chat_jid,
                    message_id: media.message_id,
                    reason,
                }),
            }
            progress.step();
        }
        after = Some(last);
    }
    manifest.counts.media_files = manifest.files.len() as u64;
    manifest.counts.media_missing = manifest.missing_media.len() as u64;
    let missing: HashSet<(&str, &str)> = manifest
        .missing_media
        .iter()
        .map(|m| (m.chat_jid.as_str(), m.message_id.as_str()))
        .collect();

    let text = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        // The fastest level: repetitive JSON and HTML still shrink well, and the time stays
        // near a plain copy's (the export bench's floor).
        .compression_level(Some(1))
        .large_file(true)
        .last_modified_time(zip_time(exported_at));
    let title = match &job.chat {
        Some(jid) => match chat_names.get(jid) {
            Some(name) => format!("{} · {name}", job.instance_name),
            None => format!("{} · {jid}", job.instance_name),
        },
        None => job.instance_name.clone(),
    };
    // One pass over the messages writes both messages.jsonl (one history message per line,
    // its file's path inside the archive) and the transcript. An archive entry is written
    // whole before the next starts, so the transcript is deflated into an archive of its
    // own beside, and its compressed bytes are copied over afterwards.
    let mut pages = Pages::read_ahead(runtime, snapshot, scope);
    let side = job.destination.temporary()?;
    let mut side_zip = ZipWriter::new(BufWriter::with_capacity(
        BUFFER,
        side.as_file().try_clone()?,
    ));
    let mut transcript = Transcript::new(&chat_names, &job.instance_name, job.labels);
    let mut json = BufWriter::with_capacity(BUFFER, Entry::start(&mut zip, MESSAGES, text)?);
    let mut html = BufWriter::with_capacity(BUFFER, Entry::start(&mut side_zip, TRANSCRIPT, text)?);
    transcript.head(&mut html, &title, exported_at)?;
    let mut messages = 0;
    loop {
        job.check()?;
        let page = pages.next()?;
        if page.is_empty() {
            break;
        }
        for (mut message, path) in page {
            let included = path.filter(|p| {
                paths::is_safe_media_path(p)
                    && !missing.contains(&(message.chat_jid.as_str(), message.id.as_str()))
            });
            if let Some(file) = &mut message.file {
                file.path = included.clone();
            }
            serde_json::to_writer(&mut json, &message).map_err(io::Error::from)?;
            json.write_all(b"\n")?;
            transcript.message(&mut html, &message, included.as_deref())?;
            messages += 1;
            progress.step();
        }
    }
    transcript.tail(&mut html)?;
    manifest
        .files
        .push(json.into_inner().map_err(|e| e.into_error())?.finish());
    manifest
        .files
        .push(html.into_inner().map_err(|e| e.into_error())?.finish());
    manifest.counts.messages = messages;
    let mut side_file = side_zip
        .finish()
        .map_err(zip_failed)?
        .into_inner()
        .map_err(|e| e.into_error())?;
    side_file.rewind()?;
    let mut side_archive = ZipArchive::new(side_file).map_err(zip_failed)?;
    zip.raw_copy_file(side_archive.by_index_raw(0).map_err(zip_failed)?)
        .map_err(zip_failed)?;

    job.check()?;
    zip.start_file(MANIFEST, text).map_err(zip_failed)?;
    serde_json::to_writer_pretty(&mut zip, &manifest).map_err(io::Error::from)?;
    let mut file = zip.finish().map_err(zip_failed)?;
    file.flush()?;
    drop(file);
    let bytes = job.destination.commit(temporary)?;
    Ok(Written {
        chats: totals.chats,
        messages,
        media_files: manifest.counts.media_files,
        media_missing: manifest.counts.media_missing,
        bytes,
    })
}

/// Copies one media file into the archive, from this computer or from the bucket.
struct MediaCopier<'a> {
    job: &'a Job,
    runtime: &'a Handle,
    buffer: Vec<u8>,
}

impl MediaCopier<'_> {
    /// The file's entry, or why it could not be included (its file is gone).
    fn copy<W: Write + Seek>(
        &mut self,
        zip: &mut ZipWriter<W>,
        media: &MediaRow,
    ) -> Result<Result<FileEntry, String>> {
        if !paths::is_safe_media_path(&media.path) {
            return Ok(Err("its stored path is not under media/".into()));
        }
        // Media is already compressed (JPEG, MP4, OGG, PDF...): stored as it is.
        let options = SimpleFileOptions::default()
            .compression_method(CompressionMethod::Stored)
            .large_file(media.bytes >= u64::from(u32::MAX));
        let Some(location) = &media.s3 else {
            let mut file = match File::open(self.job.instance_dir.join(&media.path)) {
                Ok(file) => file,
                Err(e) if e.kind() == io::ErrorKind::NotFound => {
                    return Ok(Err("the file is no longer on this computer".into()))
                }
                Err(e) => return Err(e.into()),
            };
            let mut entry = Entry::start(zip, &media.path, options)?;
            loop {
                self.job.check()?;
                let read = file.read(&mut self.buffer)?;
                if read == 0 {
                    return Ok(Ok(entry.finish()));
                }
                entry.write_all(&self.buffer[..read])?;
            }
        };
        let bucket = self.job.bucket.as_ref().filter(|b| {
            location.endpoint.as_ref() == Some(&b.endpoint)
                && location.bucket.as_ref() == Some(&b.name)
        });
        let Some(bucket) = bucket else {
            return Ok(Err(format!(
                "the file is in bucket '{}' at {}, which this instance no longer uses",
                location.bucket.as_deref().unwrap_or_default(),
                location.endpoint.as_deref().unwrap_or_default()
            )));
        };
        let Some(mut chunks) = self
            .runtime
            .block_on(bucket.store.get_chunks(&location.key))?
        else {
            return Ok(Err(format!("the bucket has no object '{}'", location.key)));
        };
        let mut entry = Entry::start(zip, &media.path, options)?;
        while let Some(chunk) = self.runtime.block_on(chunks.next()) {
            self.job.check()?;
            entry.write_all(&chunk?)?;
        }
        Ok(Ok(entry.finish()))
    }
}

/// The archive's entry date (ZIP keeps local date and time; UTC here).
fn zip_time(at: crate::model::Millis) -> zip::DateTime {
    let moment = time::OffsetDateTime::from_unix_timestamp(at / 1000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    zip::DateTime::from_date_and_time(
        u16::try_from(moment.year()).unwrap_or(1980),
        u8::from(moment.month()),
        moment.day(),
        moment.hour(),
        moment.minute(),
        moment.second(),
    )
    .unwrap_or_default()
}
