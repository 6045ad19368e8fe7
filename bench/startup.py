#!/usr/bin/env python3
"""Start-up to a healthy /healthz, and idle resident memory, for `juke serve` on SQLite.

Usage: bench/startup.py [--runs N] [--tracks N] [--binary PATH]

Each run starts the release binary in a fresh copy of a prepared data folder, polls /healthz
every millisecond until it answers 200, records the elapsed wall time, waits two seconds idle,
reads VmRSS from /proc, then stops the server with SIGTERM. Prints medians and the spread.
"""
import argparse
import http.client
import os
import shutil
import signal
import sqlite3
import statistics
import subprocess
import tempfile
import time
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def free_port():
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def start(binary, data_dir, cwd):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("JUKE_")}
    env.update({"JUKE_DATA_DIR": data_dir, "JUKE_SERVER__BIND": f"127.0.0.1:{port}",
                "JUKE_LIBRARY__SCAN_ON_START": "false", "RUST_LOG": "warn"})
    began = time.perf_counter()
    proc = subprocess.Popen([binary, "serve"], cwd=cwd, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while True:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return proc, time.perf_counter() - began
        except OSError:
            pass
        if proc.poll() is not None:
            raise SystemExit(f"juke exited with {proc.returncode} before becoming healthy")
        time.sleep(0.001)


def stop(proc):
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=30)


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def seed(db_path, tracks):
    """Fills a migrated database with `tracks` tracks over tracks/10 albums and tracks/100 artists."""
    con = sqlite3.connect(db_path)
    ts = "2026-11-25T00:00:00.000Z"
    artists = [str(uuid.uuid4()) for _ in range(max(1, tracks // 100))]
    con.executemany("INSERT INTO artists (id, name, created_at, updated_at) VALUES (?, ?, ?, ?)",
                    [(a, f"Artist {i}", ts, ts) for i, a in enumerate(artists)])
    albums = [(str(uuid.uuid4()), artists[i % len(artists)]) for i in range(max(1, tracks // 10))]
    con.executemany("INSERT INTO albums (id, title, artist_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
                    [(al, f"Album {i}", ar, ts, ts) for i, (al, ar) in enumerate(albums)])
    rows = []
    for i in range(tracks):
        al, ar = albums[i % len(albums)]
        rows.append((str(uuid.uuid4()), f"Track {i}", ar, al, f"/music/{i}.flac", 5_000_000, 200,
                     i % 10 + 1, ts, ts))
    con.executemany("INSERT INTO tracks (id, title, artist_id, album_id, file_path, file_size, "
                    "duration_seconds, track_number, created_at, updated_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    con.commit()
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()


def measure(binary, template, runs, label):
    times, rss = [], []
    for _ in range(runs):
        work = tempfile.mkdtemp(prefix="juke-bench-")
        data = os.path.join(work, "data")
        if template:
            shutil.copytree(template, data)
        proc, elapsed = start(binary, data, work)
        time.sleep(2)
        rss.append(rss_kib(proc.pid) / 1024)
        stop(proc)
        times.append(elapsed * 1000)
        shutil.rmtree(work)
    times.sort()
    print(f"{label}: start-up to healthy median {statistics.median(times):.1f} ms "
          f"(min {times[0]:.1f}, max {times[-1]:.1f}, n={runs}); "
          f"idle RSS median {statistics.median(rss):.1f} MiB (max {max(rss):.1f})")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--tracks", type=int, default=100_000)
    ap.add_argument("--binary", default=os.path.join(ROOT, "target/release/juke"))
    args = ap.parse_args()
    measure(args.binary, None, args.runs, "empty SQLite (first start: creates and migrates)")

    template = tempfile.mkdtemp(prefix="juke-bench-template-")
    data = os.path.join(template, "data")
    proc, _ = start(args.binary, data, template)
    stop(proc)
    seed(os.path.join(data, "juke.db"), args.tracks)
    measure(args.binary, data, args.runs, f"SQLite holding {args.tracks} tracks")
    shutil.rmtree(template)


if __name__ == "__main__":
    main()
