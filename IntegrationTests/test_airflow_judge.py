"""Airflow itself judges cfg's outputs: `cfg init dev`, hostile passwords stored with `cfg set`, `cfg render dev`,
then Airflow reads every rendered env block the way its processes do (from the environment).

The Airflow installs are virtual environments `make test-airflow` creates (dev/airflow-venv.sh): apache-airflow 3.3.2
in .build-airflow-venv and 2.10.5 in .build-airflow-venv-2.10 (CFG_AIRFLOW_VENV and CFG_AIRFLOW2_VENV override the
paths). A test whose virtual environment is missing skips, and fails under CFG_REQUIRE_AIRFLOW=1 (make test-airflow).

What Airflow reads is collected by one Python process per env block inside the virtual environment
(dev/airflow-read-config.py): `conf.get(section, key)` for every AIRFLOW__SECTION__KEY cfg wrote, after loading the
providers' configuration, which is exactly what `airflow config get-value` does (one CLI call checks that they agree;
a CLI call per key would start Airflow 19 times per block). No database is needed and nothing connects anywhere.

Airflow's own .env parser (airflow.secrets.local_filesystem) reads connection and variable files of its
LocalFilesystemBackend, not configuration: the compose .env is read by Docker Compose, which test_dev_render.py
checks against the env block; Airflow then reads that environment, as here.
"""
import json
import os
import subprocess
import urllib.parse

import pytest
from conftest import ROOT, Project

import importlib.util

_spec = importlib.util.spec_from_file_location(
    "check_outputs", os.path.join(os.path.dirname(__file__), "..", "dev", "check-outputs.py")
)
check_outputs = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(check_outputs)

READER = os.path.join(ROOT, "dev", "airflow-read-config.py")
# The Airflow line → (its virtual environment, the variable overriding it, the version installed there).
VENVS = {
    3: (os.path.join(ROOT, ".build-airflow-venv"), "CFG_AIRFLOW_VENV", "3.3.2"),
    2: (os.path.join(ROOT, ".build-airflow-venv-2.10"), "CFG_AIRFLOW2_VENV", "2.10.5"),
}
# What breaks naive quoting and URI building, and what Airflow's $NAME / ~ expansion would change if cfg wrote it
# unencoded; leading and trailing spaces included.
HOSTILE = {
    "db.password": " ~p@ss:w/o%rd#1?&+'\"=$HOME ${PATH} back\\slash %41 caf\u00e9 ",
    "redis.auth_token": "~r@:/%#?&+'\"=$HOME\\ ${USER} `id` x ",
    "smtp.password": "s@:/%#?&+'\"= $HOME\\ ~ $(id) %2F y",
}
# The env blocks of the dev environment.
BLOCKS = ["airflow.env", "api-server.env"]


def venv_for(major):
    """The virtual environment of Airflow `major`, or a skip (a failure under CFG_REQUIRE_AIRFLOW=1)."""
    default, variable, version = VENVS[major]
    venv = os.environ.get(variable) or default
    if not os.path.exists(os.path.join(venv, ".cfg-complete")):
        message = "Airflow %s is not installed in %s: run `make test-airflow`" % (version, venv)
        if os.environ.get("CFG_REQUIRE_AIRFLOW") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return venv


class Airflow:
    """One Airflow install, run with a private AIRFLOW_HOME and HOME and only the given variables."""

    def __init__(self, venv, home):
        self.venv, self.home = venv, str(home)

    def environment(self, block):
        return {
            "PATH": os.path.join(self.venv, "bin") + ":/usr/bin:/bin",
            "HOME": self.home,
            "AIRFLOW_HOME": os.path.join(self.home, "airflow"),
            "LANG": "C.UTF-8",
            **block,
        }

    def run(self, *argv, block=None, check=True):
        result = subprocess.run(
            [os.path.join(self.venv, "bin", argv[0]), *argv[1:]],
            capture_output=True,
            text=True,
            env=self.environment(block or {}),
            cwd=self.home,
            timeout=300,
        )
        if check and result.returncode != 0:
            # The output may hold a secret (a traceback's URL): only the status and the last line's start are shown.
            last = (result.stderr.strip().splitlines() or [""])[-1]
            raise AssertionError("%s exited %d: %s" % (" ".join(argv[:3]), result.returncode, last[:60]))
        return result

    def read(self, block, *requested):
        """What Airflow reads from an environment holding `block` (dev/airflow-read-config.py's report)."""
        path = os.path.join(self.home, "report.json")
        try:
            self.run("python", READER, path, *requested, block=block)
            with open(path, encoding="utf-8") as handle:
                return json.load(handle)
        finally:
            if os.path.exists(path):
                os.remove(path)


