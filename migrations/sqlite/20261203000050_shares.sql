-- Shares: public links to one track, album or playlist that play in a browser without an
-- account (Subsonic's createShare, the web player's "Share"). The token is the link's secret:
-- 128 random bits, so a link cannot be guessed. A share ends at expires_at, or when its owner
-- revokes it (the row is deleted), or with its owner or the thing it names.
CREATE TABLE shares (
    id              TEXT PRIMARY KEY NOT NULL CHECK (length(id) = 36),
    token           TEXT NOT NULL UNIQUE CHECK (length(token) BETWEEN 20 AND 64),
    user_id         TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    track_id        TEXT REFERENCES tracks (id) ON DELETE CASCADE,
    album_id        TEXT REFERENCES albums (id) ON DELETE CASCADE,
    playlist_id     TEXT REFERENCES playlists (id) ON DELETE CASCADE,
    description     TEXT CHECK (description IS NULL OR length(description) <= 500),
    expires_at      TEXT NOT NULL,
    visit_count     INTEGER NOT NULL DEFAULT 0 CHECK (visit_count >= 0),
    last_visited_at TEXT,
    created_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    CHECK ((track_id IS NOT NULL) + (album_id IS NOT NULL) + (playlist_id IS NOT NULL) = 1)
);
CREATE INDEX shares_user_created_idx ON shares (user_id, created_at DESC);
CREATE INDEX shares_track_id_idx ON shares (track_id);
CREATE INDEX shares_album_id_idx ON shares (album_id);
CREATE INDEX shares_playlist_id_idx ON shares (playlist_id);
CREATE TRIGGER shares_touch AFTER UPDATE ON shares FOR EACH ROW
WHEN NEW.updated_at IS OLD.updated_at
BEGIN UPDATE shares SET updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = NEW.id; END;
