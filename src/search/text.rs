//! How Juke turns names into search words, the same way for what is indexed and what is asked.
//!
//! Text is lowercased and folded to ASCII where a folding exists (tantivy's own filter:
//! "Beyoncé" → "beyonce", "Motörhead" → "motorhead", "Sigur Rós" → "sigur ros"). Words are
//! runs of letters and digits; punctuation separates them. A word written with punctuation
//! inside ("AC/DC", "Don't", "Jay-Z") is also indexed joined up ("acdc", "dont", "jayz"), at
//! the position of its last part, so "acdc", "ac/dc" and "ac dc" all find it and phrases still
//! line up. Chinese and Japanese script has no spaces: each of its characters is a word, and
//! phrase matching keeps them in order.

use std::cell::RefCell;

use tantivy::tokenizer::{AsciiFoldingFilter, LowerCaser, RawTokenizer, TextAnalyzer};

/// Queries longer than this are cut (at a character boundary), not refused.
pub const MAX_QUERY_CHARS: usize = 200;
/// At most this many words of a query are used.
pub const MAX_QUERY_WORDS: usize = 12;
/// Words this long or longer match with one typo.
pub const FUZZY_MIN_CHARS: usize = 4;

/// One word and its position, as indexed or asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    pub text: String,
    pub position: u32,
}

thread_local! {
    static FOLDER: RefCell<TextAnalyzer> = RefCell::new(
        TextAnalyzer::builder(RawTokenizer::default())
            .filter(LowerCaser)
            .filter(AsciiFoldingFilter)
            .build(),
    );
}

/// Lowercased and folded to ASCII where a folding exists; other characters kept.
pub fn fold(text: &str) -> String {
    // Most names are plain ASCII: lowercasing is all the folding they need.
    if text.is_ascii() {
        return text.to_ascii_lowercase();
    }
    FOLDER.with(|folder| {
        let mut folder = folder.borrow_mut();
        let mut stream = folder.token_stream(text);
        let mut folded = String::with_capacity(text.len());
        while stream.advance() {
            folded.push_str(&stream.token().text);
        }
        folded
    })
}

/// Han ideographs, kana, Hangul: scripts written without spaces between words (or, for Korean,
/// with long compounds that are searched by their parts).
fn is_unspaced_script(c: char) -> bool {
    // Punctuation inside these blocks (・ ゠ ー as a separator is rare) stays punctuation.
    if matches!(c, '\u{30A0}' | '\u{30FB}') {
        return false;
    }
    matches!(c as u32,
        0x1100..=0x11FF   // Hangul jamo
        | 0x3040..=0x30FF // hiragana, katakana
        | 0x3130..=0x318F // Hangul compatibility jamo
        | 0xAC00..=0xD7AF // Hangul syllables: Korean compounds are written as one word
        | 0x31F0..=0x31FF // katakana extensions
        | 0x3400..=0x4DBF // CJK extension A
        | 0x4E00..=0x9FFF // CJK unified ideographs
        | 0xF900..=0xFAFF // compatibility ideographs
        | 0xFF66..=0xFF9F // half-width katakana
        | 0x20000..=0x2FA1F)
}

#[derive(PartialEq)]
enum Mode {
    Index,
    Query,
}

/// The words of a name or other indexed text.
pub fn index_words(text: &str) -> Vec<Word> {
    words(text, Mode::Index)
}

/// The words of a query: a word with punctuation inside is asked joined up only.
pub fn query_words(text: &str) -> Vec<Word> {
    let end = text
        .char_indices()
        .nth(MAX_QUERY_CHARS)
        .map_or(text.len(), |(at, _)| at);
    let mut words = words(&text[..end], Mode::Query);
    words.truncate(MAX_QUERY_WORDS);
    words
}

/// The whole of a name as one key, for "the name is exactly what was asked".
pub fn name_key(text: &str) -> String {
    let words = words(text, Mode::Query);
    let mut key = String::new();
    for word in words {
        if !key.is_empty() {
            key.push(' ');
        }
        key.push_str(&word.text);
    }
    key
}

