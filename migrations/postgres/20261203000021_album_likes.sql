-- Albums a user likes (Subsonic's star with albumId, the web player's heart on an album page).
-- One per user and album; gone with the user or the album. albums.like_count counts them,
-- kept by triggers like tracks.like_count.
CREATE TABLE album_likes (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    album_id    uuid NOT NULL REFERENCES albums (id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT album_likes_user_album_key UNIQUE (user_id, album_id)
);
CREATE INDEX album_likes_album_id_idx ON album_likes (album_id);
CREATE INDEX album_likes_user_created_idx ON album_likes (user_id, created_at DESC);

ALTER TABLE albums ADD COLUMN like_count integer NOT NULL DEFAULT 0 CHECK (like_count >= 0);

CREATE FUNCTION juke_count_album_likes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        UPDATE albums SET like_count = like_count + 1 WHERE id = NEW.album_id;
    END IF;
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        UPDATE albums SET like_count = like_count - 1 WHERE id = OLD.album_id;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER album_likes_count AFTER INSERT OR DELETE OR UPDATE OF album_id ON album_likes
    FOR EACH ROW EXECUTE FUNCTION juke_count_album_likes();
