"""`cfg render --check` checks the Airflow settings with the resolved values (issue 15): every finding `cfg check`
makes, the value checks that need a secret's text (type, Fernet key, `$NAME`/`~` expansion), and that the login and
password of a URI setting decode back to exactly a secret's value as its reader splits it (SQLAlchemy, kombu,
Airflow's Connection). Plain `cfg render` refuses to write a value Airflow would read differently from the secret
(65, nothing written) and prints the schema findings as warnings. One problem is reported once, with the outputs
it affects; every kind of problem of one run is reported together. No secret value is ever printed.
"""
import json
import os

import pytest
from conftest import output_files
from test_airflow_judge import HOSTILE

AIRFLOW = "templates/airflow.cfg.tmpl"


def edit(project, relative, old, new):
    text = project.read(relative)
    assert old in text, old
    project.write(relative, text.replace(old, new))


def assert_no_secret(project, result):
    text = (result.stdout + result.stderr).decode(errors="replace")
    for value in project.secret_values + list(HOSTILE.values()):
        assert value not in text


@pytest.fixture
def hostile(dev):
    """The dev environment with the hostile passwords stored with `cfg set`."""
    for reference, value in HOSTILE.items():
        dev.cfg("set", "dev", reference, input=value.encode())
    return dev


def check_json(project, *args):
    result = project.cfg("render", "dev", "--check", "--format", "json", *args, check=False)
    assert_no_secret(project, result)
    return result, json.loads(result.stdout)


# The reference template builds the connection with the airflow_conn_uri filter; these tests write it by hand, as a
# template could, to see a forgotten or misplaced encoding caught.
BUILT = (
    '{{ {"conn_type": "smtp", "login": secrets.smtp.user, "password": secrets.smtp.password, '
    '"host": secrets.smtp.host, "port": secrets.smtp.port} | airflow_conn_uri }}'
)
HAND_BUILT = (
    "smtp://{{ secrets.smtp.user | urlencode }}:{{ secrets.smtp.password | urlencode }}@{{ secrets.smtp.host }}:"
    "{{ secrets.smtp.port }}"
)


def hand_build_connection(project):
    edit(project, AIRFLOW, BUILT, HAND_BUILT)


def line_and_column(project, relative, needle):
    """The 1-based line and column of `needle` in a template."""
    for number, line in enumerate(project.read(relative).splitlines(), start=1):
        if needle in line:
            return number, line.index(needle) + 1
    raise AssertionError(needle)


def test_the_reference_templates_are_clean_with_hostile_passwords(hostile):
    result, report = check_json(hostile)
    assert result.returncode == 0, result.stderr
    assert (report["status"], report["findings"]) == ("valid", [])
    written = hostile.cfg("render", "dev", check=False)
    assert written.returncode == 0
    assert_no_secret(hostile, written)
    assert b"warning" not in written.stderr


# Each forgotten `| urlencode`: the setting, the expression, the part named in the message.
FORGOTTEN = [
    (
        "[database] sql_alchemy_conn",
        "sql_alchemy_conn = postgresql+psycopg2://{{ secrets.db.username | urlencode }}:"
        "{{ secrets.db.password | urlencode }}",
        "{{ secrets.db.password }}",
    ),
    (
        "[celery] broker_url",
        "broker_url = rediss://:{{ secrets.redis.auth_token | urlencode }}",
        "{{ secrets.redis.auth_token }}",
    ),
    (
        "AIRFLOW_CONN_SMTP_DEFAULT",
        "{{ secrets.smtp.password | urlencode }}",
        "{{ secrets.smtp.password }}",
    ),
]


@pytest.mark.parametrize("name, old, forgotten", FORGOTTEN, ids=[case[0] for case in FORGOTTEN])
def test_a_forgotten_urlencode_is_caught_at_the_expression(hostile, name, old, forgotten):
    if name.startswith("AIRFLOW_CONN_"):
        hand_build_connection(hostile)
    expression = forgotten.replace(" }}", " | urlencode }}")
    edit(hostile, AIRFLOW, old, old.replace(expression, forgotten))
    line, column = line_and_column(hostile, AIRFLOW, forgotten)
    result, report = check_json(hostile)
    assert result.returncode == 65
    assert report["status"] == "failed"
    mismatches = [finding for finding in report["findings"] if finding["code"] == "credentials-mismatch"]
    [finding] = mismatches
    assert finding["severity"] == "error"
    assert (finding["file"], finding["line"], finding["column"]) == (AIRFLOW, line, column)
    assert finding["message"].startswith(name + ": the password does not decode back to a secret's value")
    assert "| urlencode" in finding["message"]
    # Every output that carries the setting, counted once.
    assert len(finding["outputs"]) > 1
    assert finding["message"].endswith("(in %d outputs)" % len(finding["outputs"]))

    # A render writes nothing: Airflow would read another password than the secret.
    written = hostile.cfg("render", "dev", check=False)
    assert written.returncode == 65
    assert_no_secret(hostile, written)
    assert "%s:%d:%d: error: %s" % (AIRFLOW, line, column, name) in written.stderr.decode()
    assert not os.path.exists(hostile.path("out", "dev"))


