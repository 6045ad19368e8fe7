//! Browsing the catalog: artists, albums and tracks lists with filters, sorts and keyset
//! paging; genres; the rows an artist or album page shows.
//!
//! A list is ordered by `(sort key, id)` and a page starts after the last row's pair, so pages
//! never repeat or skip rows while the library changes. Each row carries its sort key as the
//! database computed it (`sort_name` is `lower(...)` there), so the next page's cursor compares
//! like with like on both engines. Random order has no pages: it is a fresh sample each time.

use chrono::{DateTime, Utc};

use super::catalog::{ALBUM_COLUMNS, ARTIST_COLUMNS, SUMMARY_COLUMNS, SUMMARY_JOINS};
use super::{
    AlbumSummary, ArtistSummary, GenreCount, Id, Storage, StorageResult, TrackSummary, Ts,
    with_pool,
};

/// What a list is ordered by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    Name,
    Added,
    Year,
    PlayCount,
    LikeCount,
    Random,
}

/// Where the previous page ended: its last row's sort key and id.
#[derive(Debug, Clone, PartialEq)]
pub enum SortKey {
    Text(String),
    Int(i64),
    Time(DateTime<Utc>),
}

#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub genre: Option<String>,
    pub year_from: Option<i32>,
    pub year_to: Option<i32>,
    pub artist_id: Option<Id>,
    pub album_id: Option<Id>,
    /// Liked tracks (albums with one; for artists: followed) of this user only.
    pub favorites_of: Option<Id>,
    pub available_only: bool,
}

#[derive(Debug, Clone)]
pub struct ListRequest {
    pub filter: Filter,
    pub sort: Sort,
    pub descending: bool,
    pub after: Option<(SortKey, Id)>,
    pub limit: i64,
    /// Rows to skip (Subsonic clients page by offset; Juke's own API by `after`).
    pub offset: i64,
}

/// A statement being built: its text and the values its `$n` placeholders stand for.
#[derive(Default)]
struct Sql {
    text: String,
    args: Vec<Arg>,
}

enum Arg {
    Id(Id),
    Text(String),
    Int(i64),
    Time(Ts),
}

impl Sql {
    fn arg(&mut self, arg: Arg) -> String {
        self.args.push(arg);
        format!("${}", self.args.len())
    }

    fn key(&mut self, key: &SortKey) -> String {
        self.arg(match key {
            SortKey::Text(t) => Arg::Text(t.clone()),
            SortKey::Int(n) => Arg::Int(*n),
            SortKey::Time(t) => Arg::Time(Ts(*t)),
        })
    }
}

/// Binds a built statement's values in order.
macro_rules! bind_args {
    ($query:expr, $args:expr) => {{
        let mut query = $query;
        for arg in $args {
            query = match arg {
                Arg::Id(v) => query.bind(*v),
                Arg::Text(v) => query.bind(v.clone()),
                Arg::Int(v) => query.bind(*v),
                Arg::Time(v) => query.bind(*v),
            };
        }
        query
    }};
}

/// One entity's list: how its sort keys and filters read in SQL.
struct Listing {
    /// `SELECT … FROM … JOIN …` without WHERE.
    select: String,
    /// The listed table with its alias, e.g. `tracks t`.
    table: &'static str,
    /// The id column, e.g. `t.id`.
    id: &'static str,
    name: &'static str,
    added: &'static str,
    year: &'static str,
    plays: &'static str,
    likes: &'static str,
}

