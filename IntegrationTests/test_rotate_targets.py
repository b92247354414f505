"""`cfg rotate` against the real PostgreSQL and Redis that `make test` starts: the reference environment's database
and Redis passwords rotate end to end, judged by the servers themselves (psql and redis-cli log in), and the
cleartext never reaches PostgreSQL's statement log or pg_stat_statements."""
import json
import os
import subprocess
import uuid

import pytest
from test_aws_render import aws  # noqa: F401  (fixture)
from test_rotate import ADMIN_HOOK
from test_vault_render import vault  # noqa: F401  (fixture)


def ask(session, line, answer):
    """Sends one line to an open client session and checks its one-line answer."""
    session.stdin.write(line)
    session.stdin.flush()
    assert session.stdout.readline().strip() == answer


def server_variables(server, names):
    """The variables dev/test-servers.py exports for one server; a missing server fails under make test."""
    if not all(os.environ.get(name) for name in names):
        if os.environ.get("CFG_REQUIRE_SERVERS") == "1":
            pytest.fail("the %s variables are not set: run `make test` (or make servers-start)" % names[0])
        pytest.skip("the test %s server is not running (make servers-start)" % server)
    return {name: os.environ[name] for name in names}


def postgres_server():
    return server_variables("PostgreSQL", ["CFG_TEST_PG_HOST", "CFG_TEST_PG_PORT", "CFG_TEST_PG_USER",
                                           "CFG_TEST_PG_PASSWORD", "CFG_TEST_PG_BIN", "CFG_TEST_PG_LOG"])


class Postgres:
    """psql as the cluster's superuser, and as any role."""

    def __init__(self, server):
        self.server = server
        self.psql_path = os.path.join(server["CFG_TEST_PG_BIN"], "psql")

    def psql(self, sql, user=None, password=None, database="airflow", check=True):
        result = subprocess.run(
            [self.psql_path, "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-h", self.server["CFG_TEST_PG_HOST"],
             "-p", self.server["CFG_TEST_PG_PORT"], "-U", user or self.server["CFG_TEST_PG_USER"], "-d", database,
             "-c", sql],
            capture_output=True, timeout=60,
            env={"PATH": "/usr/bin:/bin", "PGPASSWORD": password or self.server["CFG_TEST_PG_PASSWORD"],
                 "PGCONNECT_TIMEOUT": "10"},
        )
        if check and result.returncode != 0:
            raise AssertionError("psql failed: %s" % result.stderr.decode(errors="replace"))
        return result

    def logs_in(self, user, password):
        return self.psql("SELECT 1", user=user, password=password, check=False).returncode == 0

    def session(self, user, password):
        """An open psql session (stdin a pipe) that stays logged in across a rotation."""
        return subprocess.Popen(
            [self.psql_path, "-X", "-q", "-t", "-A", "-h", self.server["CFG_TEST_PG_HOST"], "-p",
             self.server["CFG_TEST_PG_PORT"], "-U", user, "-d", "airflow"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            env={"PATH": "/usr/bin:/bin", "PGPASSWORD": password},
        )

    def log_text(self):
        with open(self.server["CFG_TEST_PG_LOG"], encoding="utf-8", errors="replace") as handle:
            return handle.read()

    def statements_text(self):
        return self.psql("SELECT string_agg(query, E'\\n') FROM pg_stat_statements").stdout.decode(errors="replace")


@pytest.fixture
def postgres():
    return Postgres(postgres_server())


def scram_verifier(password):
    """PostgreSQL's SCRAM-SHA-256 verifier of an ASCII password (RFC 5802/7677), so the test's own setup never sends
    a cleartext password either: what the server log holds is then cfg's alone."""
    import base64  # pylint: disable=import-outside-toplevel
    import hashlib  # pylint: disable=import-outside-toplevel
    import hmac  # pylint: disable=import-outside-toplevel

    salt = os.urandom(16)
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, 4096)
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    server_key = hmac.new(salted, b"Server Key", hashlib.sha256).digest()
    encode = lambda raw: base64.b64encode(raw).decode()  # noqa: E731
    return "SCRAM-SHA-256$4096:%s$%s:%s" % (encode(salt), encode(hashlib.sha256(client_key).digest()),
                                           encode(server_key))


