//! The audio formats Juke knows, in one place: the extensions a scan opens, the lofty type a
//! file sniffs as, the MIME type it is served and uploaded with, the name stored in
//! `tracks.metadata.format`, and the formats the transcoder can write.

use std::fmt;

use lofty::file::FileType;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AudioFormat {
    Mp3,
    Flac,
    /// Ogg Vorbis.
    Vorbis,
    /// Ogg Opus.
    Opus,
    /// Ogg Speex.
    Speex,
    /// MPEG-4 audio (AAC or ALAC in an MP4 container).
    Mp4,
    /// Raw AAC in ADTS frames.
    Aac,
    Wav,
    Aiff,
    WavPack,
    /// Monkey's Audio.
    Ape,
    Musepack,
}

impl AudioFormat {
    pub const ALL: [AudioFormat; 12] = [
        AudioFormat::Mp3,
        AudioFormat::Flac,
        AudioFormat::Vorbis,
        AudioFormat::Opus,
        AudioFormat::Speex,
        AudioFormat::Mp4,
        AudioFormat::Aac,
        AudioFormat::Wav,
        AudioFormat::Aiff,
        AudioFormat::WavPack,
        AudioFormat::Ape,
        AudioFormat::Musepack,
    ];

    /// The key under which a track's `metadata` records its format.
    pub const METADATA_KEY: &'static str = "format";

