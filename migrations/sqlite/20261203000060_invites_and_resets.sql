-- Invites: an admin's one-use link that signs someone up whatever auth.registration says.
-- Password resets: an admin's one-use link that sets a forgotten password. Only a SHA-256 of
-- each link's random token is kept, so the table does not hand out working links; each is
-- spent at once (used_at) in the same transaction that uses it.
CREATE TABLE invites (
    id          TEXT PRIMARY KEY NOT NULL CHECK (length(id) = 36),
    token_hash  TEXT NOT NULL UNIQUE CHECK (length(token_hash) = 64),
    created_by  TEXT REFERENCES users (id) ON DELETE SET NULL,
    is_admin    INTEGER NOT NULL DEFAULT 0 CHECK (is_admin IN (0, 1)),
    note        TEXT CHECK (note IS NULL OR length(note) <= 200),
    expires_at  TEXT NOT NULL,
    used_at     TEXT,
    used_by     TEXT REFERENCES users (id) ON DELETE SET NULL,
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX invites_created_by_idx ON invites (created_by);
CREATE INDEX invites_used_by_idx ON invites (used_by);
CREATE INDEX invites_created_at_idx ON invites (created_at DESC);

CREATE TABLE password_resets (
    id          TEXT PRIMARY KEY NOT NULL CHECK (length(id) = 36),
    token_hash  TEXT NOT NULL UNIQUE CHECK (length(token_hash) = 64),
    user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_by  TEXT REFERENCES users (id) ON DELETE SET NULL,
    expires_at  TEXT NOT NULL,
    used_at     TEXT,
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX password_resets_user_id_idx ON password_resets (user_id);
CREATE INDEX password_resets_created_by_idx ON password_resets (created_by);
