#!/usr/bin/env python3
"""Catalog reads under load with wrk: one track (cache on and off), the album list, a long playlist, search.

Usage: bench/catalog.py [--binary PATH] [--duration 15] [--warmup 3] [--runs 1] [--only NAME[,NAME]]

The issue's method, so that figures compare with peers measured the same way: the server pinned
to one core (`taskset -c 0`), wrk on the other (`taskset -c 1 wrk -t1 -c32 --latency`), a 3 s
warm-up whose figures are thrown away, then a 15 s measured run; every request carries
`Authorization: Bearer <token>`. Cases (--only takes these names):

  track_cached    GET /api/v1/tracks/{id}, each request a random id of 1,000 (a wrk Lua script),
                  2k-track library, default cache                       target >= 20,000 req/s
  track_uncached  the same with JUKE_CACHE__MAX_ENTRIES=0 (cache off); reported with the ratio
  albums_2k       GET /api/v1/albums?limit=50, 2k-track library          target >= 10,000 req/s
  albums_20k      the same on a 20k-track library                        target within 20% of 2k
  albums_2k_uncached, albums_20k_uncached
                  the two album cases with JUKE_CACHE__MAX_ENTRIES=0 (the database path)
  playlist_10k    GET /api/v1/playlists/{id} of a 10,000-entry playlist, 2k-track library
  playlist_10k_c1 the same with one connection (the latency one listener sees)
                                                                         target p99 < 25 ms
  search_2k       GET /api/v1/search?q=...&types=track&limit=20, each request one of 12 queries
                  of 1-3 words as typed (a wrk Lua script picks at random), each finding 20 tracks
                  ("track 1", "tra", "rock track", "trak 15" with a typo, "electr", ...); 2k-track
                  library, tantivy engine (the default)                  target >= 8,000 req/s
  search_2k_database
                  the same with JUKE_SEARCH__ENGINE=database (SQLite FTS5); reported with the
                  ratio. That engine has no typo tolerance: "trak 15" finds no track there

Libraries are seeded straight into SQLite (after `juke migrate` made the schema): 10 tracks per
album, 10 albums per artist (2k: 200 albums, 20 artists; 20k: 2,000 albums, 200 artists),
durations 150-250 s, five genres, years 1970-2019; no library folders, so no scan runs. A
set-up server per library registers the first account (an admin) and, on the 2k library, builds
the playlist through POST /api/v1/playlists/{id}/tracks (two batches of 5,000: every track five
times, shuffled) and, for the search cases, waits for its search index (the library, seeded
behind its back, is indexed in the background at its first start) and checks that every query
finds 20 tracks; then every run starts `juke serve` (RUST_LOG=warn) in a fresh copy
of that data folder, so each starts with a cold cache (the warm-up fills it). A search run's
server opens the copied data/index (the database engine fills `search_documents` itself) and is
polled before its warm-up until "track 1" finds 20 tracks and "artist" every artist (both
engines write artists last), its queries checked again, so no run measures an index being
built; 60 s without that is a set-up failure. Per run: requests/s, latency p50/p99 (wrk's
--latency), the server's CPU during the measured run (~1.0 when it saturates its core) and its
VmRSS right after. With --runs N > 1 every figure is the median over N runs, each on its own
server. Prints the machine and a table with targets and PASS/FAIL (a case with wrk socket
errors passes nothing: wrk leaves requests slower than its 2 s timeout out of its percentiles).
Exits 1 if wrk reported any non-2xx/3xx response, 2 if the set-up failed; missed targets do not
change the exit status.
For comparison, the issue's figures for peers' search on this machine (not measured by this
script): Polaris 0.16 answers about 2,800 req/s, supysonic about 150.
Needs wrk (Debian: apt-get install wrk) and taskset; stdlib only.
"""
import argparse
import datetime
import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HOST = "127.0.0.1"
SMALL, LARGE = 2_000, 20_000
PLAYLIST_ENTRIES = 10_000
RANDOM_IDS = 1_000
CONNECTIONS = 32
GENRES = ["Rock", "Jazz", "Folk", "Electronic", "Classical"]
CASES = ["track_cached", "track_uncached", "albums_2k", "albums_20k", "albums_2k_uncached", "albums_20k_uncached",
         "playlist_10k", "playlist_10k_c1", "search_2k", "search_2k_database"]