    /// The name stored in `tracks.metadata.format`, also the suffix an uploaded file gets.
    /// Existing databases hold these strings: they never change.
    pub fn name(self) -> &'static str {
        match self {
            AudioFormat::Mp3 => "mp3",
            AudioFormat::Flac => "flac",
            AudioFormat::Vorbis => "ogg",
            AudioFormat::Opus => "opus",
            AudioFormat::Speex => "spx",
            AudioFormat::Mp4 => "m4a",
            AudioFormat::Aac => "aac",
            AudioFormat::Wav => "wav",
            AudioFormat::Aiff => "aiff",
            AudioFormat::WavPack => "wv",
            AudioFormat::Ape => "ape",
            AudioFormat::Musepack => "mpc",
        }
    }

    /// The file extensions a scan opens as this format (the content is sniffed all the
    /// same). Ogg files of any codec end in `.ogg` or `.oga`.
    pub fn extensions(self) -> &'static [&'static str] {
        match self {
            AudioFormat::Mp3 => &["mp3"],
            AudioFormat::Flac => &["flac"],
            AudioFormat::Vorbis => &["ogg", "oga"],
            AudioFormat::Opus => &["opus"],
            // Speex is found inside `.ogg` files; scans never opened `.spx` ones.
            AudioFormat::Speex => &[],
            AudioFormat::Mp4 => &["m4a", "m4b", "mp4"],
            AudioFormat::Aac => &["aac"],
            AudioFormat::Wav => &["wav"],
            AudioFormat::Aiff => &["aif", "aiff"],
            AudioFormat::WavPack => &["wv"],
            AudioFormat::Ape => &["ape"],
            AudioFormat::Musepack => &["mpc"],
        }
    }

    /// The type served in `Content-Type` and recorded for uploads.
    pub fn mime(self) -> &'static str {
        match self {
            AudioFormat::Mp3 => "audio/mpeg",
            AudioFormat::Flac => "audio/flac",
            AudioFormat::Vorbis | AudioFormat::Speex => "audio/ogg",
            AudioFormat::Opus => "audio/opus",
            AudioFormat::Mp4 => "audio/mp4",
            AudioFormat::Aac => "audio/aac",
            AudioFormat::Wav => "audio/wav",
            AudioFormat::Aiff => "audio/aiff",
            AudioFormat::WavPack => "audio/wavpack",
            AudioFormat::Ape => "audio/ape",
            AudioFormat::Musepack => "audio/musepack",
        }
    }

    /// The MIME type of a stored format name, or the generic one for a name Juke does not
    /// know (a track saved by a future version, or before formats were recorded).
    pub fn mime_or_binary(format: Option<AudioFormat>) -> &'static str {
        format.map_or("application/octet-stream", AudioFormat::mime)
    }

    /// The format lofty sniffed; `None` for content Juke does not play.
    pub fn from_file_type(file_type: FileType) -> Option<AudioFormat> {
        Some(match file_type {
            FileType::Mpeg => AudioFormat::Mp3,
            FileType::Flac => AudioFormat::Flac,
            FileType::Vorbis => AudioFormat::Vorbis,
            FileType::Opus => AudioFormat::Opus,
            FileType::Speex => AudioFormat::Speex,
            FileType::Mp4 => AudioFormat::Mp4,
            FileType::Aac => AudioFormat::Aac,
            FileType::Wav => AudioFormat::Wav,
            FileType::Aiff => AudioFormat::Aiff,
            FileType::WavPack => AudioFormat::WavPack,
            FileType::Ape => AudioFormat::Ape,
            FileType::Mpc => AudioFormat::Musepack,
            _ => return None,
        })
    }

    pub fn file_type(self) -> FileType {
        match self {
            AudioFormat::Mp3 => FileType::Mpeg,
            AudioFormat::Flac => FileType::Flac,
            AudioFormat::Vorbis => FileType::Vorbis,
            AudioFormat::Opus => FileType::Opus,
            AudioFormat::Speex => FileType::Speex,
            AudioFormat::Mp4 => FileType::Mp4,
            AudioFormat::Aac => FileType::Aac,
            AudioFormat::Wav => FileType::Wav,
            AudioFormat::Aiff => FileType::Aiff,
            AudioFormat::WavPack => FileType::WavPack,
            AudioFormat::Ape => FileType::Ape,
            AudioFormat::Musepack => FileType::Mpc,
        }
    }

    /// The format a file extension claims (any case); `None` for files a scan skips.
    pub fn from_extension(extension: &str) -> Option<AudioFormat> {
        let extension = extension.to_ascii_lowercase();
        AudioFormat::ALL
            .into_iter()
            .find(|f| f.extensions().contains(&extension.as_str()))
    }

    /// Whether a scan should open this path.
    pub fn claims_path(path: &std::path::Path) -> bool {
        path.extension()
            .and_then(|e| e.to_str())
            .and_then(AudioFormat::from_extension)
            .is_some()
    }

    /// A format named in a stored track or by a person: the stored name, any extension,
    /// or a common name for it (`mpeg`, `vorbis`, `alac`, `wavpack` …), in any case and
    /// with or without a leading dot.
    pub fn parse(name: &str) -> Option<AudioFormat> {
        let name = name.trim().trim_start_matches('.').to_ascii_lowercase();
        let alias = match name.as_str() {
            "mpeg" => Some(AudioFormat::Mp3),
            "vorbis" => Some(AudioFormat::Vorbis),
            "speex" => Some(AudioFormat::Speex),
            "alac" => Some(AudioFormat::Mp4),
            "adts" => Some(AudioFormat::Aac),
            "wave" => Some(AudioFormat::Wav),
            "wavpack" => Some(AudioFormat::WavPack),
            "musepack" => Some(AudioFormat::Musepack),
            _ => None,
        };
        alias
            .or_else(|| AudioFormat::ALL.into_iter().find(|f| f.name() == name))
            .or_else(|| AudioFormat::from_extension(&name))
    }

    /// The format recorded in a track's `metadata`, if any Juke knows.
    pub fn from_metadata(metadata: &serde_json::Value) -> Option<AudioFormat> {
        metadata
            .get(AudioFormat::METADATA_KEY)
            .and_then(serde_json::Value::as_str)
            .and_then(AudioFormat::parse)
    }

    /// How the transcoder writes this format, when it can.
    pub fn transcode_target(self) -> Option<TranscodeTarget> {
        TranscodeTarget::ALL
            .into_iter()
            .find(|t| t.format() == self)
    }
}

