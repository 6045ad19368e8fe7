//! Browsing: indexes and artists, an artist, an album, a song, folder-style directories,
//! genres, album lists, random songs, songs by genre, search and starred items.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::error::SubsonicError;
use super::response::Node;
use super::views::{self, Kind};
use super::{Ctx, Params};
use crate::search::{Search, SearchRequest};
use crate::storage::{
    AlbumSummary, ArtistSummary, Filter, Id, ListRequest, Sort, SortKey, StorageError, TrackSummary,
};

/// Artists are read this many at a time when a method lists them all.
const ARTIST_PAGE: i64 = 500;
/// The most artists an index lists (a family library has hundreds).
const MAX_INDEXED_ARTISTS: usize = 100_000;

fn list(sort: Sort, descending: bool, filter: Filter, limit: i64, offset: i64) -> ListRequest {
    ListRequest {
        filter,
        sort,
        descending,
        after: None,
        limit,
        offset,
    }
}

/// Every artist with an album, by name.
async fn all_artists(ctx: &Ctx<'_>) -> Result<Vec<ArtistSummary>, SubsonicError> {
    let mut all = Vec::new();
    let mut request = list(Sort::Name, false, Filter::default(), ARTIST_PAGE, 0);
    loop {
        let page = ctx.storage.browse_artists(&request).await?;
        let done = (page.len() as i64) < ARTIST_PAGE || all.len() >= MAX_INDEXED_ARTISTS;
        if let Some(last) = page.last() {
            request.after = Some((SortKey::Text(last.sort_name.clone()), last.artist.id));
        }
        all.extend(page);
        if done {
            return Ok(all);
        }
    }
}

/// The artists grouped by first letter, in the element names of `getArtists` (`id3`) or
/// `getIndexes`.
fn indexed(artists: &[ArtistSummary], id3: bool) -> Vec<Node> {
    let mut groups: Vec<(String, Vec<Node>)> = Vec::new();
    for artist in artists {
        let letter = views::index_letter(&artist.artist.name);
        let node = if id3 {
            views::artist("artist", artist, None)
        } else {
            views::artist_entry("artist", artist, None)
        };
        match groups.iter_mut().find(|(l, _)| *l == letter) {
            Some((_, nodes)) => nodes.push(node),
            None => groups.push((letter, vec![node])),
        }
    }
    // "#" (digits, symbols) first, then letters in order.
    groups.sort_by(|a, b| (a.0 != "#", &a.0).cmp(&(b.0 != "#", &b.0)));
    groups
        .into_iter()
        .map(|(letter, nodes)| Node::new("index").attr("name", letter).list(nodes))
        .collect()
}

pub async fn artists(ctx: &Ctx<'_>) -> Result<Node, SubsonicError> {
    let artists = all_artists(ctx).await?;
    Ok(Node::new("artists")
        .attr("ignoredArticles", "")
        .list(indexed(&artists, true)))
}

pub async fn indexes(ctx: &Ctx<'_>) -> Result<Node, SubsonicError> {
    let artists = all_artists(ctx).await?;
    let last_modified = artists
        .iter()
        .map(|a| a.artist.updated_at)
        .max()
        .map_or(0, |t| t.timestamp_millis());
    Ok(Node::new("indexes")
        .attr("lastModified", last_modified)
        .attr("ignoredArticles", "")
        .list(indexed(&artists, false)))
}

async fn artist_summary(ctx: &Ctx<'_>, id: Id) -> Result<ArtistSummary, SubsonicError> {
    let artist = ctx.storage.artist(id).await.map_err(not_found("artist"))?;
    let albums = ctx.storage.artist_albums(id).await?;
    Ok(ArtistSummary {
        album_count: albums.len() as i64,
        track_count: albums.iter().map(|a| i64::from(a.album.total_tracks)).sum(),
        play_count: albums.iter().map(|a| a.play_count).sum(),
        like_count: albums.iter().map(|a| a.like_count).sum(),
        latest_year: albums
            .iter()
            .filter_map(|a| a.album.year)
            .max()
            .unwrap_or(0),
        artist,
        sort_name: String::new(),
    })
}

