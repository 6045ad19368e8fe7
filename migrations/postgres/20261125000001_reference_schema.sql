-- The JUKE reference schema (12 tables) for PostgreSQL.
-- Never edit this file once released: add a new migration with the same
-- version and name in migrations/sqlite/ as well.
--
-- ON DELETE rules, and why:
--   user_sessions.user_id        CASCADE   a session means nothing without its user
--   playlists.user_id            CASCADE   a playlist is owned; users are normally soft-deleted, a hard delete erases
--   playlist_tracks.playlist_id  CASCADE   entries are part of their playlist
--   playlist_tracks.track_id     CASCADE   a track gone from the library leaves no dangling entry (counters follow by trigger)
--   playlist_tracks.added_by     SET NULL  the entry stays in a shared playlist when a collaborator is erased
--   user_favorites.*             CASCADE   a like is a pure link row
--   user_following_artists.*     CASCADE   a follow is a pure link row
--   track_comments.track_id      CASCADE   a comment is about its track
--   track_comments.user_id       CASCADE   erasing a user erases what they wrote
--   play_history.*               CASCADE   history is about a user and a track; play_count follows by trigger
--   upload_queue.user_id         CASCADE   the queue is the uploader's own
--   upload_queue.track_id        SET NULL  the log survives the track it produced
--   tracks.uploader_id           SET NULL  shared library music must not vanish with the account that uploaded it
--   tracks.album_id              SET NULL  a track outlives its album entity (it becomes a single)
--   tracks.artist_id             RESTRICT  an artist with tracks cannot disappear by accident
--   albums.artist_id             RESTRICT  likewise for albums: the library removes tracks and albums first

