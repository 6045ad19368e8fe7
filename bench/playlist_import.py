#!/usr/bin/env python3
"""Times a playlist import of N lines that match no track, against a generated library.

For each binary given: a fresh data folder, `juke migrate`, the library seeded straight into
SQLite (bench/catalog.py's seed: 10 tracks an album, paths /music/<i>.flac), `juke serve`,
the first account, then `--runs` imports of `--lines` unmatched path lines (no #EXTINF, so
each line costs only the path match), each timed from request to answer, with the server's
CPU seconds over all of them. Prints medians; run the binaries in the same session.

    bench/playlist_import.py --tracks 20000 --lines 5000 --runs 5 BINARY [BINARY ...]
"""

import argparse
import http.client
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from catalog import HOST, SETUP_CODE, free_port, machine, seed  # noqa: E402


def env_for(data, port, with_setup_code):
    env = {k: v for k, v in os.environ.items() if not k.startswith("JUKE_")}
    env.update({"JUKE_DATA_DIR": data, "JUKE_LIBRARY__FOLDERS": "[]", "RUST_LOG": "warn",
                "JUKE_SERVER__BIND": f"{HOST}:{port}", "JUKE_SEARCH__ENGINE": "database"})
    if with_setup_code:
        env["JUKE_AUTH__SETUP_CODE"] = SETUP_CODE
    return env


def request(port, method, path, token=None, body=None, content_type="application/json"):
    conn = http.client.HTTPConnection(HOST, port, timeout=600)
    headers = {"Content-Type": content_type}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if isinstance(body, dict):
        body = json.dumps(body)
    try:
        conn.request(method, path, body, headers)
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(binary, tracks, lines, runs):
    with tempfile.TemporaryDirectory() as work:
        data = os.path.join(work, "data")
        os.makedirs(data)
        port = free_port()
        # A binary from before the setup code does not know its variable: try with, then without.
        for with_code in (True, False):
            out = subprocess.run([binary, "migrate"], cwd=work, env=env_for(data, port, with_code),
                                 capture_output=True, text=True)
            if out.returncode == 0 and "matches no configuration key" not in out.stderr:
                break
        seed(os.path.join(data, "juke.db"), tracks, random.Random(7))
        proc = subprocess.Popen([binary, "serve"], cwd=work, env=env_for(data, port, with_code),
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    if request(port, "GET", "/healthz")[0] == 200:
                        break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    raise SystemExit(f"{binary} did not become healthy")
                time.sleep(0.05)
            account = {"username": "bench", "email": "bench@example.com", "password": "benchpassword"}
            if with_code:
                account["setup_code"] = SETUP_CODE
            status, body = request(port, "POST", "/api/v1/auth/register", body=account)
            if status != 201:
                raise SystemExit(f"register answered {status}: {body[:300]}")
            token = json.loads(body)["token"]
            m3u = "#EXTM3U\n" + "".join(f"/nowhere/folder {i}/sub/unmatched {i}.mp3\n" for i in range(lines))
            times, cpu0 = [], cpu_seconds(proc.pid)
            for run in range(runs):
                t0 = time.perf_counter()
                status, body = request(port, "POST", f"/api/v1/playlists/import?name=run{run}", token,
                                       m3u.encode(), "audio/x-mpegurl")
                times.append(time.perf_counter() - t0)
                if status != 201 or len(json.loads(body)["unmatched"]) != lines:
                    raise SystemExit(f"import answered {status}: {body[:300]}")
            cpu = cpu_seconds(proc.pid) - cpu0
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    return times, cpu / runs


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("binaries", nargs="+")
    parser.add_argument("--tracks", type=int, default=20000)
    parser.add_argument("--lines", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print(f"# {machine()}; {args.tracks:,} tracks, {args.lines:,} unmatched lines, {args.runs} runs")
    for binary in args.binaries:
        times, cpu = measure(binary, args.tracks, args.lines, args.runs)
        print(f"{binary}: median {statistics.median(times):.3f} s (min {min(times):.3f}, "
              f"max {max(times):.3f}); server CPU {cpu:.2f} s per import")


if __name__ == "__main__":
    main()
