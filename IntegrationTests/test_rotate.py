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


REENCRYPT = r'''
import os, sys
from cryptography.fernet import Fernet, MultiFernet
keys = os.environ["AIRFLOW__CORE__FERNET_KEY"]
fernet = MultiFernet([Fernet(key.encode()) for key in keys.split(",")])
path = sys.argv[1]
tokens = [fernet.rotate(line.strip().encode()).decode() for line in open(path) if line.strip()]
open(path, "w").write("\n".join(tokens) + "\n")
'''


def test_old_fernet_keys_are_dropped_only_after_the_confirm_command_reencrypted_everything(dev):
    """`confirm` runs Airflow's `rotate-fernet-key` equivalent under `cfg exec` (so it sees the new key list);
    only after it exits 0 are keys beyond `keep` dropped, and every stored token still decrypts."""
    from conftest import cfg_binary  # pylint: disable=import-outside-toplevel

    dev.write("reencrypt.py", REENCRYPT)
    tokens = dev.path("tokens.txt")
    first = dev.cfg("get", "dev", "fernet.fernet_key").stdout.decode()
    with open(tokens, "w", encoding="utf-8") as handle:
        handle.write(multi_fernet(first).encrypt(b"stored connection").decode() + "\n")
    confirm = json.dumps([cfg_binary(), "exec", "dev", "--", "python3", dev.path("reencrypt.py"), tokens])
    text = dev.read("environments/dev.yaml").replace(
        "fernet: { key: fernet_key, generator: fernet, every: 90d, keep: 2 }",
        "fernet: { key: fernet_key, generator: fernet, every: 90d, keep: 2, confirm: %s }" % confirm,
    )
    dev.write("environments/dev.yaml", text)
    # First rotation: two keys, nothing beyond keep, the confirm command does not run.
    result, report = rotate(dev, "dev", "fernet")
    assert result.returncode == 2 and report["policies"][0]["notes"] == [], report
    # Second rotation: three keys; the confirm command re-encrypts the tokens, then the oldest key goes.
    result, report = rotate(dev, "dev", "fernet")
    assert result.returncode == 2, result.stderr.decode()
    assert any(note.startswith("confirmed: dropped 1 old Fernet key") for note in report["policies"][0]["notes"])
    keys = dev.cfg("get", "dev", "fernet.fernet_key").stdout.decode().split(",")
    assert len(keys) == 2 and first not in keys
    stored = open(tokens, encoding="utf-8").read().strip()
    assert multi_fernet(",".join(keys)).decrypt(stored.encode()) == b"stored connection"
    # The token as it was before the rotations needed the dropped key: it no longer decrypts.
    from cryptography.fernet import InvalidToken  # pylint: disable=import-outside-toplevel

    with pytest.raises(InvalidToken):
        multi_fernet(",".join(keys)).decrypt(multi_fernet(first).encrypt(b"old"))


def test_a_failing_confirm_command_drops_nothing(dev):
    text = dev.read("environments/dev.yaml").replace(
        "fernet: { key: fernet_key, generator: fernet, every: 90d, keep: 2 }",
        "fernet: { key: fernet_key, generator: fernet, every: 90d, keep: 1, confirm: [sh, -c, 'exit 3'] }",
    )
    dev.write("environments/dev.yaml", text)
    result, report = rotate(dev, "dev", "fernet")
    assert result.returncode == 2
    assert "kept all 2 Fernet keys: the confirm command exited with status 3" in report["policies"][0]["notes"]
    assert len(dev.cfg("get", "dev", "fernet.fernet_key").stdout.decode().split(",")) == 2


ADMIN_HOOK = r'''
import json, sys
document = json.load(sys.stdin)
users = sys.argv[2]
phase = sys.argv[1]
try:
    table = json.load(open(users))
except FileNotFoundError:
    table = {}
if phase == "apply":
    table[document["pending"]["username"]] = document["pending"]["password"]
    json.dump(table, open(users, "w"))
    sys.exit(0)
value = document["pending"]
sys.exit(0 if table.get(value["username"]) == value["password"] else 1)
'''


def test_the_admin_password_rotates_through_a_command_hook_that_gets_values_on_stdin_only(dev):
    """A stand-in for Airflow's user table: the hook stores what `apply` gets and answers `test` by comparing."""
    dev.write("admin_hook.py", ADMIN_HOOK)
    users = dev.path("users.json")
    old = dev.cfg("get", "dev", "admin.password").stdout.decode()
    with open(users, "w", encoding="utf-8") as handle:
        json.dump({"admin": old}, handle)
    hook = dev.path("admin_hook.py")
    policy = "admin: { key: password, generator: password, every: 90d, apply: { command: [python3, %s, apply, %s], " \
        "test: [python3, %s, test, %s] }, after: [sh, -c, 'cat > %s'] }" % (hook, users, hook, users,
                                                                         dev.path("after.json"))
    text = dev.read("environments/dev.yaml").replace("admin: { key: password, generator: password, every: 90d }",
                                                     policy)
    dev.write("environments/dev.yaml", text)
    result, report = rotate(dev, "dev", "admin")
    assert result.returncode == 2, result.stderr.decode()
    new = dev.cfg("get", "dev", "admin.password").stdout.decode()
    assert new != old and json.load(open(users, encoding="utf-8")) == {"admin": new}
    actions = report["policies"][0]["actions"]
    assert actions.index("apply(from: current)") < actions.index("test") < actions.index("promote")
    after = json.load(open(dev.path("after.json"), encoding="utf-8"))
    assert after == {"phase": "after", "secret": "admin", "version": report["policies"][0]["version"]}
    assert new not in result.stdout.decode() + result.stderr.decode()


def test_a_hook_that_refuses_the_value_is_rolled_back_and_the_current_value_stays(dev):
    """The apply command refuses three times (a password policy, say): the rotation is rolled back, exit 3."""
    dev.write("admin_hook.py", ADMIN_HOOK)
    users, hook = dev.path("users.json"), dev.path("admin_hook.py")
    old = dev.cfg("get", "dev", "admin.password").stdout.decode()
    with open(users, "w", encoding="utf-8") as handle:
        json.dump({"admin": old}, handle)
    policy = "admin: { key: password, generator: password, every: 90d, apply: { command: [sh, -c, 'exit 1'], " \
        "test: [python3, %s, test, %s] } }" % (hook, users)
    text = dev.read("environments/dev.yaml").replace("admin: { key: password, generator: password, every: 90d }",
                                                     policy)
    dev.write("environments/dev.yaml", text)
    result, report = rotate(dev, "dev", "admin")
    assert result.returncode == 3, result.stderr.decode()
    assert report["policies"][0]["result"] == "rolledBack"
    assert report["policies"][0]["actions"].count("apply(from: current)") == 3
    assert dev.cfg("get", "dev", "admin.password").stdout.decode() == old
    _, status = rotate(dev, "dev", "--status", "admin")
    assert status["policies"][0]["pendingVersion"] is None
