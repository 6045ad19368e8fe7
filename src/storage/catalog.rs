//! Artists, albums and tracks.

use std::sync::Arc;

use sqlx::types::Json;

use super::Returned;
use super::users::found;
use super::{
    Album, AlbumPatch, Artist, ArtistPatch, CacheKind, CatalogChange, Engine, Id, NewAlbum,
    NewArtist, NewTrack, Storage, StorageError, StorageResult, Track, TrackPatch, TrackSummary, Ts,
    with_pool,
};

pub(super) const ARTIST_COLUMNS: &str = "id, name, bio, image_url, website_url, social_links, verified, \
     musicbrainz_id, created_at, updated_at";

pub(super) const ALBUM_COLUMNS: &str = "id, title, artist_id, release_date, cover_image_url, description, genre, \
     label, total_tracks, duration_seconds, musicbrainz_id, year, is_compilation, created_at, updated_at";

/// A [`TrackSummary`](super::TrackSummary): columns, and the joins they need beside `tracks t`.
pub(super) const SUMMARY_COLUMNS: &str = "t.id, t.title, t.artist_id, a.name AS artist_name, \
     t.album_id, al.title AS album_title, t.duration_seconds, t.track_number, t.disc_number, \
     t.genre, t.year, t.play_count, t.like_count, t.is_available, t.is_explicit, t.created_at";
pub(super) const SUMMARY_JOINS: &str =
    "JOIN artists a ON a.id = t.artist_id LEFT JOIN albums al ON al.id = t.album_id";

pub(super) const TRACK_COLUMNS: &str = "id, title, uploader_id, artist_id, album_id, album, cover_image_url, \
     audio_url, video_url, file_path, file_size, duration_seconds, bitrate, sample_rate, \
     track_number, disc_number, channels, genre, lyrics, metadata, play_count, like_count, \
     is_explicit, is_available, release_date, year, content_hash, file_mtime, created_at, updated_at";

/// Binds a [`NewTrack`] to [`INSERT_TRACK_SQL`]'s parameters, with a fresh id.
macro_rules! bind_new_track {
    ($query:expr, $id:expr, $new:expr) => {
        $query
            .bind($id)
            .bind(&$new.title)
            .bind($new.artist_id)
            .bind($new.album_id)
            .bind($new.uploader_id)
            .bind(&$new.album)
            .bind(&$new.file_path)
            .bind($new.file_size)
            .bind($new.duration_seconds)
            .bind($new.bitrate)
            .bind($new.sample_rate)
            .bind($new.channels)
            .bind($new.track_number)
            .bind($new.disc_number)
            .bind(&$new.genre)
            .bind(&$new.lyrics)
            .bind(Json(&$new.metadata))
            .bind($new.is_explicit)
            .bind($new.release_date)
            .bind(&$new.content_hash)
            .bind($new.file_mtime.map(Ts))
            .bind($new.year)
            .bind($new.tag_values.as_ref().map(Json))
    };
}
pub(super) use bind_new_track;

/// One track's insert, its parameters bound by [`bind_new_track!`].
pub(super) const INSERT_TRACK_SQL: &str = "INSERT INTO tracks (id, title, artist_id, album_id, \
     uploader_id, album, file_path, file_size, duration_seconds, bitrate, sample_rate, channels, \
     track_number, disc_number, genre, lyrics, metadata, is_explicit, release_date, content_hash, \
     file_mtime, year, tag_values) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, \
     $14, $15, $16, $17, $18, $19, $20, $21, $22, $23)";

/// [`INSERT_TRACK_SQL`] for `rows` tracks in one statement. SQLite gets anonymous `?`
/// parameters: it looks named ones (`$N`) up by name, which is quadratic in their number.
pub(super) fn insert_tracks_sql(rows: usize, engine: Engine) -> String {
    const COLUMNS: usize = 23;
    let (head, _) = INSERT_TRACK_SQL.split_at(INSERT_TRACK_SQL.find("VALUES").unwrap_or(0));
    let values: Vec<String> = (0..rows)
        .map(|row| {
            let params: Vec<String> = (1..=COLUMNS)
                .map(|c| match engine {
                    Engine::Sqlite => "?".to_owned(),
                    Engine::Postgres => format!("${}", row * COLUMNS + c),
                })
                .collect();
            format!("({})", params.join(", "))
        })
        .collect();
    format!("{head}VALUES {}", values.join(", "))
}

