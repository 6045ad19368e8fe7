-- Bookmarks: a position a user saved in a track (Subsonic's createBookmark, for long mixes
-- and audiobooks). One per user and track; gone with either.
CREATE TABLE bookmarks (
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    track_id     TEXT NOT NULL REFERENCES tracks (id) ON DELETE CASCADE,
    position_ms  INTEGER NOT NULL CHECK (position_ms >= 0),
    comment      TEXT CHECK (comment IS NULL OR length(comment) <= 1000),
    created_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    changed_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (user_id, track_id)
);
CREATE INDEX bookmarks_track_id_idx ON bookmarks (track_id);
