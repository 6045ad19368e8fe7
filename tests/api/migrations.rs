//! The schema as migrations create it, on both engines.

use juke::storage::Storage;

use crate::both_engines;

/// The reference schema's twelve tables, the database search engine's two, app passwords,
/// track ratings, album likes, radio stations, play queues, bookmarks, shares, invites and password resets.
pub(crate) const TABLES: [&str; 24] = [
    "album_likes",
    "albums",
    "app_passwords",
    "artists",
    "bookmarks",
    "invites",
    "password_resets",
    "play_history",
    "play_queue_entries",
    "play_queues",
    "playlist_tracks",
    "playlists",
    "radio_stations",
    "search_documents",
    "search_state",
    "shares",
    "track_comments",
    "track_ratings",
    "tracks",
    "upload_queue",
    "user_favorites",
    "user_following_artists",
    "user_sessions",
    "users",
];

async fn creates_the_tables(storage: &Storage) {
    assert_eq!(storage.table_names().await.unwrap(), TABLES);
}

async fn migrating_again_changes_nothing(storage: &Storage) {
    let tables = storage.table_names().await.unwrap();
    let triggers = storage.trigger_names().await.unwrap();
    let indexes = storage.index_names().await.unwrap();
    storage.migrate().await.expect("second migration run");
    storage.migrate().await.expect("third migration run");
    assert_eq!(storage.table_names().await.unwrap(), tables);
    assert_eq!(storage.trigger_names().await.unwrap(), triggers);
    assert_eq!(storage.index_names().await.unwrap(), indexes);
}

async fn creates_the_triggers(storage: &Storage) {
    let triggers = storage.trigger_names().await.unwrap();
    // updated_at on every table that has it, plus the counter triggers.
    for table in [
        "users",
        "artists",
        "albums",
        "tracks",
        "playlists",
        "track_comments",
        "radio_stations",
        "shares",
    ] {
        let name = format!("{table}_touch");
        assert!(triggers.contains(&name), "missing {name} in {triggers:?}");
    }
    for prefix in [
        "play_history_count",
        "user_favorites_count",
        "playlist_tracks_count",
    ] {
        assert!(
            triggers.iter().any(|t| t.starts_with(prefix)),
            "missing {prefix}* in {triggers:?}"
        );
    }
    assert!(
        triggers.iter().any(|t| t.starts_with("tracks_")),
        "{triggers:?}"
    );
}

async fn indexes_every_foreign_key_and_the_known_queries(storage: &Storage) {
    let indexes = storage.index_names().await.unwrap();
    for name in [
        "user_sessions_user_id_idx",
        "albums_artist_id_idx",
        "tracks_uploader_id_idx",
        "tracks_artist_id_idx",
        "tracks_album_order_idx",
        "playlists_user_id_idx",
        "playlist_tracks_track_id_idx",
        "playlist_tracks_added_by_idx",
        "user_favorites_track_id_idx",
        "user_following_artists_artist_id_idx",
        "track_comments_track_created_idx",
        "track_comments_user_id_idx",
        "idx_play_history_user_id",
        "idx_play_history_played_at",
        "play_history_track_id_idx",
        "play_history_user_recent_idx",
        "upload_queue_user_created_idx",
        "upload_queue_track_id_idx",
    ] {
        assert!(indexes.iter().any(|i| i == name), "missing index {name}");
    }
    if storage.engine() == juke::storage::Engine::Postgres {
        for gin in ["idx_tracks_title", "idx_artists_name", "idx_albums_title"] {
            assert!(indexes.iter().any(|i| i == gin), "missing GIN index {gin}");
        }
    }
}

both_engines!(
    creates_the_tables,
    migrating_again_changes_nothing,
    creates_the_triggers,
    indexes_every_foreign_key_and_the_known_queries,
);