fn not_found(what: &'static str) -> impl Fn(StorageError) -> SubsonicError {
    move |err| match err {
        StorageError::NotFound => SubsonicError::NotFound(what),
        other => other.into(),
    }
}

pub async fn artist(ctx: &Ctx<'_>) -> Result<Node, SubsonicError> {
    let id = views::expect(ctx.params.get("id"), "id", Kind::Artist)?;
    let summary = artist_summary(ctx, id).await?;
    let albums = ctx.storage.artist_albums(id).await?;
    let starred = followed_at(ctx, id).await?;
    let stars = album_stars(ctx, &albums).await?;
    Ok(views::artist("artist", &summary, starred).list(
        albums
            .iter()
            .map(|a| views::album("album", a, stars.get(&a.album.id).copied())),
    ))
}

async fn followed_at(ctx: &Ctx<'_>, artist: Id) -> Result<Option<DateTime<Utc>>, SubsonicError> {
    let (_, following) = ctx.storage.follow_state(ctx.user.id, artist).await?;
    // The follow's own time is not at hand here; "now" marks it starred, which is what
    // clients read from the attribute.
    Ok(following.then(Utc::now))
}

async fn album_summary(ctx: &Ctx<'_>, id: Id) -> Result<AlbumSummary, SubsonicError> {
    let request = list(
        Sort::Name,
        false,
        Filter {
            album_id: Some(id),
            ..Filter::default()
        },
        1,
        0,
    );
    ctx.storage
        .browse_albums(&request)
        .await?
        .into_iter()
        .next()
        .ok_or(SubsonicError::NotFound("album"))
}

/// Song entries for these rows, in their order: the file and tags of all of them read
/// together, with the caller's star, rating and last play unless the answer is shared.
pub(super) async fn songs(
    ctx: &Ctx<'_>,
    name: &'static str,
    tracks: &[TrackSummary],
) -> Result<Vec<Node>, SubsonicError> {
    let ids: Vec<Id> = tracks.iter().map(|t| t.id).collect();
    let listener = ctx.personal.then_some(ctx.user.id);
    let facts = ctx.storage.song_facts(listener, &ids).await?;
    Ok(tracks
        .iter()
        .map(|t| views::song(name, t, facts.get(&t.id), ctx.roots))
        .collect())
}

/// When the caller starred each of these albums (none in a shared answer).
pub(super) async fn album_stars(
    ctx: &Ctx<'_>,
    albums: &[AlbumSummary],
) -> Result<HashMap<Id, DateTime<Utc>>, SubsonicError> {
    if !ctx.personal || albums.is_empty() {
        return Ok(HashMap::new());
    }
    let ids: Vec<Id> = albums.iter().map(|a| a.album.id).collect();
    Ok(ctx.storage.cached_album_stars(ctx.user.id, &ids).await?)
}

pub async fn album(ctx: &Ctx<'_>) -> Result<Node, SubsonicError> {
    let id = views::expect(ctx.params.get("id"), "id", Kind::Album)?;
    let summary = album_summary(ctx, id).await?;
    let tracks = ctx.storage.album_tracks(id).await?;
    let starred = album_stars(ctx, std::slice::from_ref(&summary)).await?;
    Ok(views::album("album", &summary, starred.get(&id).copied())
        .list(songs(ctx, "song", &tracks).await?))
}

pub async fn song(ctx: &Ctx<'_>) -> Result<Node, SubsonicError> {
    let id = views::expect(ctx.params.get("id"), "id", Kind::Track)?;
    let track = track_summary(ctx, id).await?;
    Ok(songs(ctx, "song", std::slice::from_ref(&track))
        .await?
        .remove(0))
}

