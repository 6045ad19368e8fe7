#!/usr/bin/env python3
"""getSimilarSongs2 latency on a big library with a long play history.

Usage: bench/similar.py [--binary PATH] [--tracks 100000] [--plays 1000000] [--users 50]
                        [--requests 2000] [--warmup 200]

Seeds the library straight into SQLite as bench/catalog.py does (10 tracks per album, 10 albums
per artist), registers the first account through the API (with an app password, the apiKey of
every request), then writes --plays plays into play_history for --users listeners (the first
account and others inserted beside it): each listener has a taste (a few artists) and listens
in sessions of 5-20 tracks, 3-5 minutes apart, mostly from their taste, sometimes anything; the
sessions spread over two years. The play_count triggers run for every play, as in real use.

Then a fresh `juke serve` answers, over one kept-alive connection (the latency one listener
sees, no concurrency), --warmup requests whose times are thrown away and --requests measured
ones, each getSimilarSongs2?count=50&f=json for a random seed: half song ids of played tracks
(what apps send for "radio"), half artist ids (the spec's parameter). Prints p50, p90, p99 and
max per kind, and how many songs the answers held (never 0 is the rule). Target: p99 < 50 ms on
100k tracks and 1M plays with the release binary. Stdlib only.
"""
import argparse
import datetime
import http.client
import json
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from catalog import (  # noqa: E402
    HOST, ROOT, SETUP_CODE, Server, SetupError, binary_note, expect, juke_env, machine, seed, stamp,
)

TARGET_P99_MS = 50.0


def seed_plays(db_path, track_ids, plays, users, first_user, rng):
    """Writes `plays` plays for `users` listeners (the first is `first_user`); returns the ids of
    the tracks played at least once."""
    con = sqlite3.connect(db_path)
    try:
        artists = [r[0] for r in con.execute("SELECT DISTINCT artist_id FROM tracks ORDER BY artist_id")]
        by_artist = {}
        for tid, aid in con.execute("SELECT id, artist_id FROM tracks"):
            by_artist.setdefault(aid, []).append(tid)
        user_ids = [first_user]
        base = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)
        with con:
            for n in range(1, users):
                uid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
                ts = stamp(base, n)
                con.execute("INSERT INTO users (id, username, email, password_hash, created_at, updated_at) "
                            "VALUES (?, ?, ?, ?, ?, ?)", (uid, f"listener{n}", f"l{n}@example.com", "x", ts, ts))
                user_ids.append(uid)
        span_ms = 2 * 365 * 24 * 3600 * 1000
        played = set()
        batch = []
        written = 0
        t0 = time.perf_counter()
        while written < plays:
            for uid in user_ids:
                taste = rng.sample(artists, min(len(artists), 5))
                at = rng.randrange(span_ms)
                for _ in range(rng.randint(5, 20)):
                    if rng.random() < 0.8:
                        tid = rng.choice(by_artist[rng.choice(taste)])
                    else:
                        tid = rng.choice(track_ids)
                    batch.append((str(uuid.UUID(int=rng.getrandbits(128), version=4)), uid, tid,
                                  stamp(base, at), 200))
                    played.add(tid)
                    at += rng.randint(180_000, 300_000)
                    written += 1
                    if written >= plays:
                        break
                if written >= plays:
                    break
            if len(batch) >= 50_000 or written >= plays:
                with con:
                    con.executemany("INSERT INTO play_history (id, user_id, track_id, played_at, duration_played) "
                                    "VALUES (?, ?, ?, ?, ?)", batch)
                batch = []
        print(f"{written:,} plays by {len(user_ids)} listeners seeded in {time.perf_counter() - t0:.1f}s")
        con.execute("ANALYZE")
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return sorted(played)
    finally:
        con.close()


