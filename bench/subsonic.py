#!/usr/bin/env python3
"""The Subsonic API: a client's full library sync through search3, and getAlbumList2 under load.

Usage: bench/subsonic.py [--binary PATH] [--tracks 100000] [--page 500] [--runs 3] [--duration 15]

Seeds the library straight into SQLite as bench/catalog.py does (10 tracks per album, 10 albums
per artist: 100,000 tracks make 10,000 albums and 1,000 artists), starts the release binary,
registers the first account, makes an app password (the apiKey of every request) and waits
for the search index to hold the whole library (so every measured server starts as a running
server would, not rebuilding it); each run then starts a fresh server on a copy of that folder:

  sync          what Symfonium-style clients do to copy a library: search3 with an empty query,
                paging artists, then albums, then songs, --page items per request (JSON), until
                a short page. Timed whole, --runs times, each on a fresh server; the server's peak
                RSS (VmHWM) is read after each run.
  albumList2    getAlbumList2?type=newest&size=50&f=json with wrk, server pinned to core 0, wrk
                on core 1 (-t1 -c32), a 3 s warm-up discarded, then --duration seconds measured.

Prints the machine, medians and spreads. Needs wrk and taskset; stdlib only.
"""
import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from catalog import (  # noqa: E402
    HOST, ROOT, SETUP_CODE, Server, SetupError, binary_note, cpus, expect, juke_env, machine, seed, wait_for_search, wrk,
    wrk_version,
)


def prepare(binary, work, tracks):
    data = os.path.join(work, "data")
    os.makedirs(data)
    out = subprocess.run([binary, "migrate"], cwd=work, env=juke_env(data), capture_output=True, text=True)
    if out.returncode != 0:
        raise SetupError(f"juke migrate failed: {out.stderr[-500:]}")
    seed(os.path.join(data, "juke.db"), tracks, random.Random(11))
    server = Server(binary, work)
    try:
        body = expect(server.port, "POST", "/api/v1/auth/register", None, 201,
                      {"username": "bench", "email": "bench@example.com", "password": "benchpassword",
                       "setup_code": SETUP_CODE})
        made = expect(server.port, "POST", "/api/v1/me/app-passwords", body["token"], 201, {"name": "bench"})
        # The library was seeded behind the server's back: let it finish its search index, so
        # the measured servers start whole (a running server's state), not rebuilding it.
        wait_for_search(server, body["token"], tracks)
    finally:
        server.stop()
    return made["password"]


def get(port, path):
    with urllib.request.urlopen(f"http://{HOST}:{port}{path}", timeout=120) as res:
        return json.loads(res.read())["subsonic-response"]


def sync(port, key, page, expected):
    """Pages every artist, album and song; returns (seconds, counts)."""
    counts = {}
    started = time.perf_counter()
    for kind, count_key, offset_key in [("artist", "artistCount", "artistOffset"),
                                        ("album", "albumCount", "albumOffset"),
                                        ("song", "songCount", "songOffset")]:
        others = {k: 0 for k in ("artistCount", "albumCount", "songCount") if k != count_key}
        offset, seen = 0, 0
        while True:
            query = "&".join(f"{k}={v}" for k, v in {count_key: page, offset_key: offset, **others}.items())
            body = get(port, f"/rest/search3?apiKey={key}&f=json&query=&{query}")
            if body.get("status") != "ok":
                raise SetupError(f"search3 failed: {body}")
            items = body["searchResult3"].get(kind, [])
            seen += len(items)
            offset += page
            if len(items) < page:
                break
        counts[kind] = seen
    seconds = time.perf_counter() - started
    if counts != expected:
        raise SetupError(f"the sync saw {counts}, expected {expected}")
    return seconds, counts


def peak_rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--binary", default=os.path.join(ROOT, "target/release/juke"))
    ap.add_argument("--tracks", type=int, default=100_000)
    ap.add_argument("--page", type=int, default=500)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--duration", type=int, default=15)
    args = ap.parse_args()
    print(f"machine: {machine()}")
    print(f"binary: {binary_note(args.binary)}")
    print(f"wrk: {wrk_version()}")
    expected = {"artist": max(1, args.tracks // 100), "album": max(1, args.tracks // 10), "song": args.tracks}
    work = tempfile.mkdtemp(prefix="juke-subsonic-")
    try:
        key = prepare(args.binary, work, args.tracks)
        pristine = os.path.join(work, "pristine")
        shutil.copytree(os.path.join(work, "data"), pristine)
        syncs, peaks = [], []
        for _ in range(args.runs):
            shutil.rmtree(os.path.join(work, "data"))
            shutil.copytree(pristine, os.path.join(work, "data"))
            server = Server(args.binary, work)
            try:
                seconds, counts = sync(server.port, key, args.page, expected)
                peaks.append(peak_rss_mib(server.proc.pid))
                syncs.append(seconds)
            finally:
                server.stop()
        shutil.rmtree(os.path.join(work, "data"))
        shutil.copytree(pristine, os.path.join(work, "data"))
        cores = cpus()
        server = Server(args.binary, work, cpu=cores[0])
        try:
            url = f"http://{HOST}:{server.port}/rest/getAlbumList2?apiKey={key}&f=json&type=newest&size=50"
            body = get(server.port, url.split(str(server.port), 1)[1])
            if len(body["albumList2"]["album"]) != 50:
                raise SetupError(f"getAlbumList2 answered {str(body)[:200]}")
            wrk(cores[1], url, "unused", 3)
            result = wrk(cores[1], url, "unused", args.duration)
            if result["non2xx"] or result["socket_errors"]:
                raise SetupError(f"wrk saw errors: {result}")
        finally:
            server.stop()
    except SetupError as err:
        print(f"set-up failed: {err}", file=sys.stderr)
        return 2
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"\nsync: search3 with an empty query, {args.page} per page: {expected['artist']:,} artists, "
          f"{expected['album']:,} albums, {expected['song']:,} songs ({args.runs} runs, each a fresh server)")
    print(f"  total time: median {statistics.median(syncs):.2f} s ({min(syncs):.2f}-{max(syncs):.2f})")
    print(f"  server peak RSS: median {statistics.median(peaks):.1f} MiB ({min(peaks):.1f}-{max(peaks):.1f})")
    print(f"\ngetAlbumList2?type=newest&size=50 (JSON), wrk -t1 -c32, {args.duration} s:")
    print(f"  {result['rps']:,.0f} req/s, p50 {result['p50']:.2f} ms, p99 {result['p99']:.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