def test_a_login_that_does_not_decode_back_is_caught(dev):
    hand_build_connection(dev)
    edit(dev, AIRFLOW, "{{ secrets.smtp.user | urlencode }}", "{{ secrets.smtp.user }}%")
    result, report = check_json(dev)
    assert result.returncode == 65
    [finding] = [finding for finding in report["findings"] if finding["code"] == "credentials-mismatch"]
    assert "AIRFLOW_CONN_SMTP_DEFAULT: the login does not decode back" in finding["message"]


def test_a_literal_login_is_not_compared(dev):
    hand_build_connection(dev)
    edit(dev, AIRFLOW, "{{ secrets.smtp.user | urlencode }}", "mailer%40example.com")
    result, report = check_json(dev)
    assert result.returncode == 0, result.stderr
    assert report["findings"] == []


def test_schema_findings_are_errors_for_check_and_warnings_for_a_render(dev):
    edit(dev, AIRFLOW, "load_examples = False", "load_examples = False\nparalelism = 3")
    result, report = check_json(dev)
    assert result.returncode == 65
    [finding] = report["findings"]
    assert (finding["severity"], finding["code"], finding["line"]) == ("error", "unknown-option", 7)
    assert "[core] parallelism" in finding["message"]
    text = dev.cfg("render", "dev", "--check", check=False)
    assert text.returncode == 65
    # Once, with how many outputs it affects, though every service's outputs carry it.
    lines = [line for line in text.stderr.decode().splitlines() if "paralelism" in line]
    assert lines == ["cfg: %s:7:1: error: %s" % (AIRFLOW, finding["message"])]

    written = dev.cfg("render", "dev", check=False)
    assert written.returncode == 0
    assert "%s:7:1: warning: Airflow" in written.stderr.decode().replace(AIRFLOW, "%s", 1)
    assert "AIRFLOW__CORE__PARALELISM=3" in dev.read("out/dev/airflow.env")


@pytest.mark.parametrize(
    "old, new, code",
    [
        ("{{ secrets.fernet.fernet_key }}", "{{ secrets.fernet.fernet_key }}x", "invalid-fernet-key"),
        ("load_examples = False", "load_examples = False\ndefault_task_retries = {{ secrets.db.host }}", "invalid-integer"),
    ],
)
def test_value_checks_that_need_the_secret_run_only_online(dev, old, new, code):
    edit(dev, AIRFLOW, old, new)
    offline = dev.cfg("check", "dev", "--format", "json", check=False)
    assert offline.returncode == 0
    assert json.loads(offline.stdout)["findings"] == []
    result, report = check_json(dev)
    assert result.returncode == 65
    assert [(finding["severity"], finding["code"]) for finding in report["findings"]] == [("error", code)]
    # A render writes it, with the warning.
    written = dev.cfg("render", "dev", check=False)
    assert written.returncode == 0
    assert "warning" in written.stderr.decode()


def test_a_secret_that_airflow_would_expand_blocks_the_write(dev):
    dev.cfg("set", "dev", "fernet.fernet_key", input=b"$HOME")
    result, report = check_json(dev)
    assert result.returncode == 65
    codes = {finding["code"] for finding in report["findings"]}
    assert "expanded-value" in codes
    written = dev.cfg("render", "dev", check=False)
    assert written.returncode == 65
    assert "error: [core] fernet_key: Airflow expands $NAME" in written.stderr.decode()
    assert not os.path.exists(dev.path("out", "dev"))


def test_every_kind_of_problem_of_one_run_is_reported_together(dev):
    # An evaluation error, a settings finding, a settings line that is not a setting, and an output-tree problem.
    edit(dev, "templates/api-server.cfg.tmpl", "secrets.admin.password", "secrets.admin.pasword")
    edit(dev, AIRFLOW, "load_examples = False", "load_examples = False\nparalelism = 3")
    edit(dev, "templates/flower.cfg.tmpl", "[celery]", "[celery]\nnot a setting")
    os.makedirs(dev.path("out", "dev", "airflow.env"))
    result, report = check_json(dev)
    assert result.returncode == 65
    codes = [finding["code"] for finding in report["findings"]]
    assert {"unresolved", "unknown-option", "validation", "output"} <= set(codes), codes
    assert len(codes) == len(set(codes))
    by_code = {finding["code"]: finding for finding in report["findings"]}
    assert by_code["unresolved"]["file"] == "templates/api-server.cfg.tmpl"
    assert by_code["validation"]["file"] == "templates/flower.cfg.tmpl"
    assert by_code["validation"]["line"] == 2
    assert output_files(dev.path("out", "dev")) == {}


def test_an_environment_file_error_has_its_position_as_data(dev):
    edit(dev, "environments/dev.yaml", "secrets:\n", "secrets:\n  bogus: { pth: x }\n")
    result, report = check_json(dev)
    assert result.returncode == 65
    [finding] = report["findings"]
    assert (finding["code"], finding["file"]) == ("configuration", "environments/dev.yaml")
    assert isinstance(finding["line"], int) and isinstance(finding["column"], int)
    assert not finding["message"].startswith("environments/")
    assert "%s:%d:%d: " % (finding["file"], finding["line"], finding["column"]) in result.stderr.decode()
