//! Small previews of received and sent pictures for the conversation view: decoded and
//! scaled down here, so the window never holds a full photo per message.

use std::io::Cursor;

use image::{ImageDecoder, ImageReader, Limits};
use switchboard_engine::{ErrorCode, ErrorPayload};

/// The longest side of a preview, in pixels (sharp at 2x in a 70%-wide bubble).
pub const LONGEST_SIDE: u32 = 480;
/// Pictures larger than this are not decoded (a 16k x 16k RGBA is 1 GiB).
const MAX_SIDE: u32 = 12_000;
const MAX_DECODE_BYTES: u64 = 256 * 1024 * 1024;

fn unsupported(message: String) -> ErrorPayload {
    ErrorPayload {
        code: ErrorCode::UnsupportedMedia,
        message,
    }
}

/// `jpeg_data_url` off the async threads: decoding a photo takes tens of milliseconds.
pub async fn preview(bytes: Vec<u8>) -> Result<String, ErrorPayload> {
    tokio::task::spawn_blocking(move || jpeg_data_url(&bytes))
        .await
        .map_err(|e| ErrorPayload {
            code: ErrorCode::IoError,
            message: format!("the preview could not be made: {e}"),
        })?
}

/// A JPEG preview of a picture file (JPEG, PNG or WebP, as WhatsApp sends them), as a
/// data URL; anything else is `unsupported_media`.
pub fn jpeg_data_url(bytes: &[u8]) -> Result<String, ErrorPayload> {
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| unsupported(format!("the file could not be read as a picture: {e}")))?;
    if reader.format().is_none() {
        return Err(unsupported(
            "the file is not a picture (JPEG, PNG or WebP)".into(),
        ));
    }
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(limits);
    let decoder = reader
        .into_decoder()
        .map_err(|e| unsupported(format!("the picture could not be decoded: {e}")))?;
    let (width, height) = decoder.dimensions();
    let picture = image::DynamicImage::from_decoder(decoder).map_err(|e| {
        unsupported(format!(
            "the picture ({width}x{height}) could not be decoded: {e}"
        ))
    })?;
    let preview = if width.max(height) > LONGEST_SIDE {
        picture.thumbnail(LONGEST_SIDE, LONGEST_SIDE)
    } else {
        picture
    };
    let mut jpeg = Vec::new();
    preview
        .into_rgb8()
        .write_to(&mut Cursor::new(&mut jpeg), image::ImageFormat::Jpeg)
        .map_err(|e| unsupported(format!("the preview could not be written: {e}")))?;
    Ok(crate::data_url::encode("image/jpeg", &jpeg))
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;
    use image::{GenericImageView, ImageFormat, RgbImage};

    fn encoded(width: u32, height: u32, format: ImageFormat) -> Vec<u8> {
        let picture = RgbImage::from_fn(width, height, |x, y| image::Rgb([x as u8, y as u8, 90]));
        let mut bytes = Vec::new();
        picture
            .write_to(&mut Cursor::new(&mut bytes), format)
            .unwrap();
        bytes
    }

    fn decoded(url: &str) -> image::DynamicImage {
        let data = url
            .strip_prefix("data:image/jpeg;base64,")
            .expect("a JPEG data URL");
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(data)
            .unwrap();
        image::load_from_memory_with_format(&bytes, ImageFormat::Jpeg).unwrap()
    }

    #[test]
    fn big_pictures_shrink_to_the_longest_side_keeping_their_shape() {
        for format in [ImageFormat::Jpeg, ImageFormat::Png] {
            let preview = decoded(&jpeg_data_url(&encoded(1600, 900, format)).unwrap());
            assert_eq!(preview.dimensions(), (480, 270), "{format:?}");
        }
        let portrait = decoded(&jpeg_data_url(&encoded(300, 1200, ImageFormat::Png)).unwrap());
        assert_eq!(portrait.dimensions(), (120, 480));
    }

    #[test]
    fn small_pictures_keep_their_size() {
        let preview = decoded(&jpeg_data_url(&encoded(64, 48, ImageFormat::Png)).unwrap());
        assert_eq!(preview.dimensions(), (64, 48));
    }

    #[test]
    fn files_that_are_not_pictures_are_unsupported_media() {
        for bytes in [
            &b"%PDF-1.4 invoice"[..],
            b"",
            &[0xFF, 0xD8, 0xFF, 0xE0, 0, 1][..],
        ] {
            let refused = jpeg_data_url(bytes).unwrap_err();
            assert_eq!(refused.code, ErrorCode::UnsupportedMedia, "{bytes:?}");
        }
    }
}
