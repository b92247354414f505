"""libcurl, libpq and hiredis are opened with dlopen the first time cfg needs them, never linked: a local render, a
keygen or a check starts without loading them (nor their dependencies: GnuTLS, Kerberos, LDAP, OpenSSL, …), a remote
backend loads libcurl and nothing of the rotation appliers. What the process loaded is read from the dynamic loader's
own account of it (LD_DEBUG=files, written to a file, not to cfg's stderr).
"""
import glob
import os
import re

import pytest
import runtime_packages
from conftest import closed_port

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


def test_the_version_loads_the_libraries_it_reports(project, tmp_path):
    """`cfg --version` prints the versions of the libcurl and libpq it loads; hiredis's line is its header's."""
    names, result = loaded_by(project, tmp_path, "--version")
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    assert {LIBCURL, LIBPQ} <= names and HIREDIS not in names, sorted(names)
