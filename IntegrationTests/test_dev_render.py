"""`cfg init dev` + `cfg render dev`, judged by the real consumers of each output."""
import json
import os
import re
import stat
import urllib.parse

import pytest
import yaml
from conftest import SHARED, require_tool

import importlib.util

_spec = importlib.util.spec_from_file_location(
    "check_outputs", os.path.join(os.path.dirname(__file__), "..", "dev", "check-outputs.py")
)
check_outputs = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(check_outputs)

SECRET_KEYS = [
    "db.password",
    "redis.auth_token",
    "fernet.fernet_key",
    "webserver.secret_key",
    "admin.password",
    "flower.basic_auth",
]


def secret_values(project):
    return {key: project.cfg("get", "dev", key).stdout.decode() for key in SECRET_KEYS}


def rendered(project):
    project.cfg("render", "dev")
    return project.path("out", "dev")


def test_every_output_is_written_with_mode_0600(dev):
    out = rendered(dev)
    files = []
    for directory, _, names in os.walk(out):
        files += [os.path.join(directory, name) for name in names]
    expected = {"airflow.env", "api-server.env", ".env", "compose/api-server.env", "webserver_config.py"} | {
        "ecs/%s.json" % service for service in ("api-server", "scheduler", "worker", "triggerer", "dag-processor", "flower")
    }
    assert {os.path.relpath(path, out) for path in files} == expected
    for path in files:
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600, path


