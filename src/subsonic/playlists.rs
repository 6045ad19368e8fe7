//! Playlists, under the native API's rules: private ones stay private (admins included),
//! public ones are readable, collaborative ones take songs from everyone who can see them, and
//! only the owner renames, shares or deletes.

use super::Ctx;
use super::error::SubsonicError;
use super::response::Node;
use super::views::{self, Kind};
use crate::auth::policy::{Access, Shared, access};
use crate::playlists::{self, NAME_MAX_CHARS};
use crate::storage::{Id, NewPlaylist, Playlist, PlaylistPatch, PlaylistScope, StorageError};

/// The most playlists one answer lists.
const MAX_LISTED: i64 = 1000;

fn shared(p: &Playlist) -> Shared {
    Shared {
        owner_id: p.user_id,
        is_public: p.is_public,
        is_collaborative: p.is_collaborative,
    }
}

fn node(name: &'static str, p: &Playlist, owner: &str) -> Node {
    Node::new(name)
        .attr("id", views::id(Kind::Playlist, p.id))
        .attr("name", p.name.as_str())
        .opt("comment", p.description.clone())
        .attr("owner", owner)
        .attr("public", p.is_public)
        .attr("songCount", p.track_count)
        .attr("duration", p.total_duration)
        .attr("created", views::time(p.created_at))
        .attr("changed", views::time(p.updated_at))
}

async fn owner_name(ctx: &Ctx<'_>, p: &Playlist) -> Result<String, SubsonicError> {
    if p.user_id == ctx.user.id {
        return Ok(ctx.user.username.clone());
    }
    Ok(ctx.storage.user(p.user_id).await?.username)
}

/// The playlist if the caller may do `needs` with it; one they may not see is not found.
async fn load(ctx: &Ctx<'_>, id: Id, needs: Access) -> Result<Playlist, SubsonicError> {
    let playlist = ctx.storage.playlist(id).await.map_err(|err| match err {
        StorageError::NotFound => SubsonicError::NotFound("playlist"),
        other => other.into(),
    })?;
    match access(ctx.user, shared(&playlist)) {
        Access::None => Err(SubsonicError::NotFound("playlist")),
        has if has >= needs => Ok(playlist),
        _ => Err(SubsonicError::NotAuthorized(
            "only its owner may change this playlist".into(),
        )),
    }
}

pub async fn list(ctx: &Ctx<'_>) -> Result<Node, SubsonicError> {
    let playlists = ctx
        .storage
        .playlists_for(ctx.user.id, PlaylistScope::Visible, None, MAX_LISTED)
        .await?;
    let mut nodes = Vec::with_capacity(playlists.len());
    for p in &playlists {
        nodes.push(node("playlist", p, &owner_name(ctx, p).await?));
    }
    Ok(Node::new("playlists").list(nodes))
}

pub async fn get(ctx: &Ctx<'_>) -> Result<Node, SubsonicError> {
    let id = views::expect(ctx.params.get("id"), "id", Kind::Playlist)?;
    detail(ctx, id).await
}

async fn detail(ctx: &Ctx<'_>, id: Id) -> Result<Node, SubsonicError> {
    let playlist = load(ctx, id, Access::Read).await?;
    let items = ctx.storage.playlist_items(id).await?;
    let owner = owner_name(ctx, &playlist).await?;
    let tracks: Vec<_> = items.into_iter().map(|item| item.track).collect();
    Ok(
        node("playlist", &playlist, &owner)
            .list(super::browse::songs(ctx, "entry", &tracks).await?),
    )
}

fn song_ids(ctx: &Ctx<'_>, key: &'static str) -> Result<Vec<Id>, SubsonicError> {
    ctx.params
        .all(key)?
        .iter()
        .map(|raw| views::expect(Some(raw), key, Kind::Track))
        .collect()
}

async fn add_songs(ctx: &Ctx<'_>, playlist: &Playlist, ids: &[Id]) -> Result<(), SubsonicError> {
    if ids.is_empty() {
        return Ok(());
    }
    playlists::check_room(playlist, ids.len())
        .map_err(|err| SubsonicError::Invalid("songId", err.to_string()))?;
    playlists::checked_tracks(ctx.storage, ids)
        .await
        .map_err(|_| SubsonicError::NotFound("song"))?;
    ctx.storage
        .add_playlist_entries(playlist.id, ids, None, Some(ctx.user.id))
        .await?;
    Ok(())
}

