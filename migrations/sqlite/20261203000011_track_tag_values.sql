-- The tag values a track's file had when last read (JSON), so a rescan can tell a value the
-- file changed (the file wins) from one an edit in Juke changed (the edit stays).
ALTER TABLE tracks ADD COLUMN tag_values TEXT;
