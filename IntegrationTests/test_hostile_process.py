"""What a crash of cfg may reveal (issue 11, defects 3 and 14): cfg runs with a core limit of 0 and not dumpable,
gives the command it starts the core limit it was started with, and a fatal signal ends it with one fixed line
(no backtrace, no source path) instead of letting it carry on."""
import os
import resource
import signal
import socket
import subprocess
import threading
import time

import pytest

from test_run import start, stop_if_running, wait_for

# The command under cfg reports its own core limit (soft, hard) and whether it is dumpable (prctl PR_GET_DUMPABLE).
REPORT = (
    "import ctypes, resource; "
    "print(*resource.getrlimit(resource.RLIMIT_CORE), ctypes.CDLL(None, use_errno=True).prctl(3, 0, 0, 0, 0))"
)


def core_limit_for_test():
    """A soft core limit cfg is started with: distinctive, and allowed under the current hard limit."""
    _, hard = resource.getrlimit(resource.RLIMIT_CORE)
    if hard == 0:
        pytest.fail("the hard core limit is 0 here: the test cannot tell a restored limit from cfg's own")
    soft = 1_234_567 if hard == resource.RLIM_INFINITY or hard > 1_234_567 else hard - 1
    return soft, hard


def run_with_core_limit(project, args, soft):
    def limit():
        resource.setrlimit(resource.RLIMIT_CORE, (soft, resource.getrlimit(resource.RLIMIT_CORE)[1]))

    return subprocess.run(
        project.argv(args), env=project.env, cwd=project.root, capture_output=True, timeout=90, preexec_fn=limit
    )


@pytest.mark.parametrize("command", ["exec", "run"])
def test_the_command_gets_the_core_limit_cfg_was_started_with_and_is_dumpable(dev, command):
    soft, hard = core_limit_for_test()
    result = run_with_core_limit(dev, [command, "dev", "--", "python3", "-c", REPORT], soft)
    assert result.returncode == 0, result.stderr
    reported_soft, reported_hard, dumpable = result.stdout.decode().split()
    assert int(reported_soft) == soft and int(reported_hard) == hard
    # execve made the command dumpable again (cfg itself is not).
    assert dumpable == "1"
    assert result.stderr == b""


def limits_core_line(pid):
    with open("/proc/%d/limits" % pid, encoding="ascii") as handle:
        return next(line.split()[4:6] for line in handle if line.startswith("Max core file size"))


def test_a_running_cfg_run_has_a_core_limit_of_0_and_its_command_the_original(dev):
    soft, _ = core_limit_for_test()

    def limit():
        resource.setrlimit(resource.RLIMIT_CORE, (soft, resource.getrlimit(resource.RLIMIT_CORE)[1]))

    pid_file = dev.path("command.pid")
    process = start(dev, ["run", "dev", "--", "sh", "-c", "echo $$ > %s; exec sleep 60" % pid_file], preexec_fn=limit)
    try:
        command_pid = wait_for(lambda: os.path.exists(pid_file) and open(pid_file).read().strip(), what="the command")
        assert limits_core_line(process.pid)[0] == "0"
        assert int(limits_core_line(int(command_pid))[0]) == soft
    finally:
        stop_if_running(process)


class SilentServer:
    """A server on 127.0.0.1 that accepts connections and never answers: cfg blocks reading from it."""

    def __init__(self):
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(16)
        self.port = self.socket.getsockname()[1]
        self.connections = []
        self.thread = threading.Thread(target=self.accept, daemon=True)
        self.thread.start()

    def accept(self):
        while True:
            try:
                connection, _ = self.socket.accept()
            except OSError:
                return
            self.connections.append(connection)

    def close(self):
        for connection in self.connections:
            connection.close()
        self.socket.close()


@pytest.fixture
def silent_server():
    server = SilentServer()
    yield server
    server.close()


def blocked_cfg(project, server, canary):
    """`cfg get` against a Vault that never answers, with a canary token in its environment."""
    project.write(
        "environments/stuck.yaml",
        'backend: { type: vault, address: "http://127.0.0.1:%d", timeout: 60s }\nsecrets:\n  db: airflow/prod/db\n'
        % server.port,
    )
    # Started with core files allowed (soft limit = hard limit): only cfg's own limit of 0 keeps a core away.
    process = start(
        project,
        ["get", "stuck", "db.password"],
        env={"VAULT_TOKEN": canary},
        preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_CORE, (resource.getrlimit(resource.RLIMIT_CORE)[1],) * 2),
    )
    wait_for(lambda: server.connections, what="cfg to connect")
    time.sleep(0.3)
    return process


FATAL = [signal.SIGABRT, signal.SIGSEGV, signal.SIGBUS, signal.SIGILL, signal.SIGFPE, signal.SIGTRAP]


@pytest.mark.parametrize("number", FATAL)
def test_a_fatal_signal_ends_cfg_with_one_line_and_no_internals(project, silent_server, number):
    canary = "hvs.CANARY-fatal-signal-Qm7"
    process = blocked_cfg(project, silent_server, canary)
    try:
        assert limits_core_line(process.pid)[0] == "0"
        os.kill(process.pid, number)
        out, err = process.communicate(timeout=30)
    finally:
        stop_if_running(process)
    # Death by the signal itself (128+N from a shell), no core file (the limit is 0 and cfg is not dumpable).
    assert process.returncode == -number
    assert err.decode() == "cfg: stopped by signal %d\n" % number
    assert out == b""
    assert canary.encode() not in out + err and b".swift" not in err
    assert not [name for name in os.listdir(project.root) if name.startswith("core")]


def test_cfg_run_ends_by_a_fatal_signal_and_still_forwards_sigterm(dev):
    process = start(dev, ["run", "dev", "--", "sleep", "60"])
    try:
        time.sleep(1.5)
        os.kill(process.pid, signal.SIGSEGV)
        process.wait(timeout=30)
    finally:
        stop_if_running(process)
    # The command outlives cfg and holds the pipes: end it (same session) before reading them.
    os.killpg(process.pid, signal.SIGKILL)
    out, err = process.communicate(timeout=30)
    assert process.returncode == -signal.SIGSEGV
    assert err.decode() == "cfg: stopped by signal %d\n" % signal.SIGSEGV
    for value in dev.secret_values:
        assert value.encode() not in out + err

    # The forwarded signals are untouched: SIGTERM reaches the command, whose exit status cfg returns.
    process = start(dev, ["run", "dev", "--", "sh", "-c", "trap 'exit 42' TERM; while :; do sleep 0.1; done"])
    try:
        time.sleep(1.5)
        os.kill(process.pid, signal.SIGTERM)
        process.communicate(timeout=30)
    finally:
        stop_if_running(process)
    assert process.returncode == 42


def test_cfg_run_reports_an_execve_failure_in_its_forked_child(dev):
    # The child reports execve's errno through a close-on-exec pipe: 126 cannot run, 127 not found.
    dev.write("plain-file", "not a program\n")
    os.chmod(dev.path("plain-file"), 0o644)
    result = dev.cfg("run", "dev", "--", dev.path("plain-file"), check=False)
    assert result.returncode == 126 and b"cannot run" in result.stderr, result.stderr
    result = dev.cfg("run", "dev", "--", dev.path("no-such-program"), check=False)
    assert result.returncode == 127 and b"not found" in result.stderr, result.stderr
    for value in dev.secret_values:
        assert value.encode() not in result.stdout + result.stderr
