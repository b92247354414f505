"""`cfg set ENV NAME[.KEY]` on the real binary, against every backend: the local store, OpenBao (each test in its
own namespace, as in test_vault_render.py) and moto's Secrets Manager (each test in its own region, as in
test_aws_render.py).

A value goes in on stdin (as `printf … | cfg set` gives it) or from a file, and comes back unchanged from
`cfg get`; it never appears in cfg's stdout or stderr; a value on the command line is refused without being repeated.
"""
import concurrent.futures
import json
import os
import pty
import subprocess
import uuid

import pytest
from test_aws_render import aws  # noqa: F401  pylint: disable=unused-import
from test_vault_render import vault  # noqa: F401  pylint: disable=unused-import

BACKENDS = {
    "local": "{ type: local }",
    "vault": "{ type: vault, mount: secret, kv_version: 2 }",
    "aws": "{ type: aws, region: us-east-1 }",
}

ENVIRONMENT = """\
backend: %s
secrets:
  slack:
    path: airflow/e2e/slack
    keys:
      channel: { value: "#alerts" }
      webhook_url: {}
  smtp: airflow/e2e/smtp
  db:
    path: airflow/e2e/db
    keys:
      username: { value: airflow }
      password: { generate: { password: { length: 24 } } }
"""

# Each holds what breaks naive quoting; {token} makes it unique, for the leak checks.
HOSTILE = [
    "it's \"double\" and 'single' {token}",
    "$HOME ${{PATH}} $(id) `id` {token}",
    "back\\slash \\\\ \\n {token}",
    "  leading and trailing spaces {token}  ",
    "line one\nline two {token}\n\nlast",
    "caf\u00e9 \u65e5\u672c \U0001f511 {token}",
    "=#?&+@:/% {token}",
]


class Target:
    """A project whose environment `e2e` uses one backend, and the variables that reach it."""

    def __init__(self, project, kind, env):
        self.project, self.kind, self.env = project, kind, env
        project.write("environments/e2e.yaml", ENVIRONMENT % BACKENDS[kind])
        project.cfg("init", "e2e", env=env)

    def set(self, *args, value=b"", check=True):
        return self.project.cfg("set", "e2e", *args, env=self.env, input=value, check=check)

    def get(self, reference, check=True):
        return self.project.cfg("get", "e2e", reference, env=self.env, check=check)


@pytest.fixture(params=sorted(BACKENDS))
def target(request, project):
    kind = request.param
    env = {}
    if kind == "vault":
        env = request.getfixturevalue("vault").env()
    elif kind == "aws":
        env = request.getfixturevalue("aws").env()
    return Target(project, kind, env)


def output_of(result):
    return result.stdout.decode(errors="replace") + result.stderr.decode(errors="replace")


def test_hostile_values_round_trip_key_by_key_and_whole(target):
    for template in HOSTILE:
        value = template.format(token="CANARY-" + uuid.uuid4().hex)
        set_key = target.set("slack.webhook_url", value=value.encode())
        assert target.get("slack.webhook_url").stdout.decode() == value
        set_whole = target.set("smtp", value=value.encode())
        assert target.get("smtp").stdout.decode() == value
        for result in (set_key, set_whole):
            assert value not in output_of(result) and value.strip() not in output_of(result)
            assert result.stdout == b""
    # The declared key beside it is kept.
    assert target.get("slack.channel").stdout == b"#alerts"


def test_echo_and_printf_store_the_same_value_and_a_file_is_kept_exactly(target):
    target.set("slack.webhook_url", value=b"https://hooks.example/T0/B0/x\n")
    assert target.get("slack.webhook_url").stdout == b"https://hooks.example/T0/B0/x"
    target.set("slack.webhook_url", value=b"https://hooks.example/T0/B0/x")
    assert target.get("slack.webhook_url").stdout == b"https://hooks.example/T0/B0/x"
    target.project.write("key.pem", "-----BEGIN KEY-----\nabc\n-----END KEY-----\n")
    target.set("smtp", "--from-file", target.project.path("key.pem"))
    assert target.get("smtp").stdout == b"-----BEGIN KEY-----\nabc\n-----END KEY-----\n"


def test_a_new_secret_is_created_and_the_success_line_names_the_version(target):
    result = target.set("smtp.password", value=b"x")
    line = result.stderr.decode()
    assert "set smtp.password (airflow/e2e/smtp, version " in line and "a new secret" in line
    assert json.loads(target.get("smtp").stdout) == {"password": "x"}
    again = target.set("smtp.user", value=b"y").stderr.decode()
    assert "set smtp.user (airflow/e2e/smtp, version " in again and "a new secret" not in again
    assert json.loads(target.get("smtp").stdout) == {"password": "x", "user": "y"}


