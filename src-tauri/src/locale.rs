//! The few sentences the shell itself shows (tray menu, tooltip, notifications), in the
//! UI's four languages. The language is the one the UI saved, or the system's.

use tauri::AppHandle;
use tauri_plugin_store::StoreExt;

use crate::attention::Notice;
use crate::window_state::PREFS_STORE;

/// The UI's preference key: "system" or a language tag.
const LANGUAGE_KEY: &str = "language";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    En,
    PtBr,
    Es,
    Id,
}

impl Language {
    /// The language the window shows: its saved choice, else the system's, else English.
    pub fn of(app: &AppHandle) -> Language {
        let choice = app
            .store(PREFS_STORE)
            .ok()
            .and_then(|store| store.get(LANGUAGE_KEY))
            .and_then(|v| v.as_str().map(str::to_owned));
        let system = ["LC_ALL", "LC_MESSAGES", "LANG"]
            .iter()
            .filter_map(|var| std::env::var(var).ok())
            .find(|v| !v.is_empty());
        Self::resolve(choice.as_deref(), system.as_deref())
    }

    fn resolve(choice: Option<&str>, system: Option<&str>) -> Language {
        choice
            .filter(|c| *c != "system")
            .and_then(Self::from_tag)
            .or_else(|| system.and_then(Self::from_tag))
            .unwrap_or(Language::En)
    }

    /// `pt-BR`, `pt_BR.UTF-8`, `es_MX`, `id`, `in_ID` (the old code for Indonesian), …
    fn from_tag(tag: &str) -> Option<Language> {
        let primary = tag.split(['-', '_', '.', '@']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "en" => Some(Language::En),
            "pt" => Some(Language::PtBr),
            "es" => Some(Language::Es),
            "id" | "in" => Some(Language::Id),
            _ => None,
        }
    }