pub async fn track_summary(ctx: &Ctx<'_>, id: Id) -> Result<TrackSummary, SubsonicError> {
    ctx.storage
        .track_summary(id)
        .await
        .map_err(not_found("song"))
}

/// Folder-style browsing: an artist's albums, or an album's songs.
pub async fn music_directory(ctx: &Ctx<'_>) -> Result<Node, SubsonicError> {
    let raw = ctx.params.required("id")?;
    match views::parse(raw, Kind::Album) {
        Some((Kind::Artist, id)) => {
            let artist = ctx
                .storage
                .artist(id)
                .await
                .map_err(not_found("directory"))?;
            let albums = ctx.storage.artist_albums(id).await?;
            let stars = album_stars(ctx, &albums).await?;
            Ok(Node::new("directory")
                .attr("id", views::id(Kind::Artist, id))
                .attr("name", artist.name)
                .list(
                    albums
                        .iter()
                        .map(|a| views::album_dir("child", a, stars.get(&a.album.id).copied())),
                ))
        }
        Some((Kind::Album, id)) => {
            let summary = album_summary(ctx, id).await?;
            let tracks = ctx.storage.album_tracks(id).await?;
            let starred = album_stars(ctx, std::slice::from_ref(&summary)).await?;
            Ok(Node::new("directory")
                .attr("id", views::id(Kind::Album, id))
                .attr("parent", views::id(Kind::Artist, summary.album.artist_id))
                .attr("name", summary.album.title.as_str())
                .opt("starred", starred.get(&id).copied().map(views::time))
                .list(songs(ctx, "child", &tracks).await?))
        }
        _ => Err(SubsonicError::NotFound("directory")),
    }
}

pub async fn genres(ctx: &Ctx<'_>) -> Result<Node, SubsonicError> {
    let genres = ctx.storage.genres().await?;
    Ok(Node::new("genres").list(genres.into_iter().map(|g| {
        Node::new("genre")
            .attr("songCount", g.track_count)
            .attr("albumCount", g.album_count)
            .text(g.genre)
    })))
}

/// `getAlbumList2` (`id3`) and `getAlbumList`.
pub async fn album_list(ctx: &Ctx<'_>, id3: bool) -> Result<Node, SubsonicError> {
    let p = ctx.params;
    let kind = p.required("type")?;
    let size = p.int("size", 10, 1, 500)?;
    let offset = p.int("offset", 0, 0, 1_000_000)?;
    let mut filter = Filter::default();
    let (sort, descending) = match kind {
        "random" => (Sort::Random, false),
        "newest" | "recent" => (Sort::Added, true),
        "frequent" => (Sort::PlayCount, true),
        "highest" => (Sort::LikeCount, true),
        "alphabeticalByName" | "alphabeticalByArtist" => (Sort::Name, false),
        "starred" => return starred_albums(ctx, id3, size, offset).await,
        "byYear" => {
            let from = p.int("fromYear", 0, 0, 9999)?;
            let to = p.int("toYear", 9999, 0, 9999)?;
            filter.year_from = Some(from.min(to) as i32);
            filter.year_to = Some(from.max(to) as i32);
            (Sort::Year, from > to)
        }
        "byGenre" => {
            filter.genre = Some(p.required("genre")?.to_owned());
            (Sort::Name, false)
        }
        other => {
            return Err(SubsonicError::Invalid(
                "type",
                format!("{other:?} is not an album list type"),
            ));
        }
    };
    let albums = ctx
        .storage
        .browse_albums(&list(sort, descending, filter, size, offset))
        .await?;
    let stars = album_stars(ctx, &albums).await?;
    Ok(album_list_node(id3, &albums, &stars))
}

fn album_list_node(id3: bool, albums: &[AlbumSummary], stars: &HashMap<Id, DateTime<Utc>>) -> Node {
    let starred = |a: &AlbumSummary| stars.get(&a.album.id).copied();
    if id3 {
        Node::new("albumList2").list(albums.iter().map(|a| views::album("album", a, starred(a))))
    } else {
        Node::new("albumList").list(
            albums
                .iter()
                .map(|a| views::album_dir("album", a, starred(a))),
        )
    }
}

