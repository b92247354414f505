"""End-to-end tests of the real `cfg` binary on copies of the project's environments and templates.

Every test runs in its own temporary project directory with its own key directory (XDG_CONFIG_HOME), so the
developer's own store and keys are never touched. Only loopback is ever contacted; AWS metadata is disabled.
"""
import os
import shutil
import socket
import subprocess
import sys

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
SHARED = os.path.abspath(os.environ.get("CFG_SHARED_DIR") or os.path.join(ROOT, "..", "shared"))
sys.path.insert(0, os.path.join(ROOT, "dev"))


def cfg_binary():
    binary = os.environ.get("CFG_BIN", os.path.join(ROOT, ".build", "debug", "cfg"))
    if not os.path.exists(binary):
        pytest.fail("the cfg binary %s does not exist: run `swift build` (make test does)" % binary)
    return binary


class Project:
    """A temporary copy of the project: environments/, templates/, and a private key directory."""

    def __init__(self, root):
        self.root = str(root)
        shutil.copytree(os.path.join(ROOT, "environments"), os.path.join(self.root, "environments"))
        shutil.copytree(os.path.join(ROOT, "templates"), os.path.join(self.root, "templates"))
        self.config_home = os.path.join(self.root, "xdg")
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": self.root,
            "XDG_CONFIG_HOME": self.config_home,
            "AWS_EC2_METADATA_DISABLED": "true",
            "LANG": "C.UTF-8",
        }

    def path(self, *parts):
        return os.path.join(self.root, *parts)

    def cfg(self, *args, env=None, check=True, input=None):  # pylint: disable=redefined-builtin
        result = subprocess.run(
            self.argv(args),
            capture_output=True,
            input=input,
            env={**self.env, **(env or {})},
            cwd=self.root,
            timeout=120,
        )
        if check and result.returncode != 0:
            raise AssertionError(
                "cfg %s exited %d: %s" % (" ".join(args), result.returncode, result.stderr.decode(errors="replace"))
            )
        return result

    def argv(self, args):
        """The command line: environment commands get `-C ROOT` right after the subcommand."""
        if args and args[0] in ("render", "check", "get", "init", "rotate", "set"):
            return [cfg_binary(), args[0], "-C", self.root, *args[1:]]
        return [cfg_binary(), *args]

    def write(self, relative, text):
        path = self.path(relative)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)

    def read(self, relative):
        with open(self.path(relative), encoding="utf-8") as handle:
            return handle.read()


@pytest.fixture
def project(tmp_path):
    return Project(tmp_path)


@pytest.fixture
def dev(project):
    """A project whose dev store exists (cfg init dev has run)."""
    project.cfg("init", "dev")
    # Every secret value, read before a test breaks anything: the canaries that must never be printed.
    project.secret_values = [
        project.cfg("get", "dev", name + "." + key).stdout.decode()
        for name, key in [
            ("db", "password"),
            ("redis", "auth_token"),
            ("fernet", "fernet_key"),
            ("webserver", "secret_key"),
            ("admin", "password"),
            ("flower", "basic_auth"),
            ("smtp", "password"),
        ]
    ]
    return project


def output_files(directory):
    """Every file below `directory`, by path relative to it."""
    result = {}
    for parent, _, names in os.walk(directory):
        for name in names:
            path = os.path.join(parent, name)
            result[os.path.relpath(path, directory)] = path
    return result


def child_environment(output):
    """`env -0` output as a dict."""
    result = {}
    for entry in output.split(b"\0"):
        if entry:
            name, _, value = entry.partition(b"=")
            result[name.decode()] = value.decode()
    return result


def closed_port():
    """A port on 127.0.0.1 that nothing listens on (now)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def require_tool(name):
    if shutil.which(name) is None:
        if os.environ.get("CFG_REQUIRE_CHECKERS") == "1":
            pytest.fail("%s is required under make test but is not installed" % name)
        pytest.skip("%s is not installed" % name)