impl Storage {
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn create_artist(&self, new: &NewArtist) -> StorageResult<Artist> {
        let _write = self.cache.catalog_write();
        let sql = format!(
            "INSERT INTO artists (id, name, musicbrainz_id) VALUES ($1, $2, $3) RETURNING {ARTIST_COLUMNS}"
        );
        let artist = with_pool!(self, |pool, DB| {
            sqlx::query_as::<DB, Artist>(&sql)
                .bind(Id::new())
                .bind(&new.name)
                .bind(&new.musicbrainz_id)
                .fetch_all(pool)
                .await?
                .returned_one()?
        });
        self.changed(CatalogChange::Artist(artist.id));
        Ok(artist)
    }

    #[tracing::instrument(level = "debug", skip_all, fields(%id))]
    pub async fn artist(&self, id: Id) -> StorageResult<Artist> {
        let sql = format!("SELECT {ARTIST_COLUMNS} FROM artists WHERE id = $1");
        Ok(with_pool!(self, |pool, DB| {
            sqlx::query_as::<DB, Artist>(&sql)
                .bind(id)
                .fetch_one(pool)
                .await?
        }))
    }

    #[tracing::instrument(level = "debug", skip_all, fields(%id))]
    pub async fn set_artist_social_links(
        &self,
        id: Id,
        links: &serde_json::Value,
    ) -> StorageResult<()> {
        let _write = self.cache.catalog_write();
        let affected = with_pool!(self, |pool, DB| {
            sqlx::query::<DB>("UPDATE artists SET social_links = $2 WHERE id = $1")
                .bind(id)
                .bind(Json(links))
                .execute(pool)
                .await?
                .rows_affected()
        });
        self.changed(CatalogChange::Artist(id));
        found(affected)
    }

    /// Fails with `Conflict` while albums or tracks still name the artist.
    #[tracing::instrument(level = "debug", skip_all, fields(%id))]
    pub async fn delete_artist(&self, id: Id) -> StorageResult<()> {
        let _write = self.cache.catalog_write();
        let affected = with_pool!(self, |pool, DB| {
            sqlx::query::<DB>("DELETE FROM artists WHERE id = $1")
                .bind(id)
                .execute(pool)
                .await
                .map_err(StorageError::restrict_is_conflict)?
                .rows_affected()
        });
        self.changed(CatalogChange::Artist(id));
        found(affected)
    }

    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn create_album(&self, new: &NewAlbum) -> StorageResult<Album> {
        let _write = self.cache.catalog_write();
        let sql = format!(
            "INSERT INTO albums (id, title, artist_id, release_date, genre, label, musicbrainz_id, \
             year) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING {ALBUM_COLUMNS}"
        );
        let album = with_pool!(self, |pool, DB| {
            sqlx::query_as::<DB, Album>(&sql)
                .bind(Id::new())
                .bind(&new.title)
                .bind(new.artist_id)
                .bind(new.release_date)
                .bind(&new.genre)
                .bind(&new.label)
                .bind(&new.musicbrainz_id)
                .bind(new.year)
                .fetch_all(pool)
                .await?
                .returned_one()?
        });
        self.changed(CatalogChange::Album(album.id));
        self.changed(CatalogChange::ArtistCounts(album.artist_id));
        Ok(album)
    }

    #[tracing::instrument(level = "debug", skip_all, fields(%id))]
    pub async fn album(&self, id: Id) -> StorageResult<Album> {
        let sql = format!("SELECT {ALBUM_COLUMNS} FROM albums WHERE id = $1");
        Ok(with_pool!(self, |pool, DB| {
            sqlx::query_as::<DB, Album>(&sql)
                .bind(id)
                .fetch_one(pool)
                .await?
        }))
    }

