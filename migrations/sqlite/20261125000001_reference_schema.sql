-- The JUKE reference schema (12 tables) for SQLite.
-- Never edit this file once released: add a new migration with the same
-- version and name in migrations/postgres/ as well.
--
-- Dialect notes: UUIDs are 36-character lowercase text; timestamps are RFC 3339 UTC text with
-- milliseconds ('2026-11-25T10:00:00.000Z'), the same fixed width the storage layer binds, so
-- they sort as text; JSON columns are text checked with json_valid; booleans are 0/1.
-- ON DELETE rules are the same as PostgreSQL's; the reasons are written there.

CREATE TABLE users (
    id              TEXT PRIMARY KEY NOT NULL CHECK (length(id) = 36),
    username        TEXT NOT NULL CHECK (length(username) BETWEEN 1 AND 64),
    email           TEXT CHECK (email IS NULL OR length(email) BETWEEN 3 AND 254),
    password_hash   TEXT NOT NULL,
    first_name      TEXT,
    last_name       TEXT,
    avatar_url      TEXT,
    bio             TEXT,
    subscription    TEXT NOT NULL DEFAULT 'free' CHECK (subscription IN ('free', 'premium', 'family')),
    is_active       INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),
    email_verified  INTEGER NOT NULL DEFAULT 0 CHECK (email_verified IN (0, 1)),
    is_admin        INTEGER NOT NULL DEFAULT 0 CHECK (is_admin IN (0, 1)),
    created_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE UNIQUE INDEX users_username_lower_key ON users (lower(username));
CREATE UNIQUE INDEX users_email_lower_key ON users (lower(email));

CREATE TABLE user_sessions (
    id              TEXT PRIMARY KEY NOT NULL CHECK (length(id) = 36),
    user_id         TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    session_token   TEXT NOT NULL UNIQUE,
    expires_at      TEXT NOT NULL,
    created_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    last_used_at    TEXT,
    ip_address      TEXT,
    user_agent      TEXT
);
CREATE INDEX user_sessions_user_id_idx ON user_sessions (user_id);
CREATE INDEX user_sessions_expires_at_idx ON user_sessions (expires_at);

CREATE TABLE artists (
    id              TEXT PRIMARY KEY NOT NULL CHECK (length(id) = 36),
    name            TEXT NOT NULL CHECK (length(name) >= 1),
    bio             TEXT,
    image_url       TEXT,
    website_url     TEXT,
    social_links    TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(social_links) AND json_type(social_links) = 'object'),
    verified        INTEGER NOT NULL DEFAULT 0 CHECK (verified IN (0, 1)),
    musicbrainz_id  TEXT,
    created_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX artists_name_lower_idx ON artists (lower(name));