# As-you-type queries of 1-3 words, each finding at least SEARCH_LIMIT tracks in seed()'s library
# (titles "Track {i}", albums "Album {artist}-{n}", artists "Artist {a}", five genres); the last
# word is a prefix, words of 4+ letters match with one typo (tantivy only).
SEARCH_QUERIES = ["track 1", "track 12", "track 3", "tra", "rock track", "jazz", "artist 1 track", "album 5",
                  "trak 15", "electr", "classical", "folk 1"]
SEARCH_TYPO_QUERIES = {"trak 15"}
SEARCH_LIMIT = 20
SEARCH_READY_SECONDS = 60
TARGET_CACHED_RPS = 20_000
TARGET_ALBUMS_RPS = 10_000
TARGET_ALBUMS_RATIO = 0.8
TARGET_PLAYLIST_P99_MS = 25.0
TARGET_SEARCH_RPS = 8_000
ANSI = re.compile(r"\x1b\[[0-9;]*m")


class SetupError(Exception):
    pass


# --- the machine ----------------------------------------------------------------------------

def machine():
    model = "unknown CPU"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem = int(f.readline().split()[1]) / 2**20
    usable = len(os.sched_getaffinity(0))
    return f"{usable} CPUs ({model}), {mem:.1f} GiB, Linux {os.uname().release}, Python {sys.version.split()[0]}"


def wrk_version():
    out = subprocess.run(["wrk", "-v"], capture_output=True, text=True)
    first = (out.stdout or out.stderr).strip().splitlines()
    return first[0].split(" Copyright")[0] if first else "wrk (unknown version)"


def binary_note(binary):
    """When the binary was built, and whether HEAD is newer (the release build may be stale)."""
    built = os.path.getmtime(binary)
    note = f"{binary} built {time.strftime('%Y-%m-%d %H:%M', time.gmtime(built))} UTC"
    try:
        head = subprocess.run(["git", "-C", ROOT, "log", "-1", "--format=%h %ct"],
                              capture_output=True, text=True, check=True).stdout.split()
        note += f", HEAD {head[0]}"
        if int(head[1]) > built:
            note += " (committed after the build: the binary may be stale)"
    except (OSError, subprocess.CalledProcessError, IndexError):
        pass
    return note


def cpus():
    """The server's core and wrk's: the first two this process may use."""
    usable = sorted(os.sched_getaffinity(0))
    if len(usable) < 2:
        raise SetupError(f"needs two CPUs (server on one, wrk on the other); this process may use {usable}")
    return usable[0], usable[1]


# --- the server -----------------------------------------------------------------------------

def free_port():
    s = socket.socket()
    s.bind((HOST, 0))
    port = s.getsockname()[1]
    s.close()
    return port


# The first registration (the admin) gives it.
SETUP_CODE = "bench-setup-code"


def juke_env(data_dir, extra=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith("JUKE_")}
    env.update({"JUKE_DATA_DIR": data_dir, "JUKE_LIBRARY__FOLDERS": "[]", "RUST_LOG": "warn",
                "JUKE_AUTH__SETUP_CODE": SETUP_CODE})
    env.update(extra or {})
    return env


