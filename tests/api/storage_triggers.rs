//! The triggers keep every counter equal to a fresh COUNT/SUM, whatever sequence of inserts,
//! deletes and moves happens. A seeded random walk of several hundred operations is checked
//! against a model kept by the test and against the database's own recount.

use std::collections::{BTreeMap, BTreeSet};

use chrono::Utc;
use juke::storage::{Id, NewPlay, NewPlaylist, Storage, StorageError};
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};

use crate::both_engines;
use crate::helpers::{album, artist, track, user};

const OPERATIONS: usize = 400;

#[derive(Default)]
struct Model {
    users: Vec<Id>,
    artists: Vec<Id>,
    albums: BTreeSet<Id>,
    /// track → (album, duration)
    tracks: BTreeMap<Id, (Option<Id>, i32)>,
    /// play id → track
    plays: BTreeMap<Id, Id>,
    favorites: BTreeSet<(Id, Id)>,
    /// playlist → entries in order: (entry id, track)
    playlists: BTreeMap<Id, Vec<(Id, Id)>>,
}

impl Model {
    fn random_track(&self, rng: &mut StdRng) -> Option<Id> {
        let ids: Vec<Id> = self.tracks.keys().copied().collect();
        ids.choose(rng).copied()
    }

    fn random_album(&self, rng: &mut StdRng) -> Option<Id> {
        let ids: Vec<Id> = self.albums.iter().copied().collect();
        if rng.random_bool(0.2) {
            None
        } else {
            ids.choose(rng).copied()
        }
    }

    fn random_playlist(&self, rng: &mut StdRng) -> Id {
        let ids: Vec<Id> = self.playlists.keys().copied().collect();
        *ids.choose(rng).expect("playlists exist")
    }

    fn forget_track(&mut self, id: Id) {
        self.tracks.remove(&id);
        self.plays.retain(|_, t| *t != id);
        self.favorites.retain(|(_, t)| *t != id);
        for entries in self.playlists.values_mut() {
            entries.retain(|(_, t)| *t != id);
        }
    }
}

