//! Input rules for every public operation, and the engine's only rules for names,
//! phone numbers and chat JIDs (the actor and the protocol adapter use these too).
//! Each function either returns the canonical form of its input or a coded error
//! whose message names the rule that failed.

use crate::error::{Error, Result};
use crate::model::{Settings, WebhookEvent, WebhookFormat, WebhookInput};

pub const NAME_MAX: usize = 64;
/// E.164 numbers have at most 15 digits; no real number is shorter than 7. The rule
/// for phone JIDs, which WhatsApp names; numbers a person types meet
/// [`pairing_phone`] too.
pub const PHONE_DIGITS: std::ops::RangeInclusive<usize> = 7..=15;
pub const REPLY_TEXT_MAX: usize = 1000;
pub const URL_MAX: usize = 2048;
pub const AUTHORIZATION_MAX: usize = 4096;

/// Instance names: 1-64 of `[A-Za-z0-9._-]`, starting with a letter or digit.
/// Returns the lookup key (names are unique case-insensitively).
pub fn name(name: &str) -> Result<String> {
    let invalid = |why: String| Err(Error::InvalidName(why));
    if name.is_empty() {
        return invalid("the name must not be empty".into());
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
    {
        return invalid(format!(
            "the name may only contain letters, digits, '.', '_' and '-' (found {bad:?})"
        ));
    }
    if name.len() > NAME_MAX {
        return invalid(format!(
            "the name must be at most {NAME_MAX} characters (it has {})",
            name.len()
        ));
    }
    if !name.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return invalid("the name must start with a letter or a digit".into());
    }
    Ok(name.to_ascii_lowercase())
}

/// Phone numbers for pairing codes: a leading `+` and spaces are stripped, then the
/// number must be one that can be dialled (see [`pairing_phone`]). Returns the digits.
pub fn phone(input: &str) -> Result<String> {
    let without_spaces: String = input.chars().filter(|c| *c != ' ').collect();
    let digits = without_spaces.strip_prefix('+').unwrap_or(&without_spaces);
    pairing_phone(digits)?;
    Ok(digits.to_string())
}

/// A number a pairing code can be asked for: digits in international format whose
/// country code is in use and whose length and pattern fit that country's numbers
/// (libphonenumber's metadata). The message says which of these failed.
pub fn pairing_phone(digits: &str) -> Result<()> {
    use phonenumber::ParseError;
    let invalid = |why: String| Err(Error::InvalidPhone(why));
    if digits.is_empty() {
        return invalid("the phone number is empty".into());
    }
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return invalid(
            "the phone number may only contain digits (with an optional leading '+')".into(),
        );
    }
    if digits.starts_with('0') {
        return invalid("the phone number must start with its country code, not with 0".into());
    }
    let too_short = || {
        invalid(format!(
            "the phone number is too short ({} digits, country code included)",
            digits.len()
        ))
    };
    let too_long = || {
        invalid(format!(
            "the phone number is too long ({} digits, country code included)",
            digits.len()
        ))
    };
    let number = match phonenumber::parse(None, format!("+{digits}")) {
        Ok(number) => number,
        Err(ParseError::InvalidCountryCode) => {
            return invalid(format!(
                "{digits} does not start with a country code in use (such as 55 for Brazil)"
            ))
        }
        Err(ParseError::TooLong) => return too_long(),
        Err(_) => return too_short(),
    };
    if number.is_valid() {
        return Ok(());
    }
    let code = number.code().value();
    let national = number.national().to_string().len() as u16;
    let lengths: Vec<u16> = phonenumber::metadata::DATABASE
        .by_code(&code)
        .unwrap_or_default()
        .iter()
        .flat_map(|meta| dialable_lengths(meta.descriptors()))
        .collect();
    match (lengths.iter().min(), lengths.iter().max()) {
        (Some(&shortest), _) if national < shortest => too_short(),
        (_, Some(&longest)) if national > longest => too_long(),
        _ => invalid(format!(
            "{digits} is not a valid phone number for country code {code}"
        )),
    }
}

