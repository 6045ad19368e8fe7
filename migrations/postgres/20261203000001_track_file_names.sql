-- Playlist imports match a line's path by its tail: an index on each track's file name (the
-- part after the last '/') finds the few candidates, and the longer tail is compared in Rust.
-- The expression is the same in both engines (rtrim drops every character but '/' from the
-- end, leaving the folder; replace cuts it off), and queries must repeat it exactly.
CREATE INDEX tracks_file_name_idx
    ON tracks ((replace(file_path, rtrim(file_path, replace(file_path, '/', '')), '')));