CREATE TABLE albums (
    id               TEXT PRIMARY KEY NOT NULL CHECK (length(id) = 36),
    title            TEXT NOT NULL CHECK (length(title) >= 1),
    artist_id        TEXT NOT NULL REFERENCES artists (id) ON DELETE RESTRICT,
    release_date     TEXT,
    cover_image_url  TEXT,
    description      TEXT,
    genre            TEXT,
    label            TEXT,
    total_tracks     INTEGER NOT NULL DEFAULT 0 CHECK (total_tracks >= 0),
    duration_seconds INTEGER NOT NULL DEFAULT 0 CHECK (duration_seconds >= 0),
    musicbrainz_id   TEXT,
    created_at       TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at       TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX albums_artist_id_idx ON albums (artist_id);
CREATE INDEX albums_created_at_idx ON albums (created_at);

CREATE TABLE tracks (
    id               TEXT PRIMARY KEY NOT NULL CHECK (length(id) = 36),
    title            TEXT NOT NULL CHECK (length(title) >= 1),
    uploader_id      TEXT REFERENCES users (id) ON DELETE SET NULL,
    artist_id        TEXT NOT NULL REFERENCES artists (id) ON DELETE RESTRICT,
    album_id         TEXT REFERENCES albums (id) ON DELETE SET NULL,
    album            TEXT,
    cover_image_url  TEXT,
    audio_url        TEXT,
    video_url        TEXT,
    file_path        TEXT UNIQUE,
    file_size        INTEGER CHECK (file_size >= 0),
    duration_seconds INTEGER NOT NULL DEFAULT 0 CHECK (duration_seconds >= 0),
    bitrate          INTEGER CHECK (bitrate >= 0),
    sample_rate      INTEGER CHECK (sample_rate >= 0),
    track_number     INTEGER CHECK (track_number >= 0),
    disc_number      INTEGER CHECK (disc_number >= 0),
    channels         INTEGER CHECK (channels >= 0),
    genre            TEXT,
    lyrics           TEXT,
    metadata         TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(metadata) AND json_type(metadata) = 'object'),
    play_count       INTEGER NOT NULL DEFAULT 0 CHECK (play_count >= 0),
    like_count       INTEGER NOT NULL DEFAULT 0 CHECK (like_count >= 0),
    is_explicit      INTEGER NOT NULL DEFAULT 0 CHECK (is_explicit IN (0, 1)),
    is_available     INTEGER NOT NULL DEFAULT 1 CHECK (is_available IN (0, 1)),
    release_date     TEXT,
    content_hash     TEXT,
    file_mtime       TEXT,
    created_at       TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at       TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX tracks_uploader_id_idx ON tracks (uploader_id);
CREATE INDEX tracks_artist_id_idx ON tracks (artist_id);
CREATE INDEX tracks_album_order_idx ON tracks (album_id, disc_number, track_number);
CREATE INDEX tracks_created_at_idx ON tracks (created_at);
CREATE INDEX tracks_content_hash_idx ON tracks (content_hash);

CREATE TABLE playlists (
    id               TEXT PRIMARY KEY NOT NULL CHECK (length(id) = 36),
    user_id          TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name             TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    description      TEXT,
    cover_image_url  TEXT,
    is_public        INTEGER NOT NULL DEFAULT 0 CHECK (is_public IN (0, 1)),
    is_collaborative INTEGER NOT NULL DEFAULT 0 CHECK (is_collaborative IN (0, 1)),
    track_count      INTEGER NOT NULL DEFAULT 0 CHECK (track_count >= 0),
    total_duration   INTEGER NOT NULL DEFAULT 0 CHECK (total_duration >= 0),
    created_at       TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at       TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX playlists_user_id_idx ON playlists (user_id);

CREATE TABLE playlist_tracks (
    id           TEXT PRIMARY KEY NOT NULL CHECK (length(id) = 36),
    playlist_id  TEXT NOT NULL REFERENCES playlists (id) ON DELETE CASCADE,
    track_id     TEXT NOT NULL REFERENCES tracks (id) ON DELETE CASCADE,
    added_at     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    added_by     TEXT REFERENCES users (id) ON DELETE SET NULL,
    position     INTEGER NOT NULL CHECK (position >= 0),
    CONSTRAINT playlist_tracks_position_key UNIQUE (playlist_id, position)
);
CREATE INDEX playlist_tracks_track_id_idx ON playlist_tracks (track_id);
CREATE INDEX playlist_tracks_added_by_idx ON playlist_tracks (added_by);

CREATE TABLE user_favorites (
    id          TEXT PRIMARY KEY NOT NULL CHECK (length(id) = 36),
    user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    track_id    TEXT NOT NULL REFERENCES tracks (id) ON DELETE CASCADE,
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    CONSTRAINT user_favorites_user_track_key UNIQUE (user_id, track_id)
);
CREATE INDEX user_favorites_track_id_idx ON user_favorites (track_id);

CREATE TABLE user_following_artists (
    id          TEXT PRIMARY KEY NOT NULL CHECK (length(id) = 36),
    user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    artist_id   TEXT NOT NULL REFERENCES artists (id) ON DELETE CASCADE,
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    CONSTRAINT user_following_artists_user_artist_key UNIQUE (user_id, artist_id)
);
CREATE INDEX user_following_artists_artist_id_idx ON user_following_artists (artist_id);

CREATE TABLE track_comments (
    id          TEXT PRIMARY KEY NOT NULL CHECK (length(id) = 36),
    track_id    TEXT NOT NULL REFERENCES tracks (id) ON DELETE CASCADE,
    user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    body        TEXT NOT NULL CHECK (length(body) BETWEEN 1 AND 2000),
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX track_comments_track_created_idx ON track_comments (track_id, created_at DESC);
CREATE INDEX track_comments_user_id_idx ON track_comments (user_id);

CREATE TABLE play_history (
    id               TEXT PRIMARY KEY NOT NULL CHECK (length(id) = 36),
    user_id          TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    track_id         TEXT NOT NULL REFERENCES tracks (id) ON DELETE CASCADE,
    played_at        TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    duration_played  INTEGER NOT NULL DEFAULT 0 CHECK (duration_played >= 0),
    device_type      TEXT,
    source_type      TEXT
);
CREATE INDEX idx_play_history_user_id ON play_history (user_id);
CREATE INDEX idx_play_history_played_at ON play_history (played_at);
CREATE INDEX play_history_track_id_idx ON play_history (track_id);
CREATE INDEX play_history_user_recent_idx ON play_history (user_id, played_at DESC);

CREATE TABLE upload_queue (
    id              TEXT PRIMARY KEY NOT NULL CHECK (length(id) = 36),
    user_id         TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    file_name       TEXT NOT NULL,
    original_name   TEXT NOT NULL,
    file_path       TEXT NOT NULL,
    file_size       INTEGER NOT NULL CHECK (file_size >= 0),
    mime_type       TEXT,
    upload_status   TEXT NOT NULL DEFAULT 'pending'
                    CHECK (upload_status IN ('pending', 'processing', 'completed', 'failed')),
    processing_log  TEXT,
    track_id        TEXT REFERENCES tracks (id) ON DELETE SET NULL,
    created_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    processed_at    TEXT
);
CREATE INDEX upload_queue_user_created_idx ON upload_queue (user_id, created_at DESC);
CREATE INDEX upload_queue_status_idx ON upload_queue (upload_status);
CREATE INDEX upload_queue_track_id_idx ON upload_queue (track_id);

-- updated_at maintenance: every update stamps the row unless it set updated_at itself.
-- (recursive_triggers is off, so the inner UPDATE does not fire these again.)
CREATE TRIGGER users_touch AFTER UPDATE ON users FOR EACH ROW WHEN NEW.updated_at IS OLD.updated_at
BEGIN UPDATE users SET updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = NEW.id; END;
CREATE TRIGGER artists_touch AFTER UPDATE ON artists FOR EACH ROW WHEN NEW.updated_at IS OLD.updated_at
BEGIN UPDATE artists SET updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = NEW.id; END;
CREATE TRIGGER albums_touch AFTER UPDATE ON albums FOR EACH ROW WHEN NEW.updated_at IS OLD.updated_at
BEGIN UPDATE albums SET updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = NEW.id; END;
CREATE TRIGGER tracks_touch AFTER UPDATE ON tracks FOR EACH ROW WHEN NEW.updated_at IS OLD.updated_at
BEGIN UPDATE tracks SET updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = NEW.id; END;
CREATE TRIGGER playlists_touch AFTER UPDATE ON playlists FOR EACH ROW WHEN NEW.updated_at IS OLD.updated_at
BEGIN UPDATE playlists SET updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = NEW.id; END;
CREATE TRIGGER track_comments_touch AFTER UPDATE ON track_comments FOR EACH ROW WHEN NEW.updated_at IS OLD.updated_at
BEGIN UPDATE track_comments SET updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = NEW.id; END;

-- tracks.play_count = COUNT(play_history) for the track.
CREATE TRIGGER play_history_count_insert AFTER INSERT ON play_history FOR EACH ROW
BEGIN UPDATE tracks SET play_count = play_count + 1 WHERE id = NEW.track_id; END;
CREATE TRIGGER play_history_count_delete AFTER DELETE ON play_history FOR EACH ROW
BEGIN UPDATE tracks SET play_count = play_count - 1 WHERE id = OLD.track_id; END;
CREATE TRIGGER play_history_count_update AFTER UPDATE OF track_id ON play_history FOR EACH ROW
BEGIN
    UPDATE tracks SET play_count = play_count - 1 WHERE id = OLD.track_id;
    UPDATE tracks SET play_count = play_count + 1 WHERE id = NEW.track_id;
END;

-- tracks.like_count = COUNT(user_favorites) for the track.
CREATE TRIGGER user_favorites_count_insert AFTER INSERT ON user_favorites FOR EACH ROW
BEGIN UPDATE tracks SET like_count = like_count + 1 WHERE id = NEW.track_id; END;
CREATE TRIGGER user_favorites_count_delete AFTER DELETE ON user_favorites FOR EACH ROW
BEGIN UPDATE tracks SET like_count = like_count - 1 WHERE id = OLD.track_id; END;
CREATE TRIGGER user_favorites_count_update AFTER UPDATE OF track_id ON user_favorites FOR EACH ROW
BEGIN
    UPDATE tracks SET like_count = like_count - 1 WHERE id = OLD.track_id;
    UPDATE tracks SET like_count = like_count + 1 WHERE id = NEW.track_id;
END;

-- playlists.track_count / total_duration; deletes recompute (see the PostgreSQL migration for why).
CREATE TRIGGER playlist_tracks_count_insert AFTER INSERT ON playlist_tracks FOR EACH ROW
BEGIN
    UPDATE playlists SET
        track_count = track_count + 1,
        total_duration = total_duration + (SELECT duration_seconds FROM tracks WHERE id = NEW.track_id)
    WHERE id = NEW.playlist_id;
END;
-- (Skipped when the playlist itself is being deleted: SQLite removes the parent row before its
-- cascade, and recounting a vanishing playlist per entry would be quadratic.)
CREATE TRIGGER playlist_tracks_count_delete AFTER DELETE ON playlist_tracks FOR EACH ROW
WHEN EXISTS (SELECT 1 FROM playlists WHERE id = OLD.playlist_id)
BEGIN
    UPDATE playlists SET
        track_count = (SELECT count(*) FROM playlist_tracks WHERE playlist_id = OLD.playlist_id),
        total_duration = (SELECT COALESCE(sum(t.duration_seconds), 0)
                          FROM playlist_tracks pt JOIN tracks t ON t.id = pt.track_id
                          WHERE pt.playlist_id = OLD.playlist_id)
    WHERE id = OLD.playlist_id;
END;
CREATE TRIGGER playlist_tracks_count_update AFTER UPDATE OF playlist_id, track_id ON playlist_tracks FOR EACH ROW
BEGIN
    UPDATE playlists SET
        track_count = (SELECT count(*) FROM playlist_tracks WHERE playlist_id = playlists.id),
        total_duration = (SELECT COALESCE(sum(t.duration_seconds), 0)
                          FROM playlist_tracks pt JOIN tracks t ON t.id = pt.track_id
                          WHERE pt.playlist_id = playlists.id)
    WHERE id IN (OLD.playlist_id, NEW.playlist_id);
END;

-- Entry positions stay contiguous (0..n-1) whatever deletes entries: an explicit removal, or a
-- cascade from a deleted track. Positions are unique row by row, so the entries above the gap
-- are first moved out of the way (+1e9), then down into place. SQLite fires row triggers as
-- each row goes, so OLD.position is always current.
CREATE TRIGGER playlist_tracks_close_gap AFTER DELETE ON playlist_tracks FOR EACH ROW
WHEN EXISTS (SELECT 1 FROM playlists WHERE id = OLD.playlist_id)
BEGIN
    UPDATE playlist_tracks SET position = position + 1000000000
     WHERE playlist_id = OLD.playlist_id AND position > OLD.position AND position < 1000000000;
    UPDATE playlist_tracks SET position = position - 1000000001
     WHERE playlist_id = OLD.playlist_id AND position >= 1000000000 AND position < 2000000000;
END;

-- albums.total_tracks / duration_seconds = COUNT / SUM over the album's tracks.
CREATE TRIGGER tracks_album_stats_insert AFTER INSERT ON tracks FOR EACH ROW WHEN NEW.album_id IS NOT NULL
BEGIN
    UPDATE albums SET
        total_tracks = (SELECT count(*) FROM tracks WHERE album_id = NEW.album_id),
        duration_seconds = (SELECT COALESCE(sum(duration_seconds), 0) FROM tracks WHERE album_id = NEW.album_id)
    WHERE id = NEW.album_id;
END;
CREATE TRIGGER tracks_album_stats_delete AFTER DELETE ON tracks FOR EACH ROW WHEN OLD.album_id IS NOT NULL
BEGIN
    UPDATE albums SET
        total_tracks = (SELECT count(*) FROM tracks WHERE album_id = OLD.album_id),
        duration_seconds = (SELECT COALESCE(sum(duration_seconds), 0) FROM tracks WHERE album_id = OLD.album_id)
    WHERE id = OLD.album_id;
END;
CREATE TRIGGER tracks_album_stats_update AFTER UPDATE OF album_id, duration_seconds ON tracks FOR EACH ROW
BEGIN
    UPDATE albums SET
        total_tracks = (SELECT count(*) FROM tracks WHERE album_id = albums.id),
        duration_seconds = (SELECT COALESCE(sum(duration_seconds), 0) FROM tracks WHERE album_id = albums.id)
    WHERE id IN (OLD.album_id, NEW.album_id);
END;
CREATE TRIGGER tracks_playlist_duration_update AFTER UPDATE OF duration_seconds ON tracks FOR EACH ROW
WHEN NEW.duration_seconds <> OLD.duration_seconds
BEGIN
    UPDATE playlists SET total_duration = total_duration
        + (NEW.duration_seconds - OLD.duration_seconds)
          * (SELECT count(*) FROM playlist_tracks pt WHERE pt.playlist_id = playlists.id AND pt.track_id = NEW.id)
    WHERE id IN (SELECT playlist_id FROM playlist_tracks WHERE track_id = NEW.id);
END;