/// The national lengths of the numbers a person can be reached on (the metadata leaves
/// the general description's lengths out; each kind of number has its own).
fn dialable_lengths(kinds: &phonenumber::metadata::Descriptors) -> Vec<u16> {
    [
        kinds.fixed_line(),
        kinds.mobile(),
        kinds.toll_free(),
        kinds.premium_rate(),
        kinds.shared_cost(),
        kinds.personal_number(),
        kinds.voip(),
        kinds.pager(),
        kinds.uan(),
        kinds.voicemail(),
    ]
    .into_iter()
    .flatten()
    .flat_map(|kind| kind.possible_length().iter().copied())
    .collect()
}

/// The phone JID rule, for numbers already reduced to digits: international format,
/// country code first (so never a leading 0), 7 to 15 digits.
pub fn phone_digits(digits: &str) -> Result<()> {
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::InvalidPhone(
            "the phone number may only contain digits (with an optional leading '+')".into(),
        ));
    }
    if digits.starts_with('0') {
        return Err(Error::InvalidPhone(
            "the phone number must start with its country code, not with 0".into(),
        ));
    }
    if !PHONE_DIGITS.contains(&digits.len()) {
        return Err(Error::InvalidPhone(format!(
            "the phone number must have {} to {} digits, country code included (it has {})",
            PHONE_DIGITS.start(),
            PHONE_DIGITS.end(),
            digits.len()
        )));
    }
    Ok(())
}

/// Chat identifiers: a phone number (the phone rule, digits only) bare or as
/// `<number>@s.whatsapp.net`, `<1-20 digits>@lid`, or a group
/// `<1-20 digits>[-<1-20 digits>]@g.us`. Returns the canonical JID (bare numbers
/// become `@s.whatsapp.net`, the server part is lower-cased).
pub fn chat_jid(input: &str) -> Result<String> {
    let invalid = || {
        Err(Error::InvalidJid(format!(
            "'{}' is not a phone number or a JID ending in @s.whatsapp.net, @lid or @g.us",
            input.escape_debug()
        )))
    };
    let is_phone = |s: &str| phone_digits(s).is_ok();
    let all_digits = |s: &str| (1..=20).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit());
    let Some((user, server)) = input.split_once('@') else {
        return if is_phone(input) {
            Ok(format!("{input}@s.whatsapp.net"))
        } else {
            invalid()
        };
    };
    let server = server.to_ascii_lowercase();
    let user_ok = match server.as_str() {
        "s.whatsapp.net" => is_phone(user),
        "lid" => all_digits(user),
        "g.us" => match user.split_once('-') {
            Some((creator, created)) => all_digits(creator) && all_digits(created),
            None => all_digits(user),
        },
        _ => false,
    };
    if user_ok {
        Ok(format!("{user}@{server}"))
    } else {
        invalid()
    }
}

/// Webhook: an http(s) URL with a host, events without repeats, an Authorization value
/// that is a valid single-line header value.
pub fn webhook(input: WebhookInput) -> Result<WebhookInput> {
    let invalid = |why: &str| Err(Error::InvalidWebhook(why.to_string()));
    let authorization = webhook_authorization(input.authorization)?;
    let url = input.url.trim();
    if url.len() > URL_MAX {
        return invalid("the webhook URL is too long");
    }
    let parsed = match url::Url::parse(url) {
        Ok(parsed) => parsed,
        Err(_) => return invalid("the webhook URL is not a valid URL"),
    };
    if !matches!(parsed.scheme(), "http" | "https") {
        return invalid("the webhook URL must start with http:// or https://");
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return invalid("the webhook URL needs a host");
    }
    let mut events: Vec<WebhookEvent> = Vec::with_capacity(input.events.len());
    for event in input.events {
        if !events.contains(&event) {
            events.push(event);
        }
    }
    if input.by_events && input.format != WebhookFormat::Evolution {
        return invalid("one URL per event is offered only for Evolution-shaped webhooks");
    }
    Ok(WebhookInput {
        url: url.to_string(),
        events,
        authorization,
        format: input.format,
        by_events: input.by_events,
    })
}

