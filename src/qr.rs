//! QR codes of links and app sign-in details, for a phone's camera: an SVG as a `data:` URL,
//! which the web player shows in an `<img>` (its content security policy allows `data:`
//! images, and an image cannot run code).

use base64::Engine;
use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};

/// The longest text a code carries: longer ones get too dense for a phone screen to scan.
pub const MAX_TEXT_BYTES: usize = 1024;

/// `None` when the text is too long for a code.
pub fn data_url(text: &str) -> Option<String> {
    if text.len() > MAX_TEXT_BYTES {
        return None;
    }
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M).ok()?;
    let image = code
        .render::<svg::Color<'_>>()
        .min_dimensions(240, 240)
        .quiet_zone(true)
        .dark_color(svg::Color("#000000"))
        .light_color(svg::Color("#ffffff"))
        .build();
    Some(format!(
        "data:image/svg+xml;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(image)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_become_svg_images_and_long_texts_do_not() {
        let url = data_url("https://music.example.org/register?invite=abc").unwrap();
        let svg = base64::engine::general_purpose::STANDARD
            .decode(url.trim_start_matches("data:image/svg+xml;base64,"))
            .unwrap();
        let svg = String::from_utf8(svg).unwrap();
        assert!(svg.contains("<svg") && svg.contains("#000000"), "{svg}");
        assert!(data_url(&"x".repeat(MAX_TEXT_BYTES + 1)).is_none());
    }
}