fn words(text: &str, mode: Mode) -> Vec<Word> {
    let folded = fold(text);
    let index = mode == Mode::Index;
    let mut out = Vec::new();
    let mut position = 0u32;
    let mut parts: Vec<&str> = Vec::new();
    for chunk in folded.split_whitespace() {
        // Runs of letters and digits in this chunk; unspaced-script characters stand alone.
        let mut start: Option<usize> = None;
        for (at, c) in chunk.char_indices() {
            if c.is_alphanumeric() && !is_unspaced_script(c) {
                start.get_or_insert(at);
                continue;
            }
            if let Some(from) = start.take() {
                parts.push(&chunk[from..at]);
            }
            if is_unspaced_script(c) {
                out_push(&mut out, &mut position, &mut parts, index);
                out.push(Word {
                    text: c.to_string(),
                    position,
                });
                position += 1;
            }
        }
        if let Some(from) = start {
            parts.push(&chunk[from..]);
        }
        out_push(&mut out, &mut position, &mut parts, index);
    }
    out
}

/// Emits the parts of one chunk: in an index, each part and then the parts joined (at the last
/// part's position); in a query, the parts joined only.
fn out_push(out: &mut Vec<Word>, position: &mut u32, parts: &mut Vec<&str>, index: bool) {
    match parts.len() {
        0 => return,
        1 => {
            out.push(Word {
                text: parts[0].to_owned(),
                position: *position,
            });
            *position += 1;
        }
        n => {
            let joined: String = parts.concat();
            if index {
                for part in parts.iter() {
                    out.push(Word {
                        text: (*part).to_owned(),
                        position: *position,
                    });
                    *position += 1;
                }
            } else {
                // At the last part's position, as the index has it, so a phrase lines up.
                *position += n as u32;
            }
            out.push(Word {
                text: joined,
                position: *position - 1,
            });
        }
    }
    parts.clear();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(words: &[Word]) -> Vec<&str> {
        words.iter().map(|w| w.text.as_str()).collect()
    }

    #[test]
    fn folds_case_and_diacritics() {
        assert_eq!(texts(&index_words("Beyoncé")), ["beyonce"]);
        assert_eq!(texts(&index_words("MOTÖRHEAD")), ["motorhead"]);
        assert_eq!(
            texts(&index_words("Sigur Rós  Ágætis")),
            ["sigur", "ros", "agaetis"]
        );
    }

    #[test]
    fn punctuation_inside_a_word_is_also_indexed_joined() {
        let words = index_words("AC/DC Live");
        assert_eq!(texts(&words), ["ac", "dc", "acdc", "live"]);
        let positions: Vec<u32> = words.iter().map(|w| w.position).collect();
        assert_eq!(positions, [0, 1, 1, 2]);
        assert_eq!(texts(&query_words("ac/dc")), ["acdc"]);
        let query = query_words("I don't want");
        assert_eq!(texts(&query), ["i", "dont", "want"]);
        let indexed = index_words("I Don't Want");
        let position_of =
            |words: &[Word], text: &str| words.iter().find(|w| w.text == text).unwrap().position;
        // Phrases line up: "want" follows "dont" by one in both.
        assert_eq!(position_of(&query, "want") - position_of(&query, "dont"), 1);
        assert_eq!(
            position_of(&indexed, "want") - position_of(&indexed, "dont"),
            1
        );
        assert_eq!(
            position_of(&query, "dont") - position_of(&query, "i"),
            position_of(&indexed, "dont") - position_of(&indexed, "i")
        );
        assert_eq!(texts(&index_words("(Remastered)")), ["remastered"]);
    }

    #[test]
    fn unspaced_scripts_become_one_word_per_character() {
        let words = index_words("東京事変 Live");
        assert_eq!(texts(&words), ["東", "京", "事", "変", "live"]);
        assert_eq!(words[4].position, 4);
        assert_eq!(texts(&query_words("の歌")), ["の", "歌"]);
        assert_eq!(
            texts(&index_words("방탄소년단")),
            ["방", "탄", "소", "년", "단"]
        );
        assert_eq!(
            texts(&index_words("ザ・ビートルズ")),
            ["ザ", "ビ", "ー", "ト", "ル", "ズ"]
        );
    }

    #[test]
    fn queries_are_bounded_and_never_syntax() {
        assert!(query_words("\"():-*~!? 🎵").is_empty());
        let long = "word ".repeat(5000);
        assert_eq!(query_words(&long).len(), MAX_QUERY_WORDS);
        assert_eq!(texts(&query_words("title:foo -bar*")), ["titlefoo", "bar"]);
    }

    #[test]
    fn name_key_is_the_query_form() {
        assert_eq!(name_key("  The   Beatles "), "the beatles");
        assert_eq!(name_key("AC/DC"), "acdc");
    }
}
