#!/usr/bin/env python3
"""Benchmarks `cfg render` (Secrets Manager backend) against a boto3 + Jinja2 script that renders the same file.

Usage: Benchmarks/bench-aws.py [--runs R] [--n 7,100,1000] [--cfg BIN ...] [--json FILE] [--keep]
                            [--parallel-reference N] [--timeout S] [--seed S]

Starts a private moto_server on 127.0.0.1 (free port, clean environment, new session) and, in this process, a
threaded counting reverse proxy on 127.0.0.1 in front of it (HTTP/1.1, keeps client connections alive although moto
closes its own after every response, forwards bodies and end-to-end headers unchanged, counts requests by
X-Amz-Target). For each n it creates n JSON secrets in a region of their own (bench/s0000 ...: username, password
with hostile characters, host, port as a JSON number), outside the measured runs, then renders the same env file
(one `NAME=value` line per key, sorted by name) with
  * cfg:   `cfg render bench -C PROJECT --out OUT` (`backend: { type: aws }`), and
  * boto3: `python3 Benchmarks/bench_aws_reference.py SECRETS_JSON TEMPLATE OUT`, a separate interpreter (so its time
           includes starting Python and importing boto3, the real cost at container start): batch_get_secret_value
           in chunks of 20, one call after another, and a Jinja2 template with an `env` filter; with
           --parallel-reference N also a variant that sends N chunks at a time from a thread pool.
Both get the same environment (PATH, HOME in a temporary directory, LANG, AWS_EC2_METADATA_DISABLED=true, test
keys, AWS_REGION and AWS_DEFAULT_REGION, AWS_ENDPOINT_URL = the proxy), so both pay the same extra hop. Runs are
interleaved (the order rotates each round), after 2 warm-up runs of each. Per run it measures the wall time
(perf_counter around fork .. wait4), the child's peak RSS (wait4's ru_maxrss, KiB on Linux), the API calls the proxy
received (by operation) and the TCP connections it accepted. The children are forked by a small launcher process:
Linux carries the RSS peak of the process that execs into the child's ru_maxrss, so a child spawned by this process
(boto3, the proxy, the secrets) would report at least this process's peak. Every run's output must equal, byte for
byte, the file built from the values written (and have mode 0600); a difference aborts the benchmark, naming the
tool, n, the line and keyed fingerprints, never a value.

The figures are printed, never judged: this is a benchmark, not a test. Only processes this script started are
stopped, by PID (moto_server at exit, a child that outlives --timeout). Nothing leaves 127.0.0.1.
"""
import argparse
import collections
import hashlib
import hmac
import http.client
import http.server
import json
import os
import platform
import random
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

import bench_common
from bench_common import KEYS, WARMUP, cfg_label, child_env, cpu_model, percentile, var

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEBUG_CFG = os.path.join(ROOT, ".build", "debug", "cfg")
RELEASE_CFG = os.path.join(ROOT, ".build-release", "release", "cfg")
REFERENCE = os.path.join(ROOT, "Benchmarks", "bench_aws_reference.py")
HEALTH_TIMEOUT = 30.0
# A region per n, so moto's store holds only that n's secrets.
REGIONS = ("us-east-1", "us-east-2", "us-west-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-1")
ACCESS_KEY, SECRET_KEY = "testing", "testing"
# Connection-level headers a proxy must not forward (RFC 9110 7.6.1), plus Expect (the proxy answers 100-continue).
HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade",
              "proxy-authorization", "proxy-authenticate", "expect"}


def make_secrets(count, rng):
    return bench_common.make_secrets(count, rng, digits=4)


