#!/usr/bin/env python3
"""CPU instructions the server spends on a fixed run of requests, counted by valgrind (callgrind).

Usage: bench/request_cost.py BASELINE_BINARY BINARY [...] [--requests 1000] [--runs 3]

On these shared 2-vCPU machines req/s swings by a third between identical runs; instruction
counts barely move (callgrind counts the same work the same whatever else the machine does).
The 2k-track library of bench/catalog.py (its search index built, so no background work differs
between runs); then, --runs times per binary, a server on a fresh copy of it run under callgrind
from start to SIGTERM, answering --requests requests on one keep-alive connection, alternating
GET /api/v1/tracks/{id} (a random id of 1,000, the same sequence every run) and
GET /api/v1/albums?limit=50. Reports each binary's median total and its difference from the
first binary's, per request. Needs valgrind.
"""
import argparse
import glob
import http.client
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from catalog import HOST, SetupError, free_port, juke_env, machine, prepare  # noqa: E402



def total_instructions(binary, data_copy, work, token, ids, requests):
    port = free_port()
    out = os.path.join(work, f"callgrind.{port}")
    env = juke_env(data_copy, {"JUKE_SERVER__BIND": f"{HOST}:{port}"})
    proc = subprocess.Popen(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}.%p", binary, "serve"],
                            cwd=work, env=env, stdout=subprocess.DEVNULL, stderr=open(out + ".log", "wb"))
    try:
        deadline = time.monotonic() + 300
        while True:
            try:
                conn = http.client.HTTPConnection(HOST, port, timeout=60)
                conn.request("GET", "/healthz")
                if conn.getresponse().read() is not None:
                    break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise SetupError("the server under valgrind did not start: " + open(out + ".log", errors="replace").read()[-1500:])
                time.sleep(0.5)
        rng = random.Random(3)
        headers = {"Authorization": f"Bearer {token}"}
        conn = http.client.HTTPConnection(HOST, port, timeout=60)
        for n in range(requests):
            path = f"/api/v1/tracks/{rng.choice(ids[:1000])}" if n % 2 == 0 else "/api/v1/albums?limit=50"
            conn.request("GET", path, headers=headers)
            res = conn.getresponse()
            res.read()
            if res.status != 200:
                raise SetupError(f"GET {path}: {res.status}")
        conn.close()
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=300)
    total = 0
    for path in glob.glob(f"{out}.*"):
        with open(path) as f:
            for line in f:
                m = re.match(r"(?:summary|totals):\s+(\d+)", line)
                if m:
                    total = max(total, int(m.group(1)))
    return total


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("binaries", nargs="+")
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", help="copy the callgrind outputs here (for callgrind_annotate)")
    args = parser.parse_args()
    # Servers run with the work folder as their current directory.
    args.binaries = [os.path.abspath(binary) for binary in args.binaries]
    print(f"# {machine()}")
    work = tempfile.mkdtemp(prefix="juke-cost-")
    try:
        lib = prepare(args.binaries[0], work, 2000, False, True, True, random.Random(7))
        medians = []
        for binary in args.binaries:
            totals = []
            for run in range(args.runs):
                copy = os.path.join(work, "copy")
                shutil.rmtree(copy, ignore_errors=True)
                shutil.copytree(lib["data"], copy)
                totals.append(total_instructions(binary, copy, work, lib["token"], lib["ids"], args.requests))
            if args.keep:
                os.makedirs(args.keep, exist_ok=True)
                for path in glob.glob(os.path.join(work, "callgrind.*")):
                    shutil.copy(path, args.keep)
            median = statistics.median(totals)
            medians.append(median)
            extra = (median - medians[0]) / args.requests
            print(f"{binary}: median {median:,.0f} instructions (runs: {', '.join(f'{t:,}' for t in totals)}); "
                  f"{extra:+,.0f} per request against the first", flush=True)
    except SetupError as err:
        print(f"setup failed: {err}", file=sys.stderr)
        sys.exit(1)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