CREATE TABLE users (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    username        text NOT NULL CHECK (char_length(username) BETWEEN 1 AND 64),
    email           text CHECK (email IS NULL OR char_length(email) BETWEEN 3 AND 254),
    password_hash   text NOT NULL,
    first_name      text,
    last_name       text,
    avatar_url      text,
    bio             text,
    subscription    text NOT NULL DEFAULT 'free' CHECK (subscription IN ('free', 'premium', 'family')),
    is_active       boolean NOT NULL DEFAULT true,
    email_verified  boolean NOT NULL DEFAULT false,
    is_admin        boolean NOT NULL DEFAULT false,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_username_lower_key ON users (lower(username));
CREATE UNIQUE INDEX users_email_lower_key ON users (lower(email));

CREATE TABLE user_sessions (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id         uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    session_token   text NOT NULL UNIQUE,
    expires_at      timestamptz NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    last_used_at    timestamptz,
    ip_address      text,
    user_agent      text
);
CREATE INDEX user_sessions_user_id_idx ON user_sessions (user_id);
CREATE INDEX user_sessions_expires_at_idx ON user_sessions (expires_at);

CREATE TABLE artists (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name            text NOT NULL CHECK (char_length(name) >= 1),
    bio             text,
    image_url       text,
    website_url     text,
    social_links    jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(social_links) = 'object'),
    verified        boolean NOT NULL DEFAULT false,
    musicbrainz_id  text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_artists_name ON artists USING gin (to_tsvector('english', name));
CREATE INDEX artists_name_lower_idx ON artists (lower(name));

CREATE TABLE albums (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    title            text NOT NULL CHECK (char_length(title) >= 1),
    artist_id        uuid NOT NULL REFERENCES artists (id) ON DELETE RESTRICT,
    release_date     date,
    cover_image_url  text,
    description      text,
    genre            text,
    label            text,
    total_tracks     integer NOT NULL DEFAULT 0 CHECK (total_tracks >= 0),
    duration_seconds integer NOT NULL DEFAULT 0 CHECK (duration_seconds >= 0),
    musicbrainz_id   text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX albums_artist_id_idx ON albums (artist_id);
CREATE INDEX idx_albums_title ON albums USING gin (to_tsvector('english', title));
CREATE INDEX albums_created_at_idx ON albums (created_at);

CREATE TABLE tracks (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    title            text NOT NULL CHECK (char_length(title) >= 1),
    uploader_id      uuid REFERENCES users (id) ON DELETE SET NULL,
    artist_id        uuid NOT NULL REFERENCES artists (id) ON DELETE RESTRICT,
    album_id         uuid REFERENCES albums (id) ON DELETE SET NULL,
    album            text,
    cover_image_url  text,
    audio_url        text,
    video_url        text,
    file_path        text UNIQUE,
    file_size        bigint CHECK (file_size >= 0),
    duration_seconds integer NOT NULL DEFAULT 0 CHECK (duration_seconds >= 0),
    bitrate          integer CHECK (bitrate >= 0),
    sample_rate      integer CHECK (sample_rate >= 0),
    track_number     integer CHECK (track_number >= 0),
    disc_number      integer CHECK (disc_number >= 0),
    channels         integer CHECK (channels >= 0),
    genre            text,
    lyrics           text,
    metadata         jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(metadata) = 'object'),
    play_count       bigint NOT NULL DEFAULT 0 CHECK (play_count >= 0),
    like_count       bigint NOT NULL DEFAULT 0 CHECK (like_count >= 0),
    is_explicit      boolean NOT NULL DEFAULT false,
    is_available     boolean NOT NULL DEFAULT true,
    release_date     date,
    content_hash     text,
    file_mtime       timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tracks_uploader_id_idx ON tracks (uploader_id);
CREATE INDEX tracks_artist_id_idx ON tracks (artist_id);
CREATE INDEX tracks_album_order_idx ON tracks (album_id, disc_number, track_number);
CREATE INDEX tracks_created_at_idx ON tracks (created_at);
CREATE INDEX tracks_content_hash_idx ON tracks (content_hash);
CREATE INDEX idx_tracks_title ON tracks USING gin (to_tsvector('english', title));

CREATE TABLE playlists (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id          uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name             text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
    description      text,
    cover_image_url  text,
    is_public        boolean NOT NULL DEFAULT false,
    is_collaborative boolean NOT NULL DEFAULT false,
    track_count      integer NOT NULL DEFAULT 0 CHECK (track_count >= 0),
    total_duration   bigint NOT NULL DEFAULT 0 CHECK (total_duration >= 0),
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX playlists_user_id_idx ON playlists (user_id);

CREATE TABLE playlist_tracks (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    playlist_id  uuid NOT NULL REFERENCES playlists (id) ON DELETE CASCADE,
    track_id     uuid NOT NULL REFERENCES tracks (id) ON DELETE CASCADE,
    added_at     timestamptz NOT NULL DEFAULT now(),
    added_by     uuid REFERENCES users (id) ON DELETE SET NULL,
    position     integer NOT NULL CHECK (position >= 0),
    CONSTRAINT playlist_tracks_position_key UNIQUE (playlist_id, position)
);
CREATE INDEX playlist_tracks_track_id_idx ON playlist_tracks (track_id);
CREATE INDEX playlist_tracks_added_by_idx ON playlist_tracks (added_by);

CREATE TABLE user_favorites (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    track_id    uuid NOT NULL REFERENCES tracks (id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT user_favorites_user_track_key UNIQUE (user_id, track_id)
);
CREATE INDEX user_favorites_track_id_idx ON user_favorites (track_id);

CREATE TABLE user_following_artists (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    artist_id   uuid NOT NULL REFERENCES artists (id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT user_following_artists_user_artist_key UNIQUE (user_id, artist_id)
);
CREATE INDEX user_following_artists_artist_id_idx ON user_following_artists (artist_id);

CREATE TABLE track_comments (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    track_id    uuid NOT NULL REFERENCES tracks (id) ON DELETE CASCADE,
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    body        text NOT NULL CHECK (char_length(body) BETWEEN 1 AND 2000),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX track_comments_track_created_idx ON track_comments (track_id, created_at DESC);
CREATE INDEX track_comments_user_id_idx ON track_comments (user_id);

CREATE TABLE play_history (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id          uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    track_id         uuid NOT NULL REFERENCES tracks (id) ON DELETE CASCADE,
    played_at        timestamptz NOT NULL DEFAULT now(),
    duration_played  integer NOT NULL DEFAULT 0 CHECK (duration_played >= 0),
    device_type      text,
    source_type      text
);
CREATE INDEX idx_play_history_user_id ON play_history (user_id);
CREATE INDEX idx_play_history_played_at ON play_history (played_at);
CREATE INDEX play_history_track_id_idx ON play_history (track_id);
CREATE INDEX play_history_user_recent_idx ON play_history (user_id, played_at DESC);

CREATE TABLE upload_queue (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id         uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    file_name       text NOT NULL,
    original_name   text NOT NULL,
    file_path       text NOT NULL,
    file_size       bigint NOT NULL CHECK (file_size >= 0),
    mime_type       text,
    upload_status   text NOT NULL DEFAULT 'pending'
                    CHECK (upload_status IN ('pending', 'processing', 'completed', 'failed')),
    processing_log  text,
    track_id        uuid REFERENCES tracks (id) ON DELETE SET NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    processed_at    timestamptz
);
CREATE INDEX upload_queue_user_created_idx ON upload_queue (user_id, created_at DESC);
CREATE INDEX upload_queue_status_idx ON upload_queue (upload_status);
CREATE INDEX upload_queue_track_id_idx ON upload_queue (track_id);

-- updated_at maintenance: every update stamps the row unless it set updated_at itself.
CREATE FUNCTION juke_touch_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.updated_at IS NOT DISTINCT FROM OLD.updated_at THEN
        NEW.updated_at := now();
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER users_touch BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION juke_touch_updated_at();
CREATE TRIGGER artists_touch BEFORE UPDATE ON artists FOR EACH ROW EXECUTE FUNCTION juke_touch_updated_at();
CREATE TRIGGER albums_touch BEFORE UPDATE ON albums FOR EACH ROW EXECUTE FUNCTION juke_touch_updated_at();
CREATE TRIGGER tracks_touch BEFORE UPDATE ON tracks FOR EACH ROW EXECUTE FUNCTION juke_touch_updated_at();
CREATE TRIGGER playlists_touch BEFORE UPDATE ON playlists FOR EACH ROW EXECUTE FUNCTION juke_touch_updated_at();
CREATE TRIGGER track_comments_touch BEFORE UPDATE ON track_comments FOR EACH ROW EXECUTE FUNCTION juke_touch_updated_at();

-- tracks.play_count = COUNT(play_history) for the track.
CREATE FUNCTION juke_count_plays() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        UPDATE tracks SET play_count = play_count + 1 WHERE id = NEW.track_id;
    END IF;
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        UPDATE tracks SET play_count = play_count - 1 WHERE id = OLD.track_id;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER play_history_count AFTER INSERT OR DELETE OR UPDATE OF track_id ON play_history
    FOR EACH ROW EXECUTE FUNCTION juke_count_plays();

-- tracks.like_count = COUNT(user_favorites) for the track.
CREATE FUNCTION juke_count_likes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        UPDATE tracks SET like_count = like_count + 1 WHERE id = NEW.track_id;
    END IF;
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        UPDATE tracks SET like_count = like_count - 1 WHERE id = OLD.track_id;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER user_favorites_count AFTER INSERT OR DELETE OR UPDATE OF track_id ON user_favorites
    FOR EACH ROW EXECUTE FUNCTION juke_count_likes();

-- playlists.track_count / total_duration. Deletes recompute the duration rather than subtract,
-- because when a track is deleted its playlist entries are removed by cascade after the track
-- row is gone, so its duration can no longer be read.
CREATE FUNCTION juke_playlist_stats(target uuid) RETURNS void LANGUAGE sql AS $$
    UPDATE playlists SET
        track_count = (SELECT count(*) FROM playlist_tracks WHERE playlist_id = target),
        total_duration = (SELECT COALESCE(sum(t.duration_seconds), 0)
                          FROM playlist_tracks pt JOIN tracks t ON t.id = pt.track_id
                          WHERE pt.playlist_id = target)
    WHERE id = target;
$$;

CREATE FUNCTION juke_count_playlist_entries() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE playlists SET
            track_count = track_count + 1,
            total_duration = total_duration + (SELECT duration_seconds FROM tracks WHERE id = NEW.track_id)
        WHERE id = NEW.playlist_id;
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM juke_playlist_stats(OLD.playlist_id);
    ELSE
        PERFORM juke_playlist_stats(OLD.playlist_id);
        IF NEW.playlist_id <> OLD.playlist_id THEN
            PERFORM juke_playlist_stats(NEW.playlist_id);
        END IF;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER playlist_tracks_count AFTER INSERT OR DELETE OR UPDATE OF playlist_id, track_id ON playlist_tracks
    FOR EACH ROW EXECUTE FUNCTION juke_count_playlist_entries();

-- Entry positions stay contiguous (0..n-1) whatever deletes entries: an explicit removal, or a
-- cascade from a deleted track. Positions are unique row by row, so the entries above the lowest
-- gap are first moved out of the way (+1e9), then renumbered down into place.
CREATE FUNCTION juke_close_position_gaps() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    WITH lowest AS (
        SELECT playlist_id, min(position) AS p FROM gone GROUP BY playlist_id
    )
    UPDATE playlist_tracks pt SET position = pt.position + 1000000000
      FROM lowest l
     WHERE pt.playlist_id = l.playlist_id AND pt.position > l.p AND pt.position < 1000000000;

    WITH lowest AS (
        SELECT playlist_id, min(position) AS p FROM gone GROUP BY playlist_id
    ), moved AS (
        SELECT id, playlist_id,
               row_number() OVER (PARTITION BY playlist_id ORDER BY position) AS rn
          FROM playlist_tracks
         WHERE playlist_id IN (SELECT playlist_id FROM lowest)
           AND position >= 1000000000 AND position < 2000000000
    )
    UPDATE playlist_tracks pt SET position = l.p + m.rn - 1
      FROM moved m JOIN lowest l ON l.playlist_id = m.playlist_id
     WHERE pt.id = m.id;
    RETURN NULL;
END $$;
CREATE TRIGGER playlist_tracks_close_gaps AFTER DELETE ON playlist_tracks
    REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION juke_close_position_gaps();

-- albums.total_tracks / duration_seconds = COUNT / SUM over the album's tracks.
CREATE FUNCTION juke_album_stats(target uuid) RETURNS void LANGUAGE sql AS $$
    UPDATE albums SET
        total_tracks = (SELECT count(*) FROM tracks WHERE album_id = target),
        duration_seconds = (SELECT COALESCE(sum(duration_seconds), 0) FROM tracks WHERE album_id = target)
    WHERE id = target;
$$;

CREATE FUNCTION juke_track_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.album_id IS NOT NULL THEN
        PERFORM juke_album_stats(NEW.album_id);
    END IF;
    IF TG_OP IN ('DELETE', 'UPDATE') AND OLD.album_id IS NOT NULL
       AND (TG_OP = 'DELETE' OR OLD.album_id IS DISTINCT FROM NEW.album_id) THEN
        PERFORM juke_album_stats(OLD.album_id);
    END IF;
    IF TG_OP = 'UPDATE' AND NEW.duration_seconds <> OLD.duration_seconds THEN
        UPDATE playlists p SET total_duration = p.total_duration
            + (NEW.duration_seconds - OLD.duration_seconds)
              * (SELECT count(*) FROM playlist_tracks pt WHERE pt.playlist_id = p.id AND pt.track_id = NEW.id)
        WHERE p.id IN (SELECT playlist_id FROM playlist_tracks WHERE track_id = NEW.id);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER tracks_stats AFTER INSERT OR DELETE OR UPDATE OF album_id, duration_seconds ON tracks
    FOR EACH ROW EXECUTE FUNCTION juke_track_changed();