/// The albums the caller starred, most recently starred first.
async fn starred_albums(
    ctx: &Ctx<'_>,
    id3: bool,
    size: i64,
    offset: i64,
) -> Result<Node, SubsonicError> {
    let liked = ctx
        .storage
        .liked_albums(ctx.user.id, None, offset.saturating_add(size))
        .await?;
    let page: Vec<_> = liked.into_iter().skip(offset as usize).collect();
    let stars = page
        .iter()
        .map(|l| (l.album.album.id, l.liked_at))
        .collect();
    let albums: Vec<AlbumSummary> = page.into_iter().map(|l| l.album).collect();
    Ok(album_list_node(id3, &albums, &stars))
}

fn year_filter(p: &Params, filter: &mut Filter) -> Result<(), SubsonicError> {
    if p.get("fromYear").is_some() {
        filter.year_from = Some(p.int("fromYear", 0, 0, 9999)? as i32);
    }
    if p.get("toYear").is_some() {
        filter.year_to = Some(p.int("toYear", 9999, 0, 9999)? as i32);
    }
    Ok(())
}

pub async fn random_songs(ctx: &Ctx<'_>) -> Result<Node, SubsonicError> {
    let p = ctx.params;
    let mut filter = Filter {
        genre: p.get("genre").filter(|g| !g.is_empty()).map(str::to_owned),
        available_only: true,
        ..Filter::default()
    };
    year_filter(p, &mut filter)?;
    let size = p.int("size", 10, 1, 500)?;
    let tracks = ctx
        .storage
        .browse_tracks(&list(Sort::Random, false, filter, size, 0))
        .await?;
    Ok(Node::new("randomSongs").list(songs(ctx, "song", &tracks).await?))
}

pub async fn songs_by_genre(ctx: &Ctx<'_>) -> Result<Node, SubsonicError> {
    let p = ctx.params;
    let filter = Filter {
        genre: Some(p.required("genre")?.to_owned()),
        ..Filter::default()
    };
    let count = p.int("count", 10, 1, 500)?;
    let offset = p.int("offset", 0, 0, 10_000_000)?;
    let tracks = ctx
        .storage
        .browse_tracks(&list(Sort::Name, false, filter, count, offset))
        .await?;
    Ok(Node::new("songsByGenre").list(songs(ctx, "song", &tracks).await?))
}

/// How many of each kind a search returns, and from where.
struct Window {
    count: i64,
    offset: i64,
}

fn window(p: &Params, kind: &'static str, offset: &'static str) -> Result<Window, SubsonicError> {
    Ok(Window {
        count: p.int(kind, 20, 0, 500)?,
        offset: p.int(offset, 0, 0, 10_000_000)?,
    })
}

/// `search3` (`id3`) and `search2`. An empty query lists everything, by name, in pages: that is
/// how clients copy a library.
pub async fn search(ctx: &Ctx<'_>, engine: &Search, id3: bool) -> Result<Node, SubsonicError> {
    let p = ctx.params;
    let query = p
        .get("query")
        .unwrap_or_default()
        .trim()
        .trim_matches('"')
        .trim();
    let artists = window(p, "artistCount", "artistOffset")?;
    let albums = window(p, "albumCount", "albumOffset")?;
    let tracks = window(p, "songCount", "songOffset")?;
    let (found_artists, found_albums, found_tracks) = if query.is_empty() || query == "*" {
        everything(ctx, &artists, &albums, &tracks).await?
    } else {
        matching(engine, query, &artists, &albums, &tracks).await?
    };
    let name = if id3 {
        "searchResult3"
    } else {
        "searchResult2"
    };
    let artist_nodes = found_artists.iter().map(|a| {
        if id3 {
            views::artist("artist", a, None)
        } else {
            views::artist_entry("artist", a, None)
        }
    });
    let stars = album_stars(ctx, &found_albums).await?;
    let album_nodes = found_albums.iter().map(|a| {
        let starred = stars.get(&a.album.id).copied();
        if id3 {
            views::album("album", a, starred)
        } else {
            views::album_dir("album", a, starred)
        }
    });
    let song_nodes = songs(ctx, "song", &found_tracks).await?;
    Ok(Node::new(name)
        .list(artist_nodes)
        .list(album_nodes)
        .list(song_nodes))
}