/// A chosen instance token: 16-128 of `[A-Za-z0-9._~-]` (safe in a header and a URL).
pub fn instance_token(token: &str) -> Result<String> {
    let invalid = |why: String| Err(Error::InvalidToken(why));
    if !(16..=128).contains(&token.len()) {
        return invalid(format!(
            "the token must be 16 to 128 characters (it has {})",
            token.chars().count()
        ));
    }
    if let Some(bad) = token
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '~' | '-')))
    {
        return invalid(format!(
            "the token may only contain letters, digits, '.', '_', '~' and '-' (found {bad:?})"
        ));
    }
    Ok(token.to_string())
}

/// The webhook's Authorization header value: empty means none; otherwise printable
/// text on one line of at most 4096 bytes. Its own code, so the field is the one marked.
fn webhook_authorization(value: Option<String>) -> Result<Option<String>> {
    let Some(value) = value.filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    let invalid = |why: String| Err(Error::InvalidWebhookAuthorization(why));
    if value.len() > AUTHORIZATION_MAX {
        return invalid(format!(
            "the Authorization value must be at most {AUTHORIZATION_MAX} bytes (it has {})",
            value.len()
        ));
    }
    if reqwest::header::HeaderValue::from_str(&value).is_err() {
        return invalid("the Authorization value must be printable text on one line".into());
    }
    Ok(Some(value))
}

/// Proxy: an http, https or socks5 URL with a host and nothing after it.
pub fn proxy(input: &str) -> Result<String> {
    let invalid = |why: &str| Err(Error::InvalidProxy(why.to_string()));
    let input = input.trim();
    if input.len() > URL_MAX {
        return invalid("the proxy URL is too long");
    }
    let parsed = match url::Url::parse(input) {
        Ok(parsed) => parsed,
        Err(_) => return invalid("the proxy is not a valid URL"),
    };
    if !matches!(parsed.scheme(), "http" | "socks5") {
        return invalid("the proxy URL must start with http:// or socks5://");
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return invalid("the proxy URL needs a host");
    }
    if !matches!(parsed.path(), "" | "/") || parsed.query().is_some() || parsed.fragment().is_some()
    {
        return invalid("the proxy URL must not have a path, query or fragment");
    }
    Ok(input.to_string())
}

/// Settings: the call-reject reply must be non-empty, single text, at most 1000 characters.
pub fn settings(settings: Settings) -> Result<Settings> {
    if let Some(text) = &settings.reject_call_message {
        if text.trim().is_empty() {
            return Err(Error::InvalidSettings(
                "the call-reject reply must not be blank (leave it out instead)".into(),
            ));
        }
        if text.chars().count() > REPLY_TEXT_MAX {
            return Err(Error::InvalidSettings(format!(
                "the call-reject reply must be at most {REPLY_TEXT_MAX} characters"
            )));
        }
        if text.contains('\0') {
            return Err(Error::InvalidSettings(
                "the call-reject reply must not contain NUL characters".into(),
            ));
        }
    }
    Ok(settings)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn why(input: &str) -> String {
        match phone(input) {
            Err(Error::InvalidPhone(why)) => why,
            other => panic!("{input:?} gave {other:?}"),
        }
    }

    #[test]
    fn pairing_numbers_are_checked_against_the_countrys_numbers() {
        assert_eq!(phone("+55 11 99999 9999").unwrap(), "5511999999999");
        assert_eq!(phone("14155552671").unwrap(), "14155552671");
        assert_eq!(phone("6281234567890").unwrap(), "6281234567890");
        assert!(why("123").contains("too short"), "{}", why("123"));
        assert!(why("5511").contains("too short"), "{}", why("5511"));
        assert!(why("9991234567890").contains("country code"));
        assert!(why("55119999999999999").contains("too long"));
        // Dialable lengths, but no Brazilian number looks like this.
        assert!(why("5511123456789").contains("country code 55"));
        assert!(why("55 11 9999-9999").contains("digits"));
        assert!(why("0551199999999").contains("not with 0"));
        assert!(why("").contains("empty"));
    }
}
