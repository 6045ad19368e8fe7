"""Internet radio through py-sonic, as an admin's app would: create, list, update, delete. Run by
tests/api/radio.rs with JUKE_URL, JUKE_USER and JUKE_APP_PASSWORD (an admin's). Exits non-zero on
the first thing that is not right."""

import os
import sys
from urllib.parse import urlparse

import libsonic

url = urlparse(os.environ["JUKE_URL"])
conn = libsonic.Connection(f"{url.scheme}://{url.hostname}", os.environ["JUKE_USER"],
                           os.environ["JUKE_APP_PASSWORD"], port=url.port, appName="juke-radio-test")


def check(what, condition, detail=""):
    if not condition:
        print(f"FAILED: {what} {detail}", file=sys.stderr)
        sys.exit(1)
    print(f"ok - {what}")


def stations():
    found = conn.getInternetRadioStations()["internetRadioStations"]
    return found.get("internetRadioStation", [])


check("no stations at first", stations() == [], stations())
conn.createInternetRadioStation("https://radio.example/jazz.mp3", "Jazz FM", "https://radio.example/")
conn.createInternetRadioStation("http://radio.example/folk.ogg", "Folk Radio")
listed = stations()
check("both listed, by name", [s["name"] for s in listed] == ["Folk Radio", "Jazz FM"], listed)
jazz = next(s for s in listed if s["name"] == "Jazz FM")
check("stream and home page as given", jazz["streamUrl"] == "https://radio.example/jazz.mp3"
      and jazz["homePageUrl"] == "https://radio.example/", jazz)
folk = next(s for s in listed if s["name"] == "Folk Radio")
check("no home page when none was given", "homePageUrl" not in folk, folk)

conn.updateInternetRadioStation(jazz["id"], "https://radio.example/jazz.aac", "Jazz FM HD")
jazz = next(s for s in stations() if s["id"] == jazz["id"])
check("update sets every field, and an absent home page clears it",
      jazz["name"] == "Jazz FM HD" and jazz["streamUrl"] == "https://radio.example/jazz.aac"
      and "homePageUrl" not in jazz, jazz)

try:
    conn.createInternetRadioStation("file:///etc/passwd", "Local file")
    check("a file URL is refused", False)
except libsonic.errors.SonicError as err:
    check("a file URL is refused", "streamUrl" in str(err), err)

conn.deleteInternetRadioStation(jazz["id"])
conn.deleteInternetRadioStation(folk["id"])
check("deleted", stations() == [], stations())
print("all radio steps passed")