def prepare(binary, work, tracks, plays, users, rng):
    data = os.path.join(work, "data")
    os.makedirs(data)
    out = subprocess.run([binary, "migrate"], cwd=work, env=juke_env(data), capture_output=True, text=True)
    if out.returncode != 0:
        raise SetupError(f"juke migrate failed: {out.stderr[-500:]}")
    t0 = time.perf_counter()
    ids = seed(os.path.join(data, "juke.db"), tracks, rng)
    print(f"{tracks:,} tracks seeded in {time.perf_counter() - t0:.1f}s")
    server = Server(binary, work)
    try:
        body = expect(server.port, "POST", "/api/v1/auth/register", None, 201,
                      {"username": "bench", "email": "bench@example.com", "password": "benchpassword",
                       "setup_code": SETUP_CODE})
        made = expect(server.port, "POST", "/api/v1/me/app-passwords", body["token"], 201, {"name": "bench"})
        first_user = body["user"]["id"]
    finally:
        server.stop()
    played = seed_plays(os.path.join(data, "juke.db"), ids, plays, users, first_user, rng)
    con = sqlite3.connect(os.path.join(data, "juke.db"))
    try:
        artists = [r[0] for r in con.execute("SELECT id FROM artists")]
    finally:
        con.close()
    return made["password"], played, artists


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--binary", default=os.path.join(ROOT, "target/release/juke"))
    ap.add_argument("--tracks", type=int, default=100_000)
    ap.add_argument("--plays", type=int, default=1_000_000)
    ap.add_argument("--users", type=int, default=50)
    ap.add_argument("--requests", type=int, default=2000)
    ap.add_argument("--warmup", type=int, default=200)
    args = ap.parse_args()
    # The server runs in a temporary folder: a relative path would name nothing there.
    args.binary = os.path.abspath(args.binary)
    rng = random.Random(19)
    print(f"machine: {machine()}")
    print(f"binary: {binary_note(args.binary)}")
    work = tempfile.mkdtemp(prefix="juke-similar-")
    try:
        key, played, artists = prepare(args.binary, work, args.tracks, args.plays, args.users, rng)
        server = Server(args.binary, work)
        try:
            conn = http.client.HTTPConnection(HOST, server.port, timeout=60)
            times = {"song": [], "artist": []}
            sizes = {"song": [], "artist": []}
            for i in range(args.warmup + args.requests):
                kind = "song" if i % 2 == 0 else "artist"
                seed_id = f"tr-{rng.choice(played)}" if kind == "song" else f"ar-{rng.choice(artists)}"
                path = f"/rest/getSimilarSongs2?apiKey={key}&f=json&count=50&id={seed_id}"
                t0 = time.perf_counter()
                conn.request("GET", path)
                res = conn.getresponse()
                raw = res.read()
                elapsed = (time.perf_counter() - t0) * 1000
                body = json.loads(raw)["subsonic-response"]
                if body.get("status") != "ok":
                    raise SetupError(f"getSimilarSongs2 failed: {str(body)[:300]}")
                if i >= args.warmup:
                    times[kind].append(elapsed)
                    sizes[kind].append(len(body["similarSongs2"].get("song", [])))
            conn.close()
        finally:
            server.stop()
        print(f"library: {args.tracks:,} tracks, {args.plays:,} plays, {args.users} listeners; "
              f"{args.requests} measured requests after {args.warmup} warm-up, one connection")
        print(f"{'seed':<8}{'n':>6}{'p50 ms':>9}{'p90 ms':>9}{'p99 ms':>9}{'max ms':>9}{'songs min/median':>18}")
        worst = 0.0
        for kind in ("song", "artist"):
            t = times[kind]
            p99 = percentile(t, 99)
            worst = max(worst, p99)
            print(f"{kind:<8}{len(t):>6}{statistics.median(t):>9.2f}{percentile(t, 90):>9.2f}{p99:>9.2f}"
                  f"{max(t):>9.2f}{min(sizes[kind]):>9}/{statistics.median(sizes[kind]):<8.0f}")
        verdict = "PASS" if worst < TARGET_P99_MS else "FAIL"
        print(f"target p99 < {TARGET_P99_MS:.0f} ms: {verdict} (worst p99 {worst:.2f} ms)")
        if min(min(sizes["song"]), min(sizes["artist"])) == 0:
            print("an answer held no songs: the rule is never empty", file=sys.stderr)
            return 1
        return 0
    except SetupError as err:
        print(f"set-up failed: {err}", file=sys.stderr)
        return 2
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
