//! Serving stored art at the sizes players ask for: the original cover, or a copy scaled down
//! to one of a few sizes and kept on disk under `<data_dir>/cache/covers/`, so each size of
//! each cover is computed once. Without art, a placeholder drawn from the id.

use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock};

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::{DynamicImage, ImageReader, Limits, Rgb, RgbImage};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::cover_format::CoverFormat;
use crate::storage::Id;

/// The sizes (longest side, pixels) covers are scaled to; a request is rounded up to one of
/// them, so the disk cache holds at most this many copies of a cover.
pub const SIZES: &[u32] = &[64, 128, 256, 512, 1024];

/// Decoding is bounded: a hostile picture could declare 60 000 × 60 000 pixels. A picture
/// whose header declares more is refused before any pixel is decoded.
pub const MAX_SIDE: u32 = 10_000;
const MAX_DECODE_BYTES: u64 = 256 * 1024 * 1024;

/// Art is stored at most this large (longest side): larger embedded art (9000 × 9000 scans
/// exist) is scaled down once, when it is found, so serving never decodes it again.
pub const MAX_STORED_SIDE: u32 = 1500;

/// Decodes running at once, across the server (ingest and serving alike): a 9000 × 9000
/// picture takes about 240 MB while it is decoded, which a small NAS can afford once or
/// twice, not once per cover in a page of fifty.
static DECODES: LazyLock<Arc<Semaphore>> = LazyLock::new(|| {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    Arc::new(Semaphore::new(cores.clamp(1, 2)))
});

/// Waits for a turn to decode a picture; hold the permit while decoding.
pub async fn decode_permit() -> Result<OwnedSemaphorePermit, ArtworkError> {
    Arc::clone(&DECODES)
        .acquire_owned()
        .await
        .map_err(|_| ArtworkError::Io(std::io::Error::other("the decoder has shut down")))
}

const JPEG_QUALITY: u8 = 85;

