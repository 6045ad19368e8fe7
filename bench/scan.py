#!/usr/bin/env python3
"""Times `juke scan` over a generated library, on SQLite and PostgreSQL.

Usage: bench/scan.py [--tracks 2000,20000] [--pg-url postgres://...] [--binary PATH]

Generates N small tagged files (MP3 and FLAC made once with ffmpeg, copied and retagged with
mutagen: 10 tracks per album, 10 albums per artist), then for each engine:
  - first scan of an empty database: wall time, files/s, peak RSS of the `juke scan` process;
  - a rescan with no changes: wall time;
  - `juke serve` with scan_on_start: resident memory once its scan has finished and it idles.
Page cache is warm (the files were just written). Needs ffmpeg and `pip install mutagen`.
"""
import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from mutagen.easyid3 import EasyID3
from mutagen.flac import FLAC

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def template(dirname, ext, codec):
    path = os.path.join(dirname, f"template.{ext}")
    subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                    "sine=frequency=440:duration=1", "-ac", "2", *codec, path], check=True)
    return path


def generate(music, count, work):
    mp3 = template(work, "mp3", ["-c:a", "libmp3lame", "-b:a", "64k"])
    flac = template(work, "flac", [])
    for i in range(count):
        artist, album, number = i // 100, (i // 10) % 10, i % 10 + 1
        ext, src = ("flac", flac) if i % 2 else ("mp3", mp3)
        folder = os.path.join(music, f"Artist {artist}", f"Album {artist}-{album}")
        os.makedirs(folder, exist_ok=True)
        path = os.path.join(folder, f"{number:02d} Track {i}.{ext}")
        shutil.copyfile(src, path)
        tags = FLAC(path) if ext == "flac" else EasyID3()
        tags["title"] = f"Track {i}"
        tags["artist"] = f"Artist {artist}"
        tags["album"] = f"Album {artist}-{album}"
        tags["tracknumber"] = str(number)
        tags["genre"] = ["Rock", "Jazz", "Folk"][i % 3]
        if ext == "flac":
            tags.save()
        else:
            tags.save(path)


def env_for(data_dir, music, database_url):
    env = {k: v for k, v in os.environ.items() if not k.startswith("JUKE_")}
    env.update({"JUKE_DATA_DIR": data_dir, "JUKE_LIBRARY__FOLDERS": f'["{music}"]',
                "JUKE_STORAGE__DATABASE_URL": database_url, "RUST_LOG": "warn"})
    return env


def timed_scan(binary, env):
    began = time.perf_counter()
    out = subprocess.run(["/usr/bin/time", "-f", "MAXRSS %M", binary, "scan"], env=env,
                         capture_output=True, text=True, check=True)
    elapsed = time.perf_counter() - began
    rss = int(re.search(r"MAXRSS (\d+)", out.stderr).group(1)) / 1024
    return elapsed, rss, out.stdout.strip()


def idle_rss_after_serve_scan(binary, env):
    env = dict(env, JUKE_SERVER__BIND="127.0.0.1:0", RUST_LOG="info")
    proc = subprocess.Popen([binary, "serve"], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    for line in proc.stderr:
        if "library scan finished" in line:
            break
    time.sleep(3)
    with open(f"/proc/{proc.pid}/status") as f:
        rss = next(int(l.split()[1]) for l in f if l.startswith("VmRSS:")) / 1024
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=30)
    return rss


def fresh_pg(admin_url, name):
    subprocess.run(["psql", admin_url, "-qc", f"DROP DATABASE IF EXISTS {name}"], check=True)
    subprocess.run(["psql", admin_url, "-qc", f"CREATE DATABASE {name}"], check=True)
    return admin_url.rsplit("/", 1)[0] + "/" + name


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tracks", default="2000,20000")
    ap.add_argument("--pg-url", default=os.environ.get("TEST_POSTGRES_URL"))
    ap.add_argument("--binary", default=os.path.join(ROOT, "target/release/juke"))
    args = ap.parse_args()
    for count in [int(n) for n in args.tracks.split(",")]:
        work = tempfile.mkdtemp(prefix="juke-scan-bench-")
        music = os.path.join(work, "music")
        t0 = time.perf_counter()
        generate(music, count, work)
        print(f"# {count} files generated in {time.perf_counter() - t0:.0f}s", flush=True)
        engines = [("sqlite", lambda d: f"sqlite://{d}/juke.db")]
        if args.pg_url:
            engines.append(("postgres", lambda d: fresh_pg(args.pg_url, "juke_scan_bench")))
        for engine, url_for in engines:
            data = os.path.join(work, f"data-{engine}")
            os.makedirs(data)
            env = env_for(data, music, url_for(data))
            first, rss, summary = timed_scan(args.binary, env)
            again, _, again_summary = timed_scan(args.binary, env)
            print(f"{engine} {count} files: first scan {first:.2f}s ({count / first:.0f} files/s, peak RSS {rss:.1f} MiB); "
                  f"no-change rescan {again:.2f}s", flush=True)
            print(f"    {summary}\n    {again_summary}", flush=True)
            if engine == "sqlite":
                idle = os.path.join(work, "data-idle")
                os.makedirs(idle)
                rss_idle = idle_rss_after_serve_scan(args.binary, env_for(idle, music, f"sqlite://{idle}/juke.db"))
                print(f"    serve + scan_on_start, idle afterwards: RSS {rss_idle:.1f} MiB", flush=True)
        shutil.rmtree(work)


if __name__ == "__main__":
    sys.exit(main())
