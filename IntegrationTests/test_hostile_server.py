"""The real cfg binary against a malicious server on 127.0.0.1, as its Vault and as its Secrets Manager.

The server (hostile_server.py, a subprocess) answers every request the same hostile way: an endless chunked body,
a huge Content-Length, a body shorter or longer than it says, JSON nested 100,000 deep, invalid JSON, a body or a
header section dripped one byte a second, no answer at all, a redirect to another port, huge or countless headers.
For each, cfg must exit with the backend code (69) within a bounded time (a hang guard, not a benchmark), print one
line on stderr and nothing on stdout, keep its peak memory (VmHWM, read from the kernel's rusage of the waited
child) far below what the server sends, never contact the redirect's target, and never print the canary the
server sends, the Vault token or the AWS secret key.
"""
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid

import pytest
from conftest import cfg_binary

HERE = os.path.dirname(os.path.abspath(__file__))
BACKEND = 69
# cfg itself needs about 40 MiB; every hostile answer offers gigabytes.
PEAK_MEMORY_LIMIT_KIB = 256 * 1024


class HostileServer:
    """hostile_server.py in MODE, on a free port of 127.0.0.1."""

    def __init__(self, mode, argument=None):
        self.canary = "CANARY-SERVER-" + uuid.uuid4().hex
        command = [sys.executable, os.path.join(HERE, "hostile_server.py"), mode]
        if argument is not None:
            command.append(str(argument))
        self.process = subprocess.Popen(command + ["--canary", self.canary], stdout=subprocess.PIPE)
        self.port = int(self.process.stdout.readline())

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    def stop(self):
        self.process.kill()
        self.process.wait()


class Listener:
    """A socket on another port of 127.0.0.1 that counts the connections made to it (the redirect's target)."""

    def __init__(self):
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(16)
        self.socket.setblocking(False)
        self.port = self.socket.getsockname()[1]

    def connections(self):
        count = 0
        while True:
            try:
                connection, _ = self.socket.accept()
            except BlockingIOError:
                return count
            connection.close()
            count += 1

    def close(self):
        self.socket.close()


def write_environment(project, backend, server):
    if backend == "vault":
        text = (
            'airflow_version: "3.1"\n'
            "backend: { type: vault, address: \"%s\", mount: secret, kv_version: 2, timeout: 5s }\n"
            "secrets:\n  db: airflow/prod/db\n" % server.url
        )
    else:
        text = 'airflow_version: "3.1"\nbackend: { type: aws, region: us-east-1 }\nsecrets:\n  db: airflow/prod/db\n'
    project.write("environments/hostile.yaml", text)


def backend_environment(backend, server, extra=None):
    """The variables cfg reads for the backend; the credentials are canaries too."""
    credentials = "CANARY-CREDENTIAL-" + uuid.uuid4().hex
    if backend == "vault":
        variables = {"VAULT_TOKEN": credentials}
    else:
        variables = {
            "AWS_ACCESS_KEY_ID": "AKIDHOSTILETEST",
            "AWS_SECRET_ACCESS_KEY": credentials,
            "AWS_ENDPOINT_URL": server.url,
        }
    return {**variables, **(extra or {})}, credentials


