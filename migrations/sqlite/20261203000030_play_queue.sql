-- Each user's play queue, shared by every client they use (Subsonic's savePlayQueue /
-- getPlayQueue and the web player), so listening moves from one device to another.
-- current_position is the `position` of the current entry, not an index into the list: when
-- an entry's track is deleted the entry goes with it, and the current entry stays the same one
-- (or, if it was the one deleted, the next that is left).
CREATE TABLE play_queues (
    user_id          TEXT PRIMARY KEY NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    current_position INTEGER CHECK (current_position >= 0),
    position_ms      INTEGER NOT NULL DEFAULT 0 CHECK (position_ms >= 0),
    changed_at       TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    changed_by       TEXT NOT NULL DEFAULT '' CHECK (length(changed_by) <= 255)
);

CREATE TABLE play_queue_entries (
    user_id   TEXT NOT NULL REFERENCES play_queues (user_id) ON DELETE CASCADE,
    position  INTEGER NOT NULL CHECK (position >= 0),
    track_id  TEXT NOT NULL REFERENCES tracks (id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, position)
);
CREATE INDEX play_queue_entries_track_id_idx ON play_queue_entries (track_id);
