//! getTopSongs, getSimilarSongs(2), getArtistInfo(2), getAlbumInfo(2): answered from what
//! Juke knows (tags, edits, plays), never from the internet.
//!
//! Image URLs are given only when an admin set an absolute one on the artist or album: Juke's
//! own images need credentials, and clients already fetch them with getCoverArt and the
//! `coverArt` id every artist and album carries.

use super::Ctx;
use super::browse::songs;
use super::error::SubsonicError;
use super::response::Node;
use super::views::{self, Kind};
use crate::similar::{self, Seed};
use crate::storage::{Filter, Id, ListRequest, Sort, StorageError};

/// The most similar artists one answer lists.
const MAX_SIMILAR_ARTISTS: i64 = 100;

fn not_found(what: &'static str) -> impl Fn(StorageError) -> SubsonicError {
    move |err| match err {
        StorageError::NotFound => SubsonicError::NotFound(what),
        other => other.into(),
    }
}

/// `getTopSongs`: the artist's (by `artist` name, or OpenSubsonic's `id`) most played songs.
pub async fn top_songs(ctx: &Ctx<'_>) -> Result<Node, SubsonicError> {
    let p = ctx.params;
    let count = p.int("count", 50, 0, similar::MAX_SIMILAR_SONGS as i64)?;
    let artists: Vec<Id> = match p.get("id").filter(|id| !id.is_empty()) {
        Some(raw) => vec![views::expect(Some(raw), "id", Kind::Artist)?],
        None => ctx.storage.artists_named(p.required("artist")?).await?,
    };
    let mut tracks = Vec::new();
    for artist in artists {
        let request = ListRequest {
            filter: Filter {
                artist_id: Some(artist),
                available_only: true,
                ..Filter::default()
            },
            sort: Sort::PlayCount,
            descending: true,
            after: None,
            limit: count,
            offset: 0,
        };
        tracks.extend(ctx.storage.browse_tracks(&request).await?);
    }
    // Artists sharing a name (two bands called "Heart") are merged by plays.
    tracks.sort_by_key(|t| std::cmp::Reverse(t.play_count));
    tracks.truncate(count as usize);
    Ok(Node::new("topSongs").list(songs(ctx, "song", &tracks).await?))
}

/// `getSimilarSongs` (an artist, album or song id) and `getSimilarSongs2` (`id3`: an artist id
/// by the spec; song and album ids are taken too, as apps send them for "radio").
pub async fn similar_songs(ctx: &Ctx<'_>, id3: bool) -> Result<Node, SubsonicError> {
    let p = ctx.params;
    let raw = p.required("id")?;
    let default = if id3 { Kind::Artist } else { Kind::Track };
    let seed = match views::parse(raw, default) {
        Some((Kind::Track, id)) => Seed::Track(id),
        Some((Kind::Album, id)) => Seed::Album(id),
        Some((Kind::Artist, id)) => Seed::Artist(id),
        _ => return Err(SubsonicError::NotFound("song")),
    };
    let count = p.int("count", 50, 0, similar::MAX_SIMILAR_SONGS as i64)? as usize;
    let tracks = similar::similar_songs(ctx.storage, seed, count)
        .await
        .map_err(not_found(match seed {
            Seed::Track(_) => "song",
            Seed::Album(_) => "album",
            Seed::Artist(_) => "artist",
        }))?;
    let name = if id3 { "similarSongs2" } else { "similarSongs" };
    Ok(Node::new(name).list(songs(ctx, "song", &tracks).await?))
}

/// The artist an artist, album or song id is about.
async fn artist_of(ctx: &Ctx<'_>, raw: &str) -> Result<Id, SubsonicError> {
    match views::parse(raw, Kind::Artist) {
        Some((Kind::Artist, id)) => Ok(id),
        Some((Kind::Album, id)) => Ok(ctx
            .storage
            .album(id)
            .await
            .map_err(not_found("album"))?
            .artist_id),
        Some((Kind::Track, id)) => Ok(ctx
            .storage
            .track(id)
            .await
            .map_err(not_found("song"))?
            .artist_id),
        _ => Err(SubsonicError::NotFound("artist")),
    }
}

/// An image URL a client can fetch as it is: absolute http(s) only.
fn absolute_url(url: Option<&str>) -> Option<String> {
    url.map(str::trim)
        .filter(|u| u.starts_with("https://") || u.starts_with("http://"))
        .map(str::to_owned)
}

/// The text elements shared by artist and album info, in the schema's order.
fn info_elements(
    node: Node,
    text_name: &'static str,
    text: Option<String>,
    musicbrainz_id: Option<String>,
    image: Option<String>,
) -> Node {
    let mut node = node;
    let elements = [
        (text_name, text.filter(|t| !t.trim().is_empty())),
        ("musicBrainzId", musicbrainz_id.filter(|m| !m.is_empty())),
        ("smallImageUrl", image.clone()),
        ("mediumImageUrl", image.clone()),
        ("largeImageUrl", image),
    ];
    for (name, value) in elements {
        if let Some(value) = value {
            node = node.child(Node::scalar(name, value));
        }
    }
    node
}

/// `getArtistInfo` and `getArtistInfo2` (`id3`): biography, MusicBrainz id, an admin-set
/// image, and similar artists from co-listening, then shared genres.
pub async fn artist_info(ctx: &Ctx<'_>, id3: bool) -> Result<Node, SubsonicError> {
    let p = ctx.params;
    let artist_id = artist_of(ctx, p.required("id")?).await?;
    let artist = ctx
        .storage
        .artist(artist_id)
        .await
        .map_err(not_found("artist"))?;
    let count = p.int("count", 20, 0, MAX_SIMILAR_ARTISTS)? as usize;
    let similar_ids = similar::similar_artists(ctx.storage, artist_id, count).await?;
    let similar = ctx.storage.artist_summaries(&similar_ids).await?;
    let name = if id3 { "artistInfo2" } else { "artistInfo" };
    let node = info_elements(
        Node::new(name),
        "biography",
        artist.bio.clone(),
        artist.musicbrainz_id.clone(),
        absolute_url(artist.image_url.as_deref()),
    );
    Ok(node.list(similar.iter().map(|a| {
        if id3 {
            views::artist("similarArtist", a, None)
        } else {
            views::artist_entry("similarArtist", a, None)
        }
    })))
}

/// `getAlbumInfo` and `getAlbumInfo2`: the album's notes (its description), MusicBrainz id and
/// an admin-set cover URL. A song id stands for its album.
pub async fn album_info(ctx: &Ctx<'_>) -> Result<Node, SubsonicError> {
    let raw = ctx.params.required("id")?;
    let album_id = match views::parse(raw, Kind::Album) {
        Some((Kind::Album, id)) => id,
        Some((Kind::Track, id)) => ctx
            .storage
            .track(id)
            .await
            .map_err(not_found("song"))?
            .album_id
            .ok_or(SubsonicError::NotFound("album"))?,
        _ => return Err(SubsonicError::NotFound("album")),
    };
    let album = ctx
        .storage
        .album(album_id)
        .await
        .map_err(not_found("album"))?;
    Ok(info_elements(
        Node::new("albumInfo"),
        "notes",
        album.description.clone(),
        album.musicbrainz_id.clone(),
        absolute_url(album.cover_image_url.as_deref()),
    ))
}
