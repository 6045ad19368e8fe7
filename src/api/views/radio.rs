//! Internet radio stations as the API shows them.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::storage::{Id, RadioStation};

/// An internet radio station: players open `stream_url` themselves.
#[derive(Debug, Serialize, ToSchema)]
pub struct RadioStationView {
    pub id: Id,
    pub name: String,
    pub stream_url: String,
    pub homepage_url: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<RadioStation> for RadioStationView {
    fn from(row: RadioStation) -> Self {
        RadioStationView {
            id: row.id,
            name: row.name,
            stream_url: row.stream_url,
            homepage_url: row.homepage_url,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}
