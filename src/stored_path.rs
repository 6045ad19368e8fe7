//! File paths as the database keeps them (`tracks.file_path`, TEXT on both engines), exactly
//! and reversibly. Unix file names are bytes, not UTF-8; a lossy conversion turns every invalid
//! byte into U+FFFD, so such a file cannot be opened again from its row, and two names that
//! differ only there collide on one row.
//!
//! The encoding: valid UTF-8 is kept as it is, except [`ESCAPE`]; a byte that is not part of
//! valid UTF-8 is written as [`ESCAPE`] followed by its two upper-case hex digits, and so is
//! each byte of a literal [`ESCAPE`] (`ESCAPE F4`, `ESCAPE 8F`, `ESCAPE BF`, `ESCAPE BD`).
//! Decoding reads `ESCAPE` + two hex digits as that byte, anything else as itself. So every
//! path already stored that is valid UTF-8 and does not contain [`ESCAPE`] keeps its meaning
//! (no migration); [`ESCAPE`] is U+10FFFD, the last private-use code point, which no name
//! in a music library is expected to carry. A row stored before this encoding with U+FFFD in
//! place of the bytes no longer matches its file: the next scan finds the file under its exact
//! name with the same content and moves the track there, keeping its id.

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};

/// The escape character.
pub const ESCAPE: char = '\u{10FFFD}';

/// The text stored for `path`.
pub fn encode(path: &Path) -> String {
    encode_bytes(path.as_os_str().as_bytes())
}

/// The path a stored text names.
pub fn decode(stored: &str) -> PathBuf {
    PathBuf::from(OsString::from_vec(decode_bytes(stored)))
}

/// The name to show a person (a download's file name): lossy, never used to open a file.
pub fn display_name(name: &OsStr) -> String {
    name.to_string_lossy().into_owned()
}

fn encode_bytes(mut bytes: &[u8]) -> String {
    fn escape_byte(out: &mut String, byte: u8) {
        out.push(ESCAPE);
        out.push_str(&format!("{byte:02X}"));
    }
    let mut out = String::with_capacity(bytes.len());
    while !bytes.is_empty() {
        let (valid, rest) = match std::str::from_utf8(bytes) {
            Ok(valid) => (valid, &[][..]),
            Err(err) => {
                let (valid, rest) = bytes.split_at(err.valid_up_to());
                // The prefix was just checked to be UTF-8.
                (std::str::from_utf8(valid).unwrap_or_default(), rest)
            }
        };
        for c in valid.chars() {
            if c == ESCAPE {
                let mut utf8 = [0; 4];
                for byte in c.encode_utf8(&mut utf8).bytes() {
                    escape_byte(&mut out, byte);
                }
            } else {
                out.push(c);
            }
        }
        // What follows the valid prefix starts with at least one invalid byte: escape one and
        // look again (the next may start a valid character).
        if let Some((&invalid, after)) = rest.split_first() {
            escape_byte(&mut out, invalid);
            bytes = after;
        } else {
            bytes = rest;
        }
    }
    out
}

fn decode_bytes(stored: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(stored.len());
    let mut chars = stored.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        if c == ESCAPE {
            let after = at + c.len_utf8();
            let byte = stored
                .get(after..after + 2)
                .filter(|hex| hex.bytes().all(|b| b.is_ascii_hexdigit()))
                .and_then(|hex| u8::from_str_radix(hex, 16).ok());
            if let Some(byte) = byte {
                out.push(byte);
                chars.next();
                chars.next();
                continue;
            }
        }
        let mut utf8 = [0; 4];
        out.extend_from_slice(c.encode_utf8(&mut utf8).as_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fixed-seed generator, so a failure names a reproducible case.
    fn next(state: &mut u64) -> u64 {
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        *state
    }

    #[test]
    fn arbitrary_bytes_round_trip() {
        let escape = ESCAPE.to_string();
        let pieces: Vec<Vec<u8>> = vec![
            b"/music/a".to_vec(),
            vec![0xFF],
            vec![0xFE],
            vec![0xC3],
            "é".into(),
            escape.clone().into_bytes(),
            format!("{escape}41").into_bytes(),
            format!("{escape}4").into_bytes(),
            format!("{escape}zz").into_bytes(),
            b"FF".to_vec(),
            vec![0xF4, 0x8F, 0xBF],
            vec![0xED, 0xA0, 0x80],
        ];
        let mut state = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..20_000 {
            let mut bytes = Vec::new();
            for _ in 0..next(&mut state) % 8 {
                let roll = next(&mut state);
                if roll.is_multiple_of(3) {
                    bytes.push((roll >> 8) as u8);
                } else {
                    bytes.extend_from_slice(&pieces[(roll >> 8) as usize % pieces.len()]);
                }
            }
            let encoded = encode_bytes(&bytes);
            assert_eq!(decode_bytes(&encoded), bytes, "{bytes:?} as {encoded:?}");
        }
    }

    #[test]
    fn utf8_paths_are_stored_as_they_are() {
        for path in ["/music/Café/01 Tune.flac", "/music/100% FF/a.mp3", ""] {
            assert_eq!(encode(Path::new(path)), path);
            assert_eq!(decode(path), PathBuf::from(path));
        }
    }

    #[test]
    fn names_that_lossy_conversion_merges_stay_apart() {
        let a = Path::new(OsStr::from_bytes(b"/m/a\xFF.flac"));
        let b = Path::new(OsStr::from_bytes(b"/m/a\xFE.flac"));
        assert_eq!(a.to_string_lossy(), b.to_string_lossy());
        assert_ne!(encode(a), encode(b));
        assert_eq!(encode(a), "/m/a\u{10FFFD}FF.flac");
        assert_eq!(decode(&encode(a)), a);
        // A name that already reads like an escape of itself is escaped again, not taken for one.
        let looks_escaped = format!("/m/a{ESCAPE}FF.flac");
        let stored = encode(Path::new(&looks_escaped));
        assert_ne!(stored, encode(a));
        assert_eq!(decode(&stored), PathBuf::from(&looks_escaped));
    }
}