    /// Deletes the album entity; its tracks stay, as singles.
    #[tracing::instrument(level = "debug", skip_all, fields(%id))]
    pub async fn delete_album(&self, id: Id) -> StorageResult<()> {
        let _write = self.cache.catalog_write();
        // Its tracks and artist are indexed with its title and counts: they change too.
        let dependents = self.search_dependents(CatalogChange::Album(id)).await?;
        let artist = self.album(id).await.ok().map(|album| album.artist_id);
        let affected = with_pool!(self, |pool, DB| {
            sqlx::query::<DB>("DELETE FROM albums WHERE id = $1")
                .bind(id)
                .execute(pool)
                .await?
                .rows_affected()
        });
        self.changed(CatalogChange::Album(id));
        dependents
            .into_iter()
            .for_each(|change| self.changed(change));
        artist
            .into_iter()
            .for_each(|a| self.changed(CatalogChange::ArtistCounts(a)));
        found(affected)
    }

    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn create_track(&self, new: &NewTrack) -> StorageResult<Track> {
        let _write = self.cache.catalog_write();
        let sql = format!("{INSERT_TRACK_SQL} RETURNING {TRACK_COLUMNS}");
        let track = with_pool!(self, |pool, DB| {
            bind_new_track!(sqlx::query_as::<DB, Track>(&sql), Id::new(), new)
                .fetch_all(pool)
                .await?
                .returned_one()?
        });
        self.changed(CatalogChange::Track(track.id));
        Ok(track)
    }

    #[tracing::instrument(level = "debug", skip_all, fields(%id))]
    pub async fn track(&self, id: Id) -> StorageResult<Track> {
        let sql = format!("SELECT {TRACK_COLUMNS} FROM tracks WHERE id = $1");
        Ok(with_pool!(self, |pool, DB| {
            sqlx::query_as::<DB, Track>(&sql)
                .bind(id)
                .fetch_one(pool)
                .await?
        }))
    }

    /// A track as readers see it: from the cache when it is on (its counters may lag by the
    /// cache's TTL). Writers and checks that must see the row as it is now use [`Storage::track`].
    #[tracing::instrument(level = "debug", skip_all, fields(%id))]
    pub async fn cached_track(&self, id: Id) -> StorageResult<Arc<Track>> {
        self.cache
            .get_or_load(CacheKind::Track, id, self.track(id))
            .await
    }

    /// An album as readers see it (see [`Storage::cached_track`]).
    #[tracing::instrument(level = "debug", skip_all, fields(%id))]
    pub async fn cached_album(&self, id: Id) -> StorageResult<Arc<Album>> {
        self.cache
            .get_or_load(CacheKind::Album, id, self.album(id))
            .await
    }

    /// An artist as readers see it (see [`Storage::cached_track`]).
    #[tracing::instrument(level = "debug", skip_all, fields(%id))]
    pub async fn cached_artist(&self, id: Id) -> StorageResult<Arc<Artist>> {
        self.cache
            .get_or_load(CacheKind::Artist, id, self.artist(id))
            .await
    }

    /// An album's tracks in order, as readers see them (see [`Storage::cached_track`]).
    #[tracing::instrument(level = "debug", skip_all, fields(%id))]
    pub async fn cached_album_tracks(&self, id: Id) -> StorageResult<Arc<Vec<TrackSummary>>> {
        self.cache
            .get_or_load(CacheKind::AlbumTracks, id, self.album_tracks(id))
            .await
    }

    /// Moves a track to another album (or to none); the albums' counters follow by trigger.
    #[tracing::instrument(level = "debug", skip_all, fields(%id))]
    pub async fn set_track_album(&self, id: Id, album_id: Option<Id>) -> StorageResult<()> {
        let _write = self.cache.catalog_write();
        // The album it leaves counts one fewer.
        let old_album = self.track(id).await.ok().and_then(|t| t.album_id);
        let affected = with_pool!(self, |pool, DB| {
            sqlx::query::<DB>("UPDATE tracks SET album_id = $2 WHERE id = $1")
                .bind(id)
                .bind(album_id)
                .execute(pool)
                .await?
                .rows_affected()
        });
        self.changed(CatalogChange::Track(id));
        old_album
            .into_iter()
            .for_each(|a| self.changed(CatalogChange::AlbumCounts(a)));
        found(affected)
    }

    /// Corrects a track's duration (a rescan read it better); album and playlist totals follow.
    #[tracing::instrument(level = "debug", skip_all, fields(%id))]
    pub async fn set_track_duration(&self, id: Id, seconds: i32) -> StorageResult<()> {
        let _write = self.cache.catalog_write();
        let affected = with_pool!(self, |pool, DB| {
            sqlx::query::<DB>("UPDATE tracks SET duration_seconds = $2 WHERE id = $1")
                .bind(id)
                .bind(seconds)
                .execute(pool)
                .await?
                .rows_affected()
        });
        self.changed(CatalogChange::Track(id));
        found(affected)
    }

