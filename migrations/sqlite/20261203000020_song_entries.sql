-- Subsonic's song entries say when this listener last played each song (`played`): one
-- index read per song, however long the listener's history.
CREATE INDEX play_history_user_track_idx ON play_history (user_id, track_id, played_at);
