-- Invites: an admin's one-use link that signs someone up whatever auth.registration says.
-- Password resets: an admin's one-use link that sets a forgotten password. Only a SHA-256 of
-- each link's random token is kept, so the table does not hand out working links; each is
-- spent at once (used_at) in the same transaction that uses it.
CREATE TABLE invites (
    id          uuid PRIMARY KEY,
    token_hash  char(64) NOT NULL UNIQUE,
    created_by  uuid REFERENCES users (id) ON DELETE SET NULL,
    is_admin    boolean NOT NULL DEFAULT false,
    note        varchar(200),
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz,
    used_by     uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX invites_created_by_idx ON invites (created_by);
CREATE INDEX invites_used_by_idx ON invites (used_by);
CREATE INDEX invites_created_at_idx ON invites (created_at DESC);

CREATE TABLE password_resets (
    id          uuid PRIMARY KEY,
    token_hash  char(64) NOT NULL UNIQUE,
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_by  uuid REFERENCES users (id) ON DELETE SET NULL,
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX password_resets_user_id_idx ON password_resets (user_id);
CREATE INDEX password_resets_created_by_idx ON password_resets (created_by);
