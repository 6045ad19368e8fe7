-- Albums a user likes (Subsonic's star with albumId, the web player's heart on an album page).
-- One per user and album; gone with the user or the album. albums.like_count counts them,
-- kept by triggers like tracks.like_count.
CREATE TABLE album_likes (
    id          TEXT PRIMARY KEY NOT NULL CHECK (length(id) = 36),
    user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    album_id    TEXT NOT NULL REFERENCES albums (id) ON DELETE CASCADE,
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    CONSTRAINT album_likes_user_album_key UNIQUE (user_id, album_id)
);
CREATE INDEX album_likes_album_id_idx ON album_likes (album_id);
CREATE INDEX album_likes_user_created_idx ON album_likes (user_id, created_at DESC);

ALTER TABLE albums ADD COLUMN like_count INTEGER NOT NULL DEFAULT 0 CHECK (like_count >= 0);

CREATE TRIGGER album_likes_count_insert AFTER INSERT ON album_likes FOR EACH ROW
BEGIN UPDATE albums SET like_count = like_count + 1 WHERE id = NEW.album_id; END;
CREATE TRIGGER album_likes_count_delete AFTER DELETE ON album_likes FOR EACH ROW
BEGIN UPDATE albums SET like_count = like_count - 1 WHERE id = OLD.album_id; END;
CREATE TRIGGER album_likes_count_update AFTER UPDATE OF album_id ON album_likes FOR EACH ROW
BEGIN
    UPDATE albums SET like_count = like_count - 1 WHERE id = OLD.album_id;
    UPDATE albums SET like_count = like_count + 1 WHERE id = NEW.album_id;
END;
