//! The readable transcript: one HTML file that opens offline in any browser, with no
//! script, every stored text escaped, and media linked relatively to the files beside
//! it in the archive (images shown inline).

use std::collections::HashMap;
use std::io::{self, Write};

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use time::macros::format_description;
use time::OffsetDateTime;

use super::labels::Labels;
use crate::conversation::{ChatMessage, MessageKind};
use crate::model::Millis;

/// What a path segment keeps unencoded in a link (RFC 3986 unreserved, and `@`).
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'@');

const STYLE: &str = "body{font:15px/1.45 system-ui,sans-serif;margin:0 auto;max-width:48rem;\
padding:1rem;color:#1b1b1b;background:#f4f1ec}h1{font-size:1.4rem}h2{font-size:1.1rem;\
margin-top:2rem;border-bottom:1px solid #ccc}article{background:#fff;border-radius:.5rem;\
padding:.4rem .7rem;margin:.4rem 0;max-width:80%;overflow-wrap:anywhere}article.out{\
margin-left:auto;background:#dcf5d4}header{font-size:.8rem;color:#555}p{margin:.2rem 0;\
white-space:pre-wrap}blockquote{margin:.2rem 0;padding-left:.5rem;border-left:3px solid #8a8;\
color:#444}img{max-width:100%;max-height:20rem;display:block}.missing{color:#a33}";

/// `&`, `<`, `>`, `"` and `'` as entities: safe in text and in quoted attributes.
pub(super) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A path inside the archive as a relative link.
fn link(path: &str) -> String {
    let encoded: Vec<String> = path
        .split('/')
        .map(|segment| utf8_percent_encode(segment, SEGMENT).to_string())
        .collect();
    escape(&encoded.join("/"))
}

/// `2026-11-26 21:05 UTC`; the moment itself in a `datetime` attribute.
fn when(timestamp: Millis) -> (String, String) {
    let moment = OffsetDateTime::from_unix_timestamp_nanos(i128::from(timestamp) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH);
    let shown = moment
        .format(format_description!(
            "[year]-[month]-[day] [hour]:[minute] UTC"
        ))
        .unwrap_or_default();
    let machine = moment
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    (shown, machine)
}

/// Writes the transcript a message at a time, one section per chat.
pub(super) struct Transcript<'a> {
    chat_names: &'a HashMap<String, String>,
    /// Who "from me" is: the instance's name.
    me: &'a str,
    labels: &'static Labels,
    open_chat: Option<String>,
}

impl<'a> Transcript<'a> {
    pub fn new(
        chat_names: &'a HashMap<String, String>,
        me: &'a str,
        labels: &'static Labels,
    ) -> Transcript<'a> {
        Transcript {
            chat_names,
            me,
            labels,
            open_chat: None,
        }
    }

    pub fn head(&self, out: &mut impl Write, title: &str, exported_at: Millis) -> io::Result<()> {
        let (shown, machine) = when(exported_at);
        writeln!(
            out,
            "<!DOCTYPE html>\n<html lang=\"{lang}\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width\">\
             <title>{title}</title><style>{STYLE}</style></head><body>\n\
             <h1>{title}</h1><p>{exported} <time datetime=\"{machine}\">{shown}</time></p>",
            lang = self.labels.tag,
            exported = self.labels.exported,
            title = escape(title),
        )
    }

    pub fn message(
        &mut self,
        out: &mut impl Write,
        message: &ChatMessage,
        file: Option<&str>,
    ) -> io::Result<()> {
        if self.open_chat.as_deref() != Some(message.chat_jid.as_str()) {
            self.close_chat(out)?;
            let jid = &message.chat_jid;
            let heading = match self.chat_names.get(jid) {
                Some(name) => format!("{} ({})", escape(name), escape(jid)),
                None => escape(jid),
            };
            writeln!(out, "<section><h2>{heading}</h2>")?;
            self.open_chat = Some(jid.clone());
        }
        let author = if message.from_me {
            self.me
        } else {
            message
                .sender_name
                .as_deref()
                .or(message.sender.as_deref())
                .unwrap_or(&message.chat_jid)
        };
        let (shown, machine) = when(message.timestamp);
        let delivery = message
            .delivery
            .map(|d| format!(" · {}", self.labels.delivery(d)))
            .unwrap_or_default();
        write!(
            out,
            "<article class=\"{side}\" id=\"m-{id}\"><header><b>{author}</b> \
             <time datetime=\"{machine}\">{shown}</time>{delivery}</header>",
            side = if message.from_me { "out" } else { "in" },
            id = escape(&message.id),
            author = escape(author),
        )?;
        if let Some(quoted) = &message.quoted {
            let text = quoted.text.as_deref().unwrap_or(self.labels.a_message);
            write!(out, "<blockquote>{}</blockquote>", escape(text))?;
        }
        self.file(out, message, file)?;
        if let Some(location) = &message.location {
            write!(
                out,
                "<p>{}: {}, {}</p>",
                self.labels.location, location.latitude, location.longitude
            )?;
        }
        // A document's text is its file name, already the link's words.
        if let (Some(text), false) = (&message.text, message.kind == MessageKind::Document) {
            write!(out, "<p>{}</p>", escape(text))?;
        }
        out.write_all(b"</article>\n")
    }

    fn file(
        &self,
        out: &mut impl Write,
        message: &ChatMessage,
        file: Option<&str>,
    ) -> io::Result<()> {
        if !message.kind.has_media() {
            return Ok(());
        }
        let kind = self.labels.kind(message.kind);
        match file {
            Some(path) if matches!(message.kind, MessageKind::Image | MessageKind::Sticker) => {
                write!(
                    out,
                    "<a href=\"{href}\"><img src=\"{href}\" alt=\"{kind}\" loading=\"lazy\"></a>",
                    href = link(path),
                )
            }
            Some(path) => {
                let name = match (message.kind, &message.text) {
                    (MessageKind::Document, Some(text)) => text.as_str(),
                    _ => path.rsplit('/').next().unwrap_or(path),
                };
                write!(
                    out,
                    "<p>{kind}: <a href=\"{}\">{}</a></p>",
                    link(path),
                    escape(name)
                )
            }
            None => write!(
                out,
                "<p class=\"missing\">{kind}: {}</p>",
                self.labels.not_in_export
            ),
        }
    }

    fn close_chat(&mut self, out: &mut impl Write) -> io::Result<()> {
        if self.open_chat.take().is_some() {
            out.write_all(b"</section>\n")?;
        }
        Ok(())
    }

    pub fn tail(&mut self, out: &mut impl Write) -> io::Result<()> {
        self.close_chat(out)?;
        out.write_all(b"</body></html>\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_in_stored_text_stays_text() {
        assert_eq!(
            escape(r#"<script>alert("x")</script> & 'y'"#),
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;"
        );
        assert_eq!(
            link("media/5511@s.whatsapp.net/a b\"<.jpg"),
            "media/5511@s.whatsapp.net/a%20b%22%3C.jpg"
        );
    }

    #[test]
    fn times_read_in_utc() {
        let (shown, machine) = when(1_700_000_000_000);
        assert_eq!(shown, "2023-11-14 22:13 UTC");
        assert_eq!(machine, "2023-11-14T22:13:20Z");
    }
}
