-- Similar songs start from a track's most recent plays (then the plays around each of them):
-- this index finds a track's plays newest first, with the listener, without reading the table.
CREATE INDEX play_history_track_recent_idx ON play_history (track_id, played_at DESC, user_id);
