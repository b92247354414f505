"""prod-vault against the real OpenBao server that `make test` starts (CFG_TEST_VAULT_ADDR/TOKEN).

Each test works in its own OpenBao namespace with its own KV v2 mount `secret`, so the reference layout
(airflow/prod/...) of one test never meets another's.
"""
import json
import os
import urllib.error
import urllib.request
import uuid

import pytest
from conftest import child_environment, closed_port, output_files


def vault_server():
    address = os.environ.get("CFG_TEST_VAULT_ADDR")
    token = os.environ.get("CFG_TEST_VAULT_TOKEN")
    if not address or not token:
        if os.environ.get("CFG_REQUIRE_SERVERS") == "1":
            pytest.fail("CFG_TEST_VAULT_ADDR/CFG_TEST_VAULT_TOKEN are not set: run `make test` (or make servers-start)")
        pytest.skip("the test OpenBao server is not running (make servers-start)")
    return address, token


class Vault:
    """Admin calls with the root token inside one namespace."""

    def __init__(self, address, token, namespace):
        self.address, self.token, self.namespace = address, token, namespace

    def call(self, method, path, body=None, namespace=True):
        request = urllib.request.Request(
            self.address + "/v1/" + path,
            method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"X-Vault-Token": self.token, **({"X-Vault-Namespace": self.namespace} if namespace else {})},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                text = response.read()
                return response.status, (json.loads(text) if text else None)
        except urllib.error.HTTPError as error:
            text = error.read()
            return error.code, (json.loads(text) if text else None)

    def env(self):
        return {"VAULT_ADDR": self.address, "VAULT_TOKEN": self.token, "VAULT_NAMESPACE": self.namespace}


@pytest.fixture
def vault():
    address, token = vault_server()
    namespace = "e2e-" + uuid.uuid4().hex[:10]
    admin = Vault(address, token, namespace)
    status, _ = admin.call("POST", "sys/namespaces/" + namespace, {}, namespace=False)
    assert status in (200, 204), status
    status, _ = admin.call("POST", "sys/mounts/secret", {"type": "kv", "options": {"version": "2"}})
    assert status in (200, 204), status
    return admin


SECRETS = ["db", "redis", "fernet", "webserver", "admin", "flower", "smtp"]


def normalised_dev(text):
    """dev's output as prod-vault writes it: only the environment's own names differ."""
    return (
        text.replace("example-airflow-dev-logs/dev/logs", "example-airflow-prod-logs/prod-vault/logs")
        .replace("airflow-dev", "airflow-prod")
        .replace("for the dev environment", "for the prod-vault environment")
        # The entry point of a task definition names the environment (`cfg exec ENV ...`).
        .replace('"dev"', '"prod-vault"')
    )


def test_prod_vault_renders_what_dev_renders_from_the_same_values(dev, vault):
    for name in SECRETS:
        value = json.loads(dev.cfg("get", "dev", name).stdout)
        status, _ = vault.call("POST", "secret/data/airflow/prod/" + name, {"data": value})
        assert status == 200

    dev.cfg("render", "dev")
    result = dev.cfg("render", "prod-vault", env=vault.env())
    dev_files = output_files(dev.path("out", "dev"))
    vault_files = output_files(dev.path("out", "prod-vault"))
    assert sorted(dev_files) == sorted(vault_files)
    assert len(vault_files) == 11
    for relative, path in vault_files.items():
        with open(path, encoding="utf-8") as handle:
            rendered = handle.read()
        with open(dev_files[relative], encoding="utf-8") as handle:
            expected = normalised_dev(handle.read())
        assert rendered == expected, relative
        assert os.stat(path).st_mode & 0o777 == 0o600, relative
    for value in dev.secret_values:
        assert value not in result.stdout.decode() + result.stderr.decode()


