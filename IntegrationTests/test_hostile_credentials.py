"""Credential files cfg reads for a backend (the Vault token file, AWS's web identity token and shared files) are
read as regular files of bounded size: a FIFO or a device in their place fails at once with one line naming the
file, instead of hanging or reading without end (issue 11, defect 9)."""
import os
import time

import pytest

from conftest import closed_port

CANARY = "CANARY-credential-7f3c9a"


def special_file(project, kind):
    """A FIFO, /dev/zero, or a file one byte past the 1 MiB limit, at a path in the project."""
    path = project.path("special-" + kind)
    if kind == "fifo":
        os.mkfifo(path, 0o600)
    elif kind == "zero":
        os.symlink("/dev/zero", path)
    else:
        with open(path, "w") as handle:
            handle.write(CANARY + "x" * (1024 * 1024))
        os.chmod(path, 0o600)
    return path


def run_bounded(project, args, env):
    started = time.monotonic()
    result = project.cfg(*args, env=env, check=False)
    return result, time.monotonic() - started


@pytest.mark.parametrize("kind", ["fifo", "zero", "large"])
def test_a_vault_token_file_that_is_not_a_small_regular_file_fails_at_once(project, kind):
    token_file = special_file(project, kind)
    os.replace(token_file, project.path(".vault-token"))  # HOME is the project root
    env = {"VAULT_ADDR": "http://127.0.0.1:%d" % closed_port()}
    result, seconds = run_bounded(project, ["render", "prod-vault"], env)
    stderr = result.stderr.decode(errors="replace")
    assert result.returncode == 69, stderr
    assert seconds < 20
    assert ".vault-token" in stderr
    assert "not a regular file" in stderr or "larger than the limit" in stderr
    assert CANARY not in stderr and CANARY not in result.stdout.decode(errors="replace")
    assert not os.listdir(project.path("out")) if os.path.exists(project.path("out")) else True


@pytest.mark.parametrize("kind", ["fifo", "zero", "large"])
def test_an_aws_web_identity_token_file_that_is_not_a_small_regular_file_fails_at_once(project, kind):
    token_file = special_file(project, kind)
    port = closed_port()
    env = {
        "AWS_WEB_IDENTITY_TOKEN_FILE": token_file,
        "AWS_ROLE_ARN": "arn:aws:iam::123456789012:role/airflow",
        "AWS_ENDPOINT_URL": "http://127.0.0.1:%d" % port,
        "AWS_REGION": "us-east-1",
    }
    result, seconds = run_bounded(project, ["render", "prod-aws"], env)
    stderr = result.stderr.decode(errors="replace")
    assert result.returncode != 0, stderr
    assert seconds < 20
    assert token_file in stderr
    assert CANARY not in stderr and CANARY not in result.stdout.decode(errors="replace")


@pytest.mark.parametrize("kind", ["fifo", "zero"])
def test_an_aws_shared_config_file_that_is_not_a_regular_file_fails_at_once(project, kind):
    config_file = special_file(project, kind)
    env = {
        "AWS_CONFIG_FILE": config_file,
        "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE",
        "AWS_SECRET_ACCESS_KEY": CANARY,
        "AWS_ENDPOINT_URL": "http://127.0.0.1:%d" % closed_port(),
        "AWS_REGION": "us-east-1",
    }
    result, seconds = run_bounded(project, ["render", "prod-aws"], env)
    stderr = result.stderr.decode(errors="replace")
    assert result.returncode == 65, stderr
    assert seconds < 20
    assert config_file in stderr
    assert CANARY not in stderr and CANARY not in result.stdout.decode(errors="replace")
