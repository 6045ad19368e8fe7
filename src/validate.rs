//! Field rules shared by every input: free text, URLs, and "absent vs null" in PATCH bodies.
//! A broken rule names its field; the API answers 422 `invalid_field` with that name.

use serde::{Deserialize, Deserializer};

pub const URL_MAX_CHARS: usize = 2048;

#[derive(Debug, thiserror::Error)]
#[error("{field}: {message}")]
pub struct FieldError {
    pub field: &'static str,
    pub message: String,
}

pub fn field_error(field: &'static str, message: impl Into<String>) -> FieldError {
    FieldError {
        field,
        message: message.into(),
    }
}

/// Optional free text: trimmed, empty means none, bounded length, no control characters
/// but newlines and tabs. Stored as given: it is shown as text, never as markup.
pub fn text(
    field: &'static str,
    raw: Option<&str>,
    max_chars: usize,
) -> Result<Option<String>, FieldError> {
    let Some(value) = raw.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    if value.chars().count() > max_chars {
        return Err(field_error(
            field,
            format!("is longer than {max_chars} characters"),
        ));
    }
    if value
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err(field_error(field, "contains control characters"));
    }
    Ok(Some(value.to_owned()))
}

/// Optional one-line text (a name, a title, a URL): as [`text`], without newlines or tabs,
/// since it lands in headers and file names.
pub fn line(
    field: &'static str,
    raw: Option<&str>,
    max_chars: usize,
) -> Result<Option<String>, FieldError> {
    let value = text(field, raw, max_chars)?;
    if value.as_deref().is_some_and(|v| v.contains(['\n', '\t'])) {
        return Err(field_error(field, "must be one line"));
    }
    Ok(value)
}

/// A required one-line text: as [`line`], and not empty.
pub fn required_line(
    field: &'static str,
    raw: &str,
    max_chars: usize,
) -> Result<String, FieldError> {
    line(field, Some(raw), max_chars)?.ok_or_else(|| field_error(field, "must not be empty"))
}

/// Required free text: as [`text`], and not empty.
pub fn required_text(
    field: &'static str,
    raw: &str,
    max_chars: usize,
) -> Result<String, FieldError> {
    text(field, Some(raw), max_chars)?.ok_or_else(|| field_error(field, "must not be empty"))
}

/// An optional http(s) URL.
pub fn web_url(field: &'static str, raw: Option<&str>) -> Result<Option<String>, FieldError> {
    let Some(value) = line(field, raw, URL_MAX_CHARS)? else {
        return Ok(None);
    };
    match url::Url::parse(&value) {
        Ok(parsed) if matches!(parsed.scheme(), "http" | "https") && parsed.host().is_some() => {
            Ok(Some(value))
        }
        _ => Err(field_error(field, "must be an http or https URL")),
    }
}

/// For `#[serde(default, deserialize_with = "nullable")]`: an absent field is `None` (leave
/// it), `null` is `Some(None)` (clear it).
pub fn nullable<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_fields_refuse_line_breaks() {
        assert!(web_url("u", Some("https://x.org/a\nb")).is_err());
        assert!(web_url("u", Some("https://x.org/\tb")).is_err());
        assert_eq!(
            web_url("u", Some(" https://x.org/a ")).unwrap().as_deref(),
            Some("https://x.org/a")
        );
        assert!(required_line("n", "a\nb", 10).is_err());
        assert_eq!(
            text("t", Some("a\nb"), 10).unwrap().as_deref(),
            Some("a\nb")
        );
        assert!(text("t", Some("bell\u{7}"), 10).is_err());
        assert!(required_line("n", "  ", 10).is_err());
    }
}