class Rendered:
    """The dev environment rendered with hostile passwords, the secrets' values, and Airflow's reading of each block."""

    def __init__(self, project, airflow):
        self.project, self.airflow = project, airflow
        self.out = project.path("out", "dev")
        self.blocks = {name: check_outputs.read_env_block(os.path.join(self.out, name)) for name in BLOCKS}
        self.reports = {name: airflow.read(block) for name, block in self.blocks.items()}

    def secret(self, reference):
        return self.project.cfg("get", "dev", reference).stdout.decode()


@pytest.fixture(scope="module", params=sorted(VENVS, reverse=True), ids=lambda major: "airflow%d" % major)
def rendered(request, tmp_path_factory):
    major = request.param
    venv = venv_for(major)
    project = Project(tmp_path_factory.mktemp("airflow%d-project" % major))
    if major == 2:  # the same templates, rendered for Airflow 2.10 ([webserver] secret_key instead of [api])
        text = project.read("environments/dev.yaml")
        assert 'airflow_version: "3.1"' in text
        project.write("environments/dev.yaml", text.replace('airflow_version: "3.1"', 'airflow_version: "2.10"'))
    project.cfg("init", "dev")
    for reference, value in HOSTILE.items():
        project.cfg("set", "dev", reference, input=value.encode())
        assert project.cfg("get", "dev", reference).stdout.decode() == value, reference
    project.cfg("render", "dev")
    result = Rendered(project, Airflow(venv, tmp_path_factory.mktemp("airflow%d-home" % major)))
    assert all(report["version"] == VENVS[major][2] for report in result.reports.values())
    return result


def mismatches(expected, actual):
    """The names of the fields that differ (never their values: they hold secrets)."""
    return sorted(name for name in expected if expected[name] != actual.get(name))


@pytest.mark.parametrize("block", BLOCKS)
def test_airflow_reads_every_option_exactly_as_cfg_wrote_it(rendered, block):
    """conf.get (and the Task SDK's conf on Airflow 3) returns each value byte for byte, and the schema knows it."""
    written = {name: value for name, value in rendered.blocks[block].items() if name.startswith("AIRFLOW__")}
    options = rendered.reports[block]["options"]
    assert sorted(options) == sorted(written)
    assert [name for name, entry in options.items() if not entry["known"]] == []
    assert [name for name, entry in options.items() if entry["value"] != written[name]] == []
    assert [name for name, entry in options.items() if entry.get("sdk_value", written[name]) != written[name]] == []


@pytest.mark.parametrize("block", BLOCKS)
def test_every_option_holding_a_secret_is_one_airflow_treats_as_sensitive(rendered, block):
    """Airflow masks sensitive options (and honours _CMD/_SECRET only for them): each one cfg fills from a secret is."""
    secrets = [rendered.secret(reference) for reference in (
        "db.password", "redis.auth_token", "fernet.fernet_key", "webserver.secret_key", "flower.basic_auth",
    )]
    options = rendered.reports[block]["options"]
    forms = secrets + [urllib.parse.quote(secret, safe="") for secret in secrets]  # as written, as URIs hold it
    holding = [
        name for name, value in rendered.blocks[block].items() if name in options and any(f in value for f in forms)
    ]
    assert holding, "no option holds a secret"
    assert [name for name in holding if not options[name]["sensitive"]] == []