def log(message):
    print("bench-aws: %s" % message, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- children


# The measured children are started by this small launcher, not by the benchmark process itself: Linux carries the
# exec'ing process's old RSS high-water mark into its ru_maxrss (exec_mmap), so a child spawned (vfork/fork) from
# this process, which holds boto3, the proxy and the secrets, would report at least this process's peak. The
# launcher (python -I -S, a few MiB) forks, so a child's floor is the launcher's own small RSS; it is printed.
LAUNCHER = r"""
import json, os, select, signal, sys, time
def hwm():
    with open("/proc/self/status") as handle:
        return int(next(line for line in handle if line.startswith("VmHWM")).split()[1])
sys.stdout.write(json.dumps({"launcher_hwm_kib": hwm()}) + "\n")
sys.stdout.flush()
for line in sys.stdin:
    job = json.loads(line)
    log = os.open(job["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o600)
    null = os.open(os.devnull, os.O_RDONLY | os.O_CLOEXEC)
    start = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        try:
            os.dup2(null, 0)
            os.dup2(log, 1)
            os.dup2(log, 2)
            os.chdir(job["cwd"])
            os.execve(job["argv"][0], job["argv"], job["env"])
        except OSError as error:
            os.write(2, ("launcher: cannot run %s: %s\n" % (job["argv"][0], error.strerror)).encode())
        finally:
            os._exit(127)
    os.close(log)
    os.close(null)
    pidfd = os.pidfd_open(pid)
    ready, _, _ = select.select([pidfd], [], [], job["timeout"])
    if not ready:  # still running: the pidfd names exactly this child, never a reused PID
        signal.pidfd_send_signal(pidfd, signal.SIGKILL)
    _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - start
    os.close(pidfd)
    code = os.waitstatus_to_exitcode(status) if ready else "timeout"
    sys.stdout.write(json.dumps({"code": code, "wall_s": wall, "maxrss_kib": usage.ru_maxrss}) + "\n")
    sys.stdout.flush()
"""


class Launcher:
    """Runs the measured children (see LAUNCHER); `close` ends it (it exits at the end of its stdin)."""

    def __init__(self):
        self.process = subprocess.Popen([sys.executable, "-I", "-S", "-c", LAUNCHER], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"},
                                        text=True, bufsize=1)
        self.floor_kib = json.loads(self.process.stdout.readline())["launcher_hwm_kib"]

    def run(self, argv, env, cwd, log_path, timeout):
        """Runs argv once; returns (exit code, wall seconds, peak RSS KiB). Killed after timeout."""
        self.process.stdin.write(json.dumps({"argv": argv, "env": env, "cwd": cwd, "log": log_path,
                                             "timeout": timeout}) + "\n")
        self.process.stdin.flush()
        answer = self.process.stdout.readline()
        if not answer:
            raise SystemExit("the launcher ended unexpectedly")
        result = json.loads(answer)
        return result["code"], result["wall_s"], result["maxrss_kib"]

    def close(self):
        if self.process.poll() is None:
            self.process.stdin.close()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()  # Popen.kill: this PID, which Popen has not reaped yet
                self.process.wait()


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def moto_command():
    """moto_server next to this interpreter (not a pyenv shim, which needs its own environment), else on PATH."""
    beside = os.path.join(os.path.dirname(os.path.realpath(sys.executable)), "moto_server")
    if os.access(beside, os.X_OK):
        return [beside]
    found = shutil.which("moto_server")
    if found and "/shims/" not in found:
        return [found]
    return [sys.executable, "-m", "moto.server"]


class Moto:
    """A private moto_server; `stop` ends only this process, by its pidfd."""

    def __init__(self, workdir):
        self.home = os.path.join(workdir, "moto-home")
        os.makedirs(self.home)
        self.log_path = os.path.join(workdir, "moto.log")
        self.opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        self.process = None
        self.pidfd = None

    def start(self):
        for attempt in range(3):
            self.port = free_port()
            self.address = "http://127.0.0.1:%d" % self.port
            env = child_env(self.home)
            with open(self.log_path, "ab") as output:
                self.process = subprocess.Popen(moto_command() + ["-H", "127.0.0.1", "-p", str(self.port)],
                                                stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT,
                                                env=env, cwd=self.home, start_new_session=True)
            self.pidfd = os.pidfd_open(self.process.pid)
            deadline = time.monotonic() + HEALTH_TIMEOUT
            while time.monotonic() < deadline and self.process.poll() is None:
                try:
                    with self.opener.open(self.address + "/moto-api/data.json", timeout=2) as response:
                        if response.status == 200:
                            return
                except (urllib.error.URLError, OSError):
                    pass
                time.sleep(0.1)
            self.stop()
            log("moto_server did not answer on port %d (attempt %d)" % (self.port, attempt + 1))
        raise SystemExit("moto_server did not start; see %s" % self.log_path)

    def stop(self):
        if self.process is None:
            return
        if self.process.poll() is None:
            signal.pidfd_send_signal(self.pidfd, signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                signal.pidfd_send_signal(self.pidfd, signal.SIGKILL)
                self.process.wait()
        os.close(self.pidfd)
        self.process = None


# ---------------------------------------------------------------- counting proxy


class CountingProxy:
    """A threaded HTTP/1.1 reverse proxy on 127.0.0.1 in front of moto that counts requests by X-Amz-Target.

    Client connections stay open as long as the client wants (moto answers every request with `Connection: close`;
    that is a hop-by-hop matter between the proxy and moto). Each client connection has its own handler thread and
    its own upstream connection, reopened as moto closes it."""

    def __init__(self, upstream_port):
        proxy = self
        self.lock = threading.Lock()
        self.reset()

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def setup(self):
                super().setup()
                self.upstream = None
                with proxy.lock:
                    proxy.connections += 1

            def finish(self):
                if self.upstream is not None:
                    self.upstream.close()
                super().finish()

            def log_message(self, *args):
                pass

            def read_body(self):
                if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
                    parts = []
                    while True:
                        size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                        if size == 0:
                            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                                pass  # trailers
                            return b"".join(parts)
                        parts.append(self.rfile.read(size))
                        self.rfile.readline()
                length = int(self.headers.get("Content-Length") or 0)
                return self.rfile.read(length) if length else b""

            def forward(self):
                body = self.read_body()
                listed = {token.strip().lower() for value in self.headers.get_all("Connection", [])
                          for token in value.split(",")}
                headers = [(name, value) for name, value in self.headers.items()
                           if name.lower() not in HOP_BY_HOP and name.lower() not in listed
                           and name.lower() != "content-length"]
                operation = self.headers.get("X-Amz-Target") or "%s %s" % (self.command, self.path.split("?")[0])
                with proxy.lock:
                    proxy.operations[operation] += 1
                status, reason, response_headers, data = self.exchange(headers, body)
                if not 200 <= status < 300:
                    with proxy.lock:
                        proxy.statuses["%s %d" % (operation, status)] += 1
                # One write for the status line, headers and body, on a socket with Nagle off: a response split in
                # two small writes would wait for the client's delayed ACK (40 ms) on a kept-alive connection.
                head = ["%s %d %s" % (self.protocol_version, status, reason)]
                for name, value in response_headers:
                    lower = name.lower()
                    if lower not in HOP_BY_HOP and lower != "content-length":
                        head.append("%s: %s" % (name, value))
                head.append("Content-Length: %d" % len(data))
                if self.close_connection:
                    head.append("Connection: close")
                elif self.request_version == "HTTP/1.0":
                    head.append("Connection: keep-alive")
                message = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1")
                self.wfile.write(message + (data if self.command != "HEAD" else b""))
                self.wfile.flush()

            def exchange(self, headers, body):
                for attempt in range(2):
                    reused = self.upstream is not None and self.upstream.sock is not None
                    if self.upstream is None:
                        self.upstream = http.client.HTTPConnection("127.0.0.1", upstream_port, timeout=120)
                    try:
                        self.upstream.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
                        for name, value in headers:
                            self.upstream.putheader(name, value)
                        if body or self.command in ("POST", "PUT", "PATCH"):
                            self.upstream.putheader("Content-Length", str(len(body)))
                        self.upstream.endheaders(body)
                        response = self.upstream.getresponse()
                        data = response.read()
                        if response.will_close:
                            self.upstream.close()
                        return response.status, response.reason, response.getheaders(), data
                    except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError) as error:
                        self.upstream.close()
                        self.upstream = None
                        if not reused or attempt:
                            return 502, "Bad Gateway", [("Content-Type", "text/plain")], str(error).encode()
                    except OSError as error:
                        self.upstream.close()
                        self.upstream = None
                        return 502, "Bad Gateway", [("Content-Type", "text/plain")], str(error).encode()

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = forward

        class Server(http.server.ThreadingHTTPServer):
            daemon_threads = True
            request_queue_size = 256  # the default 5 drops SYNs of a parallel burst (a 1 s retransmit each)

        self.server = Server(("127.0.0.1", 0), Handler)
        self.address = "http://127.0.0.1:%d" % self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, name="proxy", daemon=True)
        self.thread.start()

    def reset(self):
        with self.lock:
            self.operations = collections.Counter()
            self.statuses = collections.Counter()
            self.connections = 0

    def take(self):
        """(requests by operation, non-2xx answers, connections accepted) since the last take/reset; resets."""
        with self.lock:
            taken = (dict(self.operations), dict(self.statuses), self.connections)
            self.operations = collections.Counter()
            self.statuses = collections.Counter()
            self.connections = 0
        return taken

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