def test_a_value_in_argv_is_refused_without_being_repeated(target):
    value = "CANARY-" + uuid.uuid4().hex + "-p@ss"
    for args in (["slack.webhook_url", value], ["smtp", "--", value], ["smtp", "--password=" + value]):
        result = target.set(*args, value=b"from stdin", check=False)
        assert result.returncode == 64, output_of(result)
        assert value not in output_of(result)
        assert "/proc" in result.stderr.decode() and "--from-file" in result.stderr.decode()
    assert target.get("smtp", check=False).returncode == 66


def test_json_sets_a_whole_secret_and_only_an_object_of_declared_keys(target):
    target.set("slack", "--json", value=b'{"webhook_url": "w", "channel": "#c"}\n')
    stored = target.get("slack").stdout
    assert json.loads(stored) == {"webhook_url": "w", "channel": "#c"}
    if target.kind != "vault":  # Vault keeps KV data as a map and writes it back in its own form.
        assert stored == b'{"webhook_url": "w", "channel": "#c"}'
    refused = {
        b'["w"]': 65,
        b'{"webhook_url": "w"': 65,
        b'{"webhok_url": "w"}': 66,
    }
    for text, code in refused.items():
        result = target.set("slack", "--json", value=text, check=False)
        assert result.returncode == code, output_of(result)
    result = target.set("slack", value=b"w", check=False)
    assert result.returncode == 64 and "slack.KEY" in result.stderr.decode()
    result = target.set("slack.webhok_url", value=b"w", check=False)
    assert result.returncode == 66 and "did you mean 'webhook_url'" in result.stderr.decode()
    assert json.loads(target.get("slack").stdout) == {"webhook_url": "w", "channel": "#c"}


def test_concurrent_writers_of_different_keys_lose_no_update(target):
    """Every `cfg set` either stores its key on top of the others' or exits 75 (check-and-set): none is lost."""
    # smtp declares no keys, so any key can be set; it starts as an empty object.
    target.set("smtp", "--json", value=b"{}")
    keys = ["k%d" % index for index in range(8)]

    def write(key):
        return key, target.set("smtp." + key, value=key.encode(), check=False)

    with concurrent.futures.ThreadPoolExecutor(len(keys)) as pool:
        results = dict(pool.map(write, keys))
    stored = json.loads(target.get("smtp").stdout)
    for key, result in results.items():
        assert result.returncode in (0, 75), output_of(result)
        if result.returncode == 0:
            assert stored.get(key) == key, key
        else:
            assert "Run cfg set again" in result.stderr.decode()
    assert any(result.returncode == 0 for result in results.values())


def test_limits_and_sources_that_are_not_values(target):
    result = target.set("smtp", value=b"a" * (64 * 1024 + 1), check=False)
    assert result.returncode == 65 and "64 KiB" in result.stderr.decode()
    result = target.set("smtp", value=b"", check=False)
    assert result.returncode == 65 and "--allow-empty" in result.stderr.decode()
    fifo = target.project.path("fifo")
    os.mkfifo(fifo)
    result = target.set("smtp", "--from-file", fifo, check=False)
    assert result.returncode == 65 and "not a regular file" in result.stderr.decode()
    assert target.get("smtp", check=False).returncode == 66
    target.set("slack.webhook_url", "--allow-empty", value=b"")
    assert target.get("slack.webhook_url").stdout == b""


def test_init_lists_what_it_cannot_create_with_the_command_that_stores_it(target):
    result = target.project.cfg("init", "e2e", env=target.env)
    stderr = result.stderr.decode()
    assert "no value and no generator for slack.webhook_url, smtp" in stderr
    lines = [line.strip() for line in stderr.splitlines() if line.startswith("  cfg set ")]
    root = target.project.root
    assert lines == ["cfg set -C %s e2e slack.webhook_url" % root, "cfg set -C %s e2e smtp" % root]
    target.set("slack.webhook_url", value=b"w")
    target.set("smtp", value=b"s")
    assert "no value" not in target.project.cfg("init", "e2e", env=target.env).stderr.decode()


def test_at_a_terminal_it_says_how_to_end_the_value_and_stores_the_line(project):
    """stdin is a terminal: a hint on stderr, then the pasted line (Enter, Ctrl-D) is stored without its newline."""
    target = Target(project, "local", {})
    controller, terminal = pty.openpty()
    try:
        child = subprocess.Popen(  # pylint: disable=consider-using-with
            project.argv(["set", "e2e", "slack.webhook_url"]),
            stdin=terminal, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=project.env, cwd=project.root,
        )
        os.close(terminal)
        terminal = None
        os.write(controller, b"pasted value\n\x04")
        stdout, stderr = child.communicate(timeout=30)
    finally:
        os.close(controller)
        if terminal is not None:
            os.close(terminal)
    assert child.returncode == 0, stderr
    assert stdout == b""
    assert b"from the terminal: paste it, press Enter, then Ctrl-D" in stderr
    assert target.get("slack.webhook_url").stdout == b"pasted value"