def point_db_at(project, server, username):
    """The dev environment with its database secret aimed at the test cluster and a role of this test's own."""
    path = project.path("environments", "dev.yaml")
    text = open(path, encoding="utf-8").read()
    text = text.replace("username: { value: airflow }", "username: { value: %s }" % username, 1)
    text = text.replace("host: { value: postgres }", "host: { value: '%s' }" % server["CFG_TEST_PG_HOST"], 1)
    text = text.replace("port: { value: 5432 }", "port: { value: %s }" % server["CFG_TEST_PG_PORT"], 1)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)


def test_dev_rotates_the_database_password_in_postgresql(project, postgres):
    role = prepared_database(project, postgres)
    old = project.cfg("get", "dev", "db.password").stdout.decode()
    try:
        session = postgres.session(role, old)
        ask(session, b"SELECT 'before';\n", b"before")

        result = project.cfg("rotate", "dev", "db", "--format", "json", check=False)
        assert result.returncode == 2, result.stderr.decode()
        report = json.loads(result.stdout)
        assert report["policies"][0]["result"] == "rotated"
        new = project.cfg("get", "dev", "db.password").stdout.decode()
        assert new != old and len(new) == 32

        assert postgres.logs_in(role, new)
        assert not postgres.logs_in(role, old)
        # The session opened with the old password is still logged in.
        ask(session, b"SELECT 'after';\n", b"after")
        session.stdin.close()
        session.wait(timeout=30)
        # Neither password ever reached the server in clear: not in its statement log, not in pg_stat_statements.
        log, statements = postgres.log_text(), postgres.statements_text()
        assert "SCRAM-SHA-256$" in log
        for value in (old, new):
            assert value not in log and value not in statements
            assert value not in result.stdout.decode() + result.stderr.decode()
    finally:
        postgres.psql("DROP ROLE IF EXISTS %s" % role)


def test_a_rotation_the_database_refuses_is_rolled_back_and_the_old_password_still_works(project, postgres):
    role = prepared_database(project, postgres)
    old = project.cfg("get", "dev", "db.password").stdout.decode()
    try:
        # The role may not log in at all: the current value is refused, as after a password changed by hand.
        postgres.psql("ALTER ROLE %s NOLOGIN" % role)
        result = project.cfg("rotate", "dev", "db", "--format", "json", check=False)
        assert result.returncode == 4, result.stderr.decode()
        report = json.loads(result.stdout)
        assert report["policies"][0]["result"] == "needsAttention"
        assert "neither the pending, the current nor the previous value" in report["policies"][0]["detail"]
        assert project.cfg("get", "dev", "db.password").stdout.decode() == old
        postgres.psql("ALTER ROLE %s LOGIN" % role)
        assert postgres.logs_in(role, old)
    finally:
        postgres.psql("DROP ROLE IF EXISTS %s" % role)


def redis_server():
    return server_variables("Redis", ["CFG_TEST_REDIS_HOST", "CFG_TEST_REDIS_PORT", "CFG_TEST_REDIS_PASSWORD",
                                      "CFG_TEST_REDIS_ACLFILE"])


