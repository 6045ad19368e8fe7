//! Text Juke did not choose, made safe for a log line: file and folder names from a library
//! or an upload, and error messages that quote them. A Unix file name may hold any byte but
//! `/` and NUL, so a file named `a\nERROR forged.mp3` logged as it is would write a second,
//! forged line into the journal. Wrapped in [`LoggedPath`] or [`LoggedText`], control
//! characters (and the Unicode line and paragraph separators) are written escaped, as
//! `escape_debug` writes them (`\n`, `\u{1b}`); everything else, accents and all, is
//! written as it is, so a name stays readable.

use std::fmt::{self, Display, Write};
use std::path::Path;

/// A path, displayed on one line with its control characters escaped. Bytes that are not
/// UTF-8 show as U+FFFD, as `Path::display` shows them.
#[derive(Debug, Clone, Copy)]
pub struct LoggedPath<'a>(pub &'a Path);

/// A string, displayed on one line with its control characters escaped: an error message
/// that may quote a path (walkdir's and notify's do).
#[derive(Debug, Clone, Copy)]
pub struct LoggedText<'a>(pub &'a str);

impl Display for LoggedPath<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_escaped(f, &self.0.to_string_lossy())
    }
}

impl Display for LoggedText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_escaped(f, self.0)
    }
}

/// Whether a character could end a log line or steer a terminal.
fn needs_escape(c: char) -> bool {
    c.is_control() || matches!(c, '\u{2028}' | '\u{2029}')
}

fn write_escaped(f: &mut fmt::Formatter<'_>, text: &str) -> fmt::Result {
    for c in text.chars() {
        if needs_escape(c) {
            for escaped in c.escape_debug() {
                f.write_char(escaped)?;
            }
        } else {
            f.write_char(c)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;

    use super::*;

    #[test]
    fn control_characters_are_escaped_and_names_stay_readable() {
        let forged = Path::new("/music/a\nERROR forged\r\t\u{1b}[31m\u{2028}.mp3");
        assert_eq!(
            LoggedPath(forged).to_string(),
            "/music/a\\nERROR forged\\r\\t\\u{1b}[31m\\u{2028}.mp3"
        );
        assert_eq!(
            LoggedPath(Path::new("/music/Motörhead/Ace \"of\" Spades.flac")).to_string(),
            "/music/Motörhead/Ace \"of\" Spades.flac"
        );
        let bytes = Path::new(OsStr::from_bytes(b"/music/\xFF\n.mp3"));
        assert_eq!(LoggedPath(bytes).to_string(), "/music/\u{FFFD}\\n.mp3");
        assert_eq!(
            LoggedText("IO error for operation on /m/x\ny: denied").to_string(),
            "IO error for operation on /m/x\\ny: denied"
        );
    }
}