def db_secret(rendered):
    return {
        "username": rendered.secret("db.username"),
        "password": rendered.secret("db.password"),
        "host": rendered.secret("db.host"),
        "port": int(rendered.secret("db.port")),
        "database": rendered.secret("db.dbname"),
    }


@pytest.mark.parametrize("block", BLOCKS)
def test_sql_alchemy_conn_decodes_to_the_db_secret(rendered, block):
    """SQLAlchemy's make_url, and the engine airflow.settings builds, give back exactly the db secret."""
    expected = db_secret(rendered)
    database = rendered.reports[block]["database"]
    assert database["make_url"]["drivername"] == "postgresql+psycopg2"
    assert mismatches(expected, database["make_url"]) == []
    assert "engine" in database, "airflow.settings created no engine"
    assert mismatches(expected, database["engine"]) == []


@pytest.mark.parametrize("block", BLOCKS)
def test_celery_broker_url_decodes_to_the_redis_secret(rendered, block):
    """kombu's connection of Airflow's Celery app: the Redis host, port and auth token, TLS verified, database 0."""
    broker = rendered.reports[block]["celery"]["broker"]
    expected = {
        "transport": "rediss",
        "password": rendered.secret("redis.auth_token"),
        "hostname": rendered.secret("redis.host"),
        "port": int(rendered.secret("redis.port")),
        "virtual_host": "0",
    }
    assert mismatches(expected, broker) == []
    assert not broker["userid"]
    assert broker["ssl"] == {"ssl_cert_reqs": "CERT_REQUIRED"}


@pytest.mark.parametrize("block", BLOCKS)
def test_celery_result_backend_decodes_to_the_db_secret(rendered, block):
    """Celery's backend lookup of Airflow's Celery app picks the database backend; make_url gives back the secret."""
    backend = rendered.reports[block]["celery"]["result_backend"]
    assert backend["class"] == "DatabaseBackend"
    assert backend["drivername"] == "postgresql"
    assert mismatches(db_secret(rendered), backend) == []


@pytest.mark.parametrize("block", BLOCKS)
def test_smtp_connection_decodes_to_the_smtp_secret(rendered, block):
    """AIRFLOW_CONN_SMTP_DEFAULT through Airflow's environment-variable secrets backend and Connection's URI parser."""
    connection = rendered.reports[block]["connections"]["AIRFLOW_CONN_SMTP_DEFAULT"]
    expected = {
        "conn_type": "smtp",
        "login": rendered.secret("smtp.user"),
        "password": rendered.secret("smtp.password"),
        "host": rendered.secret("smtp.host"),
        "port": int(rendered.secret("smtp.port")),
    }
    assert mismatches(expected, connection) == []
    assert not connection["schema"]