impl Listing {
    fn key_expr(&self, sort: Sort) -> &'static str {
        match sort {
            Sort::Name => self.name,
            Sort::Added => self.added,
            Sort::Year => self.year,
            Sort::PlayCount => self.plays,
            Sort::LikeCount => self.likes,
            Sort::Random => "random()",
        }
    }

    /// The statement for a page: `conditions` are the entity's filters, already in `sql`.
    fn page(&self, mut sql: Sql, mut conditions: Vec<String>, req: &ListRequest) -> Sql {
        let key = self.key_expr(req.sort);
        let (cmp, dir) = if req.descending {
            ("<", "DESC")
        } else {
            (">", "ASC")
        };
        if let (Some((after, id)), false) = (&req.after, req.sort == Sort::Random) {
            let value = sql.key(after);
            let id = sql.arg(Arg::Id(*id));
            conditions.push(format!(
                "({key} {cmp} {value} OR ({key} = {value} AND {} {cmp} {id}))",
                self.id
            ));
        }
        let limit = sql.arg(Arg::Int(req.limit));
        let where_clause = if conditions.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", conditions.join(" AND "))
        };
        let order = if req.sort == Sort::Random {
            "random()".to_owned()
        } else {
            format!("{key} {dir}, {} {dir}", self.id)
        };
        sql.text = if req.offset > 0 {
            // Skipped rows are walked on the bare table (its sort index), not joined and
            // summed first: an offset deep into a library stays cheap.
            let offset = sql.arg(Arg::Int(req.offset));
            format!(
                "{} WHERE {id} IN (SELECT {id} FROM {}{where_clause} ORDER BY {order} \
                 LIMIT {limit} OFFSET {offset}) ORDER BY {order}",
                self.select,
                self.table,
                id = self.id
            )
        } else {
            format!(
                "{}{where_clause} ORDER BY {order} LIMIT {limit}",
                self.select
            )
        };
        sql
    }
}

const TRACK_PLAYS: &str = "t.play_count";

impl Storage {
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn browse_tracks(&self, req: &ListRequest) -> StorageResult<Vec<TrackSummary>> {
        let listing = Listing {
            select: format!(
                "SELECT {SUMMARY_COLUMNS}, lower(t.title) AS sort_name FROM tracks t {SUMMARY_JOINS}"
            ),
            table: "tracks t",
            id: "t.id",
            name: "lower(t.title)",
            added: "t.created_at",
            year: "COALESCE(t.year, 0)",
            plays: TRACK_PLAYS,
            likes: "t.like_count",
        };
        let mut sql = Sql::default();
        let mut conditions = Vec::new();
        let f = &req.filter;
        if let Some(genre) = &f.genre {
            let genre = sql.arg(Arg::Text(genre.clone()));
            conditions.push(format!("lower(t.genre) = lower({genre})"));
        }
        years_and_artist(&mut sql, &mut conditions, f, "t");
        if let Some(album) = f.album_id {
            let album = sql.arg(Arg::Id(album));
            conditions.push(format!("t.album_id = {album}"));
        }
        if let Some(user) = f.favorites_of {
            let user = sql.arg(Arg::Id(user));
            conditions.push(format!(
                "EXISTS (SELECT 1 FROM user_favorites f WHERE f.track_id = t.id AND f.user_id = {user})"
            ));
        }
        if f.available_only {
            conditions.push("t.is_available".into());
        }
        let sql = listing.page(sql, conditions, req);
        Ok(with_pool!(self, |pool, DB| {
            bind_args!(sqlx::query_as::<DB, TrackSummary>(&sql.text), &sql.args)
                .fetch_all(pool)
                .await?
        }))
    }

    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn browse_albums(&self, req: &ListRequest) -> StorageResult<Vec<AlbumSummary>> {
        let listing = Listing {
            select: album_summary_select(),
            table: "albums al",
            id: "al.id",
            name: "lower(al.title)",
            added: "al.created_at",
            year: "COALESCE(al.year, 0)",
            plays: ALBUM_PLAYS,
            likes: ALBUM_LIKES,
        };
        let mut sql = Sql::default();
        let mut conditions = Vec::new();
        let f = &req.filter;
        if let Some(genre) = &f.genre {
            let genre = sql.arg(Arg::Text(genre.clone()));
            conditions.push(format!(
                "(lower(al.genre) = lower({genre}) OR EXISTS (SELECT 1 FROM tracks x \
                 WHERE x.album_id = al.id AND lower(x.genre) = lower({genre})))"
            ));
        }
        years_and_artist(&mut sql, &mut conditions, f, "al");
        if let Some(album) = f.album_id {
            let album = sql.arg(Arg::Id(album));
            conditions.push(format!("al.id = {album}"));
        }
        if let Some(user) = f.favorites_of {
            let user = sql.arg(Arg::Id(user));
            conditions.push(format!(
                "EXISTS (SELECT 1 FROM user_favorites f JOIN tracks x ON x.id = f.track_id \
                 WHERE x.album_id = al.id AND f.user_id = {user})"
            ));
        }
        if f.available_only {
            conditions.push(
                "EXISTS (SELECT 1 FROM tracks x WHERE x.album_id = al.id AND x.is_available)"
                    .into(),
            );
        }
        let sql = listing.page(sql, conditions, req);
        Ok(with_pool!(self, |pool, DB| {
            bind_args!(sqlx::query_as::<DB, AlbumSummary>(&sql.text), &sql.args)
                .fetch_all(pool)
                .await?
        }))
    }

    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn browse_artists(&self, req: &ListRequest) -> StorageResult<Vec<ArtistSummary>> {
        let listing = Listing {
            select: artist_summary_select(),
            table: "artists a",
            id: "a.id",
            name: "lower(a.name)",
            added: "a.created_at",
            year: ARTIST_YEAR,
            plays: ARTIST_PLAYS,
            likes: ARTIST_LIKES,
        };
        let mut sql = Sql::default();
        let mut conditions = Vec::new();
        let f = &req.filter;
        if let Some(genre) = &f.genre {
            let genre = sql.arg(Arg::Text(genre.clone()));
            conditions.push(format!(
                "EXISTS (SELECT 1 FROM tracks x WHERE x.artist_id = a.id \
                 AND lower(x.genre) = lower({genre}))"
            ));
        }
        if let Some(user) = f.favorites_of {
            let user = sql.arg(Arg::Id(user));
            conditions.push(format!(
                "EXISTS (SELECT 1 FROM user_following_artists f WHERE f.artist_id = a.id \
                 AND f.user_id = {user})"
            ));
        }
        if f.available_only {
            conditions.push(
                "EXISTS (SELECT 1 FROM tracks x WHERE x.artist_id = a.id AND x.is_available)"
                    .into(),
            );
        }
        let sql = listing.page(sql, conditions, req);
        Ok(with_pool!(self, |pool, DB| {
            bind_args!(sqlx::query_as::<DB, ArtistSummary>(&sql.text), &sql.args)
                .fetch_all(pool)
                .await?
        }))
    }