class Redis:
    """redis-cli as the server's admin (the default user) and as any user; passwords go through REDISCLI_AUTH."""

    def __init__(self, server):
        self.server = server

    def cli(self, *args, user=None, password=None):
        argv = ["redis-cli", "--no-auth-warning", "-h", self.server["CFG_TEST_REDIS_HOST"], "-p",
                self.server["CFG_TEST_REDIS_PORT"]]
        if user:
            argv += ["--user", user]
        result = subprocess.run(argv + list(args), capture_output=True, timeout=30,
                                env={"PATH": "/usr/bin:/bin",
                                     "REDISCLI_AUTH": password or self.server["CFG_TEST_REDIS_PASSWORD"]})
        return result.stdout.decode(errors="replace").strip()

    def logs_in(self, user, password):
        return self.cli("PING", user=user, password=password) == "PONG"

    def create_user(self, user, password):
        """An ACL user with `password` and the rights the rotation needs (docs/rotation.md)."""
        rules = "on >%s ~* +ping +acl|setuser +acl|getuser +acl|save +config|get +config|rewrite" % password
        assert self.cli("ACL", "SETUSER", user, *rules.split(" ")) == "OK"

    def session(self, user, password):
        argv = ["redis-cli", "--no-auth-warning", "-h", self.server["CFG_TEST_REDIS_HOST"], "-p",
                self.server["CFG_TEST_REDIS_PORT"], "--user", user]
        return subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                env={"PATH": "/usr/bin:/bin", "REDISCLI_AUTH": password})


@pytest.fixture
def redis():
    return Redis(redis_server())


def point_redis_at(project, server, user, overlap):
    path = project.path("environments", "dev.yaml")
    text = open(path, encoding="utf-8").read()
    text = text.replace("host: { value: redis }", "host: { value: '%s' }" % server["CFG_TEST_REDIS_HOST"], 1)
    text = text.replace("port: { value: 6379 }", "port: { value: %s }\n      username: { value: %s }" % (
        server["CFG_TEST_REDIS_PORT"], user), 1)
    text = text.replace("every: 30d, apply: redis }", "every: 30d, apply: redis, overlap: %s }" % overlap, 1)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)


def test_dev_rotates_the_redis_password_with_an_overlap_then_retires_the_old_one(project, redis):
    import time  # pylint: disable=import-outside-toplevel

    user = "airflow_" + uuid.uuid4().hex[:8]
    point_redis_at(project, redis.server, user, "3s")
    project.cfg("init", "dev")
    old = project.cfg("get", "dev", "redis.auth_token").stdout.decode()
    redis.create_user(user, old)
    try:
        session = redis.session(user, old)
        ask(session, b"PING\n", b"PONG")

        result = project.cfg("rotate", "dev", "redis", "--format", "json", check=False)
        assert result.returncode == 2, result.stderr.decode()
        report = json.loads(result.stdout)
        assert "apply: persisted with ACL SAVE" in report["policies"][0]["notes"], report
        new = project.cfg("get", "dev", "redis.auth_token").stdout.decode()
        # The overlap: both passwords open the user until the old one is retired.
        assert redis.logs_in(user, new) and redis.logs_in(user, old)
        with open(redis.server["CFG_TEST_REDIS_ACLFILE"], encoding="utf-8") as handle:
            acl = handle.read()
        assert user in acl and new not in acl and old not in acl

        time.sleep(4)
        result = project.cfg("rotate", "dev", "redis", "--due", "--format", "json", check=False)
        assert result.returncode == 2, result.stderr.decode()
        assert json.loads(result.stdout)["policies"][0]["result"] == "retired"
        assert redis.logs_in(user, new) and not redis.logs_in(user, old)
        # The connection authenticated with the old password before the rotation still works.
        ask(session, b"PING\n", b"PONG")
        session.stdin.close()
        session.wait(timeout=30)
        text = result.stdout.decode() + result.stderr.decode()
        assert new not in text and old not in text
    finally:
        redis.cli("ACL", "DELUSER", user)


SECRET_NAMES = ["db", "redis", "fernet", "webserver", "admin", "flower", "smtp"]


def due_every_second(project, env_name, hook, users):
    """The reference policies, due a second after their last rotation; the admin password through a hook that keeps a
    stand-in user table; Redis's overlap long enough that this run only rotates."""
    path = project.path("environments", env_name + ".yaml")
    text = open(path, encoding="utf-8").read()
    start = text.index("\nrotation:\n")
    rotation = text[start:].replace("every: 90d", "every: 1s").replace("every: 30d", "every: 1s")
    rotation = rotation.replace("apply: redis }", "apply: redis, overlap: 1h }")
    rotation = rotation.replace(
        "admin: { key: password, generator: password, every: 1s }",
        "admin: { key: password, generator: password, every: 1s, apply: { command: [python3, %s, apply, %s], "
        "test: [python3, %s, test, %s] } }" % (hook, users, hook, users),
    )
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text[:start] + rotation)