type Found = (Vec<ArtistSummary>, Vec<AlbumSummary>, Vec<TrackSummary>);

async fn everything(
    ctx: &Ctx<'_>,
    artists: &Window,
    albums: &Window,
    tracks: &Window,
) -> Result<Found, SubsonicError> {
    let page = |w: &Window| list(Sort::Name, false, Filter::default(), w.count, w.offset);
    let a = if artists.count > 0 {
        ctx.storage.browse_artists(&page(artists)).await?
    } else {
        Vec::new()
    };
    let b = if albums.count > 0 {
        ctx.storage.browse_albums(&page(albums)).await?
    } else {
        Vec::new()
    };
    let c = if tracks.count > 0 {
        ctx.storage.browse_tracks(&page(tracks)).await?
    } else {
        Vec::new()
    };
    Ok((a, b, c))
}

/// The search engine's best matches; it answers at most 100 of each kind, so windows past
/// that are empty.
async fn matching(
    engine: &Search,
    query: &str,
    artists: &Window,
    albums: &Window,
    tracks: &Window,
) -> Result<Found, SubsonicError> {
    let wanted = [artists, albums, tracks]
        .iter()
        .map(|w| w.offset + w.count)
        .max()
        .unwrap_or(0)
        .clamp(1, 100) as usize;
    let hits = engine
        .query(&SearchRequest::everything(query, wanted))
        .await
        .map_err(|err| SubsonicError::Internal(err.to_string()))?;
    fn window_of<T: serde::de::DeserializeOwned>(list: &[bytes::Bytes], w: &Window) -> Vec<T> {
        list.iter()
            .skip(w.offset as usize)
            .take(w.count as usize)
            .filter_map(|json| serde_json::from_slice(json).ok())
            .collect()
    }
    Ok((
        window_of(&hits.artists, artists),
        window_of(&hits.albums, albums),
        window_of(&hits.tracks, tracks),
    ))
}

/// `getStarred2` (`id3`) and `getStarred`: followed artists, liked albums and liked songs.
pub async fn starred(ctx: &Ctx<'_>, id3: bool) -> Result<Node, SubsonicError> {
    let liked = ctx.storage.favorites_of(ctx.user.id, None, 10_000).await?;
    let liked_albums = ctx.storage.liked_albums(ctx.user.id, None, 10_000).await?;
    let followed = ctx
        .storage
        .browse_artists(&list(
            Sort::Name,
            false,
            Filter {
                favorites_of: Some(ctx.user.id),
                ..Filter::default()
            },
            10_000,
            0,
        ))
        .await?;
    let artist_nodes = followed.iter().map(|a| {
        if id3 {
            views::artist("artist", a, Some(Utc::now()))
        } else {
            views::artist_entry("artist", a, Some(Utc::now()))
        }
    });
    let album_nodes = liked_albums.iter().map(|l| {
        if id3 {
            views::album("album", &l.album, Some(l.liked_at))
        } else {
            views::album_dir("album", &l.album, Some(l.liked_at))
        }
    });
    let tracks: Vec<TrackSummary> = liked.into_iter().map(|f| f.track).collect();
    Ok(Node::new(if id3 { "starred2" } else { "starred" })
        .list(artist_nodes)
        .list(album_nodes)
        .list(songs(ctx, "song", &tracks).await?))
}
