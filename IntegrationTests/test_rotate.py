"""`cfg rotate` end to end: the real binary rotates the reference environments' store-only secrets in the local store,
OpenBao (prod-vault) and moto's Secrets Manager (prod-aws), and Airflow's own check of a Fernet key list
(cryptography's MultiFernet) proves that what was encrypted before a rotation still decrypts after it.

The database and Redis rotations, which need their servers, are in test_rotate_targets.py."""
import json

import pytest
from conftest import require_tool
from test_aws_render import aws  # noqa: F401  (fixture)
from test_vault_render import vault  # noqa: F401  (fixture)

# The policies the reference environments rotate in the store only (no applier).
STORE_ONLY = ["fernet", "webserver"]


def multi_fernet(key_list):
    """Airflow's reading of `[core] fernet_key`: a MultiFernet over the comma-separated keys."""
    from cryptography.fernet import Fernet, MultiFernet  # pylint: disable=import-outside-toplevel

    return MultiFernet([Fernet(key.encode()) for key in key_list.split(",")])


def rotate(project, env_name, *args, env=None):
    result = project.cfg("rotate", env_name, *args, "--format", "json", env=env, check=False)
    report = json.loads(result.stdout) if result.stdout else None
    return result, report


def check_fernet_rotation(project, env_name, env=None):
    """Rotate twice; every token made before still decrypts, keys are prepended and none is dropped."""
    require_tool("python3")
    before = project.cfg("get", env_name, "fernet.fernet_key", env=env).stdout.decode()
    token = multi_fernet(before).encrypt(b"connection password")
    result, report = rotate(project, env_name, "fernet", env=env)
    assert result.returncode == 2, result.stderr.decode()
    assert report["status"] == "rotated" and report["policies"][0]["result"] == "rotated"
    after = project.cfg("get", env_name, "fernet.fernet_key", env=env).stdout.decode()
    keys = after.split(",")
    assert len(keys) == 2 and keys[1] == before and "" not in keys
    assert multi_fernet(after).decrypt(token) == b"connection password"
    # A token Airflow writes now is made with the new key, which the old list cannot read.
    fresh = multi_fernet(after).encrypt(b"new")
    with pytest.raises(Exception):
        multi_fernet(before).decrypt(fresh)
    result, report = rotate(project, env_name, "fernet", env=env)
    assert result.returncode == 2
    third = project.cfg("get", env_name, "fernet.fernet_key", env=env).stdout.decode()
    assert third.endswith("," + after) and len(third.split(",")) == 3
    assert multi_fernet(third).decrypt(token) == b"connection password"
    # Nothing in the report or on stderr is a value.
    text = result.stdout.decode() + result.stderr.decode()
    for key in third.split(","):
        assert key not in text


def test_dev_rotates_its_fernet_key_and_old_tokens_still_decrypt(dev):
    check_fernet_rotation(dev, "dev")


def test_prod_vault_rotates_its_fernet_key_in_openbao(dev, vault):  # noqa: F811
    for name in ["db", "redis", "fernet", "webserver", "admin", "flower", "smtp"]:
        value = json.loads(dev.cfg("get", "dev", name).stdout)
        status, _ = vault.call("POST", "secret/data/airflow/prod/" + name, {"data": value})
        assert status == 200
    check_fernet_rotation(dev, "prod-vault", env=vault.env())
    # The versions are Vault's own: the new value is the latest version, the old one is still readable there.
    status, body = vault.call("GET", "secret/metadata/airflow/prod/fernet")
    assert status == 200 and body["data"]["current_version"] >= 3


def test_prod_aws_rotates_its_fernet_key_in_secrets_manager(dev, aws):  # noqa: F811
    for name in ["db", "redis", "fernet", "webserver", "admin", "flower", "smtp"]:
        aws.secrets.create_secret(Name="airflow/prod/" + name, SecretString=dev.cfg("get", "dev", name).stdout.decode())
    check_fernet_rotation(dev, "prod-aws", env=aws.env())
    # Secrets Manager's own staging labels moved: AWSPREVIOUS holds the list before the last rotation.
    # (moto answers a read without a stage with the secret's first version after a stage move; AWS answers with
    # AWSCURRENT, so the stage is named.)
    current = aws.secrets.get_secret_value(SecretId="airflow/prod/fernet", VersionStage="AWSCURRENT")["SecretString"]
    previous = aws.secrets.get_secret_value(SecretId="airflow/prod/fernet", VersionStage="AWSPREVIOUS")["SecretString"]
    assert json.loads(current)["fernet_key"].endswith("," + json.loads(previous)["fernet_key"])


def test_due_status_and_dry_run_exit_codes(dev):
    result, report = rotate(dev, "dev", "--due", "fernet", "webserver")
    assert result.returncode == 0, result.stderr.decode()
    assert [entry["result"] for entry in report["policies"]] == ["nothingDue", "nothingDue"]
    result, report = rotate(dev, "dev", "--status")
    assert result.returncode == 0 and all(entry["nextDue"] for entry in report["policies"])
    result, report = rotate(dev, "dev", "webserver", "--dry-run")
    assert result.returncode == 0 and report["policies"][0]["detail"] == "would rotate"
    before = dev.cfg("get", "dev", "webserver.secret_key").stdout
    assert dev.cfg("get", "dev", "webserver.secret_key").stdout == before


def test_bad_command_lines_exit_64_and_unknown_policies_65(dev):
    result = dev.cfg("rotate", "dev", check=False)
    assert result.returncode == 64 and b"--due" in result.stderr
    result = dev.cfg("rotate", "dev", "fernt", "smtpp", check=False)
    assert result.returncode == 65
    lines = result.stderr.decode().strip().splitlines()
    assert len(lines) == 2 and "did you mean 'fernet'?" in lines[0], lines


def test_a_rotation_killed_at_any_moment_is_finished_by_the_next_run(dev):
    """kill -9 at random moments inside `cfg rotate`; the next run (--due: it only finishes what is in progress)
    leaves no pending version, the key list valid, and every token made before still readable."""
    import random  # pylint: disable=import-outside-toplevel
    import subprocess  # pylint: disable=import-outside-toplevel
    import time  # pylint: disable=import-outside-toplevel

    original = dev.cfg("get", "dev", "fernet.fernet_key").stdout.decode()
    token = multi_fernet(original).encrypt(b"survives")
    rounds = random.Random(13)
    killed_inside = 0
    for _ in range(30):
        child = subprocess.Popen(dev.argv(["rotate", "dev", "fernet", "webserver"]), env=dev.env, cwd=dev.root,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rounds.uniform(0.0, 0.06))
        child.kill()
        killed_inside += child.wait() == -9
        result, report = rotate(dev, "dev", "--due", "fernet", "webserver")
        assert result.returncode in (0, 2), result.stderr.decode()
        _, status = rotate(dev, "dev", "--status", "fernet", "webserver")
        assert all(entry["pendingVersion"] is None for entry in status["policies"]), status
        assert all(entry["lockHolder"] is None for entry in status["policies"]), status
        keys = dev.cfg("get", "dev", "fernet.fernet_key").stdout.decode()
        assert keys.endswith(original) and "" not in keys.split(",")
        assert multi_fernet(keys).decrypt(token) == b"survives"
    assert killed_inside >= 10, "too few kills landed inside a run: %d" % killed_inside
