-- App passwords: the secrets Subsonic clients sign in with (/rest). Token auth needs a secret
-- the server can read back (md5(password + salt)), so these are sealed (ChaCha20-Poly1305,
-- the key in <data_dir>/app_password_key), never the argon2 login password. lookup_hash is
-- sha256 of the secret: it finds an OpenSubsonic apiKey without opening every seal.
CREATE TABLE app_passwords (
    id            UUID PRIMARY KEY,
    user_id       UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name          VARCHAR(100) NOT NULL CHECK (length(name) >= 1),
    lookup_hash   TEXT NOT NULL UNIQUE,
    sealed_secret TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_used_at  TIMESTAMPTZ
);
CREATE INDEX app_passwords_user_id_idx ON app_passwords (user_id);
