-- A per-account upload quota an admin sets, in bytes; NULL: the server's
-- `uploads.quota_bytes_per_user` (admins have none unless one is set here).
ALTER TABLE users ADD COLUMN upload_quota_bytes INTEGER
    CHECK (upload_quota_bytes IS NULL OR upload_quota_bytes >= 0);
