//! Images the commands answer as `data:` URLs: the window's CSP loads no image from anywhere else.

use base64::Engine as _;

pub fn encode(mime: &str, bytes: &[u8]) -> String {
    format!(
        "data:{mime};base64,{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    )
}

/// A picture as a data URL, typed by its first bytes; `None` when it is no image the
/// window can show.
pub fn picture(bytes: &[u8]) -> Option<String> {
    let mime = match bytes {
        [0xFF, 0xD8, 0xFF, ..] => "image/jpeg",
        [0x89, b'P', b'N', b'G', ..] => "image/png",
        [b'R', b'I', b'F', b'F', _, _, _, _, b'W', b'E', b'B', b'P', ..] => "image/webp",
        _ => return None,
    };
    Some(encode(mime, bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pictures_are_typed_by_their_bytes_and_anything_else_is_refused() {
        let jpeg = [0xFF, 0xD8, 0xFF, 0xE0, 1, 2];
        assert_eq!(picture(&jpeg).unwrap(), encode("image/jpeg", &jpeg));
        assert!(picture(b"\x89PNG\r\n\x1a\n")
            .unwrap()
            .starts_with("data:image/png;base64,"));
        assert!(picture(b"RIFF\0\0\0\0WEBPVP8 ")
            .unwrap()
            .starts_with("data:image/webp;base64,"));
        assert_eq!(picture(b"<svg onload=alert(1)>"), None);
        assert_eq!(picture(b""), None);
        assert_eq!(encode("image/png", b"hi"), "data:image/png;base64,aGk=");
    }
}
