//! getUser, getUsers, tokenInfo, getScanStatus, startScan, getLyrics.

use super::Ctx;
use super::error::SubsonicError;
use super::response::Node;
use crate::library::service::Library;
use crate::storage::StorageError;

/// A user's roles: Juke's permissions in Subsonic's words (every user may stream, download,
/// upload and keep playlists; admins also manage users and settings).
pub async fn user(ctx: &Ctx<'_>) -> Result<Node, SubsonicError> {
    let name = ctx.params.required("username")?;
    let user = if name.eq_ignore_ascii_case(&ctx.user.username) {
        ctx.user.clone()
    } else if ctx.user.is_admin {
        match ctx.storage.user_for_login(name).await {
            Ok((user, _)) => user,
            Err(StorageError::NotFound) => return Err(SubsonicError::NotFound("user")),
            Err(err) => return Err(err.into()),
        }
    } else {
        return Err(SubsonicError::NotAuthorized(
            "only admins may look up other users".into(),
        ));
    };
    Ok(user_node(&user))
}

/// Accounts read per page by `getUsers`, and the most it lists.
const USERS_PAGE: i64 = 500;
const MAX_USERS_LISTED: usize = 10_000;

/// `getUsers`: every account with its roles (admins only).
pub async fn users(ctx: &Ctx<'_>) -> Result<Node, SubsonicError> {
    if !ctx.user.is_admin {
        return Err(SubsonicError::NotAuthorized(
            "only admins may list users".into(),
        ));
    }
    let mut all = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = ctx.storage.list_users(after.as_deref(), USERS_PAGE).await?;
        let done = (page.len() as i64) < USERS_PAGE || all.len() >= MAX_USERS_LISTED;
        after = page.last().map(|u| u.username.to_lowercase());
        all.extend(page);
        if done {
            break;
        }
    }
    Ok(Node::new("users").list(all.iter().map(user_node)))
}

/// OpenSubsonic `tokenInfo`: whose API key (an app password) signed the request. An invalid
/// key never gets here: authentication answers it with error 44. Asked with a username and
/// password instead, it names that user all the same.
pub fn token_info(ctx: &Ctx<'_>) -> Node {
    Node::new("tokenInfo").attr("username", ctx.user.username.as_str())
}

fn user_node(user: &crate::storage::User) -> Node {
    let admin = user.is_admin;
    Node::new("user")
        .attr("username", user.username.as_str())
        .opt("email", user.email.clone())
        .attr("scrobblingEnabled", true)
        .attr("adminRole", admin)
        .attr("settingsRole", admin)
        .attr("downloadRole", true)
        .attr("uploadRole", true)
        .attr("playlistRole", true)
        .attr("coverArtRole", admin)
        .attr("commentRole", true)
        .attr("podcastRole", false)
        .attr("streamRole", true)
        .attr("jukeboxRole", false)
        .attr("shareRole", false)
        .attr("videoConversionRole", false)
        .list([Node::scalar("folder", 1)])
}

pub fn scan_status(library: &Library) -> Node {
    let status = library.status();
    Node::new("scanStatus")
        .attr("scanning", status.running)
        .attr("count", i64::try_from(status.processed).unwrap_or(i64::MAX))
}

/// Starts a scan (admins only), then answers its status.
pub fn start_scan(ctx: &Ctx<'_>, library: &Library) -> Result<Node, SubsonicError> {
    if !ctx.user.is_admin {
        return Err(SubsonicError::NotAuthorized(
            "only admins may scan the library".into(),
        ));
    }
    library.request_scan(ctx.params.get("fullScan") == Some("true"));
    Ok(scan_status(library))
}

/// The lyrics of the song with this artist and title; `value` is always there (empty when
/// there are none), as OpenSubsonic asks.
pub async fn lyrics(ctx: &Ctx<'_>) -> Result<Node, SubsonicError> {
    let artist = ctx.params.get("artist").unwrap_or_default();
    let title = ctx.params.get("title").unwrap_or_default();
    let mut node = Node::new("lyrics").text("");
    if artist.is_empty() || title.is_empty() {
        return Ok(node);
    }
    if let Some(id) = ctx.storage.track_by_artist_title(artist, title).await? {
        let track = ctx.storage.track(id).await?;
        node = node
            .attr("artist", artist)
            .attr("title", track.title.as_str());
        if let Some(lyrics) = track.lyrics.filter(|l| !l.trim().is_empty()) {
            node = node.text(lyrics);
        }
    }
    Ok(node)
}

/// OpenSubsonic `getLyricsBySongId`: the song's lyrics as unsynchronised lines.
pub async fn lyrics_by_song(ctx: &Ctx<'_>) -> Result<Node, SubsonicError> {
    let id = super::views::expect(ctx.params.get("id"), "id", super::views::Kind::Track)?;
    let track = ctx
        .storage
        .track(id)
        .await
        .map_err(|_| SubsonicError::NotFound("song"))?;
    let artist = ctx.storage.cached_artist(track.artist_id).await?;
    let list = Node::new("lyricsList");
    let Some(lyrics) = track.lyrics.filter(|l| !l.trim().is_empty()) else {
        return Ok(list);
    };
    Ok(list.list([Node::new("structuredLyrics")
        .attr("displayArtist", artist.name.as_str())
        .attr("displayTitle", track.title.as_str())
        .attr("lang", "xxx")
        .attr("synced", false)
        .list(
            lyrics
                .lines()
                .map(|line| Node::new("line").attr("value", line)),
        )]))
}
