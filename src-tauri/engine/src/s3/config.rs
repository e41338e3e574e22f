//! An instance's bucket: what the user types, the rules it must pass, and how it is
//! shown back. The secret key is a [`Secret`]: it has no `Serialize`, and its `Debug`
//! prints a mask, so it can reach neither an answer, an event nor a log line.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::{Error, Result};

/// What every answer shows in place of the secret key.
pub const SECRET_MASK: &str = "********";
/// The region S3-compatible servers expect when none is given.
pub const DEFAULT_REGION: &str = "us-east-1";
const URL_MAX: usize = 2048;
const PREFIX_MAX: usize = 256;
const KEY_MAX: usize = 128;

/// A credential that is only ever written to the database and to request signing.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The plain value: for the request signer and the database, nowhere else.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(SECRET_MASK)
    }
}

/// An S3 configuration as the user gives it. Leaving `secret_key` out (or sending the
/// mask back) keeps the one already stored, so a form can be saved without retyping it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct S3ConfigInput {
    /// `http://` or `https://` URL of any S3-compatible service.
    pub endpoint: String,
    /// Empty means `us-east-1`.
    pub region: String,
    pub bucket: String,
    /// Key prefix, e.g. `whatsapp/media`; empty for none.
    pub prefix: String,
    pub access_key: String,
    #[ts(optional)]
    #[serde(skip_serializing)]
    pub secret_key: Option<String>,
    /// `https://host/bucket/key` rather than `https://bucket.host/key`.
    pub path_style: bool,
}

impl Default for S3ConfigInput {
    fn default() -> Self {
        S3ConfigInput {
            endpoint: String::new(),
            region: String::new(),
            bucket: String::new(),
            prefix: String::new(),
            access_key: String::new(),
            secret_key: None,
            path_style: true,
        }
    }
}

impl std::fmt::Debug for S3ConfigInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3ConfigInput")
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("bucket", &self.bucket)
            .field("prefix", &self.prefix)
            .field("access_key", &self.access_key)
            .field("secret_key", &self.secret_key.as_ref().map(|_| SECRET_MASK))
            .field("path_style", &self.path_style)
            .finish()
    }
}

/// A configuration that passed every rule, in canonical form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Config {
    /// Without a trailing `/`.
    pub endpoint: String,
    pub region: String,
    pub bucket: String,
    /// Without leading or trailing `/`; empty for none.
    pub prefix: String,
    pub access_key: String,
    pub secret_key: Secret,
    pub path_style: bool,
}

/// How a configuration is shown: everything but the secret key, which is masked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct S3ConfigView {
    pub endpoint: String,
    pub region: String,
    pub bucket: String,
    pub prefix: String,
    pub access_key: String,
    /// Always [`SECRET_MASK`].
    pub secret_key: String,
    pub path_style: bool,
}

impl S3Config {
    pub fn view(&self) -> S3ConfigView {
        S3ConfigView {
            endpoint: self.endpoint.clone(),
            region: self.region.clone(),
            bucket: self.bucket.clone(),
            prefix: self.prefix.clone(),
            access_key: self.access_key.clone(),
            secret_key: SECRET_MASK.to_string(),
            path_style: self.path_style,
        }
    }

    /// Where this configuration's objects live, for reports: `bucket at endpoint`.
    pub fn location(&self) -> String {
        format!("bucket '{}' at {}", self.bucket, self.endpoint)
    }
}

fn invalid<T>(why: impl Into<String>) -> Result<T> {
    Err(Error::S3InvalidConfig(why.into()))
}

/// Checks every field; `stored_secret` is the secret already saved for the instance,
/// used when the input leaves the secret out.
pub fn validate(input: S3ConfigInput, stored_secret: Option<&Secret>) -> Result<S3Config> {
    let secret_key = match input.secret_key.as_deref() {
        None | Some("") | Some(SECRET_MASK) => match stored_secret {
            Some(stored) => stored.clone(),
            None => return invalid("the secret key is required"),
        },
        Some(value) => Secret::new(credential("secret key", value)?),
    };
    Ok(S3Config {
        endpoint: endpoint(&input.endpoint)?,
        region: region(&input.region)?,
        bucket: bucket(&input.bucket)?,
        prefix: prefix(&input.prefix)?,
        access_key: credential("access key", &input.access_key)?.to_string(),
        secret_key,
        path_style: input.path_style,
    })
}

