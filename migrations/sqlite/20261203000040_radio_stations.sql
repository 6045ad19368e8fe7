-- Internet radio stations an admin lists for everyone (Subsonic's getInternetRadioStations and
-- the web player's Radio page). Juke never fetches the stream itself: players open the URL.
CREATE TABLE radio_stations (
    id           TEXT PRIMARY KEY NOT NULL CHECK (length(id) = 36),
    name         TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    stream_url   TEXT NOT NULL CHECK (length(stream_url) BETWEEN 8 AND 2048),
    homepage_url TEXT CHECK (homepage_url IS NULL OR length(homepage_url) BETWEEN 8 AND 2048),
    created_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX radio_stations_name_idx ON radio_stations (lower(name));
CREATE TRIGGER radio_stations_touch AFTER UPDATE ON radio_stations FOR EACH ROW
WHEN NEW.updated_at IS OLD.updated_at
BEGIN UPDATE radio_stations SET updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = NEW.id; END;