# ---------------------------------------------------------------- fixtures


def expected_bytes(values):
    """The env file both tools must write: one NAME=value line per key, sorted by name (byte order), as is."""
    lines = sorted((var(name, key).encode(), str(secret[key]).encode()) for name, secret in values.items()
                   for key in KEYS)
    return b"".join(variable + b"=" + value + b"\n" for variable, value in lines)


def write_reference_inputs(directory, names):
    """The reference script's inputs: the name -> secret map and a Jinja2 template with the lines in cfg's order."""
    os.makedirs(directory)
    secrets_file = os.path.join(directory, "secrets.json")
    with open(secrets_file, "w") as handle:
        json.dump({name: "bench/%s" % name for name in names}, handle, indent=1)
    entries = sorted((var(name, key), name, key) for name in names for key in KEYS)
    template = os.path.join(directory, "bench.env.j2")
    with open(template, "w") as handle:
        handle.write("".join("%s={{ secrets.%s.%s | env }}\n" % entry for entry in entries))
    return secrets_file, template


def create_secrets(moto_address, region, values):
    import boto3
    import botocore.config
    client = boto3.session.Session(aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY,
                                   region_name=region).client(
        "secretsmanager", endpoint_url=moto_address,
        config=botocore.config.Config(retries={"max_attempts": 3, "mode": "standard"}))
    for name, secret in values.items():
        client.create_secret(Name="bench/%s" % name, SecretString=json.dumps(secret))