impl fmt::Display for AudioFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A format ffmpeg writes for a stream: streamable containers only (no MP4, whose index
/// comes last), so AAC goes out as ADTS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TranscodeTarget(AudioFormat);

impl TranscodeTarget {
    pub const MP3: TranscodeTarget = TranscodeTarget(AudioFormat::Mp3);
    pub const OPUS: TranscodeTarget = TranscodeTarget(AudioFormat::Opus);
    pub const AAC: TranscodeTarget = TranscodeTarget(AudioFormat::Aac);
    pub const ALL: [TranscodeTarget; 3] = [
        TranscodeTarget::MP3,
        TranscodeTarget::OPUS,
        TranscodeTarget::AAC,
    ];

    /// For error messages: what a client may ask for.
    pub const NAMES: &'static str = "mp3, opus, aac";

    /// The target a client asks for by name. `m4a` asks for AAC: the audio a player
    /// wants, in the one container that streams.
    pub fn parse(name: &str) -> Option<TranscodeTarget> {
        match name.to_ascii_lowercase().as_str() {
            "m4a" => Some(TranscodeTarget::AAC),
            name => TranscodeTarget::ALL
                .into_iter()
                .find(|t| t.format().name() == name),
        }
    }

    pub fn format(self) -> AudioFormat {
        self.0
    }

    /// The type of what ffmpeg writes (Opus goes out in Ogg).
    pub fn mime(self) -> &'static str {
        match self.0 {
            AudioFormat::Opus => "audio/ogg",
            other => other.mime(),
        }
    }

    /// ffmpeg's codec and container arguments.
    pub fn ffmpeg_args(self) -> &'static [&'static str] {
        match self.0 {
            AudioFormat::Opus => &["-c:a", "libopus", "-ar", "48000", "-f", "ogg"],
            AudioFormat::Aac => &["-c:a", "aac", "-f", "adts"],
            _ => &["-c:a", "libmp3lame", "-f", "mp3"],
        }
    }

    /// Transparent for most listeners at a fraction of a FLAC's size.
    pub fn default_kbps(self) -> u32 {
        match self.0 {
            AudioFormat::Opus => 128,
            AudioFormat::Aac => 160,
            _ => 192,
        }
    }

    /// The lowest bitrate worth encoding at; asking for less gets this.
    fn min_kbps(self) -> u32 {
        match self.0 {
            AudioFormat::Opus => 16,
            _ => 32,
        }
    }

    /// The bitrate to encode at, under `max_kbps` when one is asked.
    pub fn kbps(self, max_kbps: Option<u32>) -> u32 {
        let wanted = max_kbps.map_or(self.default_kbps(), |max| max.min(self.default_kbps()));
        wanted.max(self.min_kbps())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_names_are_what_databases_hold() {
        let names: Vec<&str> = AudioFormat::ALL.iter().map(|f| f.name()).collect();
        assert_eq!(
            names,
            [
                "mp3", "flac", "ogg", "opus", "spx", "m4a", "aac", "wav", "aiff", "wv", "ape",
                "mpc"
            ]
        );
    }

    #[test]
    fn names_and_file_types_round_trip() {
        for format in AudioFormat::ALL {
            assert_eq!(AudioFormat::parse(format.name()), Some(format));
            assert_eq!(AudioFormat::parse(&format.to_string()), Some(format));
            assert_eq!(
                AudioFormat::from_file_type(format.file_type()),
                Some(format)
            );
        }
        assert_eq!(AudioFormat::from_file_type(FileType::Custom("x")), None);
    }

    #[test]
    fn every_scanned_extension_maps_to_one_format() {
        let scanned = [
            "mp3", "flac", "ogg", "oga", "opus", "m4a", "m4b", "mp4", "aac", "wav", "aif", "aiff",
            "wv", "ape", "mpc",
        ];
        let claimed: Vec<&str> = AudioFormat::ALL
            .iter()
            .flat_map(|f| f.extensions().iter().copied())
            .collect();
        assert_eq!(claimed.len(), scanned.len(), "no extension claimed twice");
        for extension in scanned {
            let format = AudioFormat::from_extension(extension).unwrap();
            assert!(format.extensions().contains(&extension));
            assert_eq!(AudioFormat::parse(extension), Some(format));
            assert_eq!(
                AudioFormat::from_extension(&extension.to_uppercase()),
                Some(format)
            );
        }
        assert!(AudioFormat::claims_path(std::path::Path::new("a/B.FLAC")));
        assert!(!AudioFormat::claims_path(std::path::Path::new(
            "a/cover.jpg"
        )));
        assert!(!AudioFormat::claims_path(std::path::Path::new("a/flac")));
        assert_eq!(AudioFormat::from_extension("spx"), None);
    }

    #[test]
    fn stored_names_parse_leniently() {
        assert_eq!(AudioFormat::parse(" FLAC "), Some(AudioFormat::Flac));
        assert_eq!(AudioFormat::parse(".Mp3"), Some(AudioFormat::Mp3));
        assert_eq!(AudioFormat::parse("vorbis"), Some(AudioFormat::Vorbis));
        assert_eq!(AudioFormat::parse("alac"), Some(AudioFormat::Mp4));
        assert_eq!(AudioFormat::parse("m4b"), Some(AudioFormat::Mp4));
        assert_eq!(AudioFormat::parse("wavpack"), Some(AudioFormat::WavPack));
        assert_eq!(AudioFormat::parse("spx"), Some(AudioFormat::Speex));
        for unknown in ["", "midi", "flac2", "audio/flac", "."] {
            assert_eq!(AudioFormat::parse(unknown), None, "{unknown:?}");
        }
        let metadata = serde_json::json!({"format": "FLAC", "bit_depth": 24});
        assert_eq!(
            AudioFormat::from_metadata(&metadata),
            Some(AudioFormat::Flac)
        );
        assert_eq!(AudioFormat::from_metadata(&serde_json::json!({})), None);
        assert_eq!(
            AudioFormat::from_metadata(&serde_json::json!({"format": 3})),
            None
        );
    }

    #[test]
    fn mime_types() {
        for format in AudioFormat::ALL {
            assert!(format.mime().starts_with("audio/"), "{format}");
        }
        assert_eq!(AudioFormat::Mp3.mime(), "audio/mpeg");
        assert_eq!(AudioFormat::Opus.mime(), "audio/opus");
        assert_eq!(AudioFormat::Speex.mime(), "audio/ogg");
        assert_eq!(AudioFormat::Mp4.mime(), "audio/mp4");
        assert_eq!(
            AudioFormat::mime_or_binary(None),
            "application/octet-stream"
        );
    }

    #[test]
    fn transcode_targets() {
        let targets: Vec<AudioFormat> = AudioFormat::ALL
            .into_iter()
            .filter_map(AudioFormat::transcode_target)
            .map(TranscodeTarget::format)
            .collect();
        assert_eq!(
            targets,
            [AudioFormat::Mp3, AudioFormat::Opus, AudioFormat::Aac]
        );
        assert_eq!(TranscodeTarget::parse("OPUS"), Some(TranscodeTarget::OPUS));
        assert_eq!(TranscodeTarget::parse("m4a"), Some(TranscodeTarget::AAC));
        assert_eq!(TranscodeTarget::parse("wav"), None);
        assert_eq!(TranscodeTarget::parse("ogg"), None);
        assert_eq!(TranscodeTarget::OPUS.mime(), "audio/ogg");
        assert_eq!(TranscodeTarget::AAC.mime(), "audio/aac");
        assert_eq!(TranscodeTarget::MP3.mime(), "audio/mpeg");
        for target in TranscodeTarget::ALL {
            assert!(TranscodeTarget::NAMES.contains(target.format().name()));
            assert!(target.ffmpeg_args().contains(&"-f"));
        }
    }

    #[test]
    fn bitrates_stay_between_floor_and_default() {
        assert_eq!(TranscodeTarget::MP3.kbps(None), 192);
        assert_eq!(TranscodeTarget::MP3.kbps(Some(96)), 96);
        assert_eq!(TranscodeTarget::MP3.kbps(Some(1000)), 192);
        assert_eq!(TranscodeTarget::MP3.kbps(Some(8)), 32);
        assert_eq!(TranscodeTarget::OPUS.kbps(Some(8)), 16);
    }
}
