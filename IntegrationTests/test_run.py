"""`cfg run`: cfg stays as the command's parent. Signals are forwarded, orphans reaped, the exit status passed on,
leases renewed and revoked against OpenBao's database engine and a real PostgreSQL, and the command restarted
when a secret changes in the backend. Real processes and real servers only."""
import json
import os
import shutil
import signal
import subprocess
import time
import uuid

import pytest
from conftest import child_environment
from test_vault_render import Vault, vault_server


def wait_for(predicate, timeout=30.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("timed out waiting for " + what)


def lines(path):
    try:
        with open(path, encoding="utf-8") as handle:
            return [line.rstrip("\n") for line in handle if line.endswith("\n")]
    except FileNotFoundError:
        return []


def start(project, args, env=None, **kwargs):
    return subprocess.Popen(
        project.argv(args),
        env={**project.env, **(env or {})},
        cwd=project.root,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        **kwargs,
    )


def finish(process, timeout=30):
    out, err = process.communicate(timeout=timeout)
    return process.returncode, out.decode(errors="replace"), err.decode(errors="replace")


def stop_if_running(process):
    """Kills what a failed test left running: cfg and its command (a session, so one process group)."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate(timeout=30)


# ---------------------------------------------------------------- local store: processes and signals


def test_the_command_gets_what_cfg_exec_gives_it_and_none_of_cfgs_credentials(dev):
    key_file = os.path.join(dev.config_home, "cfg", "keys", "dev.key")
    with open(key_file, encoding="ascii") as handle:
        key = handle.read().strip()
    credentials = {"CFG_LOCAL_KEY": key, "VAULT_TOKEN": "s.canary-" + uuid.uuid4().hex, "KEPT": "yes"}
    through_exec = dev.cfg("exec", "dev", "--service", "api-server", "--", "env", "-0", env=credentials)
    through_run = dev.cfg("run", "dev", "--service", "api-server", "--", "env", "-0", env=credentials)
    assert child_environment(through_run.stdout) == child_environment(through_exec.stdout)
    child = child_environment(through_run.stdout)
    assert "CFG_LOCAL_KEY" not in child and "VAULT_TOKEN" not in child and child["KEPT"] == "yes"
    assert "AIRFLOW__CORE__FERNET_KEY" in child
    assert through_run.stderr == b""
    for value in dev.secret_values + [key, credentials["VAULT_TOKEN"]]:
        assert value.encode() not in through_run.stderr


def test_the_exit_status_is_the_commands_and_128_plus_n_when_a_signal_killed_it(dev):
    assert dev.cfg("run", "dev", "--", "sh", "-c", "exit 7", check=False).returncode == 7
    assert dev.cfg("run", "dev", "--", "true").returncode == 0
    killed = dev.cfg("run", "dev", "--", "sh", "-c", "kill -TERM $$", check=False)
    assert killed.returncode == 128 + signal.SIGTERM
    assert dev.cfg("run", "dev", "--", "sh", "-c", "kill -KILL $$", check=False).returncode == 128 + signal.SIGKILL
    missing = dev.cfg("run", "dev", "--", "no-such-command-xyz", check=False)
    assert missing.returncode == 127 and "no-such-command-xyz" in missing.stderr.decode()
    # Nothing is started when the values cannot be resolved: cfg's own exit code.
    bad = dev.cfg("run", "dev", "--service", "nope", "--", "touch", dev.path("started"), check=False)
    assert bad.returncode == 65 and not os.path.exists(dev.path("started"))


def test_every_forwarded_signal_reaches_the_command_once(dev, tmp_path):
    log = tmp_path / "signals"
    names = ["HUP", "INT", "QUIT", "USR1", "USR2", "WINCH", "CONT", "ALRM"]
    traps = "; ".join('trap "echo %s >> %s" %s' % (name, log, name) for name in names)
    script = '%s; trap "echo TERM >> %s; exit 43" TERM; echo $$ > %s.pid; while :; do sleep 0.05; done' % (
        traps,
        log,
        log,
    )
    # cfg leaves a signal ignored when it was started with it ignored (nohup: SIGHUP), and so does the command:
    # start cfg with the tested signals at their default, whatever ran this test.
    def default_dispositions():
        for name in names + ["TERM"]:
            signal.signal(getattr(signal, "SIG" + name), signal.SIG_DFL)

    process = start(dev, ["run", "dev", "--", "sh", "-c", script], preexec_fn=default_dispositions)
    try:
        child = int(wait_for(lambda: lines(str(log) + ".pid"), what="the command to start")[0])
        # The command is cfg's child, not cfg itself.
        assert child != process.pid
        with open("/proc/%d/status" % child, encoding="ascii") as handle:
            assert "PPid:\t%d\n" % process.pid in handle.read()
        for index, name in enumerate(names):
            os.kill(process.pid, getattr(signal, "SIG" + name))
            wait_for(lambda: len(lines(log)) == index + 1, what="SIG" + name)
        os.kill(process.pid, signal.SIGTERM)
        code, out, err = finish(process)
    finally:
        stop_if_running(process)
    assert lines(log) == names + ["TERM"]
    assert code == 43
    assert err == ""


def zombies_of(parent_pid):
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/status" % entry, encoding="ascii") as handle:
                status = dict(line.split(":\t", 1) for line in handle.read().splitlines() if ":\t" in line)
        except OSError:
            continue
        if status.get("State", "").startswith("Z") and status.get("PPid", "").strip() == str(parent_pid):
            found.append(int(entry))
    return found


# An orphan: a grandchild whose parent exits at once, so the kernel gives it to the nearest reaper.
ORPHAN_SCRIPT = "(sleep 0.2 &); echo started > %s; sleep %s; %s"


def test_orphans_are_reaped_by_cfg_as_a_subreaper(dev, tmp_path):
    marker = tmp_path / "started"
    process = start(dev, ["run", "dev", "--", "sh", "-c", ORPHAN_SCRIPT % (marker, "30", "true")])
    try:
        wait_for(marker.exists, what="the command to start")
        time.sleep(1.0)  # the orphan has ended by now
        # The orphan was re-parented to cfg (a subreaper) and reaped: no zombie is left with cfg as its parent.
        assert zombies_of(process.pid) == []
        os.kill(process.pid, signal.SIGTERM)
        code, _, _ = finish(process)
    finally:
        stop_if_running(process)
    assert code == 128 + signal.SIGTERM


def unshare_argv():
    argv = ["unshare", "--user", "--map-root-user", "--pid", "--fork", "--mount", "--mount-proc"]
    if shutil.which("unshare") is None or subprocess.run(argv + ["true"], capture_output=True).returncode != 0:
        return None
    return argv


def test_as_pid_1_in_a_new_pid_namespace_cfg_reaps_orphans_and_forwards_signals(dev, tmp_path):
    argv = unshare_argv()
    if argv is None:
        # A machine capability, not a server: the subreaper test above covers reaping without it.
        pytest.skip("this machine does not allow unprivileged PID namespaces (unshare)")
    marker = tmp_path / "started"
    report = tmp_path / "report"
    # Inside the namespace the command sees every process: it reports cfg's PID and the zombies after the orphan
    # ended, then waits for SIGTERM.
    check = (
        'echo "cfg=$PPID zombies=$(grep -l "^State:.Z" /proc/[0-9]*/status 2>/dev/null | wc -l)" > %s; '
        'trap "exit 44" TERM; while :; do sleep 0.05; done' % report
    )
    script = ORPHAN_SCRIPT % (marker, "1", check)
    process = subprocess.Popen(
        argv + dev.argv(["run", "dev", "--", "sh", "-c", script]),
        env=dev.env,
        cwd=dev.root,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        assert wait_for(lambda: lines(report), what="the command's report") == ["cfg=1 zombies=0"]
        # unshare's child is cfg, PID 1 inside; a signal from outside reaches it because it has handlers.
        with open("/proc/%d/task/%d/children" % (process.pid, process.pid), encoding="ascii") as handle:
            cfg_pid = int(handle.read().split()[0])
        os.kill(cfg_pid, signal.SIGTERM)
        code, _, err = finish(process)
    finally:
        stop_if_running(process)
    assert code == 44, err


# ---------------------------------------------------------------- OpenBao: changes, leases


@pytest.fixture
def vault():
    address, token = vault_server()
    namespace = "run-" + uuid.uuid4().hex[:10]
    admin = Vault(address, token, namespace)
    assert admin.call("POST", "sys/namespaces/" + namespace, {}, namespace=False)[0] in (200, 204)
    assert admin.call("POST", "sys/mounts/secret", {"type": "kv", "options": {"version": "2"}})[0] in (200, 204)
    return admin


def run_project(project, secrets, settings, run):
    project.write(
        "environments/run.yaml",
        "backend: { type: vault, mount: secret, kv_version: 2 }\n"
        + "secrets:\n"
        + "".join("  %s: %s\n" % (name, json.dumps(spec)) for name, spec in secrets.items())
        + "settings: [templates/run.cfg.tmpl]\n"
        + "services:\n  scheduler: {}\n"
        + "outputs:\n  - { kind: env, path: airflow.env }\n"
        + "run: %s\n" % json.dumps(run),
    )
    project.write("templates/run.cfg.tmpl", "[env]\n" + "".join("%s = {{ %s }}\n" % item for item in settings.items()))


def test_a_secret_changed_in_the_backend_restarts_the_command_with_the_new_value(project, vault):
    first, second = "first-" + uuid.uuid4().hex, "second-" + uuid.uuid4().hex
    assert vault.call("POST", "secret/data/airflow/run/app", {"data": {"token": first}})[0] == 200
    run_project(
        project,
        {"app": "airflow/run/app"},
        {"APP_TOKEN": "secrets.app.token"},
        {"refresh": "1s", "debounce": "1s", "stop_timeout": "10s"},
    )
    log = project.path("starts")
    script = 'echo "$$ $APP_TOKEN" >> %s; trap "exit 0" TERM; while :; do sleep 0.05; done' % log
    process = start(project, ["run", "run", "--service", "scheduler", "--", "sh", "-c", script], env=vault.env())
    try:
        wait_for(lambda: lines(log), what="the first start")
        time.sleep(2.5)  # two refreshes find nothing new: no restart
        assert len(lines(log)) == 1
        assert vault.call("POST", "secret/data/airflow/run/app", {"data": {"token": second}})[0] == 200
        wait_for(lambda: len(lines(log)) == 2, timeout=20, what="the restart")
        assert process.poll() is None
        os.kill(process.pid, signal.SIGTERM)
        code, out, err = finish(process)
    finally:
        stop_if_running(process)
    (pid1, token1), (pid2, token2) = [line.split(" ", 1) for line in lines(log)]
    assert (token1, token2) == (first, second) and pid1 != pid2
    assert code == 0
    assert "restarted the command" in err
    assert first not in out + err and second not in out + err


def postgres_server():
    names = ["HOST", "PORT", "USER", "PASSWORD", "DATABASE", "BIN"]
    values = {name: os.environ.get("CFG_TEST_PG_" + name) for name in names}
    if not all(values.values()):
        if os.environ.get("CFG_REQUIRE_SERVERS") == "1":
            pytest.fail("CFG_TEST_PG_* are not set: run `make test` (or make servers-start)")
        pytest.skip("the test PostgreSQL server is not running (make servers-start)")
    return values


def psql_login(pg, username, password):
    result = subprocess.run(
        [os.path.join(pg["BIN"], "psql"), "-h", pg["HOST"], "-p", pg["PORT"], "-U", username, "-d", pg["DATABASE"],
         "-tAc", "select current_user"],
        env={"PGPASSWORD": password, "PGCONNECT_TIMEOUT": "5", "PATH": os.environ.get("PATH", "/usr/bin")},
        capture_output=True,
    )
    return result.returncode == 0 and result.stdout.decode().strip() == username


def test_database_leases_are_renewed_reissued_near_their_max_ttl_and_revoked_at_exit(project, vault):
    pg = postgres_server()
    assert vault.call("POST", "sys/mounts/database", {"type": "database"})[0] in (200, 204)
    status, body = vault.call(
        "POST",
        "database/config/airflow-pg",
        {
            "plugin_name": "postgresql-database-plugin",
            "connection_url": "postgresql://{{username}}:{{password}}@%s:%s/%s?sslmode=disable"
            % (pg["HOST"], pg["PORT"], pg["DATABASE"]),
            "username": pg["USER"],
            "password": pg["PASSWORD"],
            "allowed_roles": ["airflow"],
        },
    )
    assert status in (200, 204), body
    status, body = vault.call(
        "POST",
        "database/roles/airflow",
        {
            "db_name": "airflow-pg",
            "creation_statements": [
                "CREATE ROLE \"{{name}}\" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';"
                " GRANT CONNECT ON DATABASE %s TO \"{{name}}\";" % pg["DATABASE"]
            ],
            # Renewed at 4 s; renewals stop extending it at 14 s, so cfg reissues before then.
            "default_ttl": "6s",
            "max_ttl": "14s",
        },
    )
    assert status in (200, 204), body
    run_project(
        project,
        {"pg": {"path": "database/creds/airflow", "dynamic": True}},
        {"PG_USER": "secrets.pg.username", "PG_PASSWORD": "secrets.pg.password"},
        {"refresh": "never", "debounce": "1s", "stop_timeout": "10s"},
    )
    log = project.path("starts")
    script = 'echo "$$ $PG_USER $PG_PASSWORD" >> %s; trap "exit 0" TERM; while :; do sleep 0.05; done' % log
    started = time.monotonic()
    process = start(project, ["run", "run", "--service", "scheduler", "--", "sh", "-c", script], env=vault.env())
    try:
        _, user1, password1 = wait_for(lambda: lines(log), what="the first start")[0].split(" ")
        leases = vault.call("LIST", "sys/leases/lookup/database/creds/airflow")[1]["data"]["keys"]
        assert len(leases) == 1
        lease_id = "database/creds/airflow/" + leases[0]
        first_expiry = vault.call("PUT", "sys/leases/lookup", {"lease_id": lease_id})[1]["data"]["expire_time"]
        # Past the first TTL (6 s): the lease was renewed, the credentials still log in, the command was not restarted.
        time.sleep(max(0, started + 8.0 - time.monotonic()))
        assert psql_login(pg, user1, password1)
        assert len(lines(log)) == 1
        renewed = vault.call("PUT", "sys/leases/lookup", {"lease_id": lease_id})[1]["data"]["expire_time"]
        assert renewed > first_expiry
        # Near the max TTL the lease cannot be extended: new credentials, and the command restarted with them.
        wait_for(lambda: len(lines(log)) == 2, timeout=20, what="the restart with new credentials")
        _, user2, password2 = lines(log)[1].split(" ")
        assert user2 != user1
        assert psql_login(pg, user2, password2)
        # The old lease was revoked once the new command ran.
        wait_for(lambda: not psql_login(pg, user1, password1), timeout=10, what="the old lease's revocation")
        os.kill(process.pid, signal.SIGTERM)
        code, out, err = finish(process)
    finally:
        stop_if_running(process)
    assert code == 0
    # At exit every lease is revoked: the credentials stop working at once, long before their TTL.
    assert not psql_login(pg, user2, password2)
    assert vault.call("LIST", "sys/leases/lookup/database/creds/airflow")[0] == 404
    for value in (password1, password2):
        assert value not in out + err


def test_the_command_starts_with_the_signal_mask_cfg_was_given(dev):
    # A mask the parent sets on purpose (SIGUSR2 blocked) reaches the command through cfg exec and cfg run alike,
    # not the mask of the runtime thread that starts it.
    def blocked(args):
        script = (
            "import signal, subprocess, sys; signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR2}); "
            "sys.stdout.buffer.write(subprocess.run(sys.argv[1:], capture_output=True, check=True).stdout)"
        )
        result = subprocess.run(
            ["python3", "-c", script, *dev.argv(args)], env=dev.env, cwd=dev.root, capture_output=True, check=True
        )
        line = next(line for line in result.stdout.decode().splitlines() if line.startswith("SigBlk:"))
        return int(line.split(":\t", 1)[1], 16) & 0x7FFFFFFF

    expected = 1 << (signal.SIGUSR2 - 1)
    assert blocked(["exec", "dev", "--", "cat", "/proc/self/status"]) == expected
    assert blocked(["run", "dev", "--", "cat", "/proc/self/status"]) == expected


def test_cfg_started_with_sigchld_ignored_still_sees_the_command_end(dev):
    # An ignored SIGCHLD would let the kernel reap the command without telling cfg, which would then wait forever.
    script = "import os, signal, sys; signal.signal(signal.SIGCHLD, signal.SIG_IGN); os.execv(sys.argv[1], sys.argv[1:])"
    result = subprocess.run(
        ["python3", "-c", script, *dev.argv(["run", "dev", "--", "sh", "-c", "exit 9"])],
        env=dev.env,
        cwd=dev.root,
        capture_output=True,
        timeout=90,
    )
    assert result.returncode == 9, result.stderr
