-- Browsing (issue 6): indexes for the list sorts and filters; the same file in both
-- engines' folders. Each index is on the very expression the list orders or filters by.
CREATE INDEX albums_title_lower_idx ON albums (lower(title), id);
CREATE INDEX albums_year_idx ON albums (COALESCE(year, 0), id);
CREATE INDEX tracks_title_lower_idx ON tracks (lower(title), id);
CREATE INDEX tracks_year_idx ON tracks (COALESCE(year, 0), id);
CREATE INDEX tracks_play_count_idx ON tracks (play_count, id);
CREATE INDEX tracks_like_count_idx ON tracks (like_count, id);
CREATE INDEX tracks_genre_idx ON tracks (lower(genre));
CREATE INDEX artists_created_at_idx ON artists (created_at, id);