fn name(raw: &str) -> Result<String, SubsonicError> {
    crate::validate::required_line("name", raw, NAME_MAX_CHARS)
        .map_err(|err| SubsonicError::Invalid("name", err.to_string()))
}

/// `createPlaylist`: a new one named `name` with the `songId`s; or, given `playlistId`, that
/// playlist's songs replaced by them (owner only).
pub async fn create(ctx: &Ctx<'_>) -> Result<Node, SubsonicError> {
    let songs = song_ids(ctx, "songId")?;
    let playlist = match ctx.params.get("playlistId").filter(|p| !p.is_empty()) {
        Some(raw) => {
            let id = views::expect(Some(raw), "playlistId", Kind::Playlist)?;
            let playlist = load(ctx, id, Access::Manage).await?;
            for entry in ctx.storage.playlist_entries(id).await? {
                ctx.storage.remove_playlist_entry(id, entry.id).await?;
            }
            if let Some(new_name) = ctx.params.get("name").filter(|n| !n.is_empty()) {
                let patch = PlaylistPatch {
                    name: Some(name(new_name)?),
                    ..PlaylistPatch::default()
                };
                ctx.storage.update_playlist(id, &patch).await?;
            }
            ctx.storage.playlist(playlist.id).await?
        }
        None => {
            let new = NewPlaylist {
                user_id: ctx.user.id,
                name: name(ctx.params.required("name")?)?,
                ..NewPlaylist::default()
            };
            ctx.storage.create_playlist(&new).await?
        }
    };
    add_songs(ctx, &playlist, &songs).await?;
    detail(ctx, playlist.id).await
}

/// `updatePlaylist`: rename, comment, share (owner); add and remove songs (collaborators too).
pub async fn update(ctx: &Ctx<'_>) -> Result<(), SubsonicError> {
    let p = ctx.params;
    let id = views::expect(p.get("playlistId"), "playlistId", Kind::Playlist)?;
    let patch = PlaylistPatch {
        name: p.get("name").map(name).transpose()?,
        description: p
            .get("comment")
            .map(|c| {
                crate::validate::text("comment", Some(c), playlists::DESCRIPTION_MAX_CHARS)
                    .map_err(|err| SubsonicError::Invalid("comment", err.to_string()))
            })
            .transpose()?,
        is_public: p.get("public").map(|v| v == "true"),
        ..PlaylistPatch::default()
    };
    let owns = patch.name.is_some() || patch.description.is_some() || patch.is_public.is_some();
    let playlist = load(
        ctx,
        id,
        if owns {
            Access::Manage
        } else {
            Access::Contribute
        },
    )
    .await?;
    if owns {
        ctx.storage.update_playlist(id, &patch).await?;
    }
    let mut remove: Vec<usize> = Vec::new();
    for raw in p.all("songIndexToRemove")? {
        remove.push(raw.parse().map_err(|_| {
            SubsonicError::Invalid("songIndexToRemove", format!("{raw:?} is not an index"))
        })?);
    }
    if !remove.is_empty() {
        let entries = ctx.storage.playlist_entries(id).await?;
        let mut doomed: Vec<Id> = Vec::new();
        for index in remove {
            let entry = entries
                .get(index)
                .ok_or(SubsonicError::NotFound("song index"))?;
            doomed.push(entry.id);
        }
        doomed.dedup();
        for entry in doomed {
            ctx.storage.remove_playlist_entry(id, entry).await?;
        }
    }
    let add = song_ids(ctx, "songIdToAdd")?;
    let playlist = ctx.storage.playlist(playlist.id).await?;
    add_songs(ctx, &playlist, &add).await
}

pub async fn delete(ctx: &Ctx<'_>) -> Result<(), SubsonicError> {
    let id = views::expect(ctx.params.get("id"), "id", Kind::Playlist)?;
    load(ctx, id, Access::Manage).await?;
    ctx.storage.delete_playlist(id).await?;
    Ok(())
}
