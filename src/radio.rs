//! Internet radio stations: the field rules both APIs apply before storage sees a station.

use crate::storage::{NewRadioStation, RadioStationPatch};
use crate::validate::{FieldError, field_error, required_line, web_url};

pub const NAME_MAX_CHARS: usize = 200;

/// A new station's fields, checked: a one-line name and http(s) URLs.
pub fn new_station(
    name: &str,
    stream_url: &str,
    homepage_url: Option<&str>,
) -> Result<NewRadioStation, FieldError> {
    Ok(NewRadioStation {
        name: required_line("name", name, NAME_MAX_CHARS)?,
        stream_url: required_url("stream_url", stream_url)?,
        homepage_url: web_url("homepage_url", homepage_url)?,
    })
}

/// An edit, checked: `homepage_url` `Some(None)` (or an empty string) clears it.
pub fn patch(
    name: Option<&str>,
    stream_url: Option<&str>,
    homepage_url: Option<Option<&str>>,
) -> Result<RadioStationPatch, FieldError> {
    Ok(RadioStationPatch {
        name: name
            .map(|n| required_line("name", n, NAME_MAX_CHARS))
            .transpose()?,
        stream_url: stream_url
            .map(|u| required_url("stream_url", u))
            .transpose()?,
        homepage_url: homepage_url
            .map(|u| web_url("homepage_url", u))
            .transpose()?,
    })
}

fn required_url(field: &'static str, raw: &str) -> Result<String, FieldError> {
    web_url(field, Some(raw))?.ok_or_else(|| field_error(field, "must not be empty"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stations_need_a_name_and_a_web_stream() {
        let ok = new_station(" Jazz FM ", "https://radio.example/jazz.mp3", None).unwrap();
        assert_eq!(ok.name, "Jazz FM");
        assert_eq!(ok.homepage_url, None);
        assert_eq!(
            new_station("", "https://radio.example/", None)
                .unwrap_err()
                .field,
            "name"
        );
        for bad in ["file:///etc/passwd", "javascript:alert(1)", "", "radio"] {
            assert_eq!(
                new_station("x", bad, None).unwrap_err().field,
                "stream_url",
                "{bad}"
            );
        }
        assert_eq!(
            new_station("x", "http://radio.example/a", Some("ftp://x.org"))
                .unwrap_err()
                .field,
            "homepage_url"
        );
        let cleared = patch(None, None, Some(Some(""))).unwrap();
        assert_eq!(cleared.homepage_url, Some(None));
        assert_eq!(patch(None, None, None).unwrap().homepage_url, None);
    }
}
