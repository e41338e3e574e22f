//! Every HTTP dialect states, for each command of the list, where it serves it or why it
//! does not. The trait below is expanded from the list itself, so a command added there
//! does not compile until every dialect has decided about it.

/// What a dialect does with one command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Served {
    /// The routes (`"METHOD /path"`) that call it.
    At(&'static [&'static str]),
    /// Not offered over HTTP, and why.
    Not(&'static str),
}

macro_rules! dialect_trait {
    ($(
        $(#[doc = $doc:literal])*
        fn $name:ident($host:ident $(, $arg:ident: $ty:ty)* $(,)?) -> $answer:ty $body:block
    )*) => {
        /// One method per command of the list.
        pub trait Dialect {
            $(fn $name() -> Served;)*
        }

        /// Every command with what the dialect `D` does with it.
        pub fn coverage<D: Dialect>() -> Vec<(&'static str, Served)> {
            vec![$((stringify!($name), D::$name())),*]
        }
    };
}

switchboard_commands::with_commands!(dialect_trait);