def test_init_creates_missing_secrets_in_vault_and_keeps_existing_ones(project, vault):
    existing = {"fernet_key": "kept-" + uuid.uuid4().hex}
    assert vault.call("POST", "secret/data/airflow/prod/fernet", {"data": existing})[0] == 200
    result = project.cfg("init", "prod-vault", env=vault.env())
    output = result.stdout.decode() + result.stderr.decode()
    assert "generated db, redis, webserver, admin, flower, smtp" in output
    assert "kept existing fernet" in output
    for name in SECRETS:
        status, body = vault.call("GET", "secret/data/airflow/prod/" + name)
        assert status == 200, name
        data = body["data"]["data"]
        if name == "fernet":
            assert data == existing
        if name == "db":
            assert set(data) == {"engine", "username", "password", "host", "port", "dbname"}
            assert data["port"] == 5432 and len(data["password"]) == 32
            assert data["password"] not in output
    project.cfg("render", "prod-vault", env=vault.env())


def test_an_unreachable_server_fails_with_exit_69_and_writes_nothing(project, vault):
    project.cfg("init", "prod-vault", env=vault.env())
    project.cfg("render", "prod-vault", env=vault.env())
    out = project.path("out", "prod-vault")
    before = {path: open(path, "rb").read() for path in output_files(out).values()}

    env = {**vault.env(), "VAULT_ADDR": "http://127.0.0.1:%d" % closed_port()}
    result = project.cfg("render", "prod-vault", env=env, check=False)
    assert result.returncode == 69
    lines = result.stderr.decode().strip().splitlines()
    assert len(lines) == 1, lines
    assert "cannot be reached" in lines[0] and "VAULT_ADDR" in lines[0]
    after = {path: open(path, "rb").read() for path in output_files(out).values()}
    assert after == before

    fresh = project.cfg("render", "prod-vault", "--out", project.path("fresh"), env=env, check=False)
    assert fresh.returncode == 69
    assert not os.path.exists(project.path("fresh"))


def test_an_invalid_token_and_a_missing_secret_are_told_apart(project, vault):
    bad = project.cfg("render", "prod-vault", env={**vault.env(), "VAULT_TOKEN": "s.invalid-" + uuid.uuid4().hex}, check=False)
    assert bad.returncode == 69
    assert "invalid or expired" in bad.stderr.decode()
    assert "invalid-" not in bad.stderr.decode()

    missing = project.cfg("render", "prod-vault", env=vault.env(), check=False)
    assert missing.returncode == 66
    stderr = missing.stderr.decode()
    assert "airflow/prod/db" in stderr and "not found" in stderr


def test_no_token_anywhere_says_where_to_put_one(project, vault):
    env = {"VAULT_ADDR": vault.address, "VAULT_NAMESPACE": vault.namespace}
    result = project.cfg("render", "prod-vault", env=env, check=False)
    assert result.returncode == 69
    assert "VAULT_TOKEN" in result.stderr.decode() and ".vault-token" in result.stderr.decode()


def test_a_bad_vault_variable_is_a_configuration_error(project, vault):
    result = project.cfg("render", "prod-vault", env={**vault.env(), "VAULT_SKIP_VERIFY": "maybe"}, check=False)
    assert result.returncode == 65
    assert "VAULT_SKIP_VERIFY" in result.stderr.decode()


def test_exec_gives_the_scheduler_its_settings_from_vault_and_not_the_token(dev, vault):
    for name in SECRETS:
        value = json.loads(dev.cfg("get", "dev", name).stdout)
        assert vault.call("POST", "secret/data/airflow/prod/" + name, {"data": value})[0] == 200
    result = dev.cfg("exec", "prod-vault", "--service", "scheduler", "--", "env", "-0", env=vault.env())
    child = child_environment(result.stdout)
    fernet = json.loads(dev.cfg("get", "dev", "fernet").stdout)["fernet_key"]
    assert child["AIRFLOW__CORE__FERNET_KEY"] == fernet
    assert "postgresql" in child["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
    assert "VAULT_TOKEN" not in child and child["VAULT_ADDR"] == vault.address
    assert result.stderr == b""
