//! Similar songs and artists from Juke's own data, never from the internet: first what
//! listeners played together (within half an hour of each other, see `storage::similar`), then
//! the same artist, the same genre from the same era, the same genre, the same era, and last
//! the library's most played tracks, so that a library with music never answers nothing.

use std::collections::HashSet;

use crate::storage::{
    Filter, Id, ListRequest, MAX_SIMILAR_SEEDS, Sort, Storage, StorageResult, TrackSummary,
};

/// The most songs one answer lists.
pub const MAX_SIMILAR_SONGS: usize = 500;

/// Years either side of the seed's that count as the same era.
const ERA_YEARS: i32 = 5;

/// Co-played tracks read to find similar artists (grouped by artist afterwards).
const CO_PLAYED_FOR_ARTISTS: i64 = 300;

/// What songs are to be similar to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seed {
    Track(Id),
    Album(Id),
    Artist(Id),
}

/// The seed's tracks and what the fill-up stages compare with.
struct Reference {
    tracks: Vec<Id>,
    artist: Option<Id>,
    genre: Option<String>,
    year: Option<i32>,
}

/// Up to `count` available tracks like the seed, the best match first, the seed's own tracks
/// left out. `NotFound` when the seed does not exist.
pub async fn similar_songs(
    storage: &Storage,
    seed: Seed,
    count: usize,
) -> StorageResult<Vec<TrackSummary>> {
    let count = count.min(MAX_SIMILAR_SONGS);
    if count == 0 {
        return Ok(Vec::new());
    }
    let reference = reference(storage, seed).await?;
    let mut taken: HashSet<Id> = reference.tracks.iter().copied().collect();
    let mut found: Vec<TrackSummary> = Vec::with_capacity(count);
    for co in storage.co_played(&reference.tracks, count as i64).await? {
        if taken.insert(co.track.id) {
            found.push(co.track);
        }
    }
    let era = reference
        .year
        .map(|y| (y.saturating_sub(ERA_YEARS), y.saturating_add(ERA_YEARS)));
    let stages = [
        reference.artist.map(|artist| Filter {
            artist_id: Some(artist),
            ..Filter::default()
        }),
        reference
            .genre
            .as_ref()
            .zip(era)
            .map(|(genre, (from, to))| Filter {
                genre: Some(genre.clone()),
                year_from: Some(from),
                year_to: Some(to),
                ..Filter::default()
            }),
        reference.genre.as_ref().map(|genre| Filter {
            genre: Some(genre.clone()),
            ..Filter::default()
        }),
        era.map(|(from, to)| Filter {
            year_from: Some(from),
            year_to: Some(to),
            ..Filter::default()
        }),
        Some(Filter::default()),
    ];
    for filter in stages.into_iter().flatten() {
        if found.len() >= count {
            break;
        }
        let wanted = count - found.len();
        let request = ListRequest {
            filter: Filter {
                available_only: true,
                ..filter
            },
            sort: Sort::PlayCount,
            descending: true,
            after: None,
            // Enough that the tracks already taken cannot leave the stage short.
            limit: (wanted + taken.len()) as i64,
            offset: 0,
        };
        for track in storage.browse_tracks(&request).await? {
            if found.len() >= count {
                break;
            }
            if taken.insert(track.id) {
                found.push(track);
            }
        }
    }
    Ok(found)
}