class Fingerprints:
    """Keyed (per-run random key) fingerprints: equal lines have equal prints, nothing about a value leaks."""

    def __init__(self):
        self.key = secrets.token_bytes(32)

    def __call__(self, data):
        return hmac.new(self.key, data, hashlib.sha256).hexdigest()[:16]


def check_output(path, expected, fingerprint):
    """None if `path` holds exactly the expected bytes with mode 0600, else a description (no values)."""
    try:
        with open(path, "rb") as handle:
            got = handle.read()
        mode = os.stat(path).st_mode & 0o777
    except FileNotFoundError:
        return "not written"
    if got != expected:
        got_lines, want_lines = got.split(b"\n"), expected.split(b"\n")
        for number, (mine, theirs) in enumerate(zip(got_lines, want_lines), 1):
            if mine != theirs:
                break
        else:
            number = min(len(got_lines), len(want_lines)) + 1
            mine = got_lines[number - 1] if number <= len(got_lines) else b"(end of file)"
            theirs = want_lines[number - 1] if number <= len(want_lines) else b"(end of file)"
        name = lambda line: line.split(b"=", 1)[0].decode(errors="replace") if b"=" in line else "?"
        return ("line %d differs: written %s (fingerprint %s), expected %s (fingerprint %s); %d bytes written, %d "
                "expected" % (number, name(mine), fingerprint(mine), name(theirs), fingerprint(theirs), len(got),
                              len(expected)))
    if mode != 0o600:
        return "mode %o, expected 600" % mode
    return None


