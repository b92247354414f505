"""`cfg exec` with secret files: written before exec into SECRETS_DIR/ENV/SERVICE on tmpfs (0700 directory, 0400
files, the exact bytes), their paths in the variables they name; nothing else is written, no value is printed,
and nothing runs when a file cannot be resolved or written."""
import hashlib
import json
import os
import secrets
import shutil
import subprocess

import pytest

FAKE_KEY_BODY = "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ"

# What the child reports for each path variable: the path, the file's mode, its directory's mode, the file
# system and the content's SHA-256 (never the content).
REPORT = (
    'for v in "$GIT_SSH_KEY_FILE" "$FERNET_FILE"; do '
    'echo "$v $(stat -c %a "$v") $(stat -c %a "$(dirname "$v")") $(stat -f -c %T "$v") '
    '$(sha256sum < "$v" | cut -d" " -f1)"; done'
)


@pytest.fixture
def secrets_dir():
    """A unique secrets directory under /dev/shm, removed afterwards."""
    path = "/dev/shm/cfg-e2e-%s" % secrets.token_hex(6)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def add_files(project, secrets_dir, canary, service_file="templates/fernet.tmpl", key="private_key"):
    """A deploy-key secret (a fake SSH key holding `canary`, trailing newline included) delivered as a file to
    every service, and a rendered template as a file of the scheduler. Returns the line of the deploy-key entry."""
    private_key = "-----BEGIN OPENSSH PRIVATE KEY-----\n%s\n%s\n-----END OPENSSH PRIVATE KEY-----\n" % (
        FAKE_KEY_BODY,
        canary,
    )
    project.write("templates/fernet.tmpl", "{{ secrets.fernet.fernet_key }}")
    text = project.read("environments/dev.yaml")
    text = text.replace(
        "secrets:\n",
        "secrets:\n  deploy:\n    path: airflow/dev/deploy\n    keys:\n      private_key: { value: %s }\n"
        % json.dumps(private_key),
        1,
    )
    text = text.replace(
        "  scheduler:\n",
        "  scheduler:\n    files: [{ name: fernet.txt, template: %s, env: FERNET_FILE }]\n" % service_file,
        1,
    )
    text += "\nexec:\n  secrets_dir: %s\n\nfiles:\n" % secrets_dir
    line = len(text.splitlines()) + 1
    text += "  - { name: id_ed25519, secret: deploy.%s, env: GIT_SSH_KEY_FILE }\n" % key
    project.write("environments/dev.yaml", text)
    return line, private_key


def listing(directory):
    """Every entry below `directory` with its type, mode, size and modification time."""
    result = {}
    for parent, directories, names in os.walk(directory):
        for name in directories + names:
            path = os.path.join(parent, name)
            info = os.lstat(path)
            result[os.path.relpath(path, directory)] = (info.st_mode, info.st_size, info.st_mtime_ns)
    return result


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def test_the_command_finds_its_files_on_tmpfs_and_nothing_else_is_written(dev, secrets_dir):
    canary = "CANARY-%s" % secrets.token_hex(8)
    _, private_key = add_files(dev, secrets_dir, canary)
    dev.cfg("init", "dev")
    stored_key = dev.cfg("get", "dev", "deploy.private_key").stdout
    assert stored_key == private_key.encode() and stored_key.endswith(b"-----\n")
    fernet = dev.cfg("get", "dev", "fernet.fernet_key").stdout
    assert dev.env["HOME"] == dev.root
    before = listing(dev.root)

    result = dev.cfg("exec", "dev", "--service", "scheduler", "--", "sh", "-c", REPORT)

    folder = os.path.join(secrets_dir, "dev", "scheduler")
    lines = result.stdout.decode().splitlines()
    assert lines == [
        "%s/id_ed25519 400 700 tmpfs %s" % (folder, sha256(stored_key)),
        "%s/fernet.txt 400 700 tmpfs %s" % (folder, sha256(fernet)),
    ]
    assert result.stderr == b""
    # Nothing else anywhere: not in the project, not in HOME, and only the two files in the secrets directory.
    assert listing(dev.root) == before
    assert sorted(listing(secrets_dir)) == ["dev", "dev/scheduler", "dev/scheduler/fernet.txt", "dev/scheduler/id_ed25519"]
    with open(os.path.join(folder, "id_ed25519"), "rb") as handle:
        assert handle.read() == private_key.encode()
    for value in [canary, FAKE_KEY_BODY, fernet.decode()] + dev.secret_values:
        assert value not in result.stdout.decode() + result.stderr.decode()

    # Without --service the environment-wide files go to their own directory; the scheduler's stay as they are.
    everywhere = dev.cfg("exec", "dev", "--", "sh", "-c", 'echo "$GIT_SSH_KEY_FILE ${FERNET_FILE:-none}"')
    assert everywhere.stdout.decode() == "%s/dev/_all/id_ed25519 none\n" % secrets_dir
    assert sorted(os.listdir(os.path.join(secrets_dir, "dev"))) == ["_all", "scheduler"]
    assert listing(dev.root) == before