/// Up to `count` other artists like this one: those listened to together with their tracks
/// (most co-plays first), then those sharing their genres.
pub async fn similar_artists(
    storage: &Storage,
    artist: Id,
    count: usize,
) -> StorageResult<Vec<Id>> {
    let seeds = artist_top_tracks(storage, artist).await?;
    let mut totals: Vec<(Id, i64)> = Vec::new();
    for co in storage.co_played(&seeds, CO_PLAYED_FOR_ARTISTS).await? {
        if co.track.artist_id == artist {
            continue;
        }
        match totals.iter_mut().find(|(id, _)| *id == co.track.artist_id) {
            Some((_, total)) => *total += co.together,
            None => totals.push((co.track.artist_id, co.together)),
        }
    }
    // Stable: equal totals keep the order co-plays came in.
    totals.sort_by_key(|t| std::cmp::Reverse(t.1));
    let mut ids: Vec<Id> = totals.into_iter().map(|(id, _)| id).collect();
    ids.truncate(count);
    if ids.len() < count {
        for id in storage
            .artists_sharing_genres(artist, (count + ids.len()) as i64)
            .await?
        {
            if ids.len() >= count {
                break;
            }
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
    }
    Ok(ids)
}

/// An artist's most played tracks, the seeds of what is like them.
async fn artist_top_tracks(storage: &Storage, artist: Id) -> StorageResult<Vec<Id>> {
    let request = ListRequest {
        filter: Filter {
            artist_id: Some(artist),
            available_only: true,
            ..Filter::default()
        },
        sort: Sort::PlayCount,
        descending: true,
        after: None,
        limit: MAX_SIMILAR_SEEDS as i64,
        offset: 0,
    };
    Ok(storage
        .browse_tracks(&request)
        .await?
        .into_iter()
        .map(|t| t.id)
        .collect())
}

async fn reference(storage: &Storage, seed: Seed) -> StorageResult<Reference> {
    match seed {
        Seed::Track(id) => {
            let track = storage.track_summary(id).await?;
            Ok(Reference {
                tracks: vec![track.id],
                artist: Some(track.artist_id),
                genre: track.genre.filter(|g| !g.trim().is_empty()),
                year: track.year,
            })
        }
        Seed::Album(id) => {
            let album = storage.album(id).await?;
            let mut tracks = storage.album_tracks(id).await?;
            tracks.sort_by_key(|t| std::cmp::Reverse(t.play_count));
            Ok(Reference {
                genre: album
                    .genre
                    .clone()
                    .or_else(|| tracks.iter().find_map(|t| t.genre.clone()))
                    .filter(|g| !g.trim().is_empty()),
                year: album.year.or_else(|| tracks.iter().find_map(|t| t.year)),
                tracks: tracks.iter().map(|t| t.id).collect(),
                artist: Some(album.artist_id),
            })
        }
        Seed::Artist(id) => {
            storage.artist(id).await?;
            let request = ListRequest {
                filter: Filter {
                    artist_id: Some(id),
                    available_only: true,
                    ..Filter::default()
                },
                sort: Sort::PlayCount,
                descending: true,
                after: None,
                limit: MAX_SIMILAR_SEEDS as i64,
                offset: 0,
            };
            let tracks = storage.browse_tracks(&request).await?;
            Ok(Reference {
                genre: most_common(tracks.iter().filter_map(|t| t.genre.clone())),
                year: tracks.iter().find_map(|t| t.year),
                tracks: tracks.iter().map(|t| t.id).collect(),
                artist: Some(id),
            })
        }
    }
}

/// The value seen most often (ignoring case and blanks); the first seen wins a tie.
fn most_common(values: impl Iterator<Item = String>) -> Option<String> {
    let mut counts: Vec<(String, usize)> = Vec::new();
    for value in values.filter(|v| !v.trim().is_empty()) {
        match counts
            .iter_mut()
            .find(|(seen, _)| seen.eq_ignore_ascii_case(&value))
        {
            Some((_, n)) => *n += 1,
            None => counts.push((value, 1)),
        }
    }
    let best = counts.iter().map(|(_, n)| *n).max()?;
    counts.into_iter().find(|(_, n)| *n == best).map(|(v, _)| v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_most_common_genre_wins_ignoring_case() {
        let values = ["Rock", "pop", "POP", "", "rock", "Pop"].map(String::from);
        assert_eq!(most_common(values.into_iter()), Some("pop".into()));
        assert_eq!(most_common(std::iter::empty()), None);
    }
}
