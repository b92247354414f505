"""libcurl, libpq and hiredis are opened with dlopen the first time cfg needs them, never linked: a local render, a
keygen or a check starts without loading them (nor their dependencies: GnuTLS, Kerberos, LDAP, OpenSSL, …), a remote
backend loads libcurl and nothing of the rotation appliers. What the process loaded is read from the dynamic loader's
own account of it (LD_DEBUG=files, written to a file, not to cfg's stderr).

Without one of them (its file replaced by /dev/null in a private mount namespace: `unshare -m`, as root; the tests
skip without one unless CFG_REQUIRE_CHECKERS=1), the commands that need it fail with one line naming the library and
its Debian package, and the others run.
"""
import glob
import os
import re
import subprocess

import pytest
import runtime_packages
from conftest import cfg_binary, closed_port

LIBCURL, LIBPQ, HIREDIS = "libcurl.so.4", "libpq.so.5", "libhiredis.so.0.14"
LAZY = {LIBCURL, LIBPQ, HIREDIS}


def loaded_by(project, tmp_path, *args, env=None):
    """The files the dynamic loader opened for `cfg ARGS` (their names as asked for: sonames), and the result."""
    log = tmp_path / "ld"
    os.makedirs(log, exist_ok=True)
    result = project.cfg(*args, env={**(env or {}), "LD_DEBUG": "files", "LD_DEBUG_OUTPUT": str(log / "cfg")},
                         check=False)
    names = set()
    for path in glob.glob(str(log / "cfg.*")):
        with open(path, encoding="utf-8", errors="replace") as handle:
            names |= set(re.findall(r"\bfile=(\S+)\s+\[\d+\];\s+(?:needed|dynamically loaded) by", handle.read()))
        os.unlink(path)
    assert names, "LD_DEBUG=files wrote nothing: %s" % result.stderr.decode(errors="replace")
    return {os.path.basename(name) for name in names}, result


def test_the_lazy_libraries_are_the_ones_the_runtime_package_list_counts():
    assert set(runtime_packages.DLOPENED) == LAZY


@pytest.mark.parametrize("args", [
    ["keygen", "fernet"], ["keygen", "bytes", "--length", "3"], ["check", "dev"], ["check", "prod-vault"],
    ["check", "prod-aws"], ["render", "dev"], ["get", "dev", "db.password"], ["help"],
])
def test_a_local_command_loads_neither_libcurl_nor_libpq_nor_hiredis(dev, tmp_path, args):
    port = closed_port()
    offline = {"VAULT_ADDR": "http://127.0.0.1:%d" % port, "AWS_ENDPOINT_URL": "http://127.0.0.1:%d" % port}
    names, result = loaded_by(dev, tmp_path, *args, env=offline)
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    assert not names & LAZY, sorted(names & LAZY)
    assert "libsodium.so.23" in names, "the canary reads the loader's account: libsodium is linked"


def test_a_vault_render_loads_libcurl_and_neither_libpq_nor_hiredis(project, tmp_path):
    env = {"VAULT_ADDR": "http://127.0.0.1:%d" % closed_port(), "VAULT_TOKEN": "s.cfg-test-not-a-token"}
    names, result = loaded_by(project, tmp_path, "render", "prod-vault", env=env)
    assert result.returncode == 69, result.stderr.decode(errors="replace")
    assert LIBCURL in names
    assert not names & {LIBPQ, HIREDIS}, sorted(names)


def test_the_version_report_loads_the_libraries_it_reports(project, tmp_path):
    """`cfg version` prints the versions of the libcurl and libpq it loads; hiredis's line is its header's."""
    names, result = loaded_by(project, tmp_path, "version")
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    assert {LIBCURL, LIBPQ} <= names and HIREDIS not in names, sorted(names)


def test_the_version_option_loads_none_of_them(project, tmp_path):
    """`cfg --version` prints the version and the commit only."""
    names, result = loaded_by(project, tmp_path, "--version")
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    assert not names & LAZY, sorted(names)


def without(project, sonames, *args, env=None):
    """Runs `cfg ARGS` in a new mount namespace where the files of `sonames` are /dev/null (nothing of the host
    changes): dlopen fails on them as on a missing library."""
    paths = [os.path.realpath(runtime_packages.ldconfig_path(soname)) for soname in sonames]
    mounts = " && ".join("mount --bind /dev/null '%s'" % path for path in paths)
    probe = subprocess.run(["unshare", "-m", "sh", "-c", mounts], capture_output=True)
    if probe.returncode != 0:
        if os.environ.get("CFG_REQUIRE_CHECKERS") == "1":
            pytest.fail("unshare -m with a bind mount is not permitted here: %s" % probe.stderr.decode())
        pytest.skip("needs a mount namespace (unshare -m, as root)")
    return subprocess.run(["unshare", "-m", "sh", "-c", mounts + ' && exec "$@"', "sh", *project.argv(args)],
                          capture_output=True, text=True, timeout=120, cwd=project.root,
                          env={**project.env, **(env or {})})


@pytest.mark.parametrize("args", [
    ["keygen", "fernet"], ["render", "dev"], ["check", "dev"], ["get", "dev", "db.password"],
])
def test_without_the_three_libraries_a_local_command_runs(dev, args):
    result = without(dev, sorted(LAZY), *args)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("soname, args, code, library, package", [
    (LIBCURL, ["render", "prod-vault"], 69, "libcurl", "libcurl4"),
    (LIBPQ, ["rotate", "dev", "db"], 4, "libpq", "libpq5"),
    (HIREDIS, ["rotate", "dev", "redis"], 4, "hiredis", "libhiredis0.14"),
])
def test_without_a_library_the_command_that_needs_it_names_the_package(dev, soname, args, code, library, package):
    env = {"VAULT_ADDR": "http://127.0.0.1:%d" % closed_port(), "VAULT_TOKEN": "s.cfg-test-not-a-token"}
    result = without(dev, [soname], *args, env=env)
    assert result.returncode == code, result.stderr
    lines = [line for line in result.stderr.splitlines() if "could not be loaded" in line]
    assert len(lines) == 1, result.stderr
    assert re.search(r"%s could not be loaded \(\S*%s: [^)]+\); install the Debian package %s\b" % (
        library, re.escape(soname), re.escape(package)), lines[0], re.IGNORECASE), lines[0]
    for secret in dev.secret_values:
        assert secret not in result.stderr and secret not in result.stdout


@pytest.mark.parametrize("soname, library", [(LIBCURL, "libcurl"), (LIBPQ, "libpq")])
def test_without_a_library_the_version_says_unknown_for_it(project, soname, library):
    result = without(project, [soname], "version")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert library + " unknown" in lines, lines
    assert len(lines) == 7 and not [line for line in lines[2:] if line.endswith(" unknown") and
                                    not line.startswith(library + " ")], lines
