//! The transcript's own words in the window's four languages (en, pt-BR, es, id). The
//! export takes the window's language; a tag for another variant of one of them (`pt-PT`,
//! `es-MX`) takes that language, anything else English, as a browser would choose.

use crate::conversation::{Delivery, MessageKind};

pub(super) struct Labels {
    /// The `lang` of the document.
    pub tag: &'static str,
    pub exported: &'static str,
    pub sent: &'static str,
    pub delivered: &'static str,
    pub read: &'static str,
    /// A quoted message whose text is not kept.
    pub a_message: &'static str,
    pub location: &'static str,
    pub not_in_export: &'static str,
    /// image, video, audio, voice, document, sticker, location, contact.
    kinds: [&'static str; 8],
}

const EN: Labels = Labels {
    tag: "en",
    exported: "Exported",
    sent: "sent",
    delivered: "delivered",
    read: "read",
    a_message: "a message",
    location: "Location",
    not_in_export: "file not in this export",
    kinds: [
        "Photo",
        "Video",
        "Audio",
        "Voice message",
        "Document",
        "Sticker",
        "Location",
        "Contact",
    ],
};

const PT_BR: Labels = Labels {
    tag: "pt-BR",
    exported: "Exportado em",
    sent: "enviada",
    delivered: "entregue",
    read: "lida",
    a_message: "uma mensagem",
    location: "Localização",
    not_in_export: "arquivo fora desta exportação",
    kinds: [
        "Foto",
        "Vídeo",
        "Áudio",
        "Mensagem de voz",
        "Documento",
        "Figurinha",
        "Localização",
        "Contato",
    ],
};

const ES: Labels = Labels {
    tag: "es",
    exported: "Exportado el",
    sent: "enviado",
    delivered: "entregado",
    read: "leído",
    a_message: "un mensaje",
    location: "Ubicación",
    not_in_export: "archivo no incluido en esta exportación",
    kinds: [
        "Foto",
        "Video",
        "Audio",
        "Mensaje de voz",
        "Documento",
        "Sticker",
        "Ubicación",
        "Contacto",
    ],
};

const ID: Labels = Labels {
    tag: "id",
    exported: "Diekspor",
    sent: "terkirim",
    delivered: "tersampaikan",
    read: "dibaca",
    a_message: "sebuah pesan",
    location: "Lokasi",
    not_in_export: "berkas tidak ada dalam ekspor ini",
    kinds: [
        "Foto",
        "Video",
        "Audio",
        "Pesan suara",
        "Dokumen",
        "Stiker",
        "Lokasi",
        "Kontak",
    ],
};

impl Labels {
    /// The labels for a language tag (`None`: English).
    pub fn for_language(tag: Option<&str>) -> &'static Labels {
        let primary = tag
            .and_then(|t| t.split(['-', '_']).next())
            .map(str::to_ascii_lowercase);
        match primary.as_deref() {
            Some("pt") => &PT_BR,
            Some("es") => &ES,
            // "in" is the older code for Indonesian.
            Some("id" | "in") => &ID,
            _ => &EN,
        }
    }

    pub fn kind(&self, kind: MessageKind) -> &'static str {
        let index = match kind {
            MessageKind::Image => 0,
            MessageKind::Video => 1,
            MessageKind::Audio => 2,
            MessageKind::Voice => 3,
            MessageKind::Document => 4,
            MessageKind::Sticker => 5,
            MessageKind::Location => 6,
            MessageKind::Contact => 7,
            MessageKind::Text => return "",
        };
        self.kinds[index]
    }

    pub fn delivery(&self, delivery: Delivery) -> &'static str {
        match delivery {
            Delivery::Sent => self.sent,
            Delivery::Delivered => self.delivered,
            Delivery::Read => self.read,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_language_is_chosen_as_a_browser_would() {
        for (tag, chosen) in [
            (None, "en"),
            (Some("en-US"), "en"),
            (Some("pt-BR"), "pt-BR"),
            (Some("pt-PT"), "pt-BR"),
            (Some("es-MX"), "es"),
            (Some("ES"), "es"),
            (Some("id"), "id"),
            (Some("in_ID"), "id"),
            (Some("fr"), "en"),
            (Some(""), "en"),
        ] {
            assert_eq!(Labels::for_language(tag).tag, chosen, "{tag:?}");
        }
        assert_eq!(
            Labels::for_language(Some("pt-BR")).kind(MessageKind::Voice),
            "Mensagem de voz"
        );
        assert_eq!(
            Labels::for_language(Some("id")).delivery(Delivery::Read),
            "dibaca"
        );
    }
}
