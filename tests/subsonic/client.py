"""A whole Subsonic client session against a running Juke, with py-sonic (libsonic), the way a
phone app talks to it: token auth with an app password, browse, search, stream a range, a
playlist, stars (a song, an artist, an album), a scrobble, starred items, cover art, top and
similar songs, artist and album info, lyrics, refused methods and a share's whole life. Run by
tests/api/subsonic.rs, which
starts the server and passes JUKE_URL, JUKE_USER, JUKE_APP_PASSWORD and EXPECT_BYTES (the
first 100 bytes of "Tune", hex). Exits non-zero on the first thing that is not right."""

import hashlib
import os
import secrets
import sys
from urllib.parse import urlencode, urlparse
from urllib.request import Request, urlopen

import libsonic

url = urlparse(os.environ["JUKE_URL"])
base = f"{url.scheme}://{url.hostname}"
user = os.environ["JUKE_USER"]
secret = os.environ["JUKE_APP_PASSWORD"]
expected = bytes.fromhex(os.environ["EXPECT_BYTES"])


def connect(**extra):
    # Token auth (md5 of password + salt), form POSTs: py-sonic's defaults.
    return libsonic.Connection(base, user, secret, port=url.port, appName="juke-test", **extra)


def check(what, condition, detail=""):
    if not condition:
        print(f"FAILED: {what} {detail}", file=sys.stderr)
        sys.exit(1)
    print(f"ok - {what}")


conn = connect()
check("ping with token auth", conn.ping() is True)

artists = conn.getArtists()["artists"]["index"]
names = [a["name"] for i in artists for a in i["artist"]]
check("getArtists lists the band", "Band" in names, names)
band = next(a for i in artists for a in i["artist"] if a["name"] == "Band")
artist = conn.getArtist(band["id"])["artist"]
check("getArtist has its album", artist["album"][0]["name"] == "Album", artist)
album = conn.getAlbum(artist["album"][0]["id"])["album"]
song = album["song"][0]
check("getAlbum has the song", song["title"] == "Tune", album)
check("getSong", conn.getSong(song["id"])["song"]["title"] == "Tune")
# What players decide direct play and name cache files by.
check("song suffix and type", (song.get("suffix"), song.get("contentType")) == ("flac", "audio/flac"), song)
check("song path is relative", song.get("path") == "Band/Album/Tune.flac", song)
check("song size", song.get("size") == int(os.environ["EXPECT_SIZE"]), song)

found = conn.search3("tune")["searchResult3"]
check("search3 finds it", any(s["id"] == song["id"] for s in found.get("song", [])), found)
everything = conn.search3("", artistCount=0, albumCount=0, songCount=10)["searchResult3"]
check("search3 with an empty query lists songs", len(everything.get("song", [])) >= 1, everything)

# Players fetch streams with GET (a URL handed to the audio stack), where ranges apply.
# py-sonic's GET mode is broken (it names urllib2), so the URL is made here the same way.
salt = secrets.token_hex(6)
token = hashlib.md5((secret + salt).encode()).hexdigest()
query = urlencode({"u": user, "t": token, "s": salt, "v": "1.16.1", "c": "juke-test", "id": song["id"]})
ranged = urlopen(Request(f"{base}:{url.port}/rest/stream.view?{query}", headers={"Range": "bytes=0-99"}))
body = ranged.read()
check("stream with a range: 206", ranged.status == 206, ranged.status)
check("stream with a range: the right bytes", body == expected, body[:16])

made = conn.createPlaylist(name="From py-sonic", songIds=[song["id"]])["playlist"]
check("createPlaylist", made["songCount"] == 1, made)
conn.updatePlaylist(made["id"], name="Renamed", comment="made by a client", songIdsToAdd=[song["id"]])
detail = conn.getPlaylist(made["id"])["playlist"]
check("updatePlaylist", detail["name"] == "Renamed" and detail["songCount"] == 2, detail)

