#!/usr/bin/env python3
"""Fairness under a thousand connections: does any route starve while others are busy?

Usage: bench/fair_load.py [--binary PATH] [--baseline PATH] [--tracks 20000] [--connections 1000]
                          [--duration 20] [--warmup 5] [--runs 3]

Issue 18, item 13: with 1,000 mixed connections, GET /api/v1/tracks/{id} answered with a p99 of
8.2 s while album lists answered in milliseconds: cache misses queued for the SQLite pool. This
bench makes that load and reports each route's latency apart.

A library of --tracks tracks (bench/catalog.py's seed: 10 tracks an album, 10 albums an artist)
is made once with the first binary given (so an older baseline can open it; a newer binary
migrates it at start). Then, --runs times per binary (alternating, so drift in the machine's
load falls on both alike), a fresh copy of it is served by `juke serve` pinned to one core,
and three wrk processes pinned to the other core run at once for --duration seconds, after a
--warm-up whose figures are thrown away:

  tracks   70% of the connections: GET /api/v1/tracks/{id}, each request a random id of every
           track (with 20k tracks and the cache's 5 s TTL most are cache misses: the database)
  albums   20%: GET /api/v1/albums?limit=50 (a cached list page)
  me       10%: GET /api/v1/me (a cached session only)

wrk's timeout is raised to 30 s so that slow answers are measured rather than dropped. Reports,
per binary and route, the medians over runs of req/s, p50, p99 and the worst p99, with every
timeout, socket error and non-2xx answer. Needs wrk and taskset.
"""
import argparse
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from catalog import (HOST, ROOT, Server, SetupError, binary_note, cpus, machine, parse_wrk,  # noqa: E402
                     prepare, wrk_version)

ROUTES = [("tracks", 0.7), ("albums", 0.2), ("me", 0.1)]
WRK_TIMEOUT = "30s"


def lua_track_ids(path, ids):
    with open(path, "w") as f:
        f.write("local ids = {\n" + "".join(f'  "{i}",\n' for i in ids) + "}\n")
        f.write("local n = #ids\n")
        f.write("function init(args) math.randomseed(7) end\n")
        f.write('function request() return wrk.format("GET", "/api/v1/tracks/" .. ids[math.random(n)]) end\n')