    /// Every genre with how many tracks and albums carry it, most tracks first. Genres are
    /// grouped ignoring case; the alphabetically first spelling names the group.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn genres(&self) -> StorageResult<Vec<GenreCount>> {
        Ok(with_pool!(self, |pool, DB| {
            sqlx::query_as::<DB, GenreCount>(
                "SELECT MIN(genre) AS genre, count(*) AS track_count, \
                 count(DISTINCT album_id) AS album_count FROM tracks \
                 WHERE genre IS NOT NULL AND genre <> '' GROUP BY lower(genre) \
                 ORDER BY track_count DESC, MIN(genre)",
            )
            .fetch_all(pool)
            .await?
        }))
    }

    /// One track as lists show it.
    #[tracing::instrument(level = "debug", skip_all, fields(%id))]
    pub async fn track_summary(&self, id: Id) -> StorageResult<TrackSummary> {
        let sql = format!("SELECT {SUMMARY_COLUMNS} FROM tracks t {SUMMARY_JOINS} WHERE t.id = $1");
        Ok(with_pool!(self, |pool, DB| {
            sqlx::query_as::<DB, TrackSummary>(&sql)
                .bind(id)
                .fetch_one(pool)
                .await?
        }))
    }

    /// An album's tracks in disc, then track order.
    #[tracing::instrument(level = "debug", skip_all, fields(%album_id))]
    pub async fn album_tracks(&self, album_id: Id) -> StorageResult<Vec<TrackSummary>> {
        let sql = format!(
            "SELECT {SUMMARY_COLUMNS} FROM tracks t {SUMMARY_JOINS} WHERE t.album_id = $1 \
             ORDER BY COALESCE(t.disc_number, 1), COALESCE(t.track_number, 0), lower(t.title), t.id"
        );
        Ok(with_pool!(self, |pool, DB| {
            sqlx::query_as::<DB, TrackSummary>(&sql)
                .bind(album_id)
                .fetch_all(pool)
                .await?
        }))
    }

    /// An artist's albums, newest release first.
    #[tracing::instrument(level = "debug", skip_all, fields(%artist_id))]
    pub async fn artist_albums(&self, artist_id: Id) -> StorageResult<Vec<AlbumSummary>> {
        let columns = prefixed("al", ALBUM_COLUMNS);
        let sql = format!(
            "SELECT {columns}, a.name AS artist_name, \
             (SELECT CAST(COALESCE(SUM(x.play_count), 0) AS BIGINT) FROM tracks x WHERE x.album_id = al.id) AS play_count, \
             (SELECT CAST(COALESCE(SUM(x.like_count), 0) AS BIGINT) FROM tracks x WHERE x.album_id = al.id) AS like_count \
             FROM albums al JOIN artists a ON a.id = al.artist_id WHERE al.artist_id = $1 \
             ORDER BY al.year DESC NULLS LAST, al.created_at DESC, al.id"
        );
        Ok(with_pool!(self, |pool, DB| {
            sqlx::query_as::<DB, AlbumSummary>(&sql)
                .bind(artist_id)
                .fetch_all(pool)
                .await?
        }))
    }
}

