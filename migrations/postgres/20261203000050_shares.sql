-- Shares: public links to one track, album or playlist that play in a browser without an
-- account (Subsonic's createShare, the web player's "Share"). The token is the link's secret:
-- 128 random bits, so a link cannot be guessed. A share ends at expires_at, or when its owner
-- revokes it (the row is deleted), or with its owner or the thing it names.
CREATE TABLE shares (
    id              uuid PRIMARY KEY,
    token           varchar(64) NOT NULL UNIQUE CHECK (length(token) >= 20),
    user_id         uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    track_id        uuid REFERENCES tracks (id) ON DELETE CASCADE,
    album_id        uuid REFERENCES albums (id) ON DELETE CASCADE,
    playlist_id     uuid REFERENCES playlists (id) ON DELETE CASCADE,
    description     varchar(500),
    expires_at      timestamptz NOT NULL,
    visit_count     bigint NOT NULL DEFAULT 0 CHECK (visit_count >= 0),
    last_visited_at timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CHECK (num_nonnulls(track_id, album_id, playlist_id) = 1)
);
CREATE INDEX shares_user_created_idx ON shares (user_id, created_at DESC);
CREATE INDEX shares_track_id_idx ON shares (track_id);
CREATE INDEX shares_album_id_idx ON shares (album_id);
CREATE INDEX shares_playlist_id_idx ON shares (playlist_id);
CREATE TRIGGER shares_touch BEFORE UPDATE ON shares
FOR EACH ROW EXECUTE FUNCTION juke_touch_updated_at();
