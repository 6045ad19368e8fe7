-- Star ratings (1-5) a user gives tracks: Subsonic's setRating / userRating. One per user
-- and track; rating 0 removes it. Gone with the user or the track.
CREATE TABLE track_ratings (
    user_id    UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    track_id   UUID NOT NULL REFERENCES tracks (id) ON DELETE CASCADE,
    rating     SMALLINT NOT NULL CHECK (rating BETWEEN 1 AND 5),
    rated_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, track_id)
);
CREATE INDEX track_ratings_track_id_idx ON track_ratings (track_id);