def test_airflow_config_get_value_prints_what_conf_get_returned(rendered):
    """The CLI itself, once: `airflow config get-value` prints the rendered sql_alchemy_conn unchanged."""
    block = rendered.blocks["airflow.env"]
    result = rendered.airflow.run("airflow", "config", "get-value", "database", "sql_alchemy_conn", block=block)
    assert result.stdout.rstrip("\n").splitlines()[-1] == block["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]


@pytest.mark.parametrize("block", BLOCKS)
def test_airflow_config_lint_finds_nothing_moved_or_removed(rendered, block):
    """`airflow config lint` (Airflow 3; no database needed) reports only the executor's changed default."""
    if rendered.reports[block]["version"].startswith("2."):
        help_text = rendered.airflow.run("airflow", "config", "--help").stdout
        assert " lint " not in help_text
        pytest.skip("Airflow 2.10 has no `airflow config lint`")
    result = rendered.airflow.run("airflow", "config", "lint", block=rendered.blocks[block])
    issues = [line[4:].strip() for line in result.stdout.splitlines() if line.startswith("  - ")]
    assert [issue for issue in issues if not issue.startswith("Changed default value of `executor` in `core`")] == []


def test_airflow_expands_dollar_names_and_tilde_in_configuration_values(rendered, tmp_path):
    """What `cfg check` reports as an error: Airflow expands $NAME, ${NAME} and a leading ~ in an AIRFLOW__ value,
    again and again until nothing changes; a percent-encoded $ (as cfg's urlencode writes it) stays."""
    home = rendered.airflow.home
    report = rendered.airflow.read({
        "AIRFLOW__CORE__PLUGINS_FOLDER": "~/plugins/$CFG_PROBE_OUTER",
        "AIRFLOW__LOGGING__BASE_LOG_FOLDER": "${HOME}/logs/$CFG_PROBE_INNER",
        "AIRFLOW__CORE__DAGS_FOLDER": "/dags/%24HOME/~",
        "CFG_PROBE_OUTER": "$CFG_PROBE_INNER",
        "CFG_PROBE_INNER": "deep",
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
    })
    options = report["options"]
    assert options["AIRFLOW__CORE__PLUGINS_FOLDER"]["value"] == home + "/plugins/deep"
    assert options["AIRFLOW__LOGGING__BASE_LOG_FOLDER"]["value"] == home + "/logs/deep"
    assert options["AIRFLOW__CORE__DAGS_FOLDER"]["value"] == "/dags/%24HOME/~"
    if "sdk_value" in options["AIRFLOW__CORE__PLUGINS_FOLDER"]:
        assert options["AIRFLOW__CORE__PLUGINS_FOLDER"]["sdk_value"] == home + "/plugins/deep"


def test_a_secret_airflow_would_alter_through_a_dollar_name_is_not_written(rendered, tmp_path):
    """A secret key holding `$NAME` (not inside a URI, so not percent-encoded): Airflow reads another value as soon
    as NAME is set where it runs, so `cfg render` refuses to write it (65, nothing written) and names the option."""
    project = Project(tmp_path / "project")
    if rendered.reports["airflow.env"]["version"].startswith("2."):
        text = project.read("environments/dev.yaml")
        project.write("environments/dev.yaml", text.replace('airflow_version: "3.1"', 'airflow_version: "2.10"'))
    project.cfg("init", "dev")
    project.cfg("set", "dev", "webserver.secret_key", input=b"key-$CFG_PROBE-end")
    result = project.cfg("render", "dev", check=False)
    assert result.returncode == 65
    block = rendered.blocks["airflow.env"]
    name = "AIRFLOW__API__SECRET_KEY" if "AIRFLOW__API__SECRET_KEY" in block else "AIRFLOW__WEBSERVER__SECRET_KEY"
    option = "[api] secret_key" if name == "AIRFLOW__API__SECRET_KEY" else "[webserver] secret_key"
    assert "error: %s: Airflow expands $NAME" % option in result.stderr.decode()
    assert b"key-$CFG_PROBE-end" not in result.stdout + result.stderr
    assert not os.path.exists(project.path("out", "dev"))
    # What the block would have said, read by Airflow.
    report = rendered.airflow.read({**block, name: "key-$CFG_PROBE-end", "CFG_PROBE": "changed"})
    assert report["options"][name]["value"] == "key-changed-end"


def test_airflow_runs_cmd_variants_only_for_sensitive_options(rendered):
    """What `cfg check` reports: a _CMD variable counts only on a sensitive option, and its output is not stripped."""
    report = rendered.airflow.read(
        {
            "AIRFLOW__CORE__FERNET_KEY_CMD": "echo from-command",
            "AIRFLOW__CORE__DAGS_FOLDER_CMD": "echo from-command",
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        },
        "core.fernet_key",
        "core.dags_folder",
    )
    assert report["requested"]["core.fernet_key"] == "from-command\n"
    assert "from-command" not in report["requested"]["core.dags_folder"]


def test_the_webserver_command_exists_only_before_airflow_3(rendered):
    """What `cfg check` reports for a `webserver` service on Airflow 3: the command is gone (api-server replaced it)."""
    version = rendered.reports["airflow.env"]["version"]
    webserver = rendered.airflow.run("airflow", "webserver", "--help", check=False)
    api_server = rendered.airflow.run("airflow", "api-server", "--help", check=False)
    if version.startswith("3."):
        assert webserver.returncode != 0 and api_server.returncode == 0
    else:
        assert webserver.returncode == 0 and api_server.returncode != 0
