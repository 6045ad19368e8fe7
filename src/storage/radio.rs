//! Internet radio stations: a short list an admin keeps for everyone.

use super::Returned;
use super::users::found;
use super::{
    Id, NewRadioStation, RadioStation, RadioStationPatch, Storage, StorageResult, with_pool,
};

const COLUMNS: &str = "id, name, stream_url, homepage_url, created_at, updated_at";

/// Stations a server keeps at most: the list is sent whole to every app that asks.
pub const MAX_RADIO_STATIONS: i64 = 500;

impl Storage {
    /// Every station, by name.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn radio_stations(&self) -> StorageResult<Vec<RadioStation>> {
        let sql = format!("SELECT {COLUMNS} FROM radio_stations ORDER BY lower(name), id");
        Ok(with_pool!(self, |pool, DB| {
            sqlx::query_as::<DB, RadioStation>(&sql)
                .fetch_all(pool)
                .await?
        }))
    }

    #[tracing::instrument(level = "debug", skip_all, fields(%id))]
    pub async fn radio_station(&self, id: Id) -> StorageResult<RadioStation> {
        let sql = format!("SELECT {COLUMNS} FROM radio_stations WHERE id = $1");
        Ok(with_pool!(self, |pool, DB| {
            sqlx::query_as::<DB, RadioStation>(&sql)
                .bind(id)
                .fetch_one(pool)
                .await?
        }))
    }

    /// Adds a station, unless [`MAX_RADIO_STATIONS`] exist (`Ok(None)`): counted and inserted
    /// in one statement, so two at once cannot pass the limit.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn create_radio_station(
        &self,
        new: &NewRadioStation,
    ) -> StorageResult<Option<RadioStation>> {
        let sql = format!(
            "INSERT INTO radio_stations (id, name, stream_url, homepage_url) \
             SELECT $1, $2, $3, $4 WHERE (SELECT count(*) FROM radio_stations) < $5 \
             RETURNING {COLUMNS}"
        );
        Ok(with_pool!(self, |pool, DB| {
            sqlx::query_as::<DB, RadioStation>(&sql)
                .bind(Id::new())
                .bind(&new.name)
                .bind(&new.stream_url)
                .bind(&new.homepage_url)
                .bind(MAX_RADIO_STATIONS)
                .fetch_all(pool)
                .await?
                .returned_optional()
        }))
    }

    /// Edits a station's fields; `NotFound` when there is no such station.
    #[tracing::instrument(level = "debug", skip_all, fields(%id))]
    pub async fn update_radio_station(
        &self,
        id: Id,
        patch: &RadioStationPatch,
    ) -> StorageResult<RadioStation> {
        let sql = format!(
            "UPDATE radio_stations SET name = COALESCE($2, name), \
             stream_url = COALESCE($3, stream_url), \
             homepage_url = CASE WHEN $4 THEN $5 ELSE homepage_url END \
             WHERE id = $1 RETURNING {COLUMNS}"
        );
        with_pool!(self, |pool, DB| {
            sqlx::query_as::<DB, RadioStation>(&sql)
                .bind(id)
                .bind(&patch.name)
                .bind(&patch.stream_url)
                .bind(patch.homepage_url.is_some())
                .bind(patch.homepage_url.clone().flatten())
                .fetch_all(pool)
                .await?
                .returned_one()
        })
    }

    #[tracing::instrument(level = "debug", skip_all, fields(%id))]
    pub async fn delete_radio_station(&self, id: Id) -> StorageResult<()> {
        let affected = with_pool!(self, |pool, DB| {
            sqlx::query::<DB>("DELETE FROM radio_stations WHERE id = $1")
                .bind(id)
                .execute(pool)
                .await?
                .rows_affected()
        });
        found(affected)
    }
}
