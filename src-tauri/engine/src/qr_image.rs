//! Renders a pairing QR code as a crisp PNG data URL, entirely in Rust: for the window
//! (under a strict CSP), the API's connect routes and Evolution-shaped QR webhooks.

use base64::Engine as _;
use image::{ImageBuffer, ImageEncoder, Luma};
use qrcode::{Color, QrCode};

use crate::error::{Error, Result};

/// Pixels per QR module: large enough to scan from a screen at arm's length,
/// and an integer so edges stay sharp.
const MODULE_PX: u32 = 8;
/// The blank border scanners need, in modules.
const QUIET_ZONE: u32 = 4;

/// Text that cannot be drawn is refused as `invalid_qr`.
pub fn png_data_url(text: &str) -> Result<String> {
    if text.is_empty() {
        return Err(Error::InvalidQr("the QR code text is empty".into()));
    }
    let code = QrCode::new(text.as_bytes())
        .map_err(|e| Error::InvalidQr(format!("cannot encode QR code: {e}")))?;
    let width = code.width() as u32;
    let colors = code.to_colors();
    let side = (width + 2 * QUIET_ZONE) * MODULE_PX;
    let img = ImageBuffer::from_fn(side, side, |x, y| {
        let (mx, my) = (x / MODULE_PX, y / MODULE_PX);
        let inside = (QUIET_ZONE..QUIET_ZONE + width).contains(&mx)
            && (QUIET_ZONE..QUIET_ZONE + width).contains(&my);
        let dark = inside
            && colors[((my - QUIET_ZONE) * width + (mx - QUIET_ZONE)) as usize] == Color::Dark;
        Luma([if dark { 0u8 } else { 255u8 }])
    });
    let mut png = Vec::new();
    image::codecs::png::PngEncoder::new(&mut png)
        .write_image(img.as_raw(), side, side, image::ExtendedColorType::L8)
        .map_err(|e| Error::InvalidQr(format!("cannot encode PNG: {e}")))?;
    Ok(format!(
        "data:image/png;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(&png)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    #[test]
    fn renders_a_whatsapp_style_code_with_quiet_zone() {
        let url = png_data_url("2@abc,def,ghi,jkl").unwrap();
        let b64 = url.strip_prefix("data:image/png;base64,").unwrap();
        let png = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .unwrap();
        let img = image::load_from_memory(&png).unwrap().to_luma8();
        assert_eq!(img.width(), img.height());
        assert_eq!(img.width() % MODULE_PX, 0);
        // The quiet zone is white, the finder pattern's corner is black.
        assert_eq!(img.get_pixel(0, 0).0[0], 255);
        let corner = QUIET_ZONE * MODULE_PX;
        assert_eq!(img.get_pixel(corner, corner).0[0], 0);
    }

    #[test]
    fn empty_or_oversized_text_is_refused_as_invalid_qr() {
        let empty = png_data_url("").unwrap_err();
        assert_eq!(empty.code(), ErrorCode::InvalidQr);
        assert_eq!(empty.to_string(), "the QR code text is empty");
        // A QR code holds at most 2,953 bytes.
        let oversized = png_data_url(&"x".repeat(4_000)).unwrap_err();
        assert_eq!(oversized.code(), ErrorCode::InvalidQr);
        assert!(
            oversized.to_string().starts_with("cannot encode QR code"),
            "{oversized}"
        );
    }
}
