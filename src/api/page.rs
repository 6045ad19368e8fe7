//! List paging: `?limit=` (default 50, at most 500) and an opaque `?cursor=`; responses are
//! `{"items": [...], "next_cursor": "..." | null}`.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

use super::ApiError;
use crate::storage::Id;

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 500;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    /// Page size, 1–500 (default 50).
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl PageQuery {
    pub fn limit(&self) -> Result<i64, ApiError> {
        match self.limit {
            None => Ok(DEFAULT_LIMIT),
            Some(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
            Some(_) => Err(ApiError::InvalidField {
                field: "limit",
                message: format!("must be between 1 and {MAX_LIMIT}"),
            }),
        }
    }

    /// The position the cursor stands for, as the list encoded it.
    pub fn position(&self) -> Result<Option<String>, ApiError> {
        let Some(cursor) = &self.cursor else {
            return Ok(None);
        };
        URL_SAFE_NO_PAD
            .decode(cursor)
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .map(Some)
            .ok_or_else(bad_cursor)
    }

    /// The `(time, id)` position of a newest-first list (see [`time_position`]).
    pub fn time_position(&self) -> Result<Option<(DateTime<Utc>, Id)>, ApiError> {
        let Some(position) = self.position()? else {
            return Ok(None);
        };
        let (at, id) = position.split_once('|').ok_or_else(bad_cursor)?;
        let at = DateTime::parse_from_rfc3339(at)
            .map_err(|_| bad_cursor())?
            .with_timezone(&Utc);
        Ok(Some((at, id.parse().map_err(|_| bad_cursor())?)))
    }
}

/// The position after a row of a list ordered by `(time, id)`, for [`Page::new`].
pub fn time_position(at: DateTime<Utc>, id: Id) -> String {
    format!("{}|{id}", at.to_rfc3339_opts(SecondsFormat::AutoSi, true))
}

fn bad_cursor() -> ApiError {
    ApiError::InvalidField {
        field: "cursor",
        message: "is not a cursor this list returned".into(),
    }
}

/// The query of a list that takes no parameters: any is refused, as on every other list.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoQuery {}

#[derive(Debug, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// A page of `items`; when it is full, the next one starts after the last item's position.
    pub fn new(items: Vec<T>, limit: i64, position_of: impl Fn(&T) -> String) -> Self {
        let next_cursor = if items.len() as i64 == limit {
            items
                .last()
                .map(|last| URL_SAFE_NO_PAD.encode(position_of(last)))
        } else {
            None
        };
        Page { items, next_cursor }
    }

    /// A list that always fits one page.
    pub fn whole(items: Vec<T>) -> Self {
        Page {
            items,
            next_cursor: None,
        }
    }

    /// The same page with each item turned into what the API sends.
    pub fn map<V>(self, view: impl FnMut(T) -> V) -> Page<V> {
        Page {
            items: self.items.into_iter().map(view).collect(),
            next_cursor: self.next_cursor,
        }
    }
}