#[derive(Debug, thiserror::Error)]
pub enum ArtworkError {
    #[error("cannot read or write art: {0}")]
    Io(#[from] std::io::Error),
    #[error("the stored picture cannot be decoded: {0}")]
    Decode(#[from] image::ImageError),
    #[error("the resizing task failed")]
    Task(#[from] tokio::task::JoinError),
    #[error("the picture declares {width} × {height} pixels, more than {MAX_SIDE} on a side")]
    TooLarge { width: u32, height: u32 },
}

/// A file to serve and its type.
#[derive(Debug)]
pub struct Picture {
    pub path: PathBuf,
    pub mime: &'static str,
}

pub struct Artwork {
    covers_dir: PathBuf,
    cache_dir: PathBuf,
}

/// The smallest size at least as large as asked (the largest if it asks for more).
pub fn size_for(requested: u32) -> u32 {
    SIZES
        .iter()
        .copied()
        .find(|&s| s >= requested)
        .unwrap_or(SIZES[SIZES.len() - 1])
}

impl Artwork {
    pub fn new(data_dir: &Path) -> Artwork {
        Artwork {
            covers_dir: data_dir.join("covers"),
            cache_dir: data_dir.join("cache").join("covers"),
        }
    }

    /// The album's cover at `size` (rounded up to one of [`SIZES`]), or the original when no
    /// size is asked; `None` when the album has no stored cover.
    pub async fn album_cover(
        &self,
        album_id: Id,
        size: Option<u32>,
    ) -> Result<Option<Picture>, ArtworkError> {
        let Some(original) = self.original(album_id).await else {
            return Ok(None);
        };
        let Some(size) = size.map(size_for) else {
            let mime = mime_of(&original);
            return Ok(Some(Picture {
                path: original,
                mime,
            }));
        };
        let stem = format!("{album_id}-{size}");
        for (ext, mime) in [("jpg", "image/jpeg"), ("png", "image/png")] {
            let cached = self.cache_dir.join(format!("{stem}.{ext}"));
            if is_fresh(&cached, &original).await {
                return Ok(Some(Picture { path: cached, mime }));
            }
        }
        // Scaling is CPU and memory: bounded across the server, so a page of 50 new covers
        // cannot starve the streams or the memory.
        let _permit = decode_permit().await?;
        let cache_dir = self.cache_dir.clone();
        let picture =
            tokio::task::spawn_blocking(move || scale(&original, &cache_dir, &stem, size))
                .await??;
        Ok(Some(picture))
    }

    /// The stored original: `<covers>/<album>.<ext>`.
    async fn original(&self, album_id: Id) -> Option<PathBuf> {
        for format in CoverFormat::ALL {
            let path = self
                .covers_dir
                .join(format!("{album_id}.{}", format.extension()));
            if tokio::fs::metadata(&path).await.is_ok_and(|m| m.is_file()) {
                return Some(path);
            }
        }
        None
    }
}

fn mime_of(path: &Path) -> &'static str {
    CoverFormat::of_path(path)
        .unwrap_or(CoverFormat::Jpeg)
        .mime()
}

/// A cached copy counts when it is at least as new as the original (a rescan that finds a new
/// cover rewrites the original, which makes every copy stale).
async fn is_fresh(cached: &Path, original: &Path) -> bool {
    let (Ok(cached), Ok(original)) = (
        tokio::fs::metadata(cached).await,
        tokio::fs::metadata(original).await,
    ) else {
        return false;
    };
    match (cached.modified(), original.modified()) {
        (Ok(c), Ok(o)) => c >= o,
        _ => false,
    }
}

/// The picture's size as its header declares it, without decoding it.
fn declared_dimensions(bytes: &[u8]) -> Result<(u32, u32), ArtworkError> {
    Ok(ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()?
        .into_dimensions()?)
}

/// Art as it should be stored: unchanged when it is at most [`MAX_STORED_SIDE`] (or when its
/// header cannot be read: serving treats it as broken and draws a placeholder), else scaled
/// down once, as JPEG (PNG with transparency). A header that declares more than [`MAX_SIDE`]
/// is refused without decoding. Blocking and memory-hungry: hold a [`decode_permit`].
pub fn bounded_for_storage(
    bytes: Vec<u8>,
    format: CoverFormat,
) -> Result<(Vec<u8>, CoverFormat), ArtworkError> {
    let Ok((width, height)) = declared_dimensions(&bytes) else {
        return Ok((bytes, format));
    };
    if width > MAX_SIDE || height > MAX_SIDE {
        return Err(ArtworkError::TooLarge { width, height });
    }
    if width <= MAX_STORED_SIDE && height <= MAX_STORED_SIDE {
        return Ok((bytes, format));
    }
    let image = decode(&bytes)?;
    drop(bytes);
    let (encoded, _, mime) = encode(image.thumbnail(MAX_STORED_SIDE, MAX_STORED_SIDE))?;
    Ok((encoded, CoverFormat::from_mime(mime)))
}

/// JPEG unless the picture has transparency; the bytes, extension and type.
fn encode(image: DynamicImage) -> Result<(Vec<u8>, &'static str, &'static str), ArtworkError> {
    let mut bytes = Vec::new();
    if image.color().has_alpha() {
        image.write_with_encoder(PngEncoder::new(&mut bytes))?;
        Ok((bytes, "png", "image/png"))
    } else {
        DynamicImage::ImageRgb8(image.to_rgb8())
            .write_with_encoder(JpegEncoder::new_with_quality(&mut bytes, JPEG_QUALITY))?;
        Ok((bytes, "jpg", "image/jpeg"))
    }
}

fn decode(bytes: &[u8]) -> Result<DynamicImage, ArtworkError> {
    let mut reader = ImageReader::new(Cursor::new(bytes)).with_guessed_format()?;
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(limits);
    Ok(reader.decode()?)
}

/// Scales down (never up) to fit `size`, keeping the aspect ratio; JPEG unless the picture has
/// transparency. Written beside its final name and renamed, so a reader never sees half a file.
fn scale(
    original: &Path,
    cache_dir: &Path,
    stem: &str,
    size: u32,
) -> Result<Picture, ArtworkError> {
    let image = decode(&std::fs::read(original)?)?;
    let image = if image.width() > size || image.height() > size {
        image.thumbnail(size, size)
    } else {
        image
    };
    let (bytes, ext, mime) = encode(image)?;
    crate::private_fs::create_dir_all(cache_dir)?;
    let path = cache_dir.join(format!("{stem}.{ext}"));
    let partial = cache_dir.join(format!(".{stem}.{ext}.{}.part", Id::new()));
    crate::private_fs::write(&partial, &bytes)?;
    std::fs::rename(&partial, &path)?;
    Ok(Picture { path, mime })
}

/// Two colours picked from the id, so every album without art still looks like itself.
fn palette(id: Id) -> ([u8; 3], [u8; 3]) {
    let bytes = id.0.as_bytes();
    // The last bytes of a v7 UUID are random; the first ones are a timestamp.
    let hue = f32::from(u16::from_le_bytes([bytes[14], bytes[15]])) / 65535.0 * 360.0;
    (hsl(hue, 0.45, 0.42), hsl((hue + 40.0) % 360.0, 0.50, 0.22))
}

fn hsl(h: f32, s: f32, l: f32) -> [u8; 3] {
    let c = (1.0 - (2.0 * l - 1.0).abs()) * s;
    let x = c * (1.0 - ((h / 60.0) % 2.0 - 1.0).abs());
    let m = l - c / 2.0;
    let (r, g, b) = match h as u32 / 60 {
        0 => (c, x, 0.0),
        1 => (x, c, 0.0),
        2 => (0.0, c, x),
        3 => (0.0, x, c),
        4 => (x, 0.0, c),
        _ => (c, 0.0, x),
    };
    let byte = |v: f32| ((v + m) * 255.0).round().clamp(0.0, 255.0) as u8;
    [byte(r), byte(g), byte(b)]
}

fn hex([r, g, b]: [u8; 3]) -> String {
    format!("#{r:02x}{g:02x}{b:02x}")
}

/// An SVG placeholder: a diagonal gradient with the name's initials and a note, any size.
pub fn placeholder_svg(id: Id, name: &str) -> String {
    let (from, to) = palette(id);
    let initials: String = name
        .split_whitespace()
        .filter_map(|word| word.chars().find(|c| c.is_alphanumeric()))
        .take(2)
        .flat_map(char::to_uppercase)
        .collect();
    let initials = if initials.is_empty() {
        "\u{266A}".to_owned()
    } else {
        escape_xml(&initials)
    };
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 512 512\" width=\"512\" height=\"512\">\
<defs><linearGradient id=\"g\" x1=\"0\" y1=\"0\" x2=\"1\" y2=\"1\">\
<stop offset=\"0\" stop-color=\"{}\"/><stop offset=\"1\" stop-color=\"{}\"/></linearGradient></defs>\
<rect width=\"512\" height=\"512\" fill=\"url(#g)\"/>\
<text x=\"256\" y=\"300\" text-anchor=\"middle\" font-family=\"system-ui,sans-serif\" \
font-size=\"160\" font-weight=\"600\" fill=\"#ffffff\" fill-opacity=\"0.85\">{initials}</text></svg>",
        hex(from),
        hex(to)
    )
}

/// A PNG placeholder for clients that do not take SVG (most Subsonic apps): the same gradient.
pub fn placeholder_png(id: Id, size: u32) -> Result<Vec<u8>, ArtworkError> {
    let (from, to) = palette(id);
    let span = (2 * size.saturating_sub(1)).max(1) as f32;
    let image = RgbImage::from_fn(size, size, |x, y| {
        let t = (x + y) as f32 / span;
        let mix = |a: u8, b: u8| (f32::from(a) + (f32::from(b) - f32::from(a)) * t).round() as u8;
        Rgb([
            mix(from[0], to[0]),
            mix(from[1], to[1]),
            mix(from[2], to[2]),
        ])
    });
    let mut bytes = Vec::new();
    DynamicImage::ImageRgb8(image).write_with_encoder(PngEncoder::new(&mut bytes))?;
    Ok(bytes)
}

fn escape_xml(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '<' => "&lt;".to_owned(),
            '>' => "&gt;".to_owned(),
            '&' => "&amp;".to_owned(),
            '"' => "&quot;".to_owned(),
            '\'' => "&apos;".to_owned(),
            c => c.to_string(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_round_up_and_stay_bounded() {
        assert_eq!(size_for(1), 64);
        assert_eq!(size_for(64), 64);
        assert_eq!(size_for(65), 128);
        assert_eq!(size_for(300), 512);
        assert_eq!(size_for(5000), 1024);
    }

    #[test]
    fn placeholders_escape_names_and_decode() {
        let id = Id::new();
        let svg = placeholder_svg(id, "tom & <Jerry>");
        assert!(svg.contains(">TJ</text>"), "{svg}");
        assert_eq!(
            escape_xml("<a href='x'>&\""),
            "&lt;a href=&apos;x&apos;&gt;&amp;&quot;"
        );
        assert!(placeholder_svg(id, "   ").contains('\u{266A}'));
        let png = placeholder_png(id, 64).unwrap();
        let decoded = decode(&png).unwrap();
        assert_eq!((decoded.width(), decoded.height()), (64, 64));
    }

    #[test]
    fn art_is_stored_bounded() {
        let mut small = Vec::new();
        DynamicImage::ImageRgb8(RgbImage::new(40, 30))
            .write_with_encoder(PngEncoder::new(&mut small))
            .unwrap();
        let (kept, format) = bounded_for_storage(small.clone(), CoverFormat::Png).unwrap();
        let small_again = small.clone();
        assert_eq!(
            (kept, format),
            (small_again, CoverFormat::Png),
            "small art is kept as it is"
        );

        let mut wide = Vec::new();
        DynamicImage::ImageRgb8(RgbImage::new(3000, 600))
            .write_with_encoder(PngEncoder::new(&mut wide))
            .unwrap();
        let (scaled, format) = bounded_for_storage(wide, CoverFormat::Png).unwrap();
        assert_eq!(format, CoverFormat::Jpeg);
        let decoded = decode(&scaled).unwrap();
        assert_eq!((decoded.width(), decoded.height()), (MAX_STORED_SIDE, 300));

        // A header that declares 20 000 × 20 000 pixels: refused, nothing decoded.
        let mut bomb = small.clone();
        bomb[16..20].copy_from_slice(&20_000u32.to_be_bytes());
        bomb[20..24].copy_from_slice(&20_000u32.to_be_bytes());
        // With a valid checksum, so the header is read and believed.
        let mut crc = flate2::Crc::new();
        crc.update(&bomb[12..29]);
        bomb[29..33].copy_from_slice(&crc.sum().to_be_bytes());
        assert!(matches!(
            bounded_for_storage(bomb, CoverFormat::Png),
            Err(ArtworkError::TooLarge {
                width: 20_000,
                height: 20_000
            })
        ));
    }

    #[test]
    fn oversized_pictures_are_refused_before_decoding() {
        // A PNG header that declares 20 000 × 20 000 pixels.
        let mut png = Vec::new();
        DynamicImage::ImageRgb8(RgbImage::new(1, 1))
            .write_with_encoder(PngEncoder::new(&mut png))
            .unwrap();
        png[16..20].copy_from_slice(&20_000u32.to_be_bytes());
        png[20..24].copy_from_slice(&20_000u32.to_be_bytes());
        assert!(decode(&png).is_err());
    }
}