def test_uris_percent_encode_the_hostile_password(dev):
    values = secret_values(dev)
    block = check_outputs.read_env_block(os.path.join(rendered(dev), "airflow.env"))
    quote = lambda text: urllib.parse.quote(text, safe="")  # RFC 3986: only A-Za-z0-9-._~ stay
    expected = "postgresql+psycopg2://airflow:%s@postgres:5432/airflow" % quote(values["db.password"])
    assert block["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] == expected
    assert block["AIRFLOW__CELERY__RESULT_BACKEND"] == "db+" + expected.replace("+psycopg2", "")
    assert block["AIRFLOW__CELERY__BROKER_URL"] == "rediss://:%s@redis:6379/0?ssl_cert_reqs=required" % quote(
        values["redis.auth_token"]
    )
    parsed = urllib.parse.urlsplit(block["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"])
    assert urllib.parse.unquote(parsed.password) == values["db.password"]
    assert block["AIRFLOW__CORE__FERNET_KEY"] == values["fernet.fernet_key"]


@pytest.mark.parametrize("dotenv_name, env_name", [(".env", "airflow.env"), ("compose/api-server.env", "api-server.env")])
def test_docker_compose_reads_the_dotenv_back_unchanged(dev, dotenv_name, env_name):
    require_tool("docker-compose")
    out = rendered(dev)
    block = check_outputs.read_env_block(os.path.join(out, env_name))
    compose = check_outputs.compose_read(os.path.join(out, dotenv_name))
    assert compose == block
    dotenv = check_outputs.dotenv_read(os.path.join(out, dotenv_name))
    comparable = check_outputs.dotenv_comparable(os.path.join(out, dotenv_name))
    assert comparable, "python-dotenv could compare nothing"
    for name in comparable:
        assert dotenv[name] == block[name], name


def test_the_admin_password_reaches_compose_raw(dev):
    """The one secret that is not inside a URI goes through the compose quoting unencoded."""
    require_tool("docker-compose")
    password = dev.cfg("get", "dev", "admin.password").stdout.decode()
    compose = check_outputs.compose_read(os.path.join(rendered(dev), "compose", "api-server.env"))
    assert compose["_AIRFLOW_WWW_USER_PASSWORD"] == password


def test_the_fernet_key_is_accepted_by_cryptography(dev):
    values = secret_values(dev)
    check_outputs.check_fernet(values["fernet.fernet_key"])


def test_task_definitions_are_valid_register_task_definition_input_without_secrets(dev):
    from botocore.model import ServiceModel
    from botocore.validate import ParamValidator

    with open(os.path.join(SHARED, "vectors", "aws-models", "ecs-service-2.json"), encoding="utf-8") as handle:
        model = ServiceModel(json.load(handle), service_name="ecs")
    shape = model.operation_model("RegisterTaskDefinition").input_shape
    values = secret_values(dev)
    out = rendered(dev)
    for service in ("api-server", "scheduler", "worker", "triggerer", "dag-processor", "flower"):
        text = open(os.path.join(out, "ecs", service + ".json"), encoding="utf-8").read()
        document = json.loads(text)
        report = ParamValidator().validate(document, shape)
        assert not report.has_errors(), report.generate_report()
        for key, value in values.items():
            assert value not in text, "%s appears in ecs/%s.json" % (key, service)
        container = document["containerDefinitions"][0]
        # The local backend has no ARNs: secrets arrive through the entrypoint form, which then runs the official
        # image's own entrypoint (dumb-init, /entrypoint) with the service's command.
        assert container["entryPoint"] == [
            "/usr/local/bin/cfg", "exec", "-C", "/opt/cfg", "dev", "--service", service, "--",
            "/usr/bin/dumb-init", "--", "/entrypoint",
        ]
        assert container["command"][0] == "airflow"
        names = {item["name"] for item in container.get("environment", [])}
        assert "AIRFLOW__CORE__EXECUTOR" in names
        assert "AIRFLOW__CORE__FERNET_KEY" not in names
        assert document["networkMode"] == "awsvpc" and document["requiresCompatibilities"] == ["FARGATE"]


def test_rendered_variables_are_real_airflow_options(dev):
    """Airflow's own configuration schema (core 3.3.2 and the Celery provider) knows every option cfg sets."""
    with open(os.path.join(SHARED, "vectors", "airflow-config", "apache-airflow-core-3.3.2.config.yml")) as handle:
        schema = yaml.safe_load(handle)
    with open(os.path.join(SHARED, "vectors", "airflow-config", "apache-airflow-providers-celery-3.26.0.config.json")) as handle:
        celery = json.load(handle)
    known = set()
    for source in (schema, celery):
        for section, body in source.items():
            for option in (body or {}).get("options", {}):
                known.add("AIRFLOW__%s__%s" % (section.replace(".", "_").upper(), option.upper()))
    block = check_outputs.read_env_block(os.path.join(rendered(dev), "api-server.env"))
    airflow = [name for name in block if name.startswith("AIRFLOW__")]
    assert airflow, "no Airflow options rendered"
    unknown = [name for name in airflow if name not in known]
    assert not unknown, unknown


def test_webserver_config_is_python_holding_the_secret_key(dev):
    values = secret_values(dev)
    source = open(os.path.join(rendered(dev), "webserver_config.py"), encoding="utf-8").read()
    compile(source, "webserver_config.py", "exec")  # valid Python
    assert 'SECRET_KEY = "%s"' % values["webserver.secret_key"] in source
    assert '"airflow-admins": ["Admin"],' in source


def test_check_writes_nothing(dev):
    result = dev.cfg("render", "dev", "--check")
    assert not os.path.exists(dev.path("out"))
    assert b"nothing written" in result.stderr


def test_diff_shows_fingerprints_never_values(dev):
    rendered(dev)
    values = secret_values(dev)
    # Change a secret's template usage: a new plain key and a changed secret-bearing line.
    template = dev.read("templates/airflow.cfg.tmpl").replace(
        "load_examples = False", "load_examples = True"
    ).replace("fernet_key = {{ secrets.fernet.fernet_key }}", "fernet_key = {{ secrets.fernet.fernet_key }},x")
    dev.write("templates/airflow.cfg.tmpl", template)
    before = {name: open(dev.path("out", "dev", name), "rb").read() for name in ("airflow.env", ".env")}
    result = dev.cfg("render", "dev", "--diff", check=False)
    assert result.returncode == 1  # something would change
    text = result.stdout.decode() + result.stderr.decode()
    # Old values are fingerprints even when not secret (issue 11, defect 2); new non-secret values are in clear.
    assert re.search(r"AIRFLOW__CORE__LOAD_EXAMPLES: fp:[0-9a-f]{10} -> True", text)
    assert "AIRFLOW__CORE__FERNET_KEY: fp:" in text
    for key, value in values.items():
        assert value not in text, key
    after = {name: open(dev.path("out", "dev", name), "rb").read() for name in ("airflow.env", ".env")}
    assert before == after


def test_render_is_deterministic(dev):
    out = rendered(dev)
    first = open(os.path.join(out, ".env"), "rb").read()
    rendered(dev)
    assert open(os.path.join(out, ".env"), "rb").read() == first


def test_init_keeps_existing_secrets(dev):
    before = secret_values(dev)
    dev.cfg("init", "dev")
    assert secret_values(dev) == before


def test_keygen_prints_a_fernet_key_and_a_password(project):
    key = project.cfg("keygen", "fernet").stdout.decode().strip()
    check_outputs.check_fernet(key)
    password = project.cfg("keygen", "password", "--length", "40").stdout.decode().rstrip("\n")
    assert len(password) == 40


def test_get_prints_without_trailing_newline(dev):
    value = dev.cfg("get", "dev", "admin.username").stdout
    assert value == b"admin"
    variable = dev.cfg("get", "dev", "AIRFLOW__CORE__EXECUTOR").stdout
    assert variable == b"CeleryExecutor"
