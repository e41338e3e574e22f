//! The UI's command bindings, ui/src/bindings/commands.ts, generated from the command
//! list: every command's arguments and answer, and a typed function for each. Fails when
//! the committed file is stale. To refresh it:
//! `SWITCHBOARD_UPDATE_BINDINGS=1 cargo test -p switchboard-commands --test bindings`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use switchboard_commands::{LocalApiSettings, LocalApiStatus};
use ts_rs::{Config, Dependency, TypeVisitor, TS};

/// This crate's own types, declared inside commands.ts (the engine's have their files).
fn own_declarations() -> Vec<(String, String)> {
    let cfg = Config::new();
    vec![
        (LocalApiSettings::name(&cfg), LocalApiSettings::decl(&cfg)),
        (LocalApiStatus::name(&cfg), LocalApiStatus::decl(&cfg)),
    ]
}

/// One command as the UI sends it.
struct Signature {
    name: &'static str,
    doc: Vec<&'static str>,
    args: Vec<Arg>,
    answer: String,
    imports: Vec<Dependency>,
}

struct Arg {
    name: &'static str,
    ts: String,
    imports: Vec<Dependency>,
}

impl Signature {
    fn of<T: TS + 'static>(name: &'static str, doc: &[&'static str], args: Vec<Arg>) -> Self {
        Self {
            name,
            doc: doc.iter().map(|line| line.trim()).collect(),
            args,
            answer: T::name(&Config::new()),
            imports: referenced::<T>(),
        }
    }
}

impl Arg {
    fn of<T: TS + 'static>(name: &'static str) -> Self {
        Self {
            name,
            ts: T::name(&Config::new()),
            imports: referenced::<T>(),
        }
    }
}

/// The list's commands as signatures; the bodies are not needed here.
macro_rules! signatures {
    ($(
        $(#[doc = $doc:literal])*
        fn $name:ident($host:ident $(, $arg:ident: $ty:ty)* $(,)?) -> $answer:ty $body:block
    )*) => {
        fn all_signatures() -> Vec<Signature> {
            vec![$(
                Signature::of::<$answer>(
                    stringify!($name),
                    &[$($doc),*],
                    vec![$(Arg::of::<$ty>(stringify!($arg))),*],
                )
            ),*]
        }
    };
}

switchboard_commands::with_commands!(signatures);

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

/// Tauri matches command arguments by their camelCase names, and the UI's functions
/// are named the same way.
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

fn render(signatures: &[Signature]) -> String {
    let own = own_declarations();
    let imports: BTreeMap<String, PathBuf> = signatures
        .iter()
        .flat_map(|s| {
            s.imports
                .iter()
                .chain(s.args.iter().flat_map(|a| &a.imports))
        })
        .filter(|d| !own.iter().any(|(name, _)| *name == d.ts_name))
        .map(|d| (d.ts_name.clone(), d.output_path.with_extension("")))
        .collect();
    let mut out = String::from(
        "// Generated from src-tauri/commands by `SWITCHBOARD_UPDATE_BINDINGS=1 cargo test -p switchboard-commands --test bindings`. Do not edit.\n",
    );
    for (name, path) in &imports {
        out.push_str(&format!(
            "import type {{ {name} }} from \"./{}\";\n",
            path.display()
        ));
    }
    for (_, declaration) in &own {
        out.push_str(&format!("\nexport {declaration}\n"));
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
    out.push_str("};\n\n");
    out.push_str("/** Sends one command and resolves to its answer, or rejects with the shell's error. */\nexport type SendCommand = <C extends keyof Commands>(\n  command: C,\n  args: Commands[C][\"args\"],\n) => Promise<Commands[C][\"answer\"]>;\n\n");
    out.push_str("/** Every command as a function of its arguments, in the order the Rust side declares them. */\nexport function commandFunctions(send: SendCommand) {\n  return {\n");
    for s in signatures {
        out.push_str(&render_doc(&s.doc));
        let params: Vec<String> = s
            .args
            .iter()
            .map(|a| format!("{}: {}", camel_case(a.name), a.ts))
            .collect();
        let names: Vec<String> = s.args.iter().map(|a| camel_case(a.name)).collect();
        let args = if names.is_empty() {
            "{}".to_string()
        } else {
            format!("{{ {} }}", names.join(", "))
        };
        out.push_str(&format!(
            "    {}: ({}) => send(\"{}\", {args}),\n",
            camel_case(s.name),
            params.join(", "),
            s.name
        ));
    }
    out.push_str("  };\n}\n");
    out
}

fn render_doc(lines: &[&str]) -> String {
    match lines {
        [] => String::new(),
        [line] => format!("    /** {line} */\n"),
        lines => {
            let body: String = lines.iter().map(|l| format!("     * {l}\n")).collect();
            format!("    /**\n{body}     */\n")
        }
    }
}

fn committed_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ui/src/bindings/commands.ts")
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
        "ui/src/bindings/commands.ts is stale; run SWITCHBOARD_UPDATE_BINDINGS=1 cargo test -p switchboard-commands --test bindings"
    );
}

#[test]
fn arguments_and_functions_are_named_in_camel_case() {
    assert_eq!(camel_case("delete_media"), "deleteMedia");
    assert_eq!(camel_case("name"), "name");
    let signatures = all_signatures();
    let delete_chat: Vec<_> = signatures
        .into_iter()
        .filter(|s| s.name == "delete_chat")
        .collect();
    let ts = render(&delete_chat);
    assert!(ts.contains("delete_chat: { args: { name: string; chat: string; deleteMedia: boolean }; answer: ChatDeleteReport };"), "{ts}");
    assert!(ts.contains("    deleteChat: (name: string, chat: string, deleteMedia: boolean) => send(\"delete_chat\", { name, chat, deleteMedia }),"), "{ts}");
    assert!(
        ts.contains("import type { ChatDeleteReport } from \"./ChatDeleteReport\";"),
        "{ts}"
    );
}

#[test]
fn this_crates_own_types_are_declared_in_the_file_not_imported() {
    let ts = render(&all_signatures());
    assert!(ts.contains("\nexport type LocalApiStatus = {"), "{ts}");
    assert!(!ts.contains("from \"./LocalApiStatus\""), "{ts}");
    assert!(
        ts.contains(
            "set_local_api: { args: { settings: LocalApiSettings }; answer: LocalApiStatus };"
        ),
        "{ts}"
    );
}

#[test]
fn doc_comments_become_the_functions_documentation() {
    let ts = render(&all_signatures());
    assert!(
        ts.contains("    /** Answers the 8-character pairing code to type on the phone. */\n    connectCode: (name: string, phone: string) => send(\"connect_code\", { name, phone }),"),
        "{ts}"
    );
    assert!(
        ts.contains("    /**\n     * What happened to one instance"),
        "{ts}"
    );
    for signature in all_signatures() {
        for line in signature.doc {
            assert!(
                !line.contains("*/"),
                "{line:?} would close its comment early"
            );
        }
    }
}