@pytest.mark.parametrize("env_name", ["dev", "prod-vault", "prod-aws"])
def test_the_reference_deployment_rotates_everything_due_end_to_end(project, postgres, redis, env_name, request):
    """Done when: `cfg rotate ENV --due` rotates the Fernet key, the API secret key, the admin password and the
    database and Redis passwords against the real servers, and prints the JSON report."""
    import time  # pylint: disable=import-outside-toplevel

    role, user = "airflow_" + uuid.uuid4().hex[:8], "airflow_" + uuid.uuid4().hex[:8]
    point_db_at(project, postgres.server, role)
    point_redis_at(project, redis.server, user, "1h")
    project.cfg("init", "dev")
    env = None
    if env_name == "prod-vault":
        vault = request.getfixturevalue("vault")
        for name in SECRET_NAMES:
            status, _ = vault.call("POST", "secret/data/airflow/prod/" + name,
                                   {"data": json.loads(project.cfg("get", "dev", name).stdout)})
            assert status == 200
        env = vault.env()
    elif env_name == "prod-aws":
        aws = request.getfixturevalue("aws")
        for name in SECRET_NAMES:
            aws.secrets.create_secret(Name="airflow/prod/" + name,
                                      SecretString=project.cfg("get", "dev", name).stdout.decode())
            # moto reports a version's CreatedDate as the time it is asked, so a secret never rotated never looks
            # old there; a rotation record from a day ago says when it last rotated (AWS reports the real date).
            record = {"lastRotation": int((time.time() - 86400) * 1000)}
            aws.secrets.create_secret(Name="airflow/prod/%s/.cfg-rotation" % name, SecretString=json.dumps(record))
        env = aws.env()
    before = {name: project.cfg("get", env_name, name, env=env).stdout.decode() for name in SECRET_NAMES}
    db_old = json.loads(before["db"])["password"]
    redis_old = json.loads(before["redis"])["auth_token"]
    admin_old = json.loads(before["admin"])["password"]
    postgres.psql("CREATE ROLE %s LOGIN PASSWORD '%s'" % (role, scram_verifier(db_old)))
    redis.create_user(user, redis_old)
    project.write("admin_hook.py", ADMIN_HOOK)
    users = project.path("users.json")
    with open(users, "w", encoding="utf-8") as handle:
        json.dump({"admin": admin_old}, handle)
    due_every_second(project, env_name, project.path("admin_hook.py"), users)
    time.sleep(1.5)
    try:
        result = project.cfg("rotate", env_name, "--due", "--format", "json", env=env, check=False)
        assert result.returncode == 2, result.stderr.decode()
        report = json.loads(result.stdout)
        assert {entry["name"]: entry["result"] for entry in report["policies"]} == {
            "fernet": "rotated", "webserver": "rotated", "db": "rotated", "redis": "rotated", "admin": "rotated"}
        after = {name: json.loads(project.cfg("get", env_name, name, env=env).stdout) for name in SECRET_NAMES}
        old_fernet = json.loads(before["fernet"])["fernet_key"]
        assert after["fernet"]["fernet_key"].endswith("," + old_fernet)
        assert after["webserver"]["secret_key"] != json.loads(before["webserver"])["secret_key"]
        assert postgres.logs_in(role, after["db"]["password"]) and not postgres.logs_in(role, db_old)
        assert redis.logs_in(user, after["redis"]["auth_token"]) and redis.logs_in(user, redis_old)
        assert json.load(open(users, encoding="utf-8")) == {"admin": after["admin"]["password"]}
        for name in ("flower", "smtp"):
            assert json.loads(before[name]) == after[name]
        text = result.stdout.decode() + result.stderr.decode()
        for value in (db_old, redis_old, admin_old, after["db"]["password"], after["redis"]["auth_token"],
                      after["admin"]["password"], after["webserver"]["secret_key"]):
            assert value not in text
        # No rotation is left in progress, and Redis's old password is scheduled for retirement after the overlap.
        status = json.loads(project.cfg("rotate", env_name, "--status", "--format", "json", env=env).stdout)
        assert all(entry["pendingVersion"] is None for entry in status["policies"])
        redis_status = next(entry for entry in status["policies"] if entry["name"] == "redis")
        assert "retires version" in redis_status["detail"]
    finally:
        postgres.psql("DROP ROLE IF EXISTS %s" % role)
        redis.cli("ACL", "DELUSER", user)


