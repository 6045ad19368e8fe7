#!/usr/bin/env python3
"""Streaming over loopback: one big stream's throughput, many clients' range reads, server memory.

Usage: bench/stream.py [--binary PATH] [--clients 200] [--requests-per-client 50] [--pace-ms 100]
                       [--chunk 65536] [--runs 7] [--mb 50] [--client-procs 1] [--no-verify]
                       [--skip-saturation] [--skip-paced]

Generates one WAV of --mb MB (seeded noise, so no two offsets hold the same bytes), starts
`juke serve` on it with open registration, registers the first account (an admin), waits for the
start-up scan to add the track and reads its id from the SQLite database. Then:
  1. throughput: GET /api/v1/tracks/{id}/stream read to the end --runs times, each on a new
     connection, into a 1 MiB buffer with recv_into (nothing copied or kept); one untimed read
     first checks every byte against the file and warms the page cache. `curl -o /dev/null`
     does the same --runs times for comparison, when curl is installed;
  2. range reads: --clients keep-alive connections, each sending --requests-per-client requests
     `Range: bytes=a-b` for --chunk bytes at a random offset, one at a time, in two phases:
     a. saturation (closed loop, no think time): each client sends its next request as soon as
        the previous answer is in, so --clients requests are always in flight. This measures
        throughput; its TTFB is mostly queueing (Little's law: mean TTFB ~ clients / throughput),
        not what a player sees, so the TTFB target is not judged here;
     b. paced: each client sends one request every --pace-ms ms, like a player that reads a
        range and then plays it (offered load clients x 1000 / pace-ms requests/s). A client's
        first request goes at a random moment within the first --pace-ms ms, so the clients do
        not fire in lockstep; when an answer takes longer than --pace-ms, the next request goes
        straight after it (late, with no catching-up burst after). The p99 TTFB < 10 ms target
        is judged on this phase.
     An error is a status other than 206, a wrong Content-Range or Content-Length, a body that
     differs from the file (unless --no-verify), a closed connection or a 30 s stall. Time to
     first byte runs from just before the request is written to the first response byte, taken
     twice: when the kernel queued that byte on the client's socket (SO_TIMESTAMPNS, read with
     a 1-byte recvmsg so the stamp is the first segment's), which leaves out the client's own
     scheduling, and when the client read it, which does not. Each phase reports requests/s,
     errors, TTFB p50/p90/p99/max and the CPU of server and client;
  3. server memory: VmRSS from /proc every 10 ms during each phase of 2 (and VmHWM, the kernel's
     own peak), and 2 s after each phase's clients have gone; the peak is over both phases.
Prints the machine and every figure (MB and GB are 10^6 and 10^9 bytes; RSS is in MiB); exits 1
if any request failed, 2 if the set-up failed. Needs ffmpeg; stdlib only.
"""
import argparse
import collections
import heapq
import http.client
import json
import mmap
import multiprocessing
import os
import queue
import random
import resource
import selectors
import shutil
import signal
import socket
import sqlite3
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HOST = "127.0.0.1"
SETUP_CODE = "bench-setup-code"  # the first registration (the admin) gives it
# Not exported by Python's socket module; the x86-64/arm64 Linux value (SCM_ type equals it).
SO_TIMESTAMPNS = 35
WAV_BYTES_PER_SECOND = 44100 * 2 * 2
STALL_SECONDS = 30


# --- the machine and the server -------------------------------------------------------------

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


def generate(path, mb):
    """A stereo 16-bit 44.1 kHz WAV of about `mb` MB. Untagged: the scanner names it by path."""
    os.makedirs(os.path.dirname(path))
    seconds = mb * 1_000_000 / WAV_BYTES_PER_SECOND
    subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                    f"anoisesrc=d={seconds:.3f}:c=pink:a=0.3:r=44100:seed=42", "-ac", "2",
                    "-c:a", "pcm_s16le", path], check=True)


def free_port():
    s = socket.socket()
    s.bind((HOST, 0))
    port = s.getsockname()[1]
    s.close()
    return port


