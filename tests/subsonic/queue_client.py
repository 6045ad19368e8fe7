"""The play queue and bookmarks through py-sonic (libsonic), as two devices of one listener
see them: run by tests/api/subsonic_queue.rs with JUKE_URL, JUKE_USER, JUKE_APP_PASSWORD and
TRACKS (three Subsonic song ids, comma-separated).

  queue_client.py save    the phone (c=phone) saves a queue and bookmarks; the desktop
                          (c=desktop) reads them back exactly
  queue_client.py expect IDS CURRENT POSITION CHANGED_BY
                          the phone reads the queue another client saved (IDS comma-separated)

Exits non-zero on the first thing that is not right."""

import os
import sys
from urllib.parse import urlparse

import libsonic

url = urlparse(os.environ["JUKE_URL"])
base = f"{url.scheme}://{url.hostname}"
user = os.environ["JUKE_USER"]
secret = os.environ["JUKE_APP_PASSWORD"]


def device(name):
    # Token auth (md5 of password + salt), form POSTs: py-sonic's defaults; `c` is appName.
    return libsonic.Connection(base, user, secret, port=url.port, appName=name)


def check(what, condition, detail=""):
    if not condition:
        print(f"FAILED: {what} {detail}", file=sys.stderr)
        sys.exit(1)
    print(f"ok - {what}")


def save():
    t1, t2, t3 = os.environ["TRACKS"].split(",")
    phone, desktop = device("phone"), device("desktop")

    empty = desktop.getPlayQueue()["playQueue"]
    check("a queue never saved is empty", "entry" not in empty and "current" not in empty, empty)

    phone.savePlayQueue([t1, t2, t3], current=t2, position=61000)
    queue = desktop.getPlayQueue()["playQueue"]
    check("the desktop reads the phone's songs in order", [e["id"] for e in queue.get("entry", [])] == [t1, t2, t3], queue)
    check("the current song", queue.get("current") == t2, queue)
    check("the position", queue.get("position") == 61000, queue)
    check("changedBy names the phone", queue.get("changedBy") == "phone", queue)
    check("the username", queue.get("username") == user, queue)
    check("changed is a time", "T" in queue.get("changed", ""), queue)

    phone.createBookmark(t3, 123456, comment="chapter two")
    marks = desktop.getBookmarks()["bookmarks"].get("bookmark", [])
    check("one bookmark", len(marks) == 1, marks)
    mark = marks[0]
    check("its song", mark["entry"]["id"] == t3, mark)
    check("its position and comment", mark["position"] == 123456 and mark["comment"] == "chapter two", mark)
    phone.createBookmark(t3, 200000)
    marks = desktop.getBookmarks()["bookmarks"].get("bookmark", [])
    check("a second bookmark in the song moves the first", len(marks) == 1 and marks[0]["position"] == 200000, marks)
    check("no comment any more", "comment" not in marks[0], marks)
    phone.createBookmark(t1, 5)
    marks = desktop.getBookmarks()["bookmarks"].get("bookmark", [])
    check("newest changed first", [m["entry"]["id"] for m in marks] == [t1, t3], marks)
    desktop.deleteBookmark(t1)
    desktop.deleteBookmark(t1)
    marks = desktop.getBookmarks()["bookmarks"].get("bookmark", [])
    check("deleteBookmark removes it (twice is fine)", [m["entry"]["id"] for m in marks] == [t3], marks)
    print("all queue steps passed")


def expect(ids, current, position, changed_by):
    queue = device("phone").getPlayQueue()["playQueue"]
    check("the phone reads the songs in order", [e["id"] for e in queue.get("entry", [])] == ids.split(","), queue)
    check("the current song", queue.get("current") == current, queue)
    check("the position", queue.get("position") == int(position), queue)
    check("changedBy names who saved it", queue.get("changedBy") == changed_by, queue)
    print("all queue steps passed")


if sys.argv[1] == "save":
    save()
else:
    expect(*sys.argv[2:6])
