"""`cfg check ENV`: offline (no backend, no store key, no network) on every reference environment, and on a table
of broken environments each seeded mistake reported once, at its position or label, in one run; `--format json`
parsed here; `--strict`; no secret value and no canary ever printed."""
import json
import os

import pytest
from conftest import closed_port

CANARY = "CANARY-cfg-check-3vQ9-literal"


def offline_env():
    """Backend addresses that lead nowhere, and no credentials of any kind."""
    port = closed_port()
    return {
        "VAULT_ADDR": "http://127.0.0.1:%d" % port,
        "AWS_ENDPOINT_URL": "http://127.0.0.1:%d" % port,
        "AWS_CONFIG_FILE": "/nonexistent",
        "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
    }


def check(project, *args, env=None):
    result = project.cfg("check", *args, env={**offline_env(), **(env or {})}, check=False)
    return result.returncode, result.stdout.decode(), result.stderr.decode()


def edit(project, relative, old, new):
    text = project.read(relative)
    assert old in text, old
    project.write(relative, text.replace(old, new, 1))


@pytest.mark.parametrize("environment", ["dev", "prod-vault", "prod-aws"])
def test_every_reference_environment_checks_clean_offline_before_init(project, environment):
    code, _, err = check(project, environment)
    assert code == 0, err
    assert "0 errors" in err
    assert not os.path.exists(project.path("out"))
    assert not os.path.exists(project.path(".cfg"))
    assert not os.path.exists(project.config_home)
    code, _, err = check(project, environment, "--strict")
    assert code == 0, err


TEMPLATE = "templates/airflow.cfg.tmpl"

# (what is broken, the edit, the expected code, the place, a phrase of the message)
BROKEN = [
    ("misspelt", (TEMPLATE, "executor = CeleryExecutor", "executor = CeleryExecutor\nparalelism = 8"),
     "unknown-option", TEMPLATE + ":5:1", "did you mean [core] parallelism?"),
    ("moved", (TEMPLATE, "load_examples = False",
               "load_examples = False\nsql_alchemy_conn = {{ secrets.db.password }}"),
     "moved-option", TEMPLATE + ":7:1", "[database] sql_alchemy_conn"),
    ("wrongly typed", (TEMPLATE, "executor = CeleryExecutor", "executor = CeleryExecutor\nparallelism = many"),
     "invalid-integer", TEMPLATE + ":5:1", "is an integer"),
    ("sensitive literal", (TEMPLATE, "[database]\n", "[database]\nsql_alchemy_conn_async = postgresql://a:%s@db/a\n"
                           % CANARY),
     "sensitive-literal", TEMPLATE + ":10:1", "is sensitive"),
    ("$HOME", (TEMPLATE, "remote_log_conn_id = aws_default", "remote_log_conn_id = aws_default\n"
               "base_log_folder = $HOME/logs"),
     "expanded-value", TEMPLATE + ":", "expands $NAME"),
    ("webserver on 3.x", ("environments/dev.yaml", "services:\n", "services:\n  webserver: {}\n"),
     "wrong-service-for-version", "environments/dev.yaml:", "api-server"),
]


@pytest.mark.parametrize("name,edit_args,code,place,phrase", BROKEN, ids=[row[0] for row in BROKEN])
def test_each_mistake_is_reported_once_at_its_place(project, name, edit_args, code, place, phrase):
    edit(project, *edit_args)
    status, out, err = check(project, "dev", "--format", "json")
    report = json.loads(out)
    found = [f for f in report["findings"] if f["code"] == code]
    assert len(found) == 1, (name, report["findings"])
    finding = found[0]
    where = "%s:%s:%s" % (finding["file"], finding["line"], finding["column"])
    assert where.startswith(place), (where, place)
    assert phrase in finding["message"]
    assert CANARY not in out and CANARY not in err
    # The text form: one line per finding, FILE:LINE:COLUMN: severity: message.
    status_text, _, text = check(project, "dev")
    assert status_text == status
    lines = [line for line in text.splitlines() if line.startswith(where + ": ")]
    assert len(lines) == 1, text
    assert CANARY not in text
    if finding["severity"] == "error":
        assert status == 65 and report["status"] == "failed"
    else:
        assert status == 0 and report["status"] == "warnings"
        assert check(project, "dev", "--strict")[0] == 65


def test_several_mistakes_are_reported_in_one_run_each_once(project):
    edit(project, TEMPLATE, "executor = CeleryExecutor", "executor = CeleryExecutor\nparalelism = 8\nparallelism = x")
    edit(project, TEMPLATE, "remote_log_conn_id = aws_default",
         "remote_log_conn_id = aws_default\nbase_log_folder = ~/l")
    edit(project, "environments/dev.yaml", "services:\n", "services:\n  webserver: {}\n")
    status, out, err = check(project, "dev", "--format", "json")
    assert status == 65, err
    codes = sorted(f["code"] for f in json.loads(out)["findings"])
    assert codes == sorted(["unknown-option", "invalid-integer", "expanded-value", "wrong-service-for-version"])


def test_a_template_mistake_shared_by_outputs_is_reported_once_with_their_number(project):
    edit(project, TEMPLATE, "executor = CeleryExecutor", "executor = {{ secrets.nosuch.key }}")
    status, _, err = check(project, "dev")
    assert status == 65
    lines = [line for line in err.splitlines() if "nosuch" in line]
    assert len(lines) == 1 and lines[0].endswith("outputs)"), err


def test_a_misspelt_secret_key_is_found_with_the_declared_one(project):
    edit(project, TEMPLATE, "secrets.db.password | urlencode }}@", "secrets.db.passwrd | urlencode }}@")
    status, out, _ = check(project, "dev", "--format", "json")
    assert status == 65
    findings = json.loads(out)["findings"]
    assert findings and all(f["code"] == "unresolved" and f["line"] for f in findings), findings
    assert all("did you mean 'secrets.db.password'?" in f["message"] for f in findings)


def test_an_environment_file_error_is_a_finding(project):
    edit(project, "environments/dev.yaml", "type: local", "type: nosuch")
    status, out, _ = check(project, "dev", "--format", "json")
    assert status == 65
    report = json.loads(out)
    assert report["status"] == "failed" and report["findings"][0]["file"].endswith("dev.yaml")


def test_no_secret_value_is_printed_after_init(dev):
    edit(dev, TEMPLATE, "executor = CeleryExecutor", "executor = CeleryExecutor\nparalelism = 8")
    status, out, err = check(dev, "dev", "--format", "json")
    assert status == 65
    for value in dev.secret_values:
        assert value not in out and value not in err


def test_independent_environment_file_mistakes_are_reported_together(project):
    edit(project, "environments/dev.yaml", "type: local", "type: nosuch")
    edit(project, "environments/dev.yaml", "kind: dotenv", "kind: nosuch")
    status, out, _ = check(project, "dev", "--format", "json")
    assert status == 65
    findings = json.loads(out)["findings"]
    assert len(findings) == 2, findings
    assert all(f["file"] == "environments/dev.yaml" and f["line"] for f in findings)