def prepared_database(project, postgres):
    """dev aimed at the test cluster, initialised, with the role created from the stored password."""
    role = "airflow_" + uuid.uuid4().hex[:8]
    point_db_at(project, postgres.server, role)
    project.cfg("init", "dev")
    password = project.cfg("get", "dev", "db.password").stdout.decode()
    postgres.psql("CREATE ROLE %s LOGIN PASSWORD '%s'" % (role, scram_verifier(password)))
    return role


def test_a_database_rotation_killed_at_any_moment_ends_with_the_store_and_the_database_agreeing(project, postgres):
    """kill -9 at random moments inside `cfg rotate dev db`; the next `--due` run finishes a rotation in progress
    (rolling forward with the recorded pending value), and the current password always opens the database."""
    import random  # pylint: disable=import-outside-toplevel
    import time  # pylint: disable=import-outside-toplevel

    role = prepared_database(project, postgres)
    rounds = random.Random(7)
    killed_inside = 0
    try:
        for _ in range(20):
            child = subprocess.Popen(project.argv(["rotate", "dev", "db"]), env=project.env, cwd=project.root,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(rounds.uniform(0.0, 0.25))
            child.kill()
            killed_inside += child.wait() == -9
            result = project.cfg("rotate", "dev", "db", "--due", "--format", "json", check=False)
            assert result.returncode in (0, 2), result.stderr.decode()
            status = json.loads(project.cfg("rotate", "dev", "--status", "db", "--format", "json").stdout)
            assert status["policies"][0]["pendingVersion"] is None
            current = project.cfg("get", "dev", "db.password").stdout.decode()
            assert postgres.logs_in(role, current)
        assert killed_inside >= 5, "too few kills landed inside a run: %d" % killed_inside
    finally:
        postgres.psql("DROP ROLE IF EXISTS %s" % role)


def test_two_runs_at_once_rotate_once(project, postgres):
    import time  # pylint: disable=import-outside-toplevel

    role = prepared_database(project, postgres)
    path = project.path("environments", "dev.yaml")
    # Due 8 s after `cfg init`: the first run rotates; the second waits for the lock (looking again every 2 s) and
    # then finds the secret just rotated, so nothing is due.
    text = open(path, encoding="utf-8").read().replace("every: 30d, apply: postgres", "every: 8s, apply: postgres")
    open(path, "w", encoding="utf-8").write(text)
    time.sleep(8.5)
    try:
        runs = [subprocess.Popen(project.argv(["rotate", "dev", "db", "--due", "--format", "json"]), env=project.env,
                                 cwd=project.root, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(2)]
        results = [(run.wait(timeout=120), json.loads(run.stdout.read())) for run in runs]
        outcomes = sorted(report["policies"][0]["result"] for _, report in results)
        assert outcomes == ["nothingDue", "rotated"], results
        assert sorted(code for code, _ in results) == [0, 2]
        assert postgres.logs_in(role, project.cfg("get", "dev", "db.password").stdout.decode())
    finally:
        postgres.psql("DROP ROLE IF EXISTS %s" % role)


def test_alternate_roles_take_turns_and_the_previous_role_keeps_working(project, postgres):
    """`strategy: alternate`: each rotation resets the other login role's password and switches the secret's
    username to it (created on first use as a member of the group role); the role it left still logs in."""
    suffix = uuid.uuid4().hex[:8]
    group, blue, green = "airflow_" + suffix, "airflow_%s_blue" % suffix, "airflow_%s_green" % suffix
    point_db_at(project, postgres.server, blue)
    path = project.path("environments", "dev.yaml")
    text = open(path, encoding="utf-8").read()
    text = text.replace("\nsecrets:\n", "\nsecrets:\n  pgadmin:\n    path: airflow/dev/pgadmin\n    keys:\n"
                        "      username: { value: %s }\n      password: { value: '%s' }\n" % (
                            postgres.server["CFG_TEST_PG_USER"], postgres.server["CFG_TEST_PG_PASSWORD"]), 1)
    text = text.replace("every: 30d, apply: postgres }", "every: 30d, apply: { postgres: { strategy: alternate, "
                        "roles: [%s, %s], group: %s, admin: pgadmin } } }" % (blue, green, group))
    open(path, "w", encoding="utf-8").write(text)
    project.cfg("init", "dev")
    first = project.cfg("get", "dev", "db.password").stdout.decode()
    postgres.psql("CREATE ROLE %s NOLOGIN; CREATE TABLE %s_t (x int); GRANT SELECT ON %s_t TO %s; "
                  "CREATE ROLE %s LOGIN IN ROLE %s PASSWORD '%s'" % (group, group, group, group, blue, group,
                                                                     scram_verifier(first)))
    try:
        result = project.cfg("rotate", "dev", "db", check=False)
        assert result.returncode == 2, result.stderr.decode()
        db = json.loads(project.cfg("get", "dev", "db").stdout)
        assert db["username"] == green
        assert postgres.logs_in(green, db["password"]) and postgres.logs_in(blue, first)
        # The role cfg created reads what the group may read.
        assert postgres.psql("SELECT count(*) FROM %s_t" % group, user=green, password=db["password"]).returncode == 0
        result = project.cfg("rotate", "dev", "db", check=False)
        assert result.returncode == 2, result.stderr.decode()
        again = json.loads(project.cfg("get", "dev", "db").stdout)
        assert again["username"] == blue and again["password"] != first
        assert postgres.logs_in(blue, again["password"]) and not postgres.logs_in(blue, first)
        assert postgres.logs_in(green, db["password"])
    finally:
        postgres.psql("DROP ROLE IF EXISTS %s; DROP ROLE IF EXISTS %s; DROP TABLE IF EXISTS %s_t; "
                      "DROP ROLE IF EXISTS %s" % (blue, green, group, group))


def test_a_redis_rotation_killed_at_any_moment_ends_with_a_password_that_opens_the_user(project, redis):
    """kill -9 inside `cfg rotate dev redis`; after the next `--due` run nothing is pending and the current password
    opens the ACL user (the old one may still work until its overlap ends: that is the design)."""
    import random  # pylint: disable=import-outside-toplevel
    import time  # pylint: disable=import-outside-toplevel

    user = "airflow_" + uuid.uuid4().hex[:8]
    point_redis_at(project, redis.server, user, "1h")
    project.cfg("init", "dev")
    first = project.cfg("get", "dev", "redis.auth_token").stdout.decode()
    redis.create_user(user, first)
    rounds = random.Random(11)
    try:
        for _ in range(15):
            child = subprocess.Popen(project.argv(["rotate", "dev", "redis"]), env=project.env, cwd=project.root,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(rounds.uniform(0.0, 0.08))
            child.kill()
            child.wait()
            result = project.cfg("rotate", "dev", "redis", "--due", check=False)
            assert result.returncode in (0, 2), result.stderr.decode()
            status = json.loads(project.cfg("rotate", "dev", "--status", "redis", "--format", "json").stdout)
            assert status["policies"][0]["pendingVersion"] is None
            assert redis.logs_in(user, project.cfg("get", "dev", "redis.auth_token").stdout.decode())
    finally:
        redis.cli("ACL", "DELUSER", user)