def log_tail(path, lines=15):
    try:
        with open(path, "rb") as handle:
            return b"\n".join(handle.read().splitlines()[-lines:]).decode(errors="replace")
    except OSError:
        return "(no log)"


# ---------------------------------------------------------------- statistics and report


def versions():
    import boto3
    import botocore
    import jinja2
    from importlib import metadata
    return {"python": platform.python_version(), "python_executable": sys.executable, "boto3": boto3.__version__,
            "botocore": botocore.__version__, "jinja2": jinja2.__version__, "moto": metadata.version("moto")}


def sanitize_own_environment(workdir):
    """This process's own boto3 (secret creation) must not read profiles, real credentials or instance metadata."""
    for name in list(os.environ):
        if name.startswith("AWS_"):
            del os.environ[name]
    os.environ["AWS_EC2_METADATA_DISABLED"] = "true"
    os.environ["AWS_CONFIG_FILE"] = os.path.join(workdir, "no-aws-config")
    os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.path.join(workdir, "no-aws-credentials")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=10, help="measured runs per tool and n (default 10)")
    parser.add_argument("--n", default="7,100,1000", help="comma-separated secret counts (default 7,100,1000)")
    parser.add_argument("--cfg", action="append", metavar="BIN",
                        help="a cfg binary (repeatable; default: the release build in .build-release if it exists, "
                             "and the debug build)")
    parser.add_argument("--parallel-reference", type=int, default=0, metavar="N",
                        help="also run the reference with N batch calls at a time (a thread pool)")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds before a run is killed")
    parser.add_argument("--json", metavar="FILE", help="write the raw numbers here")
    parser.add_argument("--seed", type=int, default=None, help="seed for the random part of the passwords")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()
    counts = [int(n) for n in args.n.split(",")]
    if args.runs < 1 or any(n < 1 or n > 9999 for n in counts):
        parser.error("--runs must be >= 1 and every n in 1..9999")
    if len(counts) > len(REGIONS):
        parser.error("at most %d values of n" % len(REGIONS))
    if args.parallel_reference == 1 or args.parallel_reference < 0:
        parser.error("--parallel-reference must be 2 or more")

    binaries = args.cfg or ([RELEASE_CFG] if os.path.exists(RELEASE_CFG) else []) + [DEBUG_CFG]
    for binary in binaries:
        if not os.access(binary, os.X_OK):
            parser.error("no cfg binary at %s (build it first: swift build --product cfg)" % binary)
    tools = {}
    for binary in binaries:
        label = cfg_label(binary)
        while label in tools:
            label += "'"
        tools[label] = os.path.abspath(binary)

    workdir = tempfile.mkdtemp(prefix="cfg-bench-aws-")
    os.chmod(workdir, 0o700)
    # Each binary is copied first, so a rebuild while the benchmark runs cannot change or remove what is measured.
    originals = dict(tools)
    for label, binary in originals.items():
        copy = os.path.join(workdir, "bin", label, "cfg")
        os.makedirs(os.path.dirname(copy))
        shutil.copy2(binary, copy)
        tools[label] = copy
    sanitize_own_environment(workdir)
    launcher = Launcher()
    software = versions()
    moto = Moto(workdir)
    proxy = None
    results = {"machine": {"nproc": os.cpu_count(), "cpu": cpu_model(), "kernel": platform.release()},
               "software": software, "cfg": originals, "runs": args.runs, "warmup": WARMUP, "results": []}
    print("machine: %d CPUs (nproc), %s, Linux %s" % (os.cpu_count(), cpu_model(), platform.release()))
    print("python:  %s (%s); boto3 %s, botocore %s, Jinja2 %s; moto %s" % (
        software["python"], sys.executable, software["boto3"], software["botocore"], software["jinja2"],
        software["moto"]))
    for label, binary in originals.items():
        with open(tools[label], "rb") as handle:
            digest = hashlib.sha256(handle.read()).hexdigest()[:12]
        print("%s: %s (modified %s, sha256 %s…; run from a copy)" % (
            label, binary, time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(os.path.getmtime(tools[label]))), digest))
    print("boto3:   %s %s SECRETS_JSON TEMPLATE OUT: batch_get_secret_value, 20 ids a call, one call after another "
          "(sequential, as typically written)%s" % (
              sys.executable, REFERENCE, "; boto3-parN: N calls at a time" if args.parallel_reference else ""))
    print("runs:    %d measured per tool and n, after %d warm-up runs each; interleaved; every API call goes "
          "through a counting proxy on 127.0.0.1 in front of moto_server" % (args.runs, WARMUP))
    print("RSS:     wait4 ru_maxrss of each child, forked by a small launcher whose own peak (%.1f MiB) is the floor"
          % (launcher.floor_kib / 1024), flush=True)
    results["launcher_floor_kib"] = launcher.floor_kib
    failure = None
    try:
        moto.start()
        proxy = CountingProxy(moto.port)
        rng = random.Random(args.seed)
        values = make_secrets(max(counts), rng)
        fingerprint = Fingerprints()

        for index, n in enumerate(counts):
            region = REGIONS[index]
            names = ["s%04d" % i for i in range(n)]
            chosen = {name: values[name] for name in names}
            created = time.perf_counter()
            create_secrets(moto.address, region, chosen)
            log("n=%d: %d secrets created in %s (%.1f s)" % (n, n, region, time.perf_counter() - created))
            expected = expected_bytes(chosen)
            base = os.path.join(workdir, "n%d" % n)
            project = os.path.join(base, "project")
            bench_common.write_cfg_project(project, names, '{ type: aws }')
            reference_dir = os.path.join(base, "reference")
            secrets_file, template = write_reference_inputs(reference_dir, names)
            home = os.path.join(base, "home")
            os.makedirs(home)
            env = child_env(home, {"AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
                                   "AWS_REGION": region, "AWS_DEFAULT_REGION": region,  # boto3 reads only the latter
                                   "AWS_ENDPOINT_URL": proxy.address})

            commands = {}
            for label, binary in tools.items():
                out_dir = os.path.join(base, label + "-out")
                commands[label] = {"argv": [binary, "render", "bench", "-C", project, "--out", out_dir],
                                   "env": env, "cwd": project, "output": os.path.join(out_dir, "bench.env")}
            reference_variants = [("boto3", [])]
            if args.parallel_reference:
                reference_variants.append(("boto3-par%d" % args.parallel_reference,
                                           ["--parallel", str(args.parallel_reference)]))
            for label, extra in reference_variants:
                out_dir = os.path.join(base, label + "-out")
                os.makedirs(out_dir)
                commands[label] = {"argv": [sys.executable, REFERENCE, secrets_file, template,
                                            os.path.join(out_dir, "bench.env")] + extra,
                                   "env": env, "cwd": reference_dir, "output": os.path.join(out_dir, "bench.env")}

            samples = {label: [] for label in commands}
            order = list(commands)
            proxy.take()
            for round_index in range(WARMUP + args.runs):
                rotation = round_index % len(order)
                for label in order[rotation:] + order[:rotation]:
                    command = commands[label]
                    if os.path.exists(command["output"]):
                        os.unlink(command["output"])
                    proxy.reset()
                    log_path = os.path.join(base, label + ".log")
                    code, wall, rss = launcher.run(command["argv"], command["env"], command["cwd"], log_path,
                                                   args.timeout)
                    operations, statuses, connections = proxy.take()
                    if code != 0:
                        failure = "%s, n=%d: exit %s; the end of its log:\n%s" % (label, n, code, log_tail(log_path))
                        raise SystemExit(1)
                    problem = check_output(command["output"], expected, fingerprint)
                    if problem:
                        failure = "%s, n=%d: wrong output: %s" % (label, n, problem)
                        raise SystemExit(1)
                    if round_index >= WARMUP:
                        samples[label].append({"wall_s": wall, "maxrss_kib": rss, "calls": sum(operations.values()),
                                               "operations": operations, "non_2xx": statuses,
                                               "connections": connections})
            print("n=%d: every run's output equals the expected %d bytes (%d lines), mode 0600, for %s" % (
                n, len(expected), 4 * n, ", ".join(commands)))
            for label, runs in samples.items():
                results["results"].append({"n": n, "region": region, "tool": label, "argv": commands[label]["argv"],
                                           "samples": runs})
            for label, summary in print_table(n, samples, tools).items():
                results["results"].append({"n": n, "tool": label, "summary": summary})
    except SystemExit:
        if failure is None:
            raise
    finally:
        launcher.close()
        if proxy is not None:
            proxy.stop()
        moto.stop()
        if args.json:
            with open(args.json, "w") as handle:
                json.dump(results, handle, indent=2)
                handle.write("\n")
            print("raw numbers: %s" % args.json, flush=True)
        if args.keep:
            print("kept: %s" % workdir, flush=True)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    if failure:
        raise SystemExit("bench-aws: ABORTED: %s%s" % (failure, "" if args.keep else
                                                       "\n(the logs were removed: run with --keep to look at them)"))