async fn counters_stay_true_under_random_operations(storage: &Storage) {
    let seed: u64 = std::env::var("JUKE_TEST_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| rand::rng().random());
    println!("counter walk seed: {seed} (set JUKE_TEST_SEED to replay)");
    let mut rng = StdRng::seed_from_u64(seed);
    let mut m = Model::default();
    for name in ["ann", "ben", "cat"] {
        m.users.push(user(storage, name).await.id);
    }
    for name in ["Artist A", "Artist B"] {
        m.artists.push(artist(storage, name).await.id);
    }
    for i in 0..4 {
        let artist_id = m.artists[i % 2];
        m.albums
            .insert(album(storage, artist_id, &format!("Album {i}")).await.id);
    }
    for owner in [m.users[0], m.users[1]] {
        let p = storage
            .create_playlist(&NewPlaylist {
                user_id: owner,
                name: "mix".into(),
                ..Default::default()
            })
            .await
            .unwrap();
        m.playlists.insert(p.id, Vec::new());
    }

    for step in 0..OPERATIONS {
        let op = rng.random_range(0..13);
        apply(storage, &mut m, &mut rng, op).await;
        if step % 50 == 49 {
            check(storage, &m, seed, step).await;
        }
    }
    check(storage, &m, seed, OPERATIONS).await;
}

async fn apply(storage: &Storage, m: &mut Model, rng: &mut StdRng, op: u32) {
    let track_id = m.random_track(rng);
    let user_id = *m.users.choose(rng).unwrap();
    match (op, track_id) {
        (0 | 1, _) | (_, None) => {
            let album_id = m.random_album(rng);
            let seconds = rng.random_range(0..600);
            let artist_id = *m.artists.choose(rng).unwrap();
            let t = track(storage, artist_id, album_id, seconds).await;
            m.tracks.insert(t.id, (album_id, seconds));
        }
        (2, Some(t)) => {
            storage.delete_track(t).await.unwrap();
            m.forget_track(t);
        }
        (3, Some(t)) => {
            let album_id = m.random_album(rng);
            storage.set_track_album(t, album_id).await.unwrap();
            m.tracks.get_mut(&t).unwrap().0 = album_id;
        }
        (4, Some(t)) => {
            let seconds = rng.random_range(0..900);
            storage.set_track_duration(t, seconds).await.unwrap();
            m.tracks.get_mut(&t).unwrap().1 = seconds;
        }
        (5 | 6, Some(t)) => {
            let play = storage
                .record_play(&NewPlay {
                    user_id,
                    track_id: t,
                    played_at: Utc::now(),
                    duration_played: rng.random_range(0..300),
                    device_type: Some("web".into()),
                    source_type: None,
                })
                .await
                .unwrap();
            m.plays.insert(play.id, t);
        }
        (7, Some(_)) => {
            let ids: Vec<Id> = m.plays.keys().copied().collect();
            if let Some(&play) = ids.choose(rng) {
                storage.delete_play(play).await.unwrap();
                m.plays.remove(&play);
            }
        }
        (8, Some(t)) => {
            let result = storage.add_favorite(user_id, t).await;
            if m.favorites.insert((user_id, t)) {
                result.unwrap();
            } else {
                assert!(
                    matches!(result, Err(StorageError::Conflict(_))),
                    "{result:?}"
                );
            }
        }
        (9, Some(t)) => {
            let result = storage.remove_favorite(user_id, t).await;
            if m.favorites.remove(&(user_id, t)) {
                result.unwrap();
            } else {
                assert!(matches!(result, Err(StorageError::NotFound)), "{result:?}");
            }
        }
        (10, Some(_)) => {
            let p = m.random_playlist(rng);
            let count = rng.random_range(1..4);
            let tracks: Vec<Id> = (0..count).filter_map(|_| m.random_track(rng)).collect();
            let len = m.playlists[&p].len() as i32;
            let position = if rng.random_bool(0.5) {
                None
            } else {
                Some(rng.random_range(0..=len + 2))
            };
            let added = storage
                .add_playlist_entries(p, &tracks, position, Some(user_id))
                .await
                .unwrap();
            let at = position.map_or(len, |p| p.min(len)) as usize;
            let entries = m.playlists.get_mut(&p).unwrap();
            for (i, e) in added.iter().enumerate() {
                assert_eq!(e.position as usize, at + i);
                entries.insert(at + i, (e.id, e.track_id));
            }
        }
        (11, Some(_)) => {
            let p = m.random_playlist(rng);
            let entries = m.playlists.get_mut(&p).unwrap();
            if !entries.is_empty() {
                let i = rng.random_range(0..entries.len());
                storage
                    .remove_playlist_entry(p, entries[i].0)
                    .await
                    .unwrap();
                entries.remove(i);
            }
        }
        (_, Some(_)) => {
            let p = m.random_playlist(rng);
            let entries = m.playlists.get_mut(&p).unwrap();
            if !entries.is_empty() {
                let from = rng.random_range(0..entries.len());
                let to = rng.random_range(0..entries.len());
                let moved = storage
                    .move_playlist_entry(p, entries[from].0, to as i32)
                    .await
                    .unwrap();
                assert_eq!(moved.position as usize, to);
                let entry = entries.remove(from);
                entries.insert(to, entry);
            }
        }
    }
}

async fn check(storage: &Storage, m: &Model, seed: u64, step: usize) {
    let ctx = format!("seed {seed}, after step {step}");
    let drift = storage.counter_drift().await.unwrap();
    assert!(drift.is_empty(), "{ctx}: counters drifted: {drift:#?}");
    for (&id, &(album_id, seconds)) in &m.tracks {
        let t = storage.track(id).await.unwrap();
        assert_eq!(
            (t.album_id, t.duration_seconds),
            (album_id, seconds),
            "{ctx}"
        );
        let plays = m.plays.values().filter(|&&p| p == id).count() as i64;
        let likes = m.favorites.iter().filter(|(_, tr)| *tr == id).count() as i64;
        assert_eq!(t.play_count, plays, "{ctx}: play_count of {id}");
        assert_eq!(t.like_count, likes, "{ctx}: like_count of {id}");
    }
    for &id in &m.albums {
        let a = storage.album(id).await.unwrap();
        let tracks: Vec<i32> = m
            .tracks
            .values()
            .filter(|(al, _)| *al == Some(id))
            .map(|t| t.1)
            .collect();
        assert_eq!(
            a.total_tracks as usize,
            tracks.len(),
            "{ctx}: total_tracks of {id}"
        );
        assert_eq!(
            a.duration_seconds,
            tracks.iter().sum::<i32>(),
            "{ctx}: duration of {id}"
        );
    }
    for (&id, entries) in &m.playlists {
        let p = storage.playlist(id).await.unwrap();
        let duration: i64 = entries.iter().map(|(_, t)| m.tracks[t].1 as i64).sum();
        assert_eq!(
            p.track_count as usize,
            entries.len(),
            "{ctx}: track_count of {id}"
        );
        assert_eq!(p.total_duration, duration, "{ctx}: total_duration of {id}");
        let stored = storage.playlist_entries(id).await.unwrap();
        let order: Vec<(Id, Id)> = stored.iter().map(|e| (e.id, e.track_id)).collect();
        assert_eq!(&order, entries, "{ctx}: entry order of {id}");
        for (i, e) in stored.iter().enumerate() {
            assert_eq!(e.position as usize, i, "{ctx}: positions are contiguous");
        }
    }
}

async fn deleting_a_track_listed_twice_keeps_playlist_totals_right(storage: &Storage) {
    let u = user(storage, "u").await;
    let a = artist(storage, "A").await;
    let al = album(storage, a.id, "Al").await;
    let long = track(storage, a.id, Some(al.id), 300).await;
    let short = track(storage, a.id, Some(al.id), 20).await;
    let p = storage
        .create_playlist(&NewPlaylist {
            user_id: u.id,
            name: "p".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    storage
        .add_playlist_entries(p.id, &[long.id, short.id, long.id], None, None)
        .await
        .unwrap();
    assert_eq!(storage.playlist(p.id).await.unwrap().total_duration, 620);
    storage.set_track_duration(long.id, 310).await.unwrap();
    assert_eq!(storage.playlist(p.id).await.unwrap().total_duration, 640);
    storage.delete_track(long.id).await.unwrap();
    let p = storage.playlist(p.id).await.unwrap();
    assert_eq!((p.track_count, p.total_duration), (1, 20));
    let al = storage.album(al.id).await.unwrap();
    assert_eq!((al.total_tracks, al.duration_seconds), (1, 20));
    storage.delete_playlist(p.id).await.unwrap();
    assert!(
        storage.playlist_entries(p.id).await.unwrap().is_empty(),
        "entries go with it"
    );
    assert!(storage.counter_drift().await.unwrap().is_empty());
}

both_engines!(
    counters_stay_true_under_random_operations,
    deleting_a_track_listed_twice_keeps_playlist_totals_right,
);