    pub fn show_window(self) -> &'static str {
        match self {
            Language::En => "Show Switchboard",
            Language::PtBr => "Mostrar o Switchboard",
            Language::Es => "Mostrar Switchboard",
            Language::Id => "Tampilkan Switchboard",
        }
    }

    pub fn quit(self) -> &'static str {
        match self {
            Language::En => "Quit",
            Language::PtBr => "Sair",
            Language::Es => "Salir",
            Language::Id => "Keluar",
        }
    }

    /// The tray tooltip: how many numbers work and how many need a look.
    pub fn tray_summary(self, connected: usize, attention: usize) -> String {
        let plural =
            |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        let working = match self {
            Language::En => plural(connected, "number connected", "numbers connected"),
            Language::PtBr => plural(connected, "número conectado", "números conectados"),
            Language::Es => plural(connected, "número conectado", "números conectados"),
            Language::Id => format!("{connected} nomor terhubung"),
        };
        if attention == 0 {
            return format!("Switchboard: {working}");
        }
        let looking = match self {
            Language::En => plural(attention, "needs attention", "need attention"),
            Language::PtBr => plural(attention, "precisa de atenção", "precisam de atenção"),
            Language::Es => plural(attention, "necesita atención", "necesitan atención"),
            Language::Id => format!("{attention} perlu perhatian"),
        };
        format!("Switchboard: {working}, {looking}")
    }

    /// A desktop notification about the number called `name`.
    pub fn notice(self, notice: Notice, name: &str) -> String {
        use Notice::*;
        match (self, notice) {
            (Language::En, Unlinked) => format!("{name} was unlinked from the phone. Link it again to keep receiving messages."),
            (Language::En, TemporarilyBanned) => format!("{name} was temporarily banned by WhatsApp."),
            (Language::En, Banned) => format!("{name} was banned by WhatsApp."),
            (Language::En, Replaced) => format!("{name} was disconnected because WhatsApp was opened in another place."),
            (Language::En, OfflineForAMinute) => format!("{name} has been offline for more than a minute. Switchboard keeps trying to reconnect."),
            (Language::PtBr, Unlinked) => format!("{name} foi desvinculado pelo celular. Vincule de novo para continuar recebendo mensagens."),
            (Language::PtBr, TemporarilyBanned) => format!("{name} foi banido temporariamente pelo WhatsApp."),
            (Language::PtBr, Banned) => format!("{name} foi banido pelo WhatsApp."),
            (Language::PtBr, Replaced) => format!("{name} foi desconectado porque o WhatsApp foi aberto em outro lugar."),
            (Language::PtBr, OfflineForAMinute) => format!("{name} está offline há mais de um minuto. O Switchboard continua tentando reconectar."),
            (Language::Es, Unlinked) => format!("{name} se desvinculó desde el teléfono. Vincúlalo de nuevo para seguir recibiendo mensajes."),
            (Language::Es, TemporarilyBanned) => format!("WhatsApp bloqueó {name} temporalmente."),
            (Language::Es, Banned) => format!("WhatsApp bloqueó {name}."),
            (Language::Es, Replaced) => format!("{name} se desconectó porque WhatsApp se abrió en otro lugar."),
            (Language::Es, OfflineForAMinute) => format!("{name} lleva más de un minuto sin conexión. Switchboard sigue intentando reconectar."),
            (Language::Id, Unlinked) => format!("{name} dilepas dari ponsel. Tautkan lagi agar tetap menerima pesan."),
            (Language::Id, TemporarilyBanned) => format!("{name} diblokir sementara oleh WhatsApp."),
            (Language::Id, Banned) => format!("{name} diblokir oleh WhatsApp."),
            (Language::Id, Replaced) => format!("{name} terputus karena WhatsApp dibuka di tempat lain."),
            (Language::Id, OfflineForAMinute) => format!("{name} sudah offline lebih dari satu menit. Switchboard terus mencoba menyambung kembali."),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [Language; 4] = [Language::En, Language::PtBr, Language::Es, Language::Id];
    const NOTICES: [Notice; 5] = [
        Notice::Unlinked,
        Notice::TemporarilyBanned,
        Notice::Banned,
        Notice::Replaced,
        Notice::OfflineForAMinute,
    ];

    #[test]
    fn the_saved_choice_wins_then_the_system_then_english() {
        assert_eq!(
            Language::resolve(Some("es"), Some("pt_BR.UTF-8")),
            Language::Es
        );
        assert_eq!(
            Language::resolve(Some("system"), Some("pt_BR.UTF-8")),
            Language::PtBr
        );
        assert_eq!(Language::resolve(None, Some("id_ID.UTF-8")), Language::Id);
        assert_eq!(Language::resolve(None, Some("in_ID")), Language::Id);
        assert_eq!(Language::resolve(Some("pt-BR"), None), Language::PtBr);
        assert_eq!(
            Language::resolve(Some("klingon"), Some("de_DE")),
            Language::En
        );
        assert_eq!(Language::resolve(None, Some("C.UTF-8")), Language::En);
        assert_eq!(Language::resolve(None, None), Language::En);
    }

    #[test]
    fn every_sentence_exists_in_every_language_names_the_number_and_differs_from_english() {
        for notice in NOTICES {
            let english = Language::En.notice(notice, "Sales");
            for language in ALL {
                let text = language.notice(notice, "Sales");
                assert!(text.contains("Sales"), "{language:?} {notice:?}: {text}");
                if language != Language::En {
                    assert_ne!(text, english, "{language:?} {notice:?} is translated");
                }
            }
        }
        for language in ALL.into_iter().skip(1) {
            assert_ne!(language.show_window(), Language::En.show_window());
            assert_ne!(language.quit(), Language::En.quit());
        }
    }

    #[test]
    fn the_tooltip_counts_in_words() {
        assert_eq!(
            Language::En.tray_summary(1, 0),
            "Switchboard: 1 number connected"
        );
        assert_eq!(
            Language::En.tray_summary(3, 2),
            "Switchboard: 3 numbers connected, 2 need attention"
        );
        assert_eq!(
            Language::PtBr.tray_summary(2, 1),
            "Switchboard: 2 números conectados, 1 precisa de atenção"
        );
        assert_eq!(
            Language::Es.tray_summary(1, 3),
            "Switchboard: 1 número conectado, 3 necesitan atención"
        );
        assert_eq!(
            Language::Id.tray_summary(4, 1),
            "Switchboard: 4 nomor terhubung, 1 perlu perhatian"
        );
    }
}