def run_measured(project, arguments, environment, guard):
    """Runs cfg; returns (exit code, stdout, stderr, seconds, peak resident KiB). Fails after `guard` seconds.

    cfg is reaped with wait4, which reports its own peak resident set (ru_maxrss, the VmHWM of its last moment, in
    KiB); its output goes to files so that nothing else waits for it.
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.monotonic()
        process = subprocess.Popen(
            [cfg_binary(), arguments[0], "-C", project.root, *arguments[1:]],
            stdout=out,
            stderr=err,
            env={**project.env, **environment},
            cwd=project.root,
        )
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() - started > guard:
                process.kill()
                os.wait4(process.pid, 0)
                process.returncode = -9
                pytest.fail("cfg %s ran longer than %d s against the hostile server" % (" ".join(arguments), guard))
            time.sleep(0.02)
        seconds = time.monotonic() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(errors="replace"), err.read().decode(errors="replace")
    return process.returncode, stdout, stderr, seconds, usage.ru_maxrss


# (mode, argument, what stderr must say): each mode against each backend.
CASES = [
    ("endless", None, "more than"),
    ("huge-length", None, "more than"),
    ("short-body", None, "cannot be reached"),
    ("long-body", 10 * 1024 * 1024, ""),
    ("nested", 100_000, ""),
    ("invalid-json", None, ""),
    ("redirect", "LISTENER", "307"),
    ("huge-header", 1024 * 1024, "more than 100 KiB in one header line"),
    ("header-lines", 100_000, "more than 200 header lines"),
    ("header-bytes", 90_000, "more than 64 KiB of headers"),
    ("drip", None, "did not answer in time"),
    ("drip-headers", None, "did not answer in time"),
    ("stall", None, "did not answer in time"),
]

SIZE_LIMITS = {"vault": "1 MiB", "aws": "512 KiB"}


@pytest.mark.parametrize("backend", ["vault", "aws"])
@pytest.mark.parametrize("mode,argument,expected", CASES, ids=[case[0] for case in CASES])
def test_a_hostile_server_gets_a_bounded_failure(project, backend, mode, argument, expected):
    listener = Listener() if argument == "LISTENER" else None
    server = HostileServer(mode, listener.port if listener else argument)
    try:
        write_environment(project, backend, server)
        # Vault's per-request timeout is backend.timeout (5 s above); for AWS (30 s per request, retried within
        # 60 s) one attempt keeps the slow cases at 30 s; test_secrets_manager_defaults_end_a_drip checks the
        # default retries.
        extra = {"AWS_MAX_ATTEMPTS": "1"} if backend == "aws" and mode in ("drip", "drip-headers", "stall") else {}
        environment, credentials = backend_environment(backend, server, extra)
        code, stdout, stderr, seconds, peak = run_measured(project, ["get", "hostile", "db.password"], environment, 60)
    finally:
        server.stop()
    assert code == BACKEND, (code, stderr)
    assert stdout == ""
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert expected in stderr, stderr
    if expected == "more than" and mode in ("endless", "huge-length"):
        assert "more than %s" % SIZE_LIMITS[backend] in stderr, stderr
        endpoint = "/v1/secret/data/airflow/prod/db" if backend == "vault" else "/"
        assert "%s%s answered" % (server.url, endpoint) in stderr, stderr
    for canary in (server.canary, credentials):
        assert canary not in stdout + stderr
    assert seconds < 60
    assert peak < PEAK_MEMORY_LIMIT_KIB, "peak resident memory %d KiB" % peak
    if listener:
        assert listener.connections() == 0, "cfg followed the redirect to another port"
        listener.close()


def test_secrets_manager_defaults_end_a_drip(project):
    """Without AWS_MAX_ATTEMPTS, a server that drips its body ends after the default retries' 60 s budget."""
    server = HostileServer("drip")
    try:
        write_environment(project, "aws", server)
        environment, credentials = backend_environment("aws", server)
        code, stdout, stderr, seconds, peak = run_measured(project, ["get", "hostile", "db.password"], environment, 120)
    finally:
        server.stop()
    assert code == BACKEND, (code, stderr)
    assert len(stderr.splitlines()) == 1, stderr
    assert "did not answer in time" in stderr and "(2 attempts)" in stderr, stderr
    assert server.canary not in stdout + stderr and credentials not in stdout + stderr
    assert seconds < 90
    assert peak < PEAK_MEMORY_LIMIT_KIB


def test_a_render_against_an_endless_vault_writes_nothing(project):
    """render fails closed: no output directory appears, and the error is the one bounded-body line."""
    server = HostileServer("endless")
    try:
        write_environment(project, "vault", server)
        project.write(
            "environments/hostile.yaml",
            project.read("environments/hostile.yaml")
            + "outputs:\n  - { kind: file, path: hostile.env, template: templates/hostile.env.tmpl }\n",
        )
        project.write("templates/hostile.env.tmpl", "PASSWORD={{ secrets.db.password }}\n")
        environment, credentials = backend_environment("vault", server)
        code, stdout, stderr, seconds, peak = run_measured(project, ["render", "hostile"], environment, 60)
    finally:
        server.stop()
    assert code == BACKEND, (code, stderr)
    assert "more than 1 MiB" in stderr, stderr
    assert not os.path.exists(project.path("out", "hostile"))
    assert server.canary not in stdout + stderr and credentials not in stdout + stderr
    assert seconds < 60
    assert peak < PEAK_MEMORY_LIMIT_KIB


def test_secrets_manager_pages_that_never_end_are_not_asked_forever(project):
    """A server that answers every BatchGetSecretValue with another NextToken: before, cfg asked it forever."""
    server = HostileServer("next-token")
    try:
        environment, credentials = backend_environment("aws", server)
        code, stdout, stderr, seconds, _ = run_measured(project, ["render", "prod-aws", "--check"], environment, 60)
    finally:
        server.stop()
    assert code == BACKEND, (code, stderr)
    assert "NextToken after" in stderr, stderr
    assert credentials not in stdout + stderr
    assert seconds < 60
