#!/usr/bin/env python3
"""What the richer Subsonic song entries cost: getAlbum and search3 (JSON) under wrk, before and after.

Usage: bench/subsonic_songs.py --baseline PATH [--binary PATH] [--tracks 2000] [--runs 3]
                               [--duration 15] [--warmup 3]

Issue 19 gave every song entry the file, tag and per-listener fields apps need (suffix, size,
bitRate, path, samplingRate, played, starred, userRating, OpenSubsonic's artists/genres/
replayGain...). This measures the two answers made mostly of song entries, with the server on
one core (`taskset -c 0`) and wrk on the other (`-t1 -c32`), a warm-up thrown away, then
--duration seconds measured; the two binaries alternate, --runs times each, every run on a fresh
copy of one data folder:

  getAlbum   /rest/getAlbum?id=al-...&f=json, a random album of all (10 songs each) per request
  search3    /rest/search3?query=...&songCount=20&albumCount=5&artistCount=5&f=json, one of
             bench/catalog.py's typed queries per request

The library is bench/catalog.py's seed (10 tracks an album, 10 albums an artist), made with the
baseline binary (a newer binary migrates it at start), its search index built, and an app
password made for the `apiKey` of every request. Reports medians, spreads and the ratio.
"""
import argparse
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import json
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from catalog import (HOST, ROOT, SEARCH_QUERIES, SETUP_CODE, Server, SetupError, binary_note,  # noqa: E402
                     cpus, expect, juke_env, machine, seed, wait_for_search, wrk, wrk_version)

CASES = ["getAlbum", "search3"]


def prepare(binary, work, tracks):
    data = os.path.join(work, "data")
    os.makedirs(data)
    out = subprocess.run([binary, "migrate"], cwd=work, env=juke_env(data), capture_output=True, text=True)
    if out.returncode != 0:
        raise SetupError(f"juke migrate failed: {out.stderr[-500:]}")
    seed(os.path.join(data, "juke.db"), tracks, random.Random(19))
    server = Server(binary, work)
    try:
        body = expect(server.port, "POST", "/api/v1/auth/register", None, 201,
                      {"username": "bench", "email": "bench@example.com", "password": "benchpassword",
                       "setup_code": SETUP_CODE})
        made = expect(server.port, "POST", "/api/v1/me/app-passwords", body["token"], 201, {"name": "bench"})
        wait_for_search(server, body["token"], tracks)
    finally:
        server.stop()
    con = sqlite3.connect(os.path.join(data, "juke.db"))
    try:
        albums = [row[0] for row in con.execute("SELECT id FROM albums ORDER BY id")]
    finally:
        con.close()
    return made["password"], body["token"], albums


def lua(path, paths):
    with open(path, "w") as f:
        f.write("local paths = {\n" + "".join(f'  "{p}",\n' for p in paths) + "}\n")
        f.write("local n = #paths\n")
        f.write("function init(args) math.randomseed(19) end\n")
        f.write('function request() return wrk.format("GET", paths[math.random(n)]) end\n')


def check(port, path, what):
    with urllib.request.urlopen(f"http://{HOST}:{port}{path}", timeout=60) as res:
        body = json.loads(res.read())["subsonic-response"]
    if body.get("status") != "ok":
        raise SetupError(f"{what}: {str(body)[:300]}")
    return body


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--baseline", required=True)
    ap.add_argument("--binary", default=os.path.join(ROOT, "target/release/juke"))
    ap.add_argument("--tracks", type=int, default=2000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--duration", type=int, default=15)
    ap.add_argument("--warmup", type=int, default=3)
    args = ap.parse_args()
    binaries = {"baseline": os.path.abspath(args.baseline), "binary": os.path.abspath(args.binary)}
    print(f"# {machine()}")
    print(f"# {wrk_version()}")
    for name, path in binaries.items():
        print(f"# {name}: {binary_note(path)}")
    work = tempfile.mkdtemp(prefix="juke-subsonic-songs-")
    try:
        key, token, albums = prepare(binaries["baseline"], work, args.tracks)
        q = lambda extra: f"apiKey={urllib.parse.quote(key)}&f=json&c=bench&v=1.16.1&{extra}"
        scripts = {}
        scripts["getAlbum"] = os.path.join(work, "album.lua")
        lua(scripts["getAlbum"], [f"/rest/getAlbum?{q('id=al-' + a)}" for a in albums])
        scripts["search3"] = os.path.join(work, "search.lua")
        lua(scripts["search3"], [f"/rest/search3?{q('songCount=20&albumCount=5&artistCount=5&query=' + urllib.parse.quote(s))}"
                                 for s in SEARCH_QUERIES])
        pristine = os.path.join(work, "data")
        cores = cpus()
        results = {(b, c): [] for b in binaries for c in CASES}
        for r in range(args.runs):
            for name, path in binaries.items():
                for case in CASES:
                    run_dir = os.path.join(work, f"run-{name}-{case}-{r}")
                    os.makedirs(run_dir)
                    shutil.copytree(pristine, os.path.join(run_dir, "data"))
                    server = Server(path, run_dir, cpu=cores[0])
                    try:
                        if case == "search3":
                            # The copied index must be whole before anything is measured.
                            wait_for_search(server, token, args.tracks)
                        body = check(server.port, f"/rest/getAlbum?{q('id=al-' + albums[0])}", "getAlbum")
                        if len(body["album"].get("song", [])) != 10:
                            raise SetupError(f"getAlbum listed {len(body['album'].get('song', []))} songs")
                        url = f"http://{HOST}:{server.port}/rest/ping?{q('')}"
                        if args.warmup:
                            wrk(cores[1], url, "unused", args.warmup, scripts[case])
                        res = wrk(cores[1], url, "unused", args.duration, scripts[case])
                        if res["non2xx"] or res["socket_errors"]:
                            raise SetupError(f"{name} {case}: wrk saw errors: {res}")
                    finally:
                        server.stop()
                        shutil.rmtree(run_dir, ignore_errors=True)
                    results[(name, case)].append(res)
                    print(f"  {name} {case} run {r + 1}: {res['rps']:,.0f} req/s, p99 {res['p99']:.2f} ms", flush=True)
        print("\n| case | baseline req/s (median, min–max) | p99 | now req/s (median, min–max) | p99 | now / baseline |")
        print("| --- | --- | --- | --- | --- | --- |")
        for case in CASES:
            row = []
            for name in binaries:
                rates = [x["rps"] for x in results[(name, case)]]
                p99 = statistics.median(x["p99"] for x in results[(name, case)])
                row.append((statistics.median(rates), min(rates), max(rates), p99))
            (b, bmin, bmax, bp), (n, nmin, nmax, np_) = row
            print(f"| {case} | {b:,.0f} ({bmin:,.0f}–{bmax:,.0f}) | {bp:.2f} ms | {n:,.0f} ({nmin:,.0f}–{nmax:,.0f}) "
                  f"| {np_:.2f} ms | {n / b:.2f} |")
        return 0
    except (SetupError, OSError, subprocess.CalledProcessError, sqlite3.Error) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
