-- The "database" search engine's documents (search.engine = "database"): one row per
-- searchable track, album and artist, its words already folded by Juke (so the 'simple'
-- configuration, no stemming, compares what the tantivy engine compares), with a GIN index.
CREATE TABLE search_documents (
    entity_id   UUID PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('track', 'album', 'artist')),
    name_key    TEXT NOT NULL,
    name_words  TEXT NOT NULL,
    body        TEXT NOT NULL,
    sort_name   TEXT NOT NULL,
    popularity  BIGINT NOT NULL DEFAULT 0,
    summary     TEXT NOT NULL
);
CREATE INDEX search_documents_body_idx ON search_documents USING gin (to_tsvector('simple', body));

-- Small facts a search engine keeps beside its documents (schema version, catch-up point).
CREATE TABLE search_state (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);

-- Catching up after a restart asks for rows written since a moment.
CREATE INDEX tracks_updated_at_idx ON tracks (updated_at);
CREATE INDEX albums_updated_at_idx ON albums (updated_at);
CREATE INDEX artists_updated_at_idx ON artists (updated_at);
