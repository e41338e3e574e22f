//! The commands' TypeScript signatures, generated from the Rust types each command
//! takes and answers, and the test that keeps ui/src/bindings/commands.ts current.
//! To refresh it: `SWITCHBOARD_UPDATE_BINDINGS=1 cargo test -p switchboard --lib bindings`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use ts_rs::{Config, Dependency, TypeVisitor, TS};

/// One command as `invoke` sees it.
pub struct Signature {
    name: &'static str,
    args: Vec<Arg>,
    answer: String,
    imports: Vec<Dependency>,
}

pub struct Arg {
    name: &'static str,
    ts: String,
    imports: Vec<Dependency>,
}

impl Signature {
    pub fn of<T: TS + 'static>(name: &'static str, args: Vec<Arg>) -> Self {
        Self {
            name,
            args,
            answer: T::name(&Config::new()),
            imports: referenced::<T>(),
        }
    }
}

impl Arg {
    pub fn of<T: TS + 'static>(name: &'static str) -> Self {
        Self {
            name,
            ts: T::name(&Config::new()),
            imports: referenced::<T>(),
        }
    }
}

/// The exported types a type's name mentions: itself and its generic arguments, so
/// `Vec<Instance>` imports `Instance` and `String` imports nothing.
fn referenced<T: TS + 'static>() -> Vec<Dependency> {
    struct Collect<'a>(&'a Config, &'a mut Vec<Dependency>);
    impl TypeVisitor for Collect<'_> {
        fn visit<U: TS + 'static + ?Sized>(&mut self) {
            self.1.extend(Dependency::from_ty::<U>(self.0));
        }
    }
    let cfg = Config::new();
    let mut found: Vec<Dependency> = Dependency::from_ty::<T>(&cfg).into_iter().collect();
    T::visit_generics(&mut Collect(&cfg, &mut found));
    found
}

/// Tauri matches command arguments by their camelCase names.
fn camel_case(snake: &str) -> String {
    let mut parts = snake.split('_');
    let first = parts.next().unwrap_or_default().to_string();
    parts.fold(first, |mut out, part| {
        let mut chars = part.chars();
        if let Some(c) = chars.next() {
            out.extend(c.to_uppercase());
            out.push_str(chars.as_str());
        }
        out
    })
}

fn all_signatures() -> Vec<Signature> {
    [
        super::instances::signatures(),
        super::linking::signatures(),
        super::chats::signatures(),
        super::settings::signatures(),
    ]
    .into_iter()
    .flatten()
    .collect()
}

fn render(signatures: &[Signature]) -> String {
    let imports: BTreeMap<String, PathBuf> = signatures
        .iter()
        .flat_map(|s| {
            s.imports
                .iter()
                .chain(s.args.iter().flat_map(|a| &a.imports))
        })
        .map(|d| (d.ts_name.clone(), d.output_path.with_extension("")))
        .collect();
    let mut out = String::from(
        "// Generated from src-tauri/src/commands by `SWITCHBOARD_UPDATE_BINDINGS=1 cargo test -p switchboard --lib bindings`. Do not edit.\n",
    );
    for (name, path) in &imports {
        out.push_str(&format!(
            "import type {{ {name} }} from \"./{}\";\n",
            path.display()
        ));
    }
    out.push_str("\n/** Every command the shell answers: its arguments as `invoke` sends them, and its answer. */\nexport type Commands = {\n");
    for s in signatures {
        let args = if s.args.is_empty() {
            "Record<string, never>".to_string()
        } else {
            let fields: Vec<String> = s
                .args
                .iter()
                .map(|a| format!("{}: {}", camel_case(a.name), a.ts))
                .collect();
            format!("{{ {} }}", fields.join("; "))
        };
        out.push_str(&format!(
            "  {}: {{ args: {args}; answer: {} }};\n",
            s.name, s.answer
        ));
    }
    out.push_str("};\n");
    out
}

fn committed_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("ui/src/bindings/commands.ts")
}

#[test]
fn committed_command_bindings_match_the_commands() {
    let fresh = render(&all_signatures());
    if std::env::var_os("SWITCHBOARD_UPDATE_BINDINGS").is_some() {
        std::fs::write(committed_path(), &fresh).unwrap();
    }
    let committed = std::fs::read_to_string(committed_path()).unwrap_or_default();
    assert!(
        committed == fresh,
        "ui/src/bindings/commands.ts is stale; run SWITCHBOARD_UPDATE_BINDINGS=1 cargo test -p switchboard --lib bindings"
    );
}

#[test]
fn every_registered_command_has_a_signature() {
    let names: Vec<&str> = all_signatures().iter().map(|s| s.name).collect();
    let handler = include_str!("../lib.rs");
    let registered: Vec<&str> = handler
        .lines()
        .filter_map(|l| l.trim().strip_prefix("commands::"))
        .filter_map(|l| l.trim_end_matches(',').rsplit("::").next())
        .collect();
    assert_eq!(names.len(), 17);
    assert_eq!(
        registered, names,
        "generate_handler! and the signatures list the same commands in the same order"
    );
}

#[test]
fn argument_names_are_sent_in_camel_case() {
    assert_eq!(camel_case("delete_media"), "deleteMedia");
    assert_eq!(camel_case("name"), "name");
    let chats = render(&super::chats::signatures());
    assert!(chats.contains("delete_chat: { args: { name: string; chat: string; deleteMedia: boolean }; answer: ChatDeleteReport };"), "{chats}");
    assert!(
        chats.contains("import type { ChatSummary } from \"./ChatSummary\";"),
        "{chats}"
    );
}