conn.star(sids=[song["id"]], artistIds=[band["id"]])
starred = conn.getStarred2()["starred2"]
check("star → getStarred2 song", [s["id"] for s in starred.get("song", [])] == [song["id"]], starred)
check("star → getStarred2 artist", [a["id"] for a in starred.get("artist", [])] == [band["id"]], starred)

conn.star(albumIds=[album["id"]])
starred = conn.getStarred2()["starred2"]
check("star albumId → getStarred2 album", [a["id"] for a in starred.get("album", [])] == [album["id"]], starred)
check("getAlbum says starred", "starred" in conn.getAlbum(album["id"])["album"])
conn.unstar(albumIds=[album["id"]])
check("unstar albumId", not conn.getStarred2()["starred2"].get("album"))

conn.scrobble(song["id"], submission=False)
playing = conn.getNowPlaying()["nowPlaying"]["entry"]
check("scrobble (now playing)", playing[0]["id"] == song["id"], playing)
conn.scrobble(song["id"], submission=True)
check("scrobble (played) counts", conn.getSong(song["id"])["song"]["playCount"] == 1)

art = conn.getCoverArt(song["coverArt"], size=64)
check("getCoverArt", art.headers.get("Content-Type", "").startswith("image/"), art.headers)

try:
    connect().getAlbum("al-00000000-0000-7000-8000-000000000000")
    check("a missing album is an error", False)
except libsonic.errors.DataNotFoundError:
    check("a missing album is error 70", True)

bad = libsonic.Connection(base, user, "not the password", port=url.port)
try:
    bad.getMusicFolders()
    check("a wrong password is refused", False)
except libsonic.errors.CredentialError:
    check("a wrong password is error 40", True)

# From Juke's own data: top and similar songs, artist and album info, lyrics.
top = conn.getTopSongs("Band", count=5)["topSongs"].get("song", [])
check("getTopSongs: the band's played song", [t["id"] for t in top] == [song["id"]], top)
similar = conn.getSimilarSongs(album["id"], count=5)["similarSongs"]
check("getSimilarSongs answers (the seed itself is never similar)", isinstance(similar, dict), similar)
info = conn.getArtistInfo(band["id"])["artistInfo"]
check("getArtistInfo answers", isinstance(info, dict), info)
check("getAlbumInfo answers", isinstance(conn.getAlbumInfo(album["id"])["albumInfo"], dict))
lyrics = conn.getLyrics(artist="Band", title="Tune")["lyrics"]
check("getLyrics always has a value (empty: the song has none)", lyrics.get("value") == "", lyrics)
users = conn.getUsers()["users"]["user"]
check("getUsers (the first account is the admin)", [u["username"] for u in users] == [user] and users[0]["adminRole"], users)
try:
    conn.jukeboxControl("status")
    check("jukeboxControl is refused", False)
except libsonic.errors.SonicError as err:
    check("jukeboxControl is refused with a reason", "own devices" in str(err) or str(err), err)

# Shares: a link to the album, changed, listed, and deleted.
import time
week = time.time() + 7 * 86400
made = conn.createShare([album["id"]], description="For the family", expires=week)["shares"]["share"][0]
check("createShare answers the share", "/share/" in made["url"] and made["description"] == "For the family", made)
check("the share lists the album's song", [e["id"] for e in made["entry"]] == [song["id"]], made)
page = urlopen(f"{base}:{url.port}/api/v1/public/shares/{made['url'].rsplit('/', 1)[1]}")
check("the link's page opens without an account", page.status == 200, page.status)
conn.updateShare(made["id"], description="Changed")
listed = conn.getShares()["shares"]["share"]
check("getShares: changed, visited once", listed[0]["description"] == "Changed" and listed[0]["visitCount"] == 1, listed)
conn.deleteShare(made["id"])
check("deleteShare", not conn.getShares()["shares"].get("share"), conn.getShares())

print("all client steps passed")