def start_wrk(cpu, url, token, seconds, connections, script=None):
    argv = ["taskset", "-c", str(cpu), "wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency",
            "--timeout", WRK_TIMEOUT, "-H", f"Authorization: Bearer {token}"]
    if script:
        argv += ["-s", script]
    return subprocess.Popen(argv + [url], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def p_max(out):
    m = re.search(r"^\s+Latency\s+\S+\s+\S+\s+(\S+)", out, re.M)
    return m.group(1) if m else "?"


def load(cpu, port, token, seconds, connections, script):
    """The three routes at once; their parsed figures by name."""
    base = f"http://{HOST}:{port}"
    paths = {"tracks": "/api/v1/tracks/random", "albums": "/api/v1/albums?limit=50", "me": "/api/v1/me"}
    procs = {}
    for name, share in ROUTES:
        procs[name] = start_wrk(cpu, base + paths[name], token, seconds, max(1, round(connections * share)),
                                script if name == "tracks" else None)
    results = {}
    for name, proc in procs.items():
        out, err = proc.communicate()
        if proc.returncode != 0:
            raise SetupError(f"wrk ({name}) exited with {proc.returncode}: {err.strip() or out.strip()}")
        res = parse_wrk(out)
        res["max"] = p_max(out)
        results[name] = res
    return results


def one_run(binary, lib, work, tag, args, cores, script):
    run_dir = os.path.join(work, f"run-{tag}")
    os.makedirs(run_dir)
    shutil.copytree(lib["data"], os.path.join(run_dir, "data"))
    server = Server(binary, run_dir, cpu=cores[0])
    try:
        if args.warmup > 0:
            load(cores[1], server.port, lib["token"], args.warmup, args.connections, script)
        res = load(cores[1], server.port, lib["token"], args.duration, args.connections, script)
        if server.proc.poll() is not None:
            raise SetupError(f"juke exited with {server.proc.returncode} during the run{server.tail()}")
        res["rss"] = server.rss_mib()
    finally:
        server.stop()
        shutil.rmtree(run_dir, ignore_errors=True)
    return res


def fmt_ms(v):
    return "n/a" if v != v else (f"{v:.1f} ms" if v < 1000 else f"{v / 1000:.2f} s")


def report(label, runs):
    print(f"\n{label}")
    print("| route | connections | req/s (median) | p50 (median) | p99 (median) | p99 worst run | "
          "timeouts + socket errors | non-2xx |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for name, share in ROUTES:
        rows = [r[name] for r in runs]
        med = lambda k: statistics.median(x[k] for x in rows)
        print(f"| {name} | {round(share * args_connections)} | {med('rps'):,.0f} | {fmt_ms(med('p50'))} | "
              f"{fmt_ms(med('p99'))} | {fmt_ms(max(x['p99'] for x in rows))} | "
              f"{sum(x['socket_errors'] for x in rows)} | {sum(x['non2xx'] for x in rows)} |")
    print(f"RSS after the run (median): {statistics.median(r['rss'] for r in runs):.1f} MiB")


args_connections = 1000


def main():
    global args_connections
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--binary", default=os.path.join(ROOT, "target/release/juke"))
    ap.add_argument("--baseline", help="a second binary, measured alternately with --binary")
    ap.add_argument("--tracks", type=int, default=20_000)
    ap.add_argument("--connections", type=int, default=1000)
    ap.add_argument("--duration", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    args_connections = args.connections
    binaries = [os.path.abspath(b) for b in ([args.baseline] if args.baseline else []) + [args.binary]]
    for b in binaries:
        if not os.access(b, os.X_OK):
            ap.error(f"no executable at {b}")
    for tool in ("wrk", "taskset"):
        if shutil.which(tool) is None:
            print(f"error: {tool} is not installed", file=sys.stderr)
            return 2
    print(f"# {machine()}")
    print(f"# {wrk_version()}")
    for b in binaries:
        print(f"# {binary_note(b)}")
    cores = cpus()
    print(f"# server on CPU {cores[0]}, three wrk on CPU {cores[1]}: {args.connections} connections "
          f"({', '.join(f'{n} {s:.0%}' for n, s in ROUTES)}), warm-up {args.warmup}s, measured {args.duration}s, "
          f"timeout {WRK_TIMEOUT}, {args.runs} run(s) per binary", flush=True)
    work = tempfile.mkdtemp(prefix="juke-fair-bench-")
    try:
        rng = random.Random(20261203)
        lib = prepare(binaries[0], os.path.join(work, "lib"), args.tracks, False, True, False, rng)
        script = os.path.join(work, "tracks.lua")
        lua_track_ids(script, lib["ids"])
        runs = {b: [] for b in binaries}
        for r in range(args.runs):
            for i, b in enumerate(binaries):
                res = one_run(b, lib, work, f"{i}-{r}", args, cores, script)
                line = ", ".join(f"{n} {res[n]['rps']:,.0f} req/s p99 {fmt_ms(res[n]['p99'])}"
                                 f"{' TIMEOUTS/ERRORS ' + str(res[n]['socket_errors']) if res[n]['socket_errors'] else ''}"
                                 for n, _ in ROUTES)
                name = "baseline" if args.baseline and i == 0 else "binary"
                print(f"  {name} run {r + 1}: {line}", flush=True)
                runs[b].append(res)
        for i, b in enumerate(binaries):
            report(f"{'baseline' if args.baseline and i == 0 else 'binary'}: {b}", runs[b])
        bad = sum(x[n]["non2xx"] for b in binaries for x in runs[b] for n, _ in ROUTES)
        if bad:
            print(f"\nerror: {bad} non-2xx answers", file=sys.stderr)
            return 1
        return 0
    except (SetupError, OSError, subprocess.CalledProcessError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
