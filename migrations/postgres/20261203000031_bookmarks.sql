-- Bookmarks: a position a user saved in a track (Subsonic's createBookmark, for long mixes
-- and audiobooks). One per user and track; gone with either.
CREATE TABLE bookmarks (
    user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    track_id     uuid NOT NULL REFERENCES tracks (id) ON DELETE CASCADE,
    position_ms  bigint NOT NULL CHECK (position_ms >= 0),
    comment      text CHECK (comment IS NULL OR char_length(comment) <= 1000),
    created_at   timestamptz NOT NULL DEFAULT now(),
    changed_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, track_id)
);
CREATE INDEX bookmarks_track_id_idx ON bookmarks (track_id);
