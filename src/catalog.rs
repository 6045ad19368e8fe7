//! Editing the catalog: what a valid edit of a track, album or artist is. Who may make it is
//! `auth::policy`'s call; the edit itself is storage's.

use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::library::ingest::identity_key;
use crate::storage::{AlbumPatch, ArtistPatch, TrackPatch};
use crate::validate::{self, FieldError, field_error, nullable};

const TITLE_MAX_CHARS: usize = 500;
const GENRE_MAX_CHARS: usize = 100;
const LABEL_MAX_CHARS: usize = 200;
const LYRICS_MAX_CHARS: usize = 100_000;
const PROSE_MAX_CHARS: usize = 5000;
const SOCIAL_LINKS_MAX: usize = 20;
const SOCIAL_NAME_MAX_CHARS: usize = 40;

/// Absent leaves a field alone; `null` clears it.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TrackEdit {
    pub title: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub genre: Option<Option<String>>,
    #[serde(alias = "explicit")]
    pub is_explicit: Option<bool>,
    #[serde(default, deserialize_with = "nullable")]
    pub lyrics: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    pub release_date: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    pub year: Option<Option<i32>>,
}

/// Absent leaves a field alone; `null` clears it.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AlbumEdit {
    pub title: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub genre: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    pub label: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    pub description: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    pub release_date: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    pub year: Option<Option<i32>>,
}

/// Absent leaves a field alone; `null` clears it. `verified` and `image_url`: admins only.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ArtistEdit {
    pub name: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub bio: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    pub website_url: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    pub image_url: Option<Option<String>>,
    /// Site name → URL.
    #[schema(value_type = Option<Object>)]
    pub social_links: Option<Value>,
    pub verified: Option<bool>,
}

fn text(
    field: &'static str,
    value: Option<Option<String>>,
    max: usize,
) -> Result<Option<Option<String>>, FieldError> {
    value
        .map(|v| validate::text(field, v.as_deref(), max))
        .transpose()
}

fn one_line(
    field: &'static str,
    value: Option<Option<String>>,
    max: usize,
) -> Result<Option<Option<String>>, FieldError> {
    value
        .map(|v| validate::line(field, v.as_deref(), max))
        .transpose()
}

fn date(value: Option<Option<String>>) -> Result<Option<Option<NaiveDate>>, FieldError> {
    value
        .map(|v| {
            v.map(|d| {
                NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d")
                    .map_err(|_| field_error("release_date", "must be a date as YYYY-MM-DD"))
            })
            .transpose()
        })
        .transpose()
}

fn year(value: Option<Option<i32>>) -> Result<Option<Option<i32>>, FieldError> {
    if let Some(Some(y)) = value
        && !(0..=9999).contains(&y)
    {
        return Err(field_error("year", "must be between 0 and 9999"));
    }
    Ok(value)
}

/// A required name: trimmed, not empty; with the key that makes it one identity.
fn named(
    field: &'static str,
    value: Option<String>,
) -> Result<Option<(String, String)>, FieldError> {
    value
        .map(|v| {
            let name = validate::required_line(field, &v, TITLE_MAX_CHARS)?;
            let key = identity_key(&name);
            Ok((name, key))
        })
        .transpose()
}

impl TrackEdit {
    pub fn validate(self) -> Result<TrackPatch, FieldError> {
        Ok(TrackPatch {
            title: self
                .title
                .map(|t| validate::required_line("title", &t, TITLE_MAX_CHARS))
                .transpose()?,
            genre: one_line("genre", self.genre, GENRE_MAX_CHARS)?,
            is_explicit: self.is_explicit,
            lyrics: text("lyrics", self.lyrics, LYRICS_MAX_CHARS)?,
            release_date: date(self.release_date)?,
            year: year(self.year)?,
        })
    }
}

impl AlbumEdit {
    pub fn validate(self) -> Result<AlbumPatch, FieldError> {
        Ok(AlbumPatch {
            title: named("title", self.title)?,
            genre: one_line("genre", self.genre, GENRE_MAX_CHARS)?,
            label: one_line("label", self.label, LABEL_MAX_CHARS)?,
            description: text("description", self.description, PROSE_MAX_CHARS)?,
            release_date: date(self.release_date)?,
            year: year(self.year)?,
        })
    }
}

impl ArtistEdit {
    pub fn validate(self) -> Result<ArtistPatch, FieldError> {
        let url = |field, value: Option<Option<String>>| {
            value
                .map(|v| validate::web_url(field, v.as_deref()))
                .transpose()
        };
        Ok(ArtistPatch {
            name: named("name", self.name)?,
            bio: text("bio", self.bio, PROSE_MAX_CHARS)?,
            website_url: url("website_url", self.website_url)?,
            image_url: url("image_url", self.image_url)?,
            social_links: self.social_links.map(social_links).transpose()?,
            verified: self.verified,
        })
    }
}

/// `{"name": "https://…"}`: at most 20 links, names of letters, digits, `_` and `-`, values
/// http(s) URLs. `null` or `{}` clears them.
pub fn social_links(value: Value) -> Result<Value, FieldError> {
    let field = "social_links";
    let map = match value {
        Value::Null => return Ok(Value::Object(Map::new())),
        Value::Object(map) => map,
        _ => return Err(field_error(field, "must be an object of name → URL")),
    };
    if map.len() > SOCIAL_LINKS_MAX {
        return Err(field_error(
            field,
            format!("at most {SOCIAL_LINKS_MAX} links"),
        ));
    }
    let mut clean = Map::new();
    for (name, url) in map {
        let name_ok = !name.is_empty()
            && name.chars().count() <= SOCIAL_NAME_MAX_CHARS
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if !name_ok {
            return Err(field_error(
                field,
                format!("link names are 1–{SOCIAL_NAME_MAX_CHARS} letters, digits, _ or -"),
            ));
        }
        let Value::String(url) = url else {
            return Err(field_error(field, format!("{name}: must be a URL")));
        };
        let url = validate::web_url(field, Some(&url))?
            .ok_or_else(|| field_error(field, format!("{name}: must be a URL")))?;
        clean.insert(name.to_lowercase(), Value::String(url));
    }
    Ok(Value::Object(clean))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn social_links_are_an_object_of_urls() {
        assert_eq!(
            social_links(json!({"Bandcamp": " https://x.bandcamp.com "})).unwrap(),
            json!({"bandcamp": "https://x.bandcamp.com"})
        );
        assert_eq!(social_links(Value::Null).unwrap(), json!({}));
        assert!(social_links(json!(["https://x"])).is_err());
        assert!(social_links(json!({"site": "javascript:alert(1)"})).is_err());
        assert!(social_links(json!({"bad name": "https://x.org"})).is_err());
        assert!(social_links(json!({"n": 3})).is_err());
        let many: Map<String, Value> = (0..21)
            .map(|i| (format!("l{i}"), json!("https://x.org")))
            .collect();
        assert!(social_links(Value::Object(many)).is_err());
    }

    #[test]
    fn dates_and_years_are_checked() {
        assert!(date(Some(Some("2024-02-30".into()))).is_err());
        assert_eq!(
            date(Some(Some("2024-02-29".into()))).unwrap(),
            Some(NaiveDate::from_ymd_opt(2024, 2, 29))
        );
        assert_eq!(date(Some(None)).unwrap(), Some(None));
        assert!(year(Some(Some(10_000))).is_err());
    }
}