def test_a_file_dropped_from_the_environment_file_is_removed_on_the_next_start(dev, secrets_dir):
    add_files(dev, secrets_dir, "CANARY-%s" % secrets.token_hex(8))
    dev.cfg("init", "dev")
    dev.cfg("exec", "dev", "--service", "scheduler", "--", "true")
    folder = os.path.join(secrets_dir, "dev", "scheduler")
    assert sorted(os.listdir(folder)) == ["fernet.txt", "id_ed25519"]
    text = dev.read("environments/dev.yaml").replace(
        "    files: [{ name: fernet.txt, template: templates/fernet.tmpl, env: FERNET_FILE }]\n", "", 1
    )
    dev.write("environments/dev.yaml", text)
    child = dev.cfg("exec", "dev", "--service", "scheduler", "--", "sh", "-c", 'echo "${FERNET_FILE:-unset}"')
    assert child.stdout == b"unset\n"
    assert os.listdir(folder) == ["id_ed25519"]


def test_a_missing_key_fails_before_anything_is_written_or_run(dev, secrets_dir, tmp_path):
    canary = "CANARY-%s" % secrets.token_hex(8)
    line, _ = add_files(dev, secrets_dir, canary, key="no_such_key")
    dev.cfg("init", "dev")
    marker = tmp_path / "ran"
    result = dev.cfg("exec", "dev", "--service", "scheduler", "--", "touch", str(marker), check=False)
    assert result.returncode == 66
    stderr = result.stderr.decode()
    column = len("  - { name: id_ed25519, secret: ") + 1
    assert stderr == (
        "cfg: environments/dev.yaml:%d:%d: file 'id_ed25519': secret 'deploy' has no key 'no_such_key'\n"
        % (line, column)
    )
    assert not marker.exists()
    assert not os.path.exists(secrets_dir)
    assert result.stdout == b""
    for value in [canary, FAKE_KEY_BODY] + dev.secret_values:
        assert value not in stderr


def test_a_template_error_in_a_file_fails_closed(dev, secrets_dir, tmp_path):
    add_files(dev, secrets_dir, "CANARY-%s" % secrets.token_hex(8), service_file="templates/broken.tmpl")
    dev.write("templates/broken.tmpl", "{{ secrets.fernet.no_such_key }}")
    dev.cfg("init", "dev")
    marker = tmp_path / "ran"
    result = dev.cfg("exec", "dev", "--service", "scheduler", "--", "touch", str(marker), check=False)
    assert result.returncode == 66
    assert "templates/broken.tmpl:1:" in result.stderr.decode()
    assert not marker.exists() and not os.path.exists(secrets_dir)


def file_system(path):
    return subprocess.run(["stat", "-f", "-c", "%T", path], capture_output=True, check=True).stdout.decode().strip()


def test_a_secrets_dir_on_disk_is_refused(dev, tmp_path):
    if file_system(str(tmp_path)) in ("tmpfs", "ramfs"):
        pytest.skip("the test's temporary directory is on %s, so it cannot stand for a disk" % file_system(str(tmp_path)))
    on_disk = str(tmp_path / "secrets")
    canary = "CANARY-%s" % secrets.token_hex(8)
    add_files(dev, on_disk, canary)
    dev.cfg("init", "dev")
    marker = tmp_path / "ran"
    result = dev.cfg("exec", "dev", "--service", "scheduler", "--", "touch", str(marker), check=False)
    assert result.returncode == 65
    stderr = result.stderr.decode()
    assert len(stderr.splitlines()) == 1
    assert '"%s"' % on_disk in stderr and "secrets are not written to disk" in stderr
    assert not marker.exists() and not os.path.exists(on_disk)
    assert canary not in stderr and FAKE_KEY_BODY not in stderr
