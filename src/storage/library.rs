//! What the ingest pipeline needs: the files a folder already holds, artists and albums
//! resolved by identity, and tracks saved from files.

use super::Returned;
use super::catalog::{TRACK_COLUMNS, bind_new_track, insert_tracks_sql};

/// 22 parameters a row: 100 rows stay far below both engines' parameter limits.
const ROWS_PER_INSERT: usize = 100;
use super::users::found;
use super::{
    AlbumIdentity, CatalogChange, EmptyRemoved, Id, KnownFile, NewTrack, ResolvedAlbum, Storage,
    StorageError, StorageResult, Track, TrackRewrite, Ts, with_pool,
};
use chrono::{DateTime, Utc};
use sqlx::types::Json;

impl Storage {
    /// Every track whose file lies under `prefix` (a folder path ending in `/`).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn known_files_under(&self, prefix: &str) -> StorageResult<Vec<KnownFile>> {
        Ok(with_pool!(self, |pool, DB| {
            sqlx::query_as::<DB, KnownFile>(
                "SELECT id, file_path, file_size, file_mtime, content_hash, is_available FROM tracks \
                 WHERE file_path IS NOT NULL AND substr(file_path, 1, length($1)) = $1",
            )
            .bind(prefix)
            .fetch_all(pool)
            .await?
        }))
    }

    /// The artist with this folded name, created when new. Safe against a concurrent insert
    /// of the same name: the unique key decides, and both callers get the same row.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn resolve_artist(
        &self,
        name: &str,
        name_key: &str,
        musicbrainz_id: Option<&str>,
    ) -> StorageResult<Id> {
        let _write = self.cache.catalog_write();
        with_pool!(self, |pool, DB| {
            // RETURNING answers when this call created the row; a conflict returns nothing.
            let created = sqlx::query_scalar::<DB, Id>(
                "INSERT INTO artists (id, name, name_key, musicbrainz_id) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (name_key) DO NOTHING RETURNING id",
            )
            .bind(Id::new())
            .bind(name)
            .bind(name_key)
            .bind(musicbrainz_id)
            .fetch_all(pool)
            .await?
            .returned_optional();
            match created {
                Some(id) => {
                    self.changed(CatalogChange::Artist(id));
                    Ok(id)
                }
                None => Ok(sqlx::query_scalar::<DB, Id>(
                    "SELECT id FROM artists WHERE name_key = $1",
                )
                .bind(name_key)
                .fetch_one(pool)
                .await?),
            }
        })
    }

    /// The album with this MusicBrainz id, else with this artist and folded title; created
    /// when new.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn resolve_album(&self, album: &AlbumIdentity) -> StorageResult<ResolvedAlbum> {
        let _write = self.cache.catalog_write();
        with_pool!(self, |pool, DB| {
            if let Some(mbid) = &album.musicbrainz_id {
                let found = sqlx::query_as::<DB, ResolvedAlbum>(
                    "SELECT id, cover_image_url FROM albums WHERE musicbrainz_id = $1 LIMIT 1",
                )
                .bind(mbid)
                .fetch_optional(pool)
                .await?;
                if let Some(found) = found {
                    return Ok(found);
                }
            }
            let created = sqlx::query_as::<DB, ResolvedAlbum>(
                "INSERT INTO albums (id, title, title_key, artist_id, musicbrainz_id, year, release_date, \
                 genre, label, is_compilation) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
                 ON CONFLICT (artist_id, title_key) DO NOTHING RETURNING id, cover_image_url",
            )
            .bind(Id::new())
            .bind(&album.title)
            .bind(&album.title_key)
            .bind(album.artist_id)
            .bind(&album.musicbrainz_id)
            .bind(album.year)
            .bind(album.release_date)
            .bind(&album.genre)
            .bind(&album.label)
            .bind(album.is_compilation)
            .fetch_all(pool)
            .await?.returned_optional();
            match created {
                Some(created) => {
                    self.changed(CatalogChange::Album(created.id));
                    Ok(created)
                }
                None => Ok(sqlx::query_as::<DB, ResolvedAlbum>(
                    "SELECT id, cover_image_url FROM albums WHERE artist_id = $1 AND title_key = $2",
                )
                .bind(album.artist_id)
                .bind(&album.title_key)
                .fetch_one(pool)
                .await?),
            }
        })
    }

    #[tracing::instrument(level = "debug", skip_all, fields(%album_id))]
    pub async fn set_album_cover(&self, album_id: Id, url: &str) -> StorageResult<()> {
        let _write = self.cache.catalog_write();
        let affected = with_pool!(self, |pool, DB| {
            sqlx::query::<DB>("UPDATE albums SET cover_image_url = $2 WHERE id = $1")
                .bind(album_id)
                .bind(url)
                .execute(pool)
                .await?
                .rows_affected()
        });
        self.changed(CatalogChange::AlbumCounts(album_id));
        found(affected)
    }

    /// The album whose cover stands for an artist without an image of their own: the newest
    /// release of theirs that has a cover.
    #[tracing::instrument(level = "debug", skip_all, fields(%artist_id))]
    pub async fn artist_cover_album(&self, artist_id: Id) -> StorageResult<Option<Id>> {
        Ok(with_pool!(self, |pool, DB| {
            sqlx::query_scalar::<DB, Id>(
                "SELECT id FROM albums WHERE artist_id = $1 AND cover_image_url IS NOT NULL \
                 ORDER BY year DESC NULLS LAST, release_date DESC NULLS LAST, created_at DESC, id \
                 LIMIT 1",
            )
            .bind(artist_id)
            .fetch_optional(pool)
            .await?
        }))
    }

    /// The tag values the track's file had when last read; `None` for a track made by hand or
    /// read before they were kept.
    #[tracing::instrument(level = "debug", skip_all, fields(%id))]
    pub async fn track_tag_values(&self, id: Id) -> StorageResult<Option<serde_json::Value>> {
        Ok(with_pool!(self, |pool, DB| {
            sqlx::query_scalar::<DB, Option<Json<serde_json::Value>>>(
                "SELECT tag_values FROM tracks WHERE id = $1",
            )
            .bind(id)
            .fetch_one(pool)
            .await?
            .map(|json| json.0)
        }))
    }

    /// Rewrites a track from its file (a changed file, or a moved one found by its content),
    /// keeping its id, so playlists, likes and history stay attached. Marks it available.
    /// `before` is the row as the caller read it: whether the file moved, and the album and
    /// artist it may leave (they count one fewer), are told from it.
    #[tracing::instrument(level = "debug", skip_all, fields(id = %before.id))]
    pub async fn update_track_file(
        &self,
        before: &Track,
        new: &NewTrack,
    ) -> StorageResult<TrackRewrite> {
        let id = before.id;
        let _write = self.cache.catalog_write();
        let sql = format!(
            "UPDATE tracks SET title = $2, artist_id = $3, album_id = $4, album = $5, file_path = $6, \
             file_size = $7, duration_seconds = $8, bitrate = $9, sample_rate = $10, channels = $11, \
             track_number = $12, disc_number = $13, genre = $14, lyrics = $15, metadata = $16, \
             is_explicit = $17, release_date = $18, content_hash = $19, file_mtime = $20, year = $21, \
             tag_values = $22, is_available = TRUE WHERE id = $1 RETURNING {TRACK_COLUMNS}"
        );
        let track = with_pool!(self, |pool, DB| {
            sqlx::query_as::<DB, Track>(&sql)
                .bind(id)
                .bind(&new.title)
                .bind(new.artist_id)
                .bind(new.album_id)
                .bind(&new.album)
                .bind(&new.file_path)
                .bind(new.file_size)
                .bind(new.duration_seconds)
                .bind(new.bitrate)
                .bind(new.sample_rate)
                .bind(new.channels)
                .bind(new.track_number)
                .bind(new.disc_number)
                .bind(&new.genre)
                .bind(&new.lyrics)
                .bind(Json(&new.metadata))
                .bind(new.is_explicit)
                .bind(new.release_date)
                .bind(&new.content_hash)
                .bind(new.file_mtime.map(Ts))
                .bind(new.year)
                .bind(new.tag_values.as_ref().map(Json))
                .fetch_all(pool)
                .await?
                .returned_one()?
        });
        self.changed(CatalogChange::Track(id));
        if before.album_id != track.album_id {
            before
                .album_id
                .into_iter()
                .for_each(|a| self.changed(CatalogChange::AlbumCounts(a)));
        }
        if before.artist_id != track.artist_id {
            self.changed(CatalogChange::ArtistCounts(before.artist_id));
        }
        Ok(TrackRewrite {
            moved: before.file_path != track.file_path,
            track,
        })
    }

    /// Inserts new tracks in one transaction: a scan's bulk path. Either all go in or none.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn create_tracks(&self, tracks: &[NewTrack]) -> StorageResult<()> {
        let _write = self.cache.catalog_write();
        let engine = self.engine();
        let ids: Vec<Id> = tracks.iter().map(|_| Id::new()).collect();
        with_pool!(self, |pool, DB| {
            let mut tx = pool.begin().await?;
            // Many rows per statement: each statement is a round trip to the database.
            for (chunk, chunk_ids) in tracks
                .chunks(ROWS_PER_INSERT)
                .zip(ids.chunks(ROWS_PER_INSERT))
            {
                let sql = insert_tracks_sql(chunk.len(), engine);
                let mut query = sqlx::query::<DB>(&sql);
                for (new, id) in chunk.iter().zip(chunk_ids) {
                    query = bind_new_track!(query, *id, new);
                }
                query.execute(&mut *tx).await?;
            }
            tx.commit().await?;
        });
        self.tracks_changed(&ids);
        Ok(())
    }

    /// Marks tracks available or not; returns how many changed.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn set_tracks_available(&self, ids: &[Id], available: bool) -> StorageResult<u64> {
        let _write = self.cache.catalog_write();
        let mut changed = 0;
        with_pool!(self, |pool, DB| {
            let mut tx = pool.begin().await?;
            for id in ids {
                changed += sqlx::query::<DB>(
                    "UPDATE tracks SET is_available = $2 WHERE id = $1 AND is_available <> $2",
                )
                .bind(*id)
                .bind(available)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            }
            tx.commit().await?;
        });
        self.tracks_changed(ids);
        Ok(changed)
    }

    /// The content hash and id of every unavailable track: where a moved file may come from.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn unavailable_track_hashes(&self) -> StorageResult<Vec<(String, Id)>> {
        Ok(with_pool!(self, |pool, DB| {
            sqlx::query_as::<DB, (String, Id)>(
                "SELECT content_hash, id FROM tracks WHERE NOT is_available AND content_hash IS NOT NULL",
            )
            .fetch_all(pool)
            .await?
        }))
    }

    /// Deletes the albums no track is on, then the artists with neither a track nor an album,
    /// created before `created_before`. Albums and artists exist only because ingest met a
    /// track of theirs (no route creates one by hand), so one left with none is a ghost: an
    /// untagged album's folder renamed (its tracks moved to the album named after the new
    /// folder), every file of an album retagged elsewhere, or a scan killed between creating
    /// an album and inserting its tracks. Tracks whose files are missing still count: they
    /// stay, unavailable, until their files come back. Rows created since `created_before`
    /// are spared: another ingest (an upload, a second scan) may have resolved one and not yet
    /// inserted its track. Deleting an artist also drops who followed it (`ON DELETE
    /// CASCADE`); likes and playlists hold tracks, never albums or artists.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn remove_empty_albums_and_artists(
        &self,
        created_before: DateTime<Utc>,
    ) -> StorageResult<EmptyRemoved> {
        let _write = self.cache.catalog_write();
        let (albums, artists) = with_pool!(self, |pool, DB| {
            let mut tx = pool.begin().await?;
            let albums = sqlx::query_as::<DB, (Id, Id)>(
                "DELETE FROM albums WHERE created_at < $1 \
                 AND NOT EXISTS (SELECT 1 FROM tracks t WHERE t.album_id = albums.id) \
                 RETURNING id, artist_id",
            )
            .bind(Ts(created_before))
            .fetch_all(&mut *tx)
            .await?;
            let artists = sqlx::query_scalar::<DB, Id>(
                "DELETE FROM artists WHERE created_at < $1 \
                 AND NOT EXISTS (SELECT 1 FROM tracks t WHERE t.artist_id = artists.id) \
                 AND NOT EXISTS (SELECT 1 FROM albums al WHERE al.artist_id = artists.id) \
                 RETURNING id",
            )
            .bind(Ts(created_before))
            .fetch_all(&mut *tx)
            .await
            .map_err(StorageError::restrict_is_conflict)?;
            tx.commit().await?;
            (albums, artists)
        });
        for (album, artist) in &albums {
            self.changed(CatalogChange::Album(*album));
            self.changed(CatalogChange::ArtistCounts(*artist));
        }
        for artist in &artists {
            self.changed(CatalogChange::Artist(*artist));
        }
        Ok(EmptyRemoved {
            albums: albums.len() as u64,
            artists: artists.len() as u64,
        })
    }

    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn count_tracks(&self) -> StorageResult<i64> {
        Ok(with_pool!(self, |pool, DB| {
            sqlx::query_scalar::<DB, i64>("SELECT count(*) FROM tracks")
                .fetch_one(pool)
                .await?
        }))
    }
}
