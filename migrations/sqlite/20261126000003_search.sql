-- The "database" search engine's documents (search.engine = "database"): one row per
-- searchable track, album and artist, its words already folded by Juke, and an FTS5 index
-- over them kept in step by triggers (the external-content pattern: FTS5 stores no copy).
CREATE TABLE search_documents (
    doc_id      INTEGER PRIMARY KEY,
    entity_id   TEXT NOT NULL UNIQUE CHECK (length(entity_id) = 36),
    kind        TEXT NOT NULL CHECK (kind IN ('track', 'album', 'artist')),
    name_key    TEXT NOT NULL,
    name_words  TEXT NOT NULL,
    body        TEXT NOT NULL,
    sort_name   TEXT NOT NULL,
    popularity  INTEGER NOT NULL DEFAULT 0,
    summary     TEXT NOT NULL CHECK (json_valid(summary))
);

CREATE VIRTUAL TABLE search_fts USING fts5(
    name_words, body,
    content = 'search_documents', content_rowid = 'doc_id',
    tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TRIGGER search_documents_fts_insert AFTER INSERT ON search_documents BEGIN
    INSERT INTO search_fts (rowid, name_words, body) VALUES (NEW.doc_id, NEW.name_words, NEW.body);
END;
CREATE TRIGGER search_documents_fts_delete AFTER DELETE ON search_documents BEGIN
    INSERT INTO search_fts (search_fts, rowid, name_words, body)
    VALUES ('delete', OLD.doc_id, OLD.name_words, OLD.body);
END;
CREATE TRIGGER search_documents_fts_update AFTER UPDATE ON search_documents BEGIN
    INSERT INTO search_fts (search_fts, rowid, name_words, body)
    VALUES ('delete', OLD.doc_id, OLD.name_words, OLD.body);
    INSERT INTO search_fts (rowid, name_words, body) VALUES (NEW.doc_id, NEW.name_words, NEW.body);
END;

-- Small facts a search engine keeps beside its documents (schema version, catch-up point).
CREATE TABLE search_state (
    key    TEXT PRIMARY KEY NOT NULL,
    value  TEXT NOT NULL
);

-- Catching up after a restart asks for rows written since a moment.
CREATE INDEX tracks_updated_at_idx ON tracks (updated_at);
CREATE INDEX albums_updated_at_idx ON albums (updated_at);
CREATE INDEX artists_updated_at_idx ON artists (updated_at);