    #[tracing::instrument(level = "debug", skip_all, fields(%id))]
    pub async fn delete_track(&self, id: Id) -> StorageResult<()> {
        let _write = self.cache.catalog_write();
        // The album's and artist's counts drop with it.
        let owners = self.track(id).await.ok().map(|t| (t.album_id, t.artist_id));
        let affected = with_pool!(self, |pool, DB| {
            sqlx::query::<DB>("DELETE FROM tracks WHERE id = $1")
                .bind(id)
                .execute(pool)
                .await?
                .rows_affected()
        });
        self.changed(CatalogChange::Track(id));
        if let Some((album, artist)) = owners {
            album
                .into_iter()
                .for_each(|a| self.changed(CatalogChange::AlbumCounts(a)));
            self.changed(CatalogChange::ArtistCounts(artist));
        }
        found(affected)
    }

    /// Which of these ids name tracks (for checking a batch before using it).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn existing_track_ids(&self, ids: &[Id]) -> StorageResult<Vec<Id>> {
        let mut found = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(500) {
            let placeholders = (1..=chunk.len())
                .map(|n| format!("${n}"))
                .collect::<Vec<_>>()
                .join(", ");
            let sql = format!("SELECT id FROM tracks WHERE id IN ({placeholders})");
            let rows = with_pool!(self, |pool, DB| {
                let mut query = sqlx::query_scalar::<DB, Id>(&sql);
                for id in chunk {
                    query = query.bind(*id);
                }
                query.fetch_all(pool).await?
            });
            found.extend(rows);
        }
        Ok(found)
    }

    /// The track whose file path ends with `suffix` (a `/`-separated tail), if exactly one does.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn track_by_path_suffix(&self, suffix: &str) -> StorageResult<Option<Id>> {
        // Compared as text, not with LIKE: SQLite's LIKE ignores ASCII case and PostgreSQL's
        // does not, and file names are case-sensitive here.
        let tail = format!("/{suffix}");
        let length = i32::try_from(tail.chars().count()).unwrap_or(i32::MAX);
        let ids = with_pool!(self, |pool, DB| {
            sqlx::query_scalar::<DB, Id>(
                "SELECT id FROM tracks WHERE length(file_path) >= $2 \
                 AND substr(file_path, length(file_path) - $2 + 1) = $1 LIMIT 2",
            )
            .bind(&tail)
            .bind(length)
            .fetch_all(pool)
            .await?
        });
        Ok(if ids.len() == 1 {
            ids.first().copied()
        } else {
            None
        })
    }

    /// A track by artist name and title, ignoring case; the first by id when several match.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn track_by_artist_title(
        &self,
        artist: &str,
        title: &str,
    ) -> StorageResult<Option<Id>> {
        Ok(with_pool!(self, |pool, DB| {
            sqlx::query_scalar::<DB, Id>(
                "SELECT t.id FROM tracks t JOIN artists a ON a.id = t.artist_id \
                 WHERE lower(t.title) = lower($1) AND lower(a.name) = lower($2) \
                 ORDER BY t.is_available DESC, t.id LIMIT 1",
            )
            .bind(title)
            .bind(artist)
            .fetch_optional(pool)
            .await?
        }))
    }

    /// Applies an edit to a track's own fields.
    #[tracing::instrument(level = "debug", skip_all, fields(%id))]
    pub async fn update_track(&self, id: Id, patch: &TrackPatch) -> StorageResult<Track> {
        let _write = self.cache.catalog_write();
        let sql = format!(
            "UPDATE tracks SET title = COALESCE($2, title), \
             genre = CASE WHEN $3 THEN $4 ELSE genre END, \
             is_explicit = COALESCE($5, is_explicit), \
             lyrics = CASE WHEN $6 THEN $7 ELSE lyrics END, \
             release_date = CASE WHEN $8 THEN $9 ELSE release_date END, \
             year = CASE WHEN $10 THEN $11 ELSE year END \
             WHERE id = $1 RETURNING {TRACK_COLUMNS}"
        );
        let track = with_pool!(self, |pool, DB| {
            sqlx::query_as::<DB, Track>(&sql)
                .bind(id)
                .bind(&patch.title)
                .bind(patch.genre.is_some())
                .bind(patch.genre.clone().flatten())
                .bind(patch.is_explicit)
                .bind(patch.lyrics.is_some())
                .bind(patch.lyrics.clone().flatten())
                .bind(patch.release_date.is_some())
                .bind(patch.release_date.flatten())
                .bind(patch.year.is_some())
                .bind(patch.year.flatten())
                .fetch_all(pool)
                .await?
                .returned_one()?
        });
        self.changed(CatalogChange::Track(id));
        Ok(track)
    }

    /// Applies an edit to an album's own fields. `Conflict` when its artist already has an
    /// album of the new title.
    #[tracing::instrument(level = "debug", skip_all, fields(%id))]
    pub async fn update_album(&self, id: Id, patch: &AlbumPatch) -> StorageResult<Album> {
        let _write = self.cache.catalog_write();
        let sql = format!(
            "UPDATE albums SET title = COALESCE($2, title), title_key = COALESCE($3, title_key), \
             genre = CASE WHEN $4 THEN $5 ELSE genre END, \
             label = CASE WHEN $6 THEN $7 ELSE label END, \
             description = CASE WHEN $8 THEN $9 ELSE description END, \
             release_date = CASE WHEN $10 THEN $11 ELSE release_date END, \
             year = CASE WHEN $12 THEN $13 ELSE year END \
             WHERE id = $1 RETURNING {ALBUM_COLUMNS}"
        );
        let (title, key) = patch.title.clone().unzip();
        let album = with_pool!(self, |pool, DB| {
            sqlx::query_as::<DB, Album>(&sql)
                .bind(id)
                .bind(title)
                .bind(key)
                .bind(patch.genre.is_some())
                .bind(patch.genre.clone().flatten())
                .bind(patch.label.is_some())
                .bind(patch.label.clone().flatten())
                .bind(patch.description.is_some())
                .bind(patch.description.clone().flatten())
                .bind(patch.release_date.is_some())
                .bind(patch.release_date.flatten())
                .bind(patch.year.is_some())
                .bind(patch.year.flatten())
                .fetch_all(pool)
                .await?
                .returned_one()?
        });
        self.changed(CatalogChange::Album(id));
        Ok(album)
    }

    /// Applies an edit to an artist's own fields. `Conflict` when another artist has the new
    /// name.
    #[tracing::instrument(level = "debug", skip_all, fields(%id))]
    pub async fn update_artist(&self, id: Id, patch: &ArtistPatch) -> StorageResult<Artist> {
        let _write = self.cache.catalog_write();
        let sql = format!(
            "UPDATE artists SET name = COALESCE($2, name), name_key = COALESCE($3, name_key), \
             bio = CASE WHEN $4 THEN $5 ELSE bio END, \
             website_url = CASE WHEN $6 THEN $7 ELSE website_url END, \
             image_url = CASE WHEN $8 THEN $9 ELSE image_url END, \
             social_links = COALESCE($10, social_links), \
             verified = COALESCE($11, verified) \
             WHERE id = $1 RETURNING {ARTIST_COLUMNS}"
        );
        let (name, key) = patch.name.clone().unzip();
        let artist = with_pool!(self, |pool, DB| {
            sqlx::query_as::<DB, Artist>(&sql)
                .bind(id)
                .bind(name)
                .bind(key)
                .bind(patch.bio.is_some())
                .bind(patch.bio.clone().flatten())
                .bind(patch.website_url.is_some())
                .bind(patch.website_url.clone().flatten())
                .bind(patch.image_url.is_some())
                .bind(patch.image_url.clone().flatten())
                .bind(patch.social_links.as_ref().map(Json))
                .bind(patch.verified)
                .fetch_all(pool)
                .await?
                .returned_one()?
        });
        self.changed(CatalogChange::Artist(id));
        Ok(artist)
    }

    /// The one user who uploaded every track of an album (or of an artist), if there is one:
    /// they may edit it as their own.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn sole_uploader(
        &self,
        album_id: Option<Id>,
        artist_id: Option<Id>,
    ) -> StorageResult<Option<Id>> {
        let rows = with_pool!(self, |pool, DB| {
            sqlx::query_scalar::<DB, Option<Id>>(
                "SELECT uploader_id FROM tracks WHERE ($1 IS NULL OR album_id = $1) \
                 AND ($2 IS NULL OR artist_id = $2) GROUP BY uploader_id LIMIT 2",
            )
            .bind(album_id)
            .bind(artist_id)
            .fetch_all(pool)
            .await?
        });
        Ok(match rows.as_slice() {
            [Some(only)] => Some(*only),
            _ => None,
        })
    }
}