class Server:
    """`juke serve` in `work` (cwd, so no ./config.toml is read) on `work`/data."""

    def __init__(self, binary, work, extra_env=None, cpu=None):
        self.port = free_port()
        self.log_path = os.path.join(work, f"juke-{self.port}.log")
        env = juke_env(os.path.join(work, "data"), dict(extra_env or {}, JUKE_SERVER__BIND=f"{HOST}:{self.port}"))
        argv = [binary, "serve"]
        if cpu is not None:
            argv = ["taskset", "-c", str(cpu)] + argv
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(argv, cwd=work, env=env, stdin=subprocess.DEVNULL,
                                         stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SetupError(f"juke exited with {self.proc.returncode} before becoming healthy{self.tail()}")
            try:
                if api(self.port, "GET", "/healthz")[0] == 200:
                    self.check_env()
                    return
            except OSError:
                pass
            time.sleep(0.01)
        self.stop()
        raise SetupError(f"juke did not answer /healthz within 30 s{self.tail()}")

    def check_env(self):
        """A JUKE_ variable the binary does not know (an older build, say) is ignored with a
        warning: refuse to measure a configuration that is not the one asked for."""
        with open(self.log_path, errors="replace") as f:
            log = ANSI.sub("", f.read())
        ignored = re.findall(r"matches no configuration key; ignored\s+variable=(\S+)", log)
        if ignored:
            self.stop()
            raise SetupError(f"juke ignored {', '.join(ignored)} (unknown to this binary)")

    def tail(self):
        try:
            with open(self.log_path, errors="replace") as f:
                lines = [ANSI.sub("", l) for l in f.readlines()[-20:]]
        except OSError:
            return ""
        return ("\n# last lines of the server log:\n" + "".join("    " + l for l in lines)) if lines else ""

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def rss_mib(self):
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        return 0.0

    def cpu_seconds(self):
        with open(f"/proc/{self.proc.pid}/stat") as f:
            fields = f.read().rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def api(port, method, path, token=None, body=None):
    conn = http.client.HTTPConnection(HOST, port, timeout=60)
    headers = {}
    if body is not None:
        body = json.dumps(body)
        headers["Content-Type"] = "application/json"
    if token:
        headers["Authorization"] = f"Bearer {token}"
    try:
        conn.request(method, path, body, headers)
        resp = conn.getresponse()
        data = resp.read()
    finally:
        conn.close()
    try:
        parsed = json.loads(data) if data else None
    except ValueError:
        parsed = data[:200]
    return resp.status, parsed


def expect(port, method, path, token, status, body=None):
    got, answer = api(port, method, path, token, body)
    if got != status:
        hint = " (the binary may predate this route: rebuild with cargo build --release)" if got == 404 else ""
        raise SetupError(f"{method} {path} answered {got}, expected {status}{hint}: {str(answer)[:300]}")
    return answer


# --- the library ----------------------------------------------------------------------------

def stamp(base, ms):
    """The storage layer's fixed-width RFC 3339 text: 2026-11-25T10:00:00.000Z."""
    t = base + datetime.timedelta(milliseconds=ms)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def key(name):
    """name_key / title_key: lowercased, runs of white space folded to one space."""
    return " ".join(name.lower().split())


def seed(db_path, tracks, rng):
    """`tracks` tracks, 10 per album, 10 albums per artist; triggers fill album totals. Returns
    the track ids in insertion order."""
    base = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
    new_id = lambda: str(uuid.UUID(int=rng.getrandbits(128), version=4))
    n_albums, n_artists = max(1, tracks // 10), max(1, tracks // 100)
    artists, albums, rows, ids = [], [], [], []
    for a in range(n_artists):
        name = f"Artist {a}"
        ts = stamp(base, a)
        artists.append((new_id(), name, key(name), ts, ts))
    for al in range(n_albums):
        artist = al // 10
        title = f"Album {artist}-{al % 10}"
        ts = stamp(base, 10_000 + al)
        albums.append((new_id(), title, key(title), artists[artist][0], GENRES[al % len(GENRES)],
                       1970 + al % 50, ts, ts))
    for i in range(tracks):
        album = albums[i // 10]
        ts = stamp(base, 100_000 + i)
        tid = new_id()
        ids.append(tid)
        rows.append((tid, f"Track {i}", album[3], album[0], album[1], f"/music/{i}.flac", 5_000_000 + i,
                     150 + (i * 37) % 101, 320, 44100, 2, i % 10 + 1, 1, album[4], album[5], ts, ts))
    con = sqlite3.connect(db_path)
    try:
        with con:
            con.executemany("INSERT INTO artists (id, name, name_key, created_at, updated_at) "
                            "VALUES (?, ?, ?, ?, ?)", artists)
            con.executemany("INSERT INTO albums (id, title, title_key, artist_id, genre, year, created_at, "
                            "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", albums)
            con.executemany("INSERT INTO tracks (id, title, artist_id, album_id, album, file_path, file_size, "
                            "duration_seconds, bitrate, sample_rate, channels, track_number, disc_number, "
                            "genre, year, created_at, updated_at) "
                            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        bad = con.execute("SELECT count(*) FROM albums WHERE total_tracks <> 10").fetchone()[0]
        if bad:
            raise SetupError(f"seeding: {bad} albums do not count 10 tracks (triggers?)")
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        con.close()
    return ids


def prepare(binary, work, tracks, with_playlist, check_albums, check_search, rng):
    """A data folder (`work`/data) holding the library, the first account (its token returned),
    when asked the 10,000-entry playlist and, with `check_search`, the whole search index (waited
    for, every query of SEARCH_QUERIES checked); copied for every run."""
    data = os.path.join(work, "data")
    os.makedirs(data)
    out = subprocess.run([binary, "migrate"], cwd=work, env=juke_env(data), capture_output=True, text=True)
    if out.returncode != 0:
        raise SetupError(f"juke migrate exited with {out.returncode}: {(out.stderr or out.stdout).strip()[-500:]}")
    t0 = time.perf_counter()
    ids = seed(os.path.join(data, "juke.db"), tracks, rng)
    note = f"{tracks:,} tracks seeded in {time.perf_counter() - t0:.1f}s"
    server = Server(binary, work)
    up = time.monotonic()
    try:
        body = expect(server.port, "POST", "/api/v1/auth/register", None, 201,
                      {"username": "bench", "email": "bench@example.com", "password": "benchpassword",
                       "setup_code": SETUP_CODE})
        token = body["token"]
        if not body.get("user", {}).get("is_admin"):
            raise SetupError("the registered account is not the first (not an admin): is the database fresh?")
        track = expect(server.port, "GET", f"/api/v1/tracks/{ids[0]}", token, 200)
        if track.get("id") != ids[0]:
            raise SetupError(f"GET /api/v1/tracks/{{id}} answered another track: {str(track)[:200]}")
        if check_albums:
            page = expect(server.port, "GET", "/api/v1/albums?limit=50", token, 200)
            if len(page.get("items", [])) != 50:
                raise SetupError(f"GET /api/v1/albums?limit=50 listed {len(page.get('items', []))} albums, "
                                 f"expected 50")
        if check_search:
            wait_for_search(server, token, tracks)
            check_search_queries(server, token, "tantivy")
            note += (f"; search index ready {time.monotonic() - up:.1f}s after the server answered, "
                     f"all {len(SEARCH_QUERIES)} queries find {SEARCH_LIMIT} tracks")
        playlist = None
        if with_playlist:
            t0 = time.perf_counter()
            playlist = expect(server.port, "POST", "/api/v1/playlists", token, 201, {"name": "Bench 10k"})["id"]
            entries = [t for _ in range(-(-PLAYLIST_ENTRIES // len(ids))) for t in ids][:PLAYLIST_ENTRIES]
            rng.shuffle(entries)
            for i in range(0, len(entries), 5000):
                expect(server.port, "POST", f"/api/v1/playlists/{playlist}/tracks", token, 201,
                       {"track_ids": entries[i:i + 5000]})
            detail = expect(server.port, "GET", f"/api/v1/playlists/{playlist}", token, 200)
            got = len(detail.get("tracks", []))
            if got != PLAYLIST_ENTRIES or detail.get("track_count") != PLAYLIST_ENTRIES:
                raise SetupError(f"the playlist holds {got} entries (track_count {detail.get('track_count')}), "
                                 f"expected {PLAYLIST_ENTRIES}")
            positions = [e.get("position") for e in detail["tracks"]]
            if positions != list(range(PLAYLIST_ENTRIES)):
                raise SetupError("the playlist's positions are not 0..n-1 in order")
            note += f"; {PLAYLIST_ENTRIES:,}-entry playlist added through the API in {time.perf_counter() - t0:.1f}s"
    except SetupError as err:
        raise SetupError(f"{err}{server.tail()}") from None
    finally:
        server.stop()
    print(f"# {note}", flush=True)
    return {"data": data, "token": token, "ids": ids, "playlist": playlist, "tracks": tracks}


# --- search ---------------------------------------------------------------------------------

def search_path(query, types="track", limit=SEARCH_LIMIT):
    return f"/api/v1/search?q={urllib.parse.quote(query, safe='')}&types={types}&limit={limit}"


def wait_for_search(server, token, tracks):
    """Polls until the engine holds the whole library: "track 1" finds SEARCH_LIMIT tracks and
    "artist" every artist (a rebuild writes artists last; tantivy shows everything at its commit,
    the database engine as it writes them). SetupError after SEARCH_READY_SECONDS."""
    artists = min(max(1, tracks // 100), 100)  # as seed() makes them; 100 is the API's limit
    probes = [(search_path("track 1"), "tracks", SEARCH_LIMIT),
              (search_path("artist", "artist", artists), "artists", artists)]
    deadline = time.monotonic() + SEARCH_READY_SECONDS
    while True:
        if server.proc.poll() is not None:
            raise SetupError(f"juke exited with {server.proc.returncode} while its search index was built")
        for path, kind, want in probes:
            status, answer = api(server.port, "GET", path, token)
            if 400 <= status < 500:  # refused (404: a binary without search), not just not ready yet
                expect(server.port, "GET", path, token, 200)
            got = len(answer.get(kind) or []) if status == 200 and isinstance(answer, dict) else None
            if got != want:
                last = (f"GET {path} found {got} {kind}, expected {want}" if got is not None
                        else f"GET {path} answered {status}: {str(answer)[:200]}")
                break
        else:
            return
        if time.monotonic() > deadline:
            raise SetupError(f"the search index was not whole within {SEARCH_READY_SECONDS} s ({last})")
        time.sleep(0.05)


def check_search_queries(server, token, engine):
    """Every query of SEARCH_QUERIES finds SEARCH_LIMIT tracks, else SetupError naming it. The
    database engine has no typo tolerance: there a typo query may find fewer (returned as notes)."""
    notes = []
    for query in SEARCH_QUERIES:
        answer = expect(server.port, "GET", search_path(query), token, 200)
        got = len(answer.get("tracks") or []) if isinstance(answer, dict) else 0
        if got == SEARCH_LIMIT:
            continue
        if engine == "database" and query in SEARCH_TYPO_QUERIES:
            notes.append(f"{query!r} finds {got} tracks")
        else:
            raise SetupError(f"search {query!r} ({engine} engine) found {got} tracks, expected {SEARCH_LIMIT}")
    return notes


# --- wrk ------------------------------------------------------------------------------------

UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3, "h": 3600e3}


def to_ms(text):
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text)
    if not m:
        raise ValueError(f"unreadable wrk time {text!r}")
    return float(m.group(1)) * UNITS[m.group(2)]


def parse_wrk(out):
    rps = re.search(r"^Requests/sec:\s+([\d.]+)", out, re.M)
    if not rps:
        raise SetupError(f"no Requests/sec in wrk's output:\n{out}")
    lat = dict(re.findall(r"^\s+(50|75|90|99)(?:\.0+)?%\s+(\S+)", out, re.M))
    total = re.search(r"^\s+(\d+) requests in", out, re.M)
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    requests = int(total.group(1)) if total else 0
    answered = lambda q: to_ms(lat[q]) if q in lat and requests else float("nan")
    return {"rps": float(rps.group(1)), "p50": answered("50"), "p99": answered("99"), "requests": requests,
            "non2xx": int(non2xx.group(1)) if non2xx else 0,
            "socket_errors": sum(int(x) for x in sock.groups()) if sock else 0,
            "socket_detail": sock.group(0) if sock else ""}


def wrk(cpu, url, token, seconds, script=None, connections=None):
    argv = ["taskset", "-c", str(cpu), "wrk", "-t1", f"-c{connections or CONNECTIONS}", f"-d{seconds}s", "--latency",
            "-H", f"Authorization: Bearer {token}"]
    if script:
        argv += ["-s", script]
    out = subprocess.run(argv + [url], capture_output=True, text=True)
    if out.returncode != 0:
        raise SetupError(f"wrk exited with {out.returncode}: {out.stderr.strip() or out.stdout.strip()}")
    return parse_wrk(out.stdout)


def lua_random_ids(path, ids):
    with open(path, "w") as f:
        f.write("-- GET /api/v1/tracks/{id}, a random id of these per request\n")
        f.write("local ids = {\n" + "".join(f'  "{i}",\n' for i in ids) + "}\n")
        f.write("local n = #ids\n")
        f.write("function init(args) math.randomseed(42) end\n")
        f.write('function request() return wrk.format("GET", "/api/v1/tracks/" .. ids[math.random(n)]) end\n')


def lua_random_queries(path, queries):
    with open(path, "w") as f:
        f.write(f"-- GET /api/v1/search?q=...&types=track&limit={SEARCH_LIMIT}, a query of these per request\n")
        f.write("local paths = {\n" + "".join(f'  "{search_path(q)}",\n' for q in queries) + "}\n")
        f.write("local n = #paths\n")
        f.write("function init(args) math.randomseed(42) end\n")
        f.write('function request() return wrk.format("GET", paths[math.random(n)]) end\n')


# --- the cases ------------------------------------------------------------------------------

def run_case(args, work, name, lib, case, cores):
    """--runs fresh servers: warm-up (discarded), then the measured run. Returns per-run figures."""
    server_cpu, client_cpu = cores
    runs = []
    for r in range(args.runs):
        run_dir = os.path.join(work, f"run-{name}-{r}")
        os.makedirs(run_dir)
        shutil.copytree(lib["data"], os.path.join(run_dir, "data"))
        server = Server(args.binary, run_dir, case.get("env"), cpu=server_cpu)
        try:
            if case.get("search"):
                # The copied index (or, on the database engine, the documents it fills at start)
                # must be whole before anything is measured.
                try:
                    wait_for_search(server, lib["token"], lib["tracks"])
                    notes = check_search_queries(server, lib["token"], case["search"])
                except SetupError as err:
                    raise SetupError(f"{name}: {err}{server.tail()}") from None
                if notes and r == 0:
                    print(f"  {name}: {'; '.join(notes)} (this engine has no typo tolerance)", flush=True)
            url = f"http://{HOST}:{server.port}{case['path']}"
            if args.warmup > 0:
                wrk(client_cpu, url, lib["token"], args.warmup, case.get("script"), case.get("connections"))
            cpu0, t0 = server.cpu_seconds(), time.monotonic()
            res = wrk(client_cpu, url, lib["token"], args.duration, case.get("script"), case.get("connections"))
            res["server_cores"] = (server.cpu_seconds() - cpu0) / (time.monotonic() - t0)
            res["rss"] = server.rss_mib()
            if server.proc.poll() is not None:
                raise SetupError(f"juke exited with {server.proc.returncode} during the run{server.tail()}")
        finally:
            server.stop()
        shutil.rmtree(run_dir, ignore_errors=True)
        extra = ""
        if res["non2xx"]:
            extra += f"; NON-2xx/3xx RESPONSES: {res['non2xx']}"
        if res["socket_errors"]:
            extra += f"; {res['socket_detail']}"
        print(f"  {name} run {r + 1}/{args.runs}: {res['rps']:,.0f} req/s ({res['requests']:,} requests), "
              f"p50 {ms(res['p50'])}, p99 {ms(res['p99'])}, server CPU {res['server_cores']:.2f} cores, "
              f"RSS after {res['rss']:.1f} MiB{extra}", flush=True)
        runs.append(res)
    return runs


def summary(runs):
    med = lambda k: statistics.median(r[k] for r in runs)
    rates = [r["rps"] for r in runs]
    return {"rps": med("rps"), "p50": med("p50"), "p99": med("p99"), "server_cores": med("server_cores"),
            "rss": med("rss"), "min": min(rates), "max": max(rates), "n": len(runs),
            "non2xx": sum(r["non2xx"] for r in runs), "socket_errors": sum(r["socket_errors"] for r in runs),
            "requests": min(r["requests"] for r in runs)}


def ms(value):
    return "-" if value != value else f"{value:.2f} ms"  # NaN: no request was answered


def verdict(ok):
    return "n/a" if ok is None else ("PASS" if ok else "FAIL")


def report(results):
    print()
    print("| case | req/s (median) | min / max | p50 | p99 | server CPU | RSS after | non-2xx / socket errors "
          "| target | verdict |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    targets = {
        "track_cached": (f">= {TARGET_CACHED_RPS:,} req/s", lambda s: s["rps"] >= TARGET_CACHED_RPS),
        "track_uncached": ("", None),
        "albums_2k": (f">= {TARGET_ALBUMS_RPS:,} req/s", lambda s: s["rps"] >= TARGET_ALBUMS_RPS),
        "albums_20k": (f">= {TARGET_ALBUMS_RATIO:.0%} of albums_2k",
                       lambda s: (s["rps"] >= TARGET_ALBUMS_RATIO * results["albums_2k"]["rps"])
                       if "albums_2k" in results else None),
        "playlist_10k": (f"p99 < {TARGET_PLAYLIST_P99_MS:g} ms", lambda s: s["p99"] < TARGET_PLAYLIST_P99_MS),
        "playlist_10k_c1": (f"p99 < {TARGET_PLAYLIST_P99_MS:g} ms", lambda s: s["p99"] < TARGET_PLAYLIST_P99_MS),
        "albums_2k_uncached": ("", None),
        "albums_20k_uncached": ("", None),
        "search_2k": (f">= {TARGET_SEARCH_RPS:,} req/s", lambda s: s["rps"] >= TARGET_SEARCH_RPS),
        "search_2k_database": ("", None),
    }
    labels = {
        "track_cached": "GET /tracks/{id}, cache on (1k random ids, 2k tracks)",
        "track_uncached": "GET /tracks/{id}, cache off (MAX_ENTRIES=0)",
        "albums_2k": "GET /albums?limit=50, 2k tracks",
        "albums_20k": "GET /albums?limit=50, 20k tracks",
        "playlist_10k": "GET /playlists/{id}, 10,000 entries (2k tracks)",
        "playlist_10k_c1": "same, one client at a time (wrk -c1)",
        "albums_2k_uncached": "GET /albums?limit=50, 2k tracks, cache off (the database path)",
        "albums_20k_uncached": "GET /albums?limit=50, 20k tracks, cache off (the database path)",
        "search_2k": f"GET /search?types=track&limit={SEARCH_LIMIT}, {len(SEARCH_QUERIES)} queries (2k tracks)",
        "search_2k_database": "same, database engine (JUKE_SEARCH__ENGINE=database)",
    }
    for name in CASES:
        if name not in results:
            continue
        s = results[name]
        target, check = targets[name]
        ok = check(s) if check else None
        # wrk leaves requests slower than its 2 s timeout out of the percentiles (they count as
        # socket timeouts), so a run with errors, or with no request answered, passes nothing.
        if ok and (s["socket_errors"] or s["non2xx"] or s["requests"] == 0):
            ok = False
        judged = verdict(ok) if check else ""
        print(f"| {labels[name]} | {s['rps']:,.0f} | {s['min']:,.0f} / {s['max']:,.0f} | {ms(s['p50'])} | "
              f"{ms(s['p99'])} | {s['server_cores']:.2f} | {s['rss']:.1f} MiB | "
              f"{s['non2xx']} / {s['socket_errors']} | {target} | {judged} |")
    ratios = []  # after one blank line, so that no ratio reads as a row of the table
    if "track_cached" in results and "track_uncached" in results:
        ratio = results["track_cached"]["rps"] / results["track_uncached"]["rps"]
        ratios.append(f"cache on / off, GET /tracks/{{id}}: {ratio:.2f}x")
    if "albums_2k" in results and "albums_20k" in results:
        ratio = results["albums_20k"]["rps"] / results["albums_2k"]["rps"]
        ratios.append(f"albums 20k / 2k: {ratio:.2f} ({(ratio - 1) * 100:+.1f}%)  "
                      f"[within 20%: {verdict(ratio >= TARGET_ALBUMS_RATIO)}]")
    if "albums_2k_uncached" in results and "albums_20k_uncached" in results:
        ratio = results["albums_20k_uncached"]["rps"] / results["albums_2k_uncached"]["rps"]
        ratios.append(f"albums 20k / 2k, cache off: {ratio:.2f} ({(ratio - 1) * 100:+.1f}%)")
    if "search_2k" in results and "search_2k_database" in results:
        ratio = results["search_2k"]["rps"] / results["search_2k_database"]["rps"]
        ratios.append(f"search, tantivy / database engine: {ratio:.2f}x")
    if ratios:
        print("\n" + "\n".join(ratios))

def run(args, work):
    cores = cpus()
    wanted = args.only
    rng = random.Random(20261126)
    libs = {}
    playlist = "playlist_10k" in wanted or "playlist_10k_c1" in wanted
    search = "search_2k" in wanted or "search_2k_database" in wanted
    small = ("track_cached", "track_uncached", "albums_2k", "albums_2k_uncached")
    if any(c in wanted for c in small) or playlist or search:
        libs[SMALL] = prepare(args.binary, os.path.join(work, "lib-2k"), SMALL, playlist,
                              "albums_2k" in wanted, search, rng)
    if "albums_20k" in wanted or "albums_20k_uncached" in wanted:
        libs[LARGE] = prepare(args.binary, os.path.join(work, "lib-20k"), LARGE, False, True, False, rng)
    cases = {}
    if SMALL in libs:
        lua = os.path.join(work, "random_track.lua")
        lua_random_ids(lua, rng.sample(libs[SMALL]["ids"], min(RANDOM_IDS, len(libs[SMALL]["ids"]))))
        cases["track_cached"] = {"lib": SMALL, "path": "/api/v1/tracks/random", "script": lua}
        cases["track_uncached"] = {"lib": SMALL, "path": "/api/v1/tracks/random", "script": lua,
                                   "env": {"JUKE_CACHE__MAX_ENTRIES": "0"}}
        cases["albums_2k"] = {"lib": SMALL, "path": "/api/v1/albums?limit=50"}
        cases["albums_2k_uncached"] = dict(cases["albums_2k"], env={"JUKE_CACHE__MAX_ENTRIES": "0"})
        if libs[SMALL]["playlist"]:
            cases["playlist_10k"] = {"lib": SMALL, "path": f"/api/v1/playlists/{libs[SMALL]['playlist']}"}
            cases["playlist_10k_c1"] = dict(cases["playlist_10k"], connections=1)
        search_lua = os.path.join(work, "search.lua")
        lua_random_queries(search_lua, SEARCH_QUERIES)
        cases["search_2k"] = {"lib": SMALL, "path": search_path(SEARCH_QUERIES[0]), "script": search_lua,
                              "search": "tantivy"}
        cases["search_2k_database"] = dict(cases["search_2k"], search="database",
                                           env={"JUKE_SEARCH__ENGINE": "database"})
    if LARGE in libs:
        cases["albums_20k"] = {"lib": LARGE, "path": "/api/v1/albums?limit=50"}
        cases["albums_20k_uncached"] = dict(cases["albums_20k"], env={"JUKE_CACHE__MAX_ENTRIES": "0"})
    print(f"# server on CPU {cores[0]}, wrk on CPU {cores[1]}: -t1 -c{CONNECTIONS}, warm-up {args.warmup}s "
          f"(discarded), measured {args.duration}s, {args.runs} run(s) per case, each on a fresh server", flush=True)
    results, failed = {}, 0
    for name in CASES:
        if name not in wanted:
            continue
        case = cases[name]
        runs = run_case(args, work, name, libs[case["lib"]], case, cores)
        results[name] = summary(runs)
        failed += results[name]["non2xx"]
    report(results)
    socket_errors = sum(s["socket_errors"] for s in results.values())
    if socket_errors:
        print(f"\nnote: wrk reported {socket_errors} socket errors (see the run lines); timeouts are requests "
              f"slower than wrk's 2 s limit, left out of its percentiles, so those cases do not pass")
    if failed:
        print(f"\nerror: wrk reported {failed} non-2xx/3xx responses", file=sys.stderr)
        return 1
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--binary", default=os.path.join(ROOT, "target/release/juke"))
    ap.add_argument("--duration", type=int, default=15, help="seconds of each measured wrk run")
    ap.add_argument("--warmup", type=int, default=3, help="seconds of wrk before each measured run (discarded)")
    ap.add_argument("--runs", type=int, default=1, help="measured runs per case (median reported)")
    ap.add_argument("--only", default=",".join(CASES),
                    help=f"comma-separated cases to run, of: {', '.join(CASES)}")
    args = ap.parse_args()
    args.only = [c.strip() for c in args.only.split(",") if c.strip()]
    unknown = [c for c in args.only if c not in CASES]
    if unknown or not args.only:
        ap.error(f"--only: unknown case {', '.join(unknown) or '(none given)'}; cases: {', '.join(CASES)}")
    if args.duration < 1 or args.warmup < 0 or args.runs < 1:
        ap.error("--duration and --runs must be at least 1, --warmup at least 0")
    args.binary = os.path.abspath(args.binary)  # the server runs in a temp dir
    if not os.access(args.binary, os.X_OK):
        ap.error(f"no executable at {args.binary}")
    for tool in ("wrk", "taskset"):
        if shutil.which(tool) is None:
            print(f"error: {tool} is not installed (Debian: apt-get install -y "
                  f"{'wrk' if tool == 'wrk' else 'util-linux'})", file=sys.stderr)
            return 2
    print(f"# {machine()}")
    print(f"# {wrk_version()}")
    print(f"# {binary_note(args.binary)}", flush=True)
    work = tempfile.mkdtemp(prefix="juke-catalog-bench-")
    try:
        return run(args, work)
    except (SetupError, OSError, subprocess.CalledProcessError, sqlite3.Error) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
