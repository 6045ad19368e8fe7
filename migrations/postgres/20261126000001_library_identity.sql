-- Library identity for ingest (issue 4). Same version and name in migrations/sqlite/.
-- name_key / title_key: the name lowercased with runs of white space folded to one space, so
-- "The  Beatles" and "the beatles" are one artist. Filled by the ingest pipeline.
ALTER TABLE artists ADD COLUMN name_key text;
CREATE UNIQUE INDEX artists_name_key_key ON artists (name_key);

ALTER TABLE albums ADD COLUMN title_key text;
ALTER TABLE albums ADD COLUMN year integer CHECK (year BETWEEN 0 AND 9999);
ALTER TABLE albums ADD COLUMN is_compilation boolean NOT NULL DEFAULT false;
CREATE UNIQUE INDEX albums_artist_title_key ON albums (artist_id, title_key);
CREATE INDEX albums_musicbrainz_id_idx ON albums (musicbrainz_id);

ALTER TABLE tracks ADD COLUMN year integer CHECK (year BETWEEN 0 AND 9999);
CREATE INDEX tracks_is_available_idx ON tracks (is_available);
