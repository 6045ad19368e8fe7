//! The picture types a stored cover can have: the scan writes `<album>.<extension>` from an
//! embedded picture's MIME type or a folder image's extension, and art serving finds the file
//! and its `Content-Type` from that extension.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CoverFormat {
    Jpeg,
    Png,
    Webp,
    Gif,
    Bmp,
}

impl CoverFormat {
    pub const ALL: [CoverFormat; 5] = [
        CoverFormat::Jpeg,
        CoverFormat::Png,
        CoverFormat::Webp,
        CoverFormat::Gif,
        CoverFormat::Bmp,
    ];

    /// The extension a stored cover of this type has.
    pub fn extension(self) -> &'static str {
        match self {
            CoverFormat::Jpeg => "jpg",
            CoverFormat::Png => "png",
            CoverFormat::Webp => "webp",
            CoverFormat::Gif => "gif",
            CoverFormat::Bmp => "bmp",
        }
    }

    pub fn mime(self) -> &'static str {
        match self {
            CoverFormat::Jpeg => "image/jpeg",
            CoverFormat::Png => "image/png",
            CoverFormat::Webp => "image/webp",
            CoverFormat::Gif => "image/gif",
            CoverFormat::Bmp => "image/bmp",
        }
    }

    /// The type of an embedded picture. Tags often leave it out or get it wrong, and JPEG is
    /// what nearly all of them hold, so anything else counts as JPEG.
    pub fn from_mime(mime: &str) -> CoverFormat {
        CoverFormat::ALL
            .into_iter()
            .find(|f| f.mime().eq_ignore_ascii_case(mime.trim()))
            .unwrap_or(CoverFormat::Jpeg)
    }

    /// The type an image file's extension names (any case; `jpeg` too).
    pub fn from_extension(extension: &str) -> Option<CoverFormat> {
        let extension = extension.to_ascii_lowercase();
        if extension == "jpeg" {
            return Some(CoverFormat::Jpeg);
        }
        CoverFormat::ALL
            .into_iter()
            .find(|f| f.extension() == extension)
    }

    /// The type of a stored cover, from its file name.
    pub fn of_path(path: &std::path::Path) -> Option<CoverFormat> {
        path.extension()
            .and_then(|e| e.to_str())
            .and_then(CoverFormat::from_extension)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_round_trip() {
        for format in CoverFormat::ALL {
            assert_eq!(
                CoverFormat::from_extension(format.extension()),
                Some(format)
            );
            assert_eq!(CoverFormat::from_mime(format.mime()), format);
        }
        assert_eq!(CoverFormat::from_extension("JPEG"), Some(CoverFormat::Jpeg));
        assert_eq!(CoverFormat::from_extension("tiff"), None);
        assert_eq!(CoverFormat::from_mime("image/x-unknown"), CoverFormat::Jpeg);
        assert_eq!(CoverFormat::from_mime(""), CoverFormat::Jpeg);
        assert_eq!(
            CoverFormat::of_path(std::path::Path::new("covers/1.png")),
            Some(CoverFormat::Png)
        );
        assert_eq!(CoverFormat::of_path(std::path::Path::new("covers/1")), None);
    }
}
