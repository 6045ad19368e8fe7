#!/usr/bin/env python3
"""The web player's cold load and the 5,000-album grid, in headless Chromium.

Usage: bench/web_load.py [--binary PATH] [--runs 15] [--tracks 50000]

Seeds a library straight into SQLite the way bench/catalog.py does (10 tracks per album, so
50,000 tracks make 5,000 albums), starts `juke serve` (release build) on it, registers the
first account, plays a few tracks through the API (so "most played" and "recently played" have
rows), then runs bench/web_load.mjs in Debian's Chromium (playwright-core from tests/e2e; run
`scripts/test` or `npm ci` there first):

  cold load   --runs times, each in a fresh browser profile with the HTTP cache disabled, signed
              in (token in localStorage, session cookie): the home screen from navigation to
              "ready" (greeting, all four sections filled, no spinner, player bar in place).
              Bytes are Chromium's encodedDataLength (what crossed the wire, headers included),
              in all and without covers (album covers, artist images). Targets: < 300 kB
              before covers.
  grid        /library/albums with every album of the library: tiles and cover requests at
              first view, then after scrolling to the end a screen at a time (20 ms apart).

Prints the machine and medians (cold load) and the grid counts.
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

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from catalog import ROOT, SETUP_CODE, Server, SetupError, binary_note, expect, juke_env, machine, seed  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--binary", default=os.path.join(ROOT, "target/release/juke"))
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--tracks", type=int, default=50_000)
    args = ap.parse_args()
    print(f"machine: {machine()}")
    print(f"binary: {binary_note(args.binary)}")
    work = tempfile.mkdtemp(prefix="juke-webload-")
    server = None
    try:
        data = os.path.join(work, "data")
        os.makedirs(data)
        out = subprocess.run([args.binary, "migrate"], cwd=work, env=juke_env(data), capture_output=True, text=True)
        if out.returncode != 0:
            raise SetupError(f"juke migrate failed: {out.stderr[-500:]}")
        ids = seed(os.path.join(data, "juke.db"), args.tracks, random.Random(7))
        server = Server(args.binary, work)
        body = expect(server.port, "POST", "/api/v1/auth/register", None, 201,
                      {"username": "bench", "email": "bench@example.com", "password": "benchpassword",
                       "setup_code": SETUP_CODE})
        token = body["token"]
        for tid in ids[:8]:
            expect(server.port, "POST", "/api/v1/plays", token, 201, {"track_id": tid, "duration_played": 120})
        env = dict(os.environ, JUKE_URL=f"http://127.0.0.1:{server.port}", JUKE_TOKEN=token, RUNS=str(args.runs))
        out = subprocess.run(["node", os.path.join(ROOT, "bench/web_load.mjs")], env=env,
                             capture_output=True, text=True, timeout=1800)
        if out.returncode != 0:
            raise SetupError(f"web_load.mjs failed:\n{out.stderr[-3000:]}")
        result = json.loads(out.stdout.strip().splitlines()[-1])
    except SetupError as err:
        print(f"set-up failed: {err}", file=sys.stderr)
        return 2
    finally:
        if server:
            server.stop()
        shutil.rmtree(work, ignore_errors=True)

    cold = result["cold"]
    med = lambda k: statistics.median(r[k] for r in cold)
    print(f"\ncold load of the home screen, {len(cold)} runs, medians (min-max):")
    for key, label, unit in [("bytes_no_covers", "transferred, without covers", "kB"),
                             ("bytes", "transferred, with covers", "kB"),
                             ("requests", "requests", ""), ("covers", "cover requests", ""),
                             ("dcl_ms", "DOMContentLoaded", "ms"), ("ready_ms", "ready (interactive)", "ms"),
                             ("long_tasks_ms", "long tasks, total", "ms")]:
        values = [r[key] for r in cold]
        scale = 1000 if unit == "kB" else 1
        print(f"  {label:32} {med(key) / scale:9.1f} {unit:3} ({min(values) / scale:.1f}-{max(values) / scale:.1f})")
    ok = med("bytes_no_covers") < 300_000
    print(f"  target < 300 kB before covers: {'PASS' if ok else 'FAIL'}")
    g = result["grid"]
    print(f"\nalbum grid, {g['albums_total']:,} albums in the library:")
    f, a = g["first_view"], g["after_scroll"]
    print(f"  first view: {f['loaded']} albums loaded, {f['tiles']} tiles in the page, {f['covers']} cover requests, {f['ms']} ms")
    print(f"  scrolled to the end ({a['wheels']} wheel turns of 2,400 px, 20 ms apart): {a['loaded']:,} albums loaded in "
          f"{a['ms'] / 1000:.1f} s, at most {a['max_tiles']} tiles in the page at once ({a['tiles']} at the end), "
          f"{a['covers']:,} cover requests ({a['cancelled']:,} cancelled)" + (f", JS heap {g['js_heap_bytes'] / 1e6:.1f} MB" if g["js_heap_bytes"] else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