const ALBUM_PLAYS: &str = "(SELECT CAST(COALESCE(SUM(x.play_count), 0) AS BIGINT) FROM tracks x WHERE x.album_id = al.id)";
const ALBUM_LIKES: &str = "(SELECT CAST(COALESCE(SUM(x.like_count), 0) AS BIGINT) FROM tracks x WHERE x.album_id = al.id)";
const ARTIST_PLAYS: &str = "(SELECT CAST(COALESCE(SUM(x.play_count), 0) AS BIGINT) FROM tracks x WHERE x.artist_id = a.id)";
const ARTIST_LIKES: &str = "(SELECT CAST(COALESCE(SUM(x.like_count), 0) AS BIGINT) FROM tracks x WHERE x.artist_id = a.id)";
const ARTIST_YEAR: &str =
    "(SELECT COALESCE(MAX(x.year), 0) FROM albums x WHERE x.artist_id = a.id)";

/// Selects [`AlbumSummary`] rows from `albums al`; conditions and order are the caller's.
pub(super) fn album_summary_select() -> String {
    let columns = prefixed("al", ALBUM_COLUMNS);
    format!(
        "SELECT {columns}, a.name AS artist_name, lower(al.title) AS sort_name, \
         {ALBUM_PLAYS} AS play_count, {ALBUM_LIKES} AS like_count \
         FROM albums al JOIN artists a ON a.id = al.artist_id"
    )
}

/// Selects [`ArtistSummary`] rows from `artists a`; conditions and order are the caller's.
pub(super) fn artist_summary_select() -> String {
    let columns = prefixed("a", ARTIST_COLUMNS);
    format!(
        "SELECT {columns}, lower(a.name) AS sort_name, \
         (SELECT count(*) FROM albums x WHERE x.artist_id = a.id) AS album_count, \
         (SELECT count(*) FROM tracks x WHERE x.artist_id = a.id) AS track_count, \
         {ARTIST_PLAYS} AS play_count, {ARTIST_LIKES} AS like_count, {ARTIST_YEAR} AS latest_year \
         FROM artists a"
    )
}

/// The year range and artist filters, on the `year` and `artist_id` of the listed table.
fn years_and_artist(sql: &mut Sql, conditions: &mut Vec<String>, f: &Filter, alias: &str) {
    if let Some(from) = f.year_from {
        let from = sql.arg(Arg::Int(i64::from(from)));
        conditions.push(format!("{alias}.year >= {from}"));
    }
    if let Some(to) = f.year_to {
        let to = sql.arg(Arg::Int(i64::from(to)));
        conditions.push(format!("{alias}.year <= {to}"));
    }
    if let Some(artist) = f.artist_id {
        let artist = sql.arg(Arg::Id(artist));
        conditions.push(format!("{alias}.artist_id = {artist}"));
    }
}

/// `a, b` → `x.a, x.b`: a column list for a joined query.
pub(super) fn prefixed(alias: &str, columns: &str) -> String {
    columns
        .split(',')
        .map(|c| format!("{alias}.{}", c.trim()))
        .collect::<Vec<_>>()
        .join(", ")
}
