#!/usr/bin/env python3
"""Operations at scale: backup, restore, SQLite → PostgreSQL migration, and a /metrics scrape.

Usage: bench/operations.py --postgres postgres://USER@HOST:PORT/postgres
           [--binary target/release/juke] [--tracks 100000] [--plays 200000] [--runs 3]

Seeds the library straight into SQLite as bench/catalog.py does (100,000 tracks make 10,000
albums and 1,000 artists), registers one account through a server, then writes --plays plays of
it into play_history (the play_count trigger counts them). Then, --runs times each:

  backup        `juke backup --to DIR` of that instance (SQLite VACUUM INTO, files, manifest)
  restore       `juke restore --from DIR` into a new, empty data folder
  migrate-data  `juke migrate-data` into a new PostgreSQL database (made with psql on the
                --postgres admin URL, dropped afterwards)
  metrics       GET /metrics on a server of that instance: 50 scrapes, after 200 API requests

Prints the machine, medians and spreads. Needs psql; stdlib only.
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
import time
import urllib.parse
import urllib.request
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from catalog import HOST, ROOT, SETUP_CODE, Server, SetupError, binary_note, expect, juke_env, machine, seed  # noqa: E402


def timed(argv, cwd, env):
    started = time.perf_counter()
    out = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if out.returncode != 0:
        raise SetupError(f"{' '.join(argv[:2])} failed ({out.returncode}): {out.stderr[-800:]}")
    return seconds, out.stdout


def size_of(path):
    return sum(os.path.getsize(os.path.join(d, f)) for d, _, files in os.walk(path) for f in files)


def psql(admin, sql):
    subprocess.run(["psql", "-q", "-v", "ON_ERROR_STOP=1", admin, "-c", sql], check=True,
                   capture_output=True)


def prepare(binary, work, tracks, plays):
    data = os.path.join(work, "data")
    os.makedirs(data)
    out = subprocess.run([binary, "migrate"], cwd=work, env=juke_env(data), capture_output=True, text=True)
    if out.returncode != 0:
        raise SetupError(f"juke migrate failed: {out.stderr[-500:]}")
    db = os.path.join(data, "juke.db")
    ids = seed(db, tracks, random.Random(17))
    server = Server(binary, work)
    try:
        body = expect(server.port, "POST", "/api/v1/auth/register", None, 201,
                      {"username": "bench", "email": "bench@example.com", "password": "benchpassword",
                       "setup_code": SETUP_CODE})
    finally:
        server.stop()
    user = body["user"]["id"]
    rng = random.Random(5)
    con = sqlite3.connect(db)
    try:
        with con:
            con.executemany(
                "INSERT INTO play_history (id, user_id, track_id, played_at, duration_played, device_type) "
                "VALUES (?, ?, ?, ?, ?, 'web')",
                ((str(uuid.UUID(int=rng.getrandbits(128), version=4)), user, rng.choice(ids),
                  f"2026-{1 + i % 12:02d}-{1 + i % 28:02d}T12:00:00.000Z", 120) for i in range(plays)))
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        con.close()
    return body["token"]


def spread(values, unit=""):
    return f"{statistics.median(values):.2f}{unit} ({min(values):.2f}–{max(values):.2f})"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=os.path.join(ROOT, "target/release/juke"))
    parser.add_argument("--postgres", default=os.environ.get("TEST_POSTGRES_URL"),
                        help="admin URL of a PostgreSQL server (default: $TEST_POSTGRES_URL)")
    parser.add_argument("--tracks", type=int, default=100_000)
    parser.add_argument("--plays", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if not args.postgres:
        parser.error("--postgres (or TEST_POSTGRES_URL) is needed for the migrate-data runs")
    if shutil.which("psql") is None:
        parser.error("psql is needed (Debian: postgresql-client)")
    print(f"# {machine()}")
    print(f"# {binary_note(args.binary)}")
    work = tempfile.mkdtemp(prefix="juke-ops-bench-")
    try:
        token = prepare(args.binary, work, args.tracks, args.plays)
        data = os.path.join(work, "data")
        env = juke_env(data)
        rows = args.tracks + args.tracks // 10 + args.tracks // 100 + args.plays + 2
        print(f"# {args.tracks} tracks, {args.plays} plays; juke.db {size_of(data) / 2**20:.0f} MiB")

        backups, restores, migrations = [], [], []
        for run in range(args.runs):
            target = os.path.join(work, f"backup-{run}")
            seconds, _ = timed([args.binary, "backup", "--to", target], work, env)
            backups.append(seconds)
            backup_size = size_of(target)
            fresh = os.path.join(work, f"restored-{run}")
            seconds, _ = timed([args.binary, "restore", "--from", target], work, juke_env(fresh))
            restores.append(seconds)
            shutil.rmtree(fresh)
            shutil.rmtree(target)

            name = f"juke_bench_{uuid.uuid4().hex}"
            psql(args.postgres, f"CREATE DATABASE {name}")
            try:
                url = urllib.parse.urlparse(args.postgres)._replace(path=f"/{name}").geturl()
                seconds, said = timed([args.binary, "migrate-data", "--from",
                                       f"sqlite://{os.path.join(data, 'juke.db')}", "--to", url], work, env)
                migrations.append(seconds)
            finally:
                psql(args.postgres, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        print(f"backup        {spread(backups, ' s')}, {backup_size / 2**20:.0f} MiB written")
        print(f"restore       {spread(restores, ' s')}")
        print(f"migrate-data  {spread(migrations, ' s')}, {rows / statistics.median(migrations):,.0f} rows/s")

        server = Server(args.binary, work)
        try:
            for _ in range(200):
                expect(server.port, "GET", "/api/v1/albums?limit=50", token, 200)
            scrapes, size = [], 0
            for _ in range(50):
                started = time.perf_counter()
                with urllib.request.urlopen(f"http://{HOST}:{server.port}/metrics", timeout=30) as res:
                    size = len(res.read())
                scrapes.append((time.perf_counter() - started) * 1000)
            print(f"metrics       {spread(scrapes, ' ms')} per scrape, {size / 1024:.1f} kB")
        finally:
            server.stop()
    except SetupError as err:
        print(f"setup failed: {err}", file=sys.stderr)
        sys.exit(1)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
