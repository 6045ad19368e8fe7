-- Internet radio stations an admin lists for everyone (Subsonic's getInternetRadioStations and
-- the web player's Radio page). Juke never fetches the stream itself: players open the URL.
CREATE TABLE radio_stations (
    id           UUID PRIMARY KEY,
    name         VARCHAR(200) NOT NULL CHECK (length(name) >= 1),
    stream_url   VARCHAR(2048) NOT NULL CHECK (length(stream_url) >= 8),
    homepage_url VARCHAR(2048) CHECK (homepage_url IS NULL OR length(homepage_url) >= 8),
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX radio_stations_name_idx ON radio_stations (lower(name));
CREATE TRIGGER radio_stations_touch BEFORE UPDATE ON radio_stations
FOR EACH ROW EXECUTE FUNCTION juke_touch_updated_at();
