"""`cfg exec`: the command replaces cfg (same PID) with the service's settings in its environment and without
cfg's own credentials; nothing is written to disk."""
import json
import os
import signal
import subprocess
import time

from conftest import child_environment


def env_file(path):
    with open(path, encoding="utf-8") as handle:
        return dict(line.rstrip("\n").split("=", 1) for line in handle if line.strip())


def test_the_command_gets_exactly_the_services_settings(dev):
    dev.cfg("render", "dev")
    result = dev.cfg("exec", "dev", "--service", "api-server", "--", "env", "-0")
    child = child_environment(result.stdout)
    expected = env_file(dev.path("out", "dev", "api-server.env"))
    airflow = {name: value for name, value in child.items() if "AIRFLOW" in name}
    assert airflow == expected
    assert child["PATH"] == dev.env["PATH"] and child["HOME"] == dev.env["HOME"]
    # The scheduler gets the environment-wide settings only.
    scheduler = child_environment(dev.cfg("exec", "dev", "--service", "scheduler", "env", "-0").stdout)
    everywhere = env_file(dev.path("out", "dev", "airflow.env"))
    assert {n: v for n, v in scheduler.items() if "AIRFLOW" in n} == everywhere
    assert result.stderr == b""


def test_cfgs_credentials_are_not_passed_on_unless_the_file_asks(dev):
    key_file = os.path.join(dev.config_home, "cfg", "keys", "dev.key")
    with open(key_file, encoding="ascii") as handle:
        key = handle.read().strip()
    credentials = {
        "CFG_LOCAL_KEY": key,
        "VAULT_TOKEN": "s.vault-token-canary",
        "BAO_TOKEN": "b.token-canary",
        "AWS_ACCESS_KEY_ID": "AKIACANARY",
        "AWS_SECRET_ACCESS_KEY": "secret-canary",
        "AWS_SESSION_TOKEN": "session-canary",
        "UNRELATED": "kept",
    }
    child = child_environment(dev.cfg("exec", "dev", "--", "env", "-0", env=credentials).stdout)
    for name in credentials:
        assert (name in child) == (name == "UNRELATED"), name
    assert "AIRFLOW__CORE__FERNET_KEY" in child  # the store was opened with CFG_LOCAL_KEY

    text = dev.read("environments/dev.yaml") + "\nexec:\n  pass: [AWS_ACCESS_KEY_ID, VAULT_TOKEN]\n"
    dev.write("environments/dev.yaml", text)
    child = child_environment(dev.cfg("exec", "dev", "--", "env", "-0", env=credentials).stdout)
    assert child["AWS_ACCESS_KEY_ID"] == "AKIACANARY" and child["VAULT_TOKEN"] == "s.vault-token-canary"
    assert "AWS_SECRET_ACCESS_KEY" not in child and "CFG_LOCAL_KEY" not in child


def test_same_pid_exit_status_and_death_by_signal_belong_to_the_command(dev):
    process = subprocess.Popen(
        dev.argv(["exec", "dev", "--", "sh", "-c", "echo $$"]), env=dev.env, cwd=dev.root, stdout=subprocess.PIPE
    )
    out, _ = process.communicate(timeout=60)
    assert int(out) == process.pid
    assert dev.cfg("exec", "dev", "--", "sh", "-c", "exit 7", check=False).returncode == 7
    killed = dev.cfg("exec", "dev", "--", "sh", "-c", "kill -TERM $$", check=False)
    assert killed.returncode == -signal.SIGTERM
    # The command starts with the signal mask and ignored set cfg was given (those of any direct child of this
    # test), not the mask of the runtime thread that called execve. Only the standard signals 1-31 are compared:
    # glibc takes 32 and 33 for itself in any process that uses threads, so an ignored 33 cannot survive cfg.
    def signals(status):
        fields = dict(line.split(":\t", 1) for line in status.splitlines() if line.startswith(("SigBlk:", "SigIgn:")))
        return {name: int(value, 16) & 0x7FFFFFFF for name, value in fields.items()}

    direct = subprocess.run(["cat", "/proc/self/status"], env=dev.env, capture_output=True, check=True)
    through_cfg = dev.cfg("exec", "dev", "--", "cat", "/proc/self/status")
    assert len(signals(direct.stdout.decode())) == 2
    assert signals(through_cfg.stdout.decode()) == signals(direct.stdout.decode())


def test_signals_reach_the_command(dev, tmp_path):
    ready = tmp_path / "ready"
    script = 'trap "exit 42" USR1; trap "exit 43" TERM; touch %s; while :; do sleep 0.05; done' % ready
    for signum, status in [(signal.SIGUSR1, 42), (signal.SIGTERM, 43)]:
        if ready.exists():
            ready.unlink()
        process = subprocess.Popen(dev.argv(["exec", "dev", "--", "sh", "-c", script]), env=dev.env, cwd=dev.root)
        deadline = time.monotonic() + 60
        while not ready.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert ready.exists()
        os.kill(process.pid, signum)
        assert process.wait(timeout=30) == status


def test_nothing_is_written_and_no_value_is_printed(dev):
    before = sorted(os.listdir(dev.root))
    result = dev.cfg("exec", "dev", "--service", "worker", "--", "true")
    assert sorted(os.listdir(dev.root)) == before
    for value in dev.secret_values:
        assert value not in result.stdout.decode() + result.stderr.decode()


def test_failures_before_exec_have_clear_exit_codes(dev):
    missing = dev.cfg("exec", "dev", "--", "no-such-command-xyz", check=False)
    assert missing.returncode == 127
    assert "no-such-command-xyz" in missing.stderr.decode() and "not found" in missing.stderr.decode()
    assert dev.cfg("exec", "dev", check=False).returncode == 64
    bad = dev.cfg("exec", "dev", "--service", "nope", "--", "true", check=False)
    assert bad.returncode == 65 and "nope" in bad.stderr.decode()
    os.chmod(dev.path("environments"), 0o755)
    not_executable = dev.path("plain-file")
    dev.write("plain-file", "not a program\n")
    result = dev.cfg("exec", "dev", "--", not_executable, check=False)
    assert result.returncode == 126


def test_an_environment_over_the_kernels_limits_is_refused_before_exec(dev):
    dev.write("templates/big.cfg.tmpl", "[env]\nHUGE_VALUE = {{ values.huge }}\n")
    text = dev.read("environments/dev.yaml").replace(
        "values:\n", "values:\n  huge: %s\n" % json.dumps("h" * 200_000), 1
    )
    text = text.replace("  scheduler:\n", "  scheduler:\n    settings: [templates/big.cfg.tmpl]\n", 1)
    dev.write("environments/dev.yaml", text)
    result = dev.cfg("exec", "dev", "--service", "scheduler", "--", "true", check=False)
    assert result.returncode == 67
    stderr = result.stderr.decode()
    assert "HUGE_VALUE" in stderr and "as a file" in stderr
    assert "hhhhhhhh" not in stderr