def summarize(runs):
    walls = [r["wall_s"] * 1000 for r in runs]
    breakdowns = collections.Counter(json.dumps(r["operations"], sort_keys=True) for r in runs)
    calls = collections.Counter(r["calls"] for r in runs)
    connections = collections.Counter(r["connections"] for r in runs)
    non_2xx = collections.Counter()
    for r in runs:
        non_2xx.update(r["non_2xx"])
    return {"median_ms": statistics.median(walls), "min_ms": min(walls), "p90_ms": percentile(walls, 0.9),
            "max_ms": max(walls), "rss_mib": statistics.median(r["maxrss_kib"] for r in runs) / 1024,
            "calls": calls.most_common(1)[0][0], "calls_stable": len(calls) == 1 and len(breakdowns) == 1,
            "call_counts_seen": dict(calls), "operations": json.loads(breakdowns.most_common(1)[0][0]),
            "connections": statistics.median(r["connections"] for r in runs),
            "connection_counts_seen": dict(connections), "non_2xx_total": dict(non_2xx), "runs": len(runs)}


def print_table(n, samples, tools):
    stats = {label: summarize(runs) for label, runs in samples.items()}
    print()
    print("%5s  %-12s %10s %8s %8s %8s %8s %6s %5s  %s" % ("n", "tool", "median ms", "min", "p90", "max", "RSS MiB",
                                                         "calls", "conns", "calls per run, by operation"))
    for label, s in stats.items():
        breakdown = ", ".join("%s x%d" % (operation.replace("secretsmanager.", ""), count) for operation, count in
                              sorted(s["operations"].items(), key=lambda item: (-item[1], item[0])))
        calls = "%d" % s["calls"] if s["calls_stable"] else "%d*" % s["calls"]
        print("%5d  %-12s %10.1f %8.1f %8.1f %8.1f %8.1f %6s %5g  %s" % (
            n, label, s["median_ms"], s["min_ms"], s["p90_ms"], s["max_ms"], s["rss_mib"], calls, s["connections"],
            breakdown))
    for label, s in stats.items():
        if not s["calls_stable"]:
            print("       * %s: call counts varied between runs: %s" % (label, s["call_counts_seen"]))
        if s["non_2xx_total"]:
            print("       ! %s: non-2xx answers over all runs: %s" % (label, s["non_2xx_total"]))
    ratio = lambda a, b: "%.2fx" % (a / b) if b else "n/a"
    for reference in (label for label in stats if label.startswith("boto3")):
        r = stats[reference]
        for label in tools:
            s = stats[label]
            print("%5d  %s/%s: time %s (median), memory %s, calls %s" % (
                n, reference, label, ratio(r["median_ms"], s["median_ms"]), ratio(r["rss_mib"], s["rss_mib"]),
                ratio(r["calls"], s["calls"])))
    print(flush=True)
    return stats


if __name__ == "__main__":
    main()