def start(binary, work, music, log):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("JUKE_")}
    env.update({"JUKE_DATA_DIR": os.path.join(work, "data"), "JUKE_LIBRARY__FOLDERS": f'["{music}"]',
                "JUKE_SERVER__BIND": f"{HOST}:{port}", "JUKE_AUTH__REGISTRATION": "open",
                "JUKE_AUTH__SETUP_CODE": SETUP_CODE,
                # At info every request logs a span: that is the logger's cost, not streaming's.
                "RUST_LOG": "warn"})
    # cwd is the temp dir so that no ./config.toml is picked up.
    proc = subprocess.Popen([binary, "serve"], cwd=work, env=env, stdin=subprocess.DEVNULL,
                            stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"juke exited with {proc.returncode} before becoming healthy")
        try:
            if api(port, "GET", "/healthz")[0] == 200:
                return proc, port
        except OSError:
            pass
        time.sleep(0.02)
    raise RuntimeError("juke did not answer /healthz within 30 s")


def stop(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def api(port, method, path, token=None, body=None):
    conn = http.client.HTTPConnection(HOST, port, timeout=10)
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
    return resp.status, (json.loads(data) if data else None)


def login_and_wait_for_scan(port):
    status, body = api(port, "POST", "/api/v1/auth/register",
                       body={"username": "bench", "email": "bench@example.com", "password": "benchpassword",
                       "setup_code": SETUP_CODE})
    if status != 201:
        raise RuntimeError(f"register answered {status}: {body}")
    token = body["token"]
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        status, scan = api(port, "GET", "/api/v1/library/scan", token)
        if status != 200:
            raise RuntimeError(f"GET /api/v1/library/scan answered {status}: {scan}")
        # Before the start-up scan begins, `running` is false and `last` is null.
        last = scan.get("last")
        if not scan["running"] and last:
            if last.get("added", 0) < 1:
                raise RuntimeError(f"the scan added nothing: {last}")
            return token
        time.sleep(0.05)
    raise RuntimeError("the start-up scan did not finish within 120 s")


def track_id(data_dir):
    # No route lists tracks yet, so read the id from the database (read-only, beside the server).
    con = sqlite3.connect(f"file:{os.path.join(data_dir, 'juke.db')}?mode=ro", uri=True)
    try:
        ids = [row[0] for row in con.execute("SELECT id FROM tracks")]
    finally:
        con.close()
    if len(ids) != 1:
        raise RuntimeError(f"expected one track in the database, found {len(ids)}")
    return ids[0]


def proc_status(pid, key):
    """A `kB` line of /proc/<pid>/status, in MiB."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# --- phase 1: one whole stream --------------------------------------------------------------

def fetch_whole(port, path, token, buf, expected, mm=None):
    """Seconds from writing the request to the last byte. Checks the status and length, and
    every byte against `mm` when given."""
    view = memoryview(buf)
    with socket.create_connection((HOST, port)) as sock:
        request = (f"GET {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\nAuthorization: Bearer {token}\r\n"
                   "Connection: close\r\n\r\n").encode()
        began = time.perf_counter()
        sock.sendall(request)
        head = bytearray()
        while (end := head.find(b"\r\n\r\n")) < 0:
            n = sock.recv_into(buf)
            if n == 0:
                raise RuntimeError("connection closed inside the response head")
            head += view[:n]
        status, headers = parse_head(head[:end])
        if status != 200 or headers.get("content-length") != str(expected):
            raise RuntimeError(f"stream answered {status}, Content-Length {headers.get('content-length')}")
        got = len(head) - end - 4
        if mm is not None and head[end + 4:] != mm[:got]:
            raise RuntimeError("stream body differs from the file")
        while got < expected:
            n = sock.recv_into(buf)
            if n == 0:
                raise RuntimeError(f"connection closed after {got} of {expected} body bytes")
            if mm is not None and view[:n] != mm[got:got + n]:
                raise RuntimeError(f"stream body differs from the file at byte {got}")
            got += n
        elapsed = time.perf_counter() - began
    if got != expected:
        raise RuntimeError(f"stream sent {got} bytes, expected {expected}")
    return elapsed


def parse_head(head):
    lines = bytes(head).decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return status, headers


def curl_runs(port, path, token, expected, runs):
    """curl's own time_total per run (excludes its start-up), or None without curl."""
    curl = shutil.which("curl")
    if not curl:
        return None
    times = []
    for _ in range(runs):
        out = subprocess.run([curl, "-sS", "-o", "/dev/null", "-H", f"Authorization: Bearer {token}",
                              "-w", "%{http_code} %{size_download} %{time_total}",
                              f"http://{HOST}:{port}{path}"], capture_output=True, text=True, check=True)
        code, size, total = out.stdout.split()
        if code != "200" or int(size) != expected:
            raise RuntimeError(f"curl got {code} and {size} bytes")
        times.append(float(total))
    return times


# --- phase 2: many clients, random ranges ---------------------------------------------------

class RangeClient:
    """One keep-alive connection sending its requests one at a time, driven by a selector: each
    as soon as the previous answer is in (closed loop, cfg["pace_ns"] == 0), or one every
    cfg["pace_ns"] ns (paced), timed by the shared `timers` heap of (due, tie-break, client)."""

    def __init__(self, cfg, seed, sel, results, timers):
        self.cfg, self.sel, self.results, self.timers = cfg, sel, results, timers
        self.rng = random.Random(seed)
        self.left = cfg["requests"]
        self.pace_ns = cfg["pace_ns"]
        self.sock = None
        self.sent = 0
        self.due = 0  # monotonic ns at which the paced request is (or was) due
        self.waiting = False  # a request is out and its answer not all in

    def connect(self):
        sock = socket.create_connection((HOST, self.cfg["port"]))
        sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
        sock.setblocking(False)
        self.sel.register(sock, selectors.EVENT_READ, self)
        self.sock = sock

    def close(self):
        self.waiting = False
        if self.sock is not None:
            self.sel.unregister(self.sock)
            self.sock.close()
            self.sock = None

    def begin(self, start_ns):
        """Starts the client at monotonic `start_ns`; returns False when it has nothing to do."""
        if not self.pace_ns:
            return self.send_next()
        if self.left <= 0:
            return False
        # A random phase within the first period, so that the clients do not fire in lockstep.
        self.due = start_ns + self.rng.randrange(self.pace_ns)
        heapq.heappush(self.timers, (self.due, id(self), self))
        return True

    def send_next(self):
        """Sends the next request now; returns False when this client is done."""
        while self.left > 0:
            try:
                if self.sock is None:
                    self.connect()
                cfg = self.cfg
                self.start = self.rng.randrange(cfg["size"] - cfg["chunk"] + 1)
                self.head, self.body_left, self.first = bytearray(), None, False
                request = (f"GET {cfg['path']} HTTP/1.1\r\nHost: {HOST}:{cfg['port']}\r\n"
                           f"Authorization: Bearer {cfg['token']}\r\n"
                           f"Range: bytes={self.start}-{self.start + cfg['chunk'] - 1}\r\n\r\n").encode()
                if self.pace_ns:
                    self.results["lag"].append((time.monotonic_ns() - self.due) / 1e6)
                self.sent = time.time_ns()
                # A few hundred bytes into an idle connection's empty send buffer: always whole.
                if self.sock.send(request) != len(request):
                    raise OSError("short send")
                self.waiting = True
                return True
            except OSError as err:
                self.results["errors"][f"connect/send: {err.strerror or err}"] += 1
                self.left -= 1
                self.close()
                if self.pace_ns:
                    return self.schedule()
        return False

    def schedule(self):
        """After an answer or a failed request: the closed loop sends the next one at once; the
        paced client waits for its next slot, or sends at once (late) when that has passed, and
        then counts its slots from now, so that it never bursts to catch up."""
        if not self.pace_ns:
            return self.send_next()
        if self.left <= 0:
            return False
        now = time.monotonic_ns()
        self.due += self.pace_ns
        if self.due <= now:
            self.results["late"] += 1
            self.due = now
            return self.send_next()
        heapq.heappush(self.timers, (self.due, id(self), self))
        return True

    def fail(self, kind):
        self.results["errors"][kind] += 1
        self.left -= 1
        self.close()
        return self.schedule()

    def readable(self):
        """Reads what is there; returns False when this client has sent its last request and
        had its answer."""
        try:
            if not self.waiting:
                # Between paced requests: the server may close an idle keep-alive connection.
                if self.sock.recv(1):
                    self.results["errors"]["bytes outside a response"] += 1
                else:
                    self.results["idle_closes"] += 1
                self.close()  # the next request reconnects
                return True
            if not self.first:
                # One byte, so the kernel's arrival stamp is that of the response's first segment.
                data, ancillary, _, _ = self.sock.recvmsg(1, socket.CMSG_SPACE(16))
                now = time.time_ns()
                if not data:
                    return self.fail("closed before answering")
                self.first = True
                for level, kind, stamp in ancillary:
                    if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS:
                        sec, nsec = struct.unpack("qq", stamp[:16])
                        self.results["ttfb_socket"].append((sec * 10**9 + nsec - self.sent) / 1e6)
                self.results["ttfb_read"].append((now - self.sent) / 1e6)
                self.head += data
            while True:
                data = self.sock.recv(1 << 20)
                if not data:
                    return self.fail("closed inside a response")
                if self.body_left is None:
                    self.head += data
                    end = self.head.find(b"\r\n\r\n")
                    if end < 0:
                        continue
                    problem = self.check_head(self.head[:end])
                    if problem:
                        return self.fail(problem)
                    self.pos, self.body_left = self.start, self.cfg["chunk"]
                    data = bytes(self.head[end + 4:])
                if len(data) > self.body_left:
                    return self.fail("more body bytes than asked for")
                mm = self.cfg["mm"]
                if mm is not None and data != mm[self.pos:self.pos + len(data)]:
                    return self.fail("body differs from the file")
                self.pos += len(data)
                self.body_left -= len(data)
                if self.body_left == 0:
                    self.results["ok"] += 1
                    self.left -= 1
                    self.waiting = False
                    if self.keep_alive is False:
                        self.close()
                        self.results["reconnects"] += 1
                    return self.schedule()
        except BlockingIOError:
            return True
        except OSError as err:
            return self.fail(f"socket: {err.strerror or err}")

    def check_head(self, head):
        status, headers = parse_head(head)
        if status != 206:
            return f"status {status}"
        a, b, size = self.start, self.start + self.cfg["chunk"] - 1, self.cfg["size"]
        if headers.get("content-range") != f"bytes {a}-{b}/{size}":
            return "wrong Content-Range"
        if headers.get("content-length") != str(self.cfg["chunk"]):
            return "wrong Content-Length"
        self.keep_alive = headers.get("connection", "").lower() != "close"
        return None

    def stalled(self, now_ns):
        return self.waiting and now_ns - self.sent > STALL_SECONDS * 10**9


def client_process(cfg, first_client, count, barrier, out):
    """Runs `count` clients in one selector loop; puts its figures on `out`."""
    results = {"ok": 0, "reconnects": 0, "idle_closes": 0, "late": 0, "errors": collections.Counter(),
               "ttfb_socket": [], "ttfb_read": [], "lag": []}
    try:
        if cfg["verify"]:
            with open(cfg["file"], "rb") as f:
                cfg["mm"] = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        sel, timers = selectors.DefaultSelector(), []
        clients = [RangeClient(cfg, cfg["seed"] + first_client + i, sel, results, timers)
                   for i in range(count)]
        for c in clients:  # connected before the start, so the timed part is only requests
            c.connect()
        barrier.wait()
        began, cpu0 = time.monotonic(), resource.getrusage(resource.RUSAGE_SELF)
        start_ns = time.monotonic_ns()
        active = {c for c in clients if c.begin(start_ns)}
        last_check = time.monotonic()
        while active:
            timeout = 1.0
            if timers:
                timeout = min(timeout, max(0.0, (timers[0][0] - time.monotonic_ns()) / 1e9))
            for key, _ in sel.select(timeout=timeout):
                client = key.data
                if client in active and not client.readable():
                    active.discard(client)
            now = time.monotonic_ns()
            while timers and timers[0][0] <= now:
                client = heapq.heappop(timers)[2]
                if not client.send_next():
                    active.discard(client)
            if time.monotonic() - last_check >= 1:
                last_check, now_ns = time.monotonic(), time.time_ns()
                for client in [c for c in active if c.stalled(now_ns)]:
                    if not client.fail(f"no answer within {STALL_SECONDS} s"):
                        active.discard(client)
        ended, cpu1 = time.monotonic(), resource.getrusage(resource.RUSAGE_SELF)
        for c in clients:
            c.close()
        results.update(began=began, ended=ended,
                       cpu=(cpu1.ru_utime + cpu1.ru_stime) - (cpu0.ru_utime + cpu0.ru_stime))
    except BaseException as err:  # reported by the parent, which would otherwise wait forever
        barrier.abort()
        results["failure"] = repr(err)
    out.put(results)


def range_phase(cfg, clients, procs, server_pid):
    ctx = multiprocessing.get_context("fork")
    barrier, out = ctx.Barrier(procs + 1), ctx.Queue()
    shares = [clients // procs + (i < clients % procs) for i in range(procs)]
    workers, first = [], 0
    for share in shares:
        workers.append(ctx.Process(target=client_process, args=(cfg, first, share, barrier, out)))
        first += share
    for w in workers:
        w.start()
    try:
        barrier.wait(timeout=60)
    except threading.BrokenBarrierError:
        pass  # a worker failed to set up; its report below says why
    server_cpu0 = cpu_seconds(server_pid)
    rss, parts = [], []
    while len(parts) < procs:
        try:
            parts.append(out.get(timeout=0.01))
        except queue.Empty:
            if any(w.exitcode not in (None, 0) for w in workers):
                raise RuntimeError("a client process died")
        rss.append(proc_status(server_pid, "VmRSS"))
    server_cpu = cpu_seconds(server_pid) - server_cpu0
    for w in workers:
        w.join()
    failures = [p["failure"] for p in parts if "failure" in p]
    if failures:
        raise RuntimeError(f"client process failed: {failures[0]}")
    return {"ok": sum(p["ok"] for p in parts), "reconnects": sum(p["reconnects"] for p in parts),
              "idle_closes": sum(p["idle_closes"] for p in parts), "late": sum(p["late"] for p in parts),
              "lag": sorted(t for p in parts for t in p["lag"]),
              "errors": sum((p["errors"] for p in parts), collections.Counter()),
              "ttfb_socket": sorted(t for p in parts for t in p["ttfb_socket"]),
              "ttfb_read": sorted(t for p in parts for t in p["ttfb_read"]),
              "seconds": max(p["ended"] for p in parts) - min(p["began"] for p in parts),
              "client_cpu": sum(p["cpu"] for p in parts), "server_cpu": server_cpu, "rss": rss}


# --- report ---------------------------------------------------------------------------------

def percentile(ordered, q):
    """Nearest rank."""
    return ordered[max(0, min(len(ordered) - 1, -(-len(ordered) * q // 100) - 1))]


def verdict(ok):
    return "PASS" if ok else "FAIL"


def ttfb_line(label, ordered, target=False):
    """Percentiles of `ordered` (ms); with `target`, judged against p99 < 10 ms."""
    if not ordered:
        return f"    TTFB {label}: no samples"
    p = {q: percentile(ordered, q) for q in (50, 90, 99)}
    judged = f"  [p99 < 10 ms: {verdict(p[99] < 10)}]" if target else ""
    return (f"    TTFB {label}: p50 {p[50]:.2f} ms, p90 {p[90]:.2f} ms, p99 {p[99]:.2f} ms, "
            f"max {ordered[-1]:.2f} ms (n={len(ordered)}){judged}")


def size_label(n):
    return f"{n // 1024} KiB" if n % 1024 == 0 else f"{n:,} bytes"


def run(args, work):
    music = os.path.join(work, "music")
    wav = os.path.join(music, "Artist", "Album", "01 Big.wav")
    t0 = time.perf_counter()
    generate(wav, args.mb)
    size = os.path.getsize(wav)
    print(f"# {size:,} byte WAV generated in {time.perf_counter() - t0:.1f}s", flush=True)

    log_path = os.path.join(work, "juke.log")
    with open(log_path, "wb") as log:
        proc = None
        try:
            proc, port = start(args.binary, work, music, log)
            token = login_and_wait_for_scan(port)
            path = f"/api/v1/tracks/{track_id(os.path.join(work, 'data'))}/stream"
            return measure(args, proc, port, token, path, wav, size)
        except BaseException:
            log.flush()
            with open(log_path, errors="replace") as f:
                tail = f.readlines()[-20:]
            if tail:
                print("# last lines of the server log:\n" + "".join("    " + l for l in tail), file=sys.stderr)
            raise
        finally:
            if proc is not None:
                stop(proc)


def measure(args, proc, port, token, path, wav, size):
    errors = 0
    buf = bytearray(1 << 20)
    with open(wav, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mm:
        fetch_whole(port, path, token, buf, size, mm)  # untimed: checks the bytes, warms the cache
    times = []
    for _ in range(args.runs):
        try:
            times.append(fetch_whole(port, path, token, buf, size))
        except (OSError, RuntimeError) as err:
            errors += 1
            print(f"    stream run failed: {err}", flush=True)
    if times:
        rates = sorted(size / t / 1e6 for t in times)
        median = statistics.median(rates)
        print(f"one stream of {size / 1e6:.1f} MB, {len(times)} runs (Python, 1 MiB recv_into): median "
              f"{median:,.0f} MB/s = {median / 1000:.2f} GB/s (min {rates[0]:,.0f}, max {rates[-1]:,.0f} MB/s)"
              f"  [>= 1 GB/s: {verdict(median >= 1000)}]", flush=True)
    curl = curl_runs(port, path, token, size, args.runs)
    if curl:
        rates = sorted(size / t / 1e6 for t in curl)
        print(f"    curl -o /dev/null, {len(curl)} runs: median {statistics.median(rates):,.0f} MB/s "
              f"(min {rates[0]:,.0f}, max {rates[-1]:,.0f})", flush=True)

    rss_before = proc_status(proc.pid, "VmRSS")
    setup = (f"{args.requests_per_client} per client, on keep-alive connections ({args.client_procs} client "
             f"process{'es' if args.client_procs > 1 else ''}, bodies "
             f"{'checked against the file' if not args.no_verify else 'not checked'})")
    phases = []  # (name, figures, RSS 2 s after)
    if not args.skip_saturation:
        print(f"saturation (closed loop, no think time): {args.clients} clients, each sending its next "
              f"{size_label(args.chunk)} range as soon as the last is answered; {setup}:", flush=True)
        r = range_phase(phase_cfg(args, port, token, path, wav, size, 0, seed=1),
                        args.clients, args.client_procs, proc.pid)
        errors += report_phase(args, r)
        if r["ttfb_read"]:
            throughput = len(r["ttfb_read"]) / r["seconds"]
            print(f"    mean TTFB {statistics.fmean(r['ttfb_read']):.1f} ms ~ clients / throughput = "
                  f"{args.clients} / {throughput:,.0f} per s = {args.clients / throughput * 1000:.1f} ms (Little's law): "
                  f"with {args.clients} requests always in flight this is queueing, not service time; "
                  f"the TTFB target is judged on the paced phase", flush=True)
        phases.append(("saturation", r, settle(proc.pid)))
        print(f"    server RSS: peak {max(r['rss'], default=0.0):.1f} MiB ({len(r['rss'])} samples), "
              f"{phases[-1][2]:.1f} MiB 2 s after", flush=True)
    if not args.skip_paced:
        offered = args.clients * 1000 / args.pace_ms
        print(f"paced: {args.clients} clients, one {size_label(args.chunk)} range each every {args.pace_ms:g} ms "
              f"({offered:,.0f} req/s offered); {setup}, first at a random moment within the first "
              f"{args.pace_ms:g} ms:", flush=True)
        r = range_phase(phase_cfg(args, port, token, path, wav, size, args.pace_ms, seed=1_000_001),
                        args.clients, args.client_procs, proc.pid)
        errors += report_phase(args, r, offered)
        phases.append(("paced", r, settle(proc.pid)))
        print(f"    server RSS: peak {max(r['rss'], default=0.0):.1f} MiB ({len(r['rss'])} samples), "
              f"{phases[-1][2]:.1f} MiB 2 s after", flush=True)

    hwm = proc_status(proc.pid, "VmHWM")
    peak = max((x for _, r, _ in phases for x in r["rss"]), default=0.0)
    samples = sum(len(r["rss"]) for _, r, _ in phases)
    print(f"server RSS: {rss_before:.1f} MiB before the clients, peak {peak:.1f} MiB during "
          f"{' and '.join(name for name, _, _ in phases)} ({samples} samples), {phases[-1][2]:.1f} MiB "
          f"2 s after; VmHWM {hwm:.1f} MiB  [< 100 MB: {verdict(max(peak, hwm) * 2**20 < 100e6)}]", flush=True)
    return 1 if errors else 0


def phase_cfg(args, port, token, path, wav, size, pace_ms, seed):
    return {"port": port, "token": token, "path": path, "size": size, "chunk": args.chunk,
            "requests": args.requests_per_client, "file": wav, "verify": not args.no_verify,
            "mm": None, "seed": seed, "pace_ns": round(pace_ms * 1e6)}


def settle(pid):
    """VmRSS 2 s after a phase's clients have gone."""
    time.sleep(2)
    return proc_status(pid, "VmRSS")


def report_phase(args, r, offered=None):
    """Prints one range phase's figures (the TTFB target judged only when paced, i.e. `offered`
    is given); returns its number of failed requests."""
    total = args.clients * args.requests_per_client
    failed = sum(r["errors"].values())
    rate = f"{total / r['seconds']:,.0f} requests/s" + (" achieved" if offered else "")
    print(f"    {total:,} requests in {r['seconds']:.2f} s: {rate}, "
          f"{r['ok'] * args.chunk / r['seconds'] / 1e6:,.0f} MB/s; errors {failed}  [0 errors: {verdict(failed == 0)}]",
          flush=True)
    for kind, n in r["errors"].most_common():
        print(f"      {n} x {kind}")
    if r["reconnects"]:
        print(f"      the server closed the connection after {r['reconnects']} responses (reconnected)")
    if r["idle_closes"]:
        print(f"      the server closed {r['idle_closes']} idle connections between requests (reconnected)")
    if offered:
        lag = r["lag"]
        print(f"    sent late (the previous answer took over {args.pace_ms:g} ms): {r['late']}; client's "
              f"send lag behind schedule p99 {percentile(lag, 99) if lag else 0:.2f} ms, "
              f"max {lag[-1] if lag else 0:.2f} ms", flush=True)
    print(ttfb_line("at the socket (kernel arrival)", r["ttfb_socket"], target=bool(offered)))
    print(ttfb_line("as read by the client", r["ttfb_read"], target=bool(offered)))
    print(f"    CPU: server {r['server_cpu'] / r['seconds']:.2f} cores, client "
          f"{r['client_cpu'] / r['seconds']:.2f} cores (of {len(os.sched_getaffinity(0))})", flush=True)
    return failed


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--binary", default=os.path.join(ROOT, "target/release/juke"))
    ap.add_argument("--clients", type=int, default=200)
    ap.add_argument("--requests-per-client", type=int, default=50, help="in each range phase")
    ap.add_argument("--pace-ms", type=float, default=100,
                    help="paced phase: each client sends one range request every this many ms")
    ap.add_argument("--chunk", type=int, default=65536, help="bytes per range request")
    ap.add_argument("--runs", type=int, default=7, help="timed whole-stream reads")
    ap.add_argument("--mb", type=float, default=50, help="size of the generated file, in MB")
    ap.add_argument("--client-procs", type=int, default=1,
                    help="processes the range clients are spread over")
    ap.add_argument("--no-verify", action="store_true",
                    help="do not compare range bodies with the file (less client CPU)")
    ap.add_argument("--skip-saturation", action="store_true", help="no closed-loop range phase")
    ap.add_argument("--skip-paced", action="store_true", help="no paced range phase")
    args = ap.parse_args()
    if args.skip_saturation and args.skip_paced:
        ap.error("--skip-saturation and --skip-paced leave no range phase")
    if args.pace_ms <= 0:
        ap.error("--pace-ms must be positive")
    if not 0 < args.chunk <= args.mb * 1_000_000 // 2:
        ap.error("--chunk must be positive and at most half the file")
    args.client_procs = max(1, min(args.client_procs, args.clients))
    args.binary = os.path.abspath(args.binary)  # the server runs in the temp dir
    if not os.access(args.binary, os.X_OK):
        ap.error(f"no executable at {args.binary}")
    print(f"# {machine()}")
    print(f"# {binary_note(args.binary)}", flush=True)
    work = tempfile.mkdtemp(prefix="juke-stream-bench-")
    try:
        return run(args, work)
    except (RuntimeError, subprocess.CalledProcessError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