/// An http(s) URL with a host and nothing after it but an optional `/`.
fn endpoint(input: &str) -> Result<String> {
    let input = input.trim();
    if input.is_empty() {
        return invalid("the endpoint URL is required (for example https://s3.example.com)");
    }
    if input.len() > URL_MAX {
        return invalid("the endpoint URL is too long");
    }
    let Ok(parsed) = url::Url::parse(input) else {
        return invalid("the endpoint is not a valid URL");
    };
    if !matches!(parsed.scheme(), "http" | "https") {
        return invalid("the endpoint URL must start with http:// or https://");
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return invalid("the endpoint URL needs a host");
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return invalid("the endpoint URL must not carry a user or password; use the keys");
    }
    if !matches!(parsed.path(), "" | "/") || parsed.query().is_some() || parsed.fragment().is_some()
    {
        return invalid("the endpoint URL must not have a path, query or fragment");
    }
    Ok(input.trim_end_matches('/').to_string())
}

/// `us-east-1`, `eu-central-1`, `auto`...: lower-case letters, digits and `-`.
fn region(input: &str) -> Result<String> {
    let input = input.trim();
    if input.is_empty() {
        return Ok(DEFAULT_REGION.to_string());
    }
    let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-';
    if input.len() > 64 || !input.chars().all(allowed) {
        return invalid(
            "the region may only contain lower-case letters, digits and '-' (at most 64)",
        );
    }
    Ok(input.to_string())
}

/// S3's bucket naming rules: 3-63 of lower-case letters, digits, `.` and `-`, starting
/// and ending with a letter or digit, no `..`, not shaped like an IP address.
fn bucket(input: &str) -> Result<String> {
    let name = input.trim();
    if name.is_empty() {
        return invalid("the bucket name is required");
    }
    if !(3..=63).contains(&name.len()) {
        return invalid(format!(
            "the bucket name must have 3 to 63 characters (it has {})",
            name.len()
        ));
    }
    let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '-');
    if let Some(bad) = name.chars().find(|c| !allowed(*c)) {
        return invalid(format!(
            "the bucket name may only contain lower-case letters, digits, '.' and '-' (found {bad:?})"
        ));
    }
    let edge_ok = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    if !edge_ok(name.chars().next()) || !edge_ok(name.chars().last()) {
        return invalid("the bucket name must start and end with a letter or a digit");
    }
    if name.contains("..") {
        return invalid("the bucket name must not contain '..'");
    }
    if name.parse::<std::net::Ipv4Addr>().is_ok() {
        return invalid("the bucket name must not be an IP address");
    }
    Ok(name.to_string())
}

/// Segments of S3's safe characters (letters, digits, `!-_.*'()`), joined by `/`;
/// leading and trailing `/` are dropped, no segment may be empty, `.` or `..`.
fn prefix(input: &str) -> Result<String> {
    let trimmed = input.trim().trim_matches('/');
    if trimmed.len() > PREFIX_MAX {
        return invalid(format!(
            "the key prefix must be at most {PREFIX_MAX} characters"
        ));
    }
    if trimmed.is_empty() {
        return Ok(String::new());
    }
    let safe = |c: char| c.is_ascii_alphanumeric() || "!-_.*'()".contains(c);
    for segment in trimmed.split('/') {
        if segment.is_empty() || segment == "." || segment == ".." {
            return invalid("the key prefix must not contain empty, '.' or '..' parts");
        }
        if let Some(bad) = segment.chars().find(|c| !safe(*c)) {
            return invalid(format!(
                "the key prefix may only contain letters, digits, '/' and !-_.*'() (found {bad:?})"
            ));
        }
    }
    Ok(trimmed.to_string())
}

/// Keys are printable ASCII without spaces, 1 to 128 characters.
fn credential<'a>(what: &str, input: &'a str) -> Result<&'a str> {
    if input.is_empty() {
        return invalid(format!("the {what} is required"));
    }
    if input.len() > KEY_MAX || !input.chars().all(|c| c.is_ascii_graphic()) {
        return invalid(format!(
            "the {what} must be 1 to {KEY_MAX} printable characters without spaces"
        ));
    }
    Ok(input)
}
