"""Airflow reads back the connections and variables cfg writes: the dev environment with one more secret whose keys
hold hostile values (stored with `cfg set`), one more settings template of `[env]` lines built with the
`airflow_conn_uri` and `airflow_conn_json` filters and `| json`, `cfg render dev`, then Airflow 3.3.2 and 2.10.5 read
each rendered env block from the environment (dev/airflow-read-connections.py): through the environment-variable
secrets backend (`Connection.get_connection_from_secrets`, `Variable.get`), through the parser the value goes to
(`Connection(conn_id=…, uri=…)` or `Connection.from_json`), and in Airflow 3 through the Task SDK's reading, the one
a task's hook uses. Every field must come back exactly as the secret holds it.

The virtual environments, and how a missing one skips, are those of test_airflow_judge.py.
"""
import json
import os

import pytest
from conftest import ROOT, Project
from test_airflow_judge import HOSTILE, VENVS, Airflow, check_outputs, mismatches, venv_for

READER = os.path.join(ROOT, "dev", "airflow-read-connections.py")

# The keys of the extra secret, each holding a value that breaks naive URI or JSON building. The URI host has a '/'
# (Airflow keeps the case of such a host); the JSON form's host may be anything.
CONN = {
    "login": "l@gin:/?#%+ '\"$~\\ caf\u00e9",
    "password": HOSTILE["smtp.password"] + " \u2603\U0001F600 %41 &x=y",
    "uri_host": "db-1.internal/~h@:?#%+ '\"$HOME\\ \u00e9",
    "json_host": "Db.Example.COM:/@?#",
    "schema": "sch/ema?#%+ '\"$~\\ \u4e2d",
    "description": "line one\nline \"two\" $HOME \\ \u00e9",
    "extra_value": "x&y=z+1 %2F \"quoted\" \u00e9",
    "empty": "",
}

# The settings template: one connection per shape of Airflow's URI form, the JSON form, and variables.
TEMPLATE = """[env]
AIRFLOW_CONN_HOSTILE_URI = {{ {"conn_type": "postgres", "login": s.login, "password": s.password, "host": s.uri_host, "port": 5432, "schema": s.schema, "extra": {"sslmode": s.extra_value, "application name": "cfg test"}} | airflow_conn_uri }}
AIRFLOW_CONN_HOSTILE_JSON = {{ {"conn_type": "postgres", "description": s.description, "login": s.login, "password": s.password, "host": s.json_host, "port": "5432", "schema": s.schema, "extra": {"nested": {"v": s.extra_value, "n": [1, 2.5, true, null]}}} | airflow_conn_json }}
AIRFLOW_CONN_NESTED_EXTRA = {{ {"conn_type": "google_cloud_platform", "password": s.password, "extra": {"keyfile_dict": {"private_key": s.password}, "num_retries": 5}} | airflow_conn_uri }}
AIRFLOW_CONN_JSON_LOOKING_EXTRA = {{ {"conn_type": "http", "host": "api.example.com", "extra": {"timeout": "30", "verify": "true", "v": s.extra_value}} | airflow_conn_uri }}
AIRFLOW_CONN_PORT_ONLY = {{ {"conn_type": "redis", "port": "6379", "password": null} | airflow_conn_uri }}
AIRFLOW_CONN_HOST_WITH_PROTOCOL = {{ {"conn_type": "http", "host": "https://api.example.com", "login": s.login, "password": s.password, "port": 8443, "schema": s.schema} | airflow_conn_uri }}
AIRFLOW_CONN_PROTOCOL_IS_THE_TYPE = {{ {"conn_type": "http", "host": "http://Api.Example.com", "login": s.login} | airflow_conn_uri }}
AIRFLOW_CONN_EMPTY_PASSWORD = {{ {"conn_type": "ftp", "login": s.login, "password": s.empty, "host": "ftp.example.com"} | airflow_conn_uri }}
AIRFLOW_VAR_HOSTILE_PASSWORD = {{ s.password }}
AIRFLOW_VAR_SETTINGS = {{ {"password": s.password, "hosts": ["a", "b"], "retries": 3} | json }}
""".replace("s.", "secrets.conn.")

# What each connection must read back as: field → the CONN key holding it, or a literal value in a tuple.
EXPECTED = {
    "AIRFLOW_CONN_HOSTILE_URI": {
        "conn_type": ("postgres",), "login": "login", "password": "password", "host": "uri_host", "port": (5432,),
        "schema": "schema", "extra": {"sslmode": "extra_value", "application name": ("cfg test",)},
    },
    "AIRFLOW_CONN_HOSTILE_JSON": {
        "conn_type": ("postgres",), "description": "description", "login": "login", "password": "password",
        "host": "json_host", "port": (5432,), "schema": "schema",
        "extra": {"nested": {"v": "extra_value", "n": ([1, 2.5, True, None],)}},
    },
    "AIRFLOW_CONN_NESTED_EXTRA": {
        "conn_type": ("google_cloud_platform",), "password": "password",
        "extra": {"keyfile_dict": {"private_key": "password"}, "num_retries": (5,)},
    },
    "AIRFLOW_CONN_JSON_LOOKING_EXTRA": {
        "conn_type": ("http",), "host": ("api.example.com",),
        "extra": {"timeout": ("30",), "verify": ("true",), "v": "extra_value"},
    },
    "AIRFLOW_CONN_PORT_ONLY": {"conn_type": ("redis",), "port": (6379,), "password": (None,)},
    "AIRFLOW_CONN_HOST_WITH_PROTOCOL": {
        "conn_type": ("http",), "host": ("https://api.example.com",), "login": "login", "password": "password",
        "port": (8443,), "schema": "schema",
    },
    "AIRFLOW_CONN_PROTOCOL_IS_THE_TYPE": {"conn_type": ("http",), "host": ("http://Api.Example.com",), "login": "login"},
    "AIRFLOW_CONN_EMPTY_PASSWORD": {
        "conn_type": ("ftp",), "login": "login", "password": "empty", "host": ("ftp.example.com",),
    },
}


def expected_value(spec, secrets):
    if isinstance(spec, tuple):
        return spec[0]
    if isinstance(spec, dict):
        return {key: expected_value(value, secrets) for key, value in spec.items()}
    return secrets[spec]


class Read:
    """The dev environment rendered with the connection template, and Airflow's reading of each env block."""

    def __init__(self, project, airflow):
        self.project, self.airflow = project, airflow
        out = project.path("out", "dev")
        self.blocks = {name: check_outputs.read_env_block(os.path.join(out, name)) for name in ["airflow.env"]}
        self.secrets = {key: project.cfg("get", "dev", "conn." + key).stdout.decode() for key in CONN}
        self.reports = {name: self.airflow_read(block) for name, block in self.blocks.items()}

    def airflow_read(self, block):
        """dev/airflow-read-connections.py's report of an environment holding `block`."""
        path = os.path.join(self.airflow.home, "connections.json")
        try:
            self.airflow.run("python", READER, path, block=block)
            with open(path, encoding="utf-8") as handle:
                return json.load(handle)
        finally:
            if os.path.exists(path):
                os.remove(path)


@pytest.fixture(scope="module", params=sorted(VENVS, reverse=True), ids=lambda major: "airflow%d" % major)
def read(request, tmp_path_factory):
    major = request.param
    venv = venv_for(major)
    project = Project(tmp_path_factory.mktemp("connections%d-project" % major))
    text = project.read("environments/dev.yaml")
    keys = "".join("      %s: { value: placeholder }\n" % key for key in CONN)
    assert "\nsecrets:\n" in text and "settings: [templates/airflow.cfg.tmpl]" in text
    text = text.replace("\nsecrets:\n", "\nsecrets:\n  conn:\n    path: airflow/dev/conn\n    keys:\n" + keys, 1)
    text = text.replace(
        "settings: [templates/airflow.cfg.tmpl]", "settings: [templates/airflow.cfg.tmpl, templates/connections.tmpl]"
    )
    if major == 2:
        text = text.replace('airflow_version: "3.1"', 'airflow_version: "2.10"')
    project.write("environments/dev.yaml", text)
    project.write("templates/connections.tmpl", TEMPLATE)
    project.cfg("init", "dev")
    for key, value in CONN.items():
        project.cfg("set", "dev", "conn." + key, *(["--allow-empty"] if not value else []), input=value.encode())
        assert project.cfg("get", "dev", "conn." + key).stdout.decode() == value, key
    project.cfg("render", "dev")
    result = Read(project, Airflow(venv, tmp_path_factory.mktemp("connections%d-home" % major)))
    assert all(report["version"] == VENVS[major][2] for report in result.reports.values())
    return result


def readings(read, name):
    """Every reading of connection `name` Airflow made: (block, path, fields)."""
    found = []
    for block, report in read.reports.items():
        for path, fields in report["connections"][name].items():
            found.append((block, path, fields))
    return found


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_airflow_reads_every_field_back_exactly(read, name):
    expected = expected_value(EXPECTED[name], read.secrets)
    expected.setdefault("extra", {})
    paths = readings(read, name)
    sdk = any(report["version"].startswith("3.") for report in read.reports.values())
    assert sorted({path for _, path, _ in paths}) == sorted(["parser", "secrets"] + (["sdk"] if sdk else []))
    for block, path, fields in paths:
        assert "error" not in fields, (block, path, fields.get("error"))
        if path != "sdk" and expected.get("password") == "":
            # airflow.models.Connection's password setter ignores a false value: an empty password reads as none.
            assert fields["password"] is None
            fields = {**fields, "password": ""}
        assert mismatches(expected, fields) == [], (block, path)


def test_the_json_form_is_read_by_from_json_and_the_uri_form_by_the_uri_parser(read):
    block = read.blocks["airflow.env"]
    assert block["AIRFLOW_CONN_HOSTILE_JSON"].startswith("{")
    assert all(block[name].count("://") in (1, 2) for name in EXPECTED if name != "AIRFLOW_CONN_HOSTILE_JSON")
    # Airflow 3.x's core URI parser reads a query parameter that parses as JSON as JSON: those went to __extra__.
    assert "__extra__=" in block["AIRFLOW_CONN_JSON_LOOKING_EXTRA"]
    assert "__extra__=" not in block["AIRFLOW_CONN_HOSTILE_URI"]
    assert block["AIRFLOW_CONN_PORT_ONLY"] == "redis://@:6379"


def test_variables_read_back_as_the_secret_and_as_json(read):
    for report in read.reports.values():
        variables = report["variables"]
        for path, value in variables["AIRFLOW_VAR_HOSTILE_PASSWORD"].items():
            assert value == read.secrets["password"], path
        for path, value in variables["AIRFLOW_VAR_SETTINGS"].items():
            assert json.loads(value) == {"password": read.secrets["password"], "hosts": ["a", "b"], "retries": 3}, path


# What `cfg check` reports about connections and variables written by hand (docs/check.md), each with its code.
MISTAKES = {
    "AIRFLOW_CONN_lower_case": ("smtp://mail.example.com:587", "connection-name-not-upper-case"),
    "AIRFLOW_CONN_THREE_SCHEMES": ("http://https://api.example.com://v1", "invalid-connection-uri"),
    "AIRFLOW_CONN_PROTOCOL_WITH_AT": ("http://user@https://api.example.com", "invalid-connection-uri"),
    "AIRFLOW_CONN_NOT_AN_OBJECT": ('{"conn_type": "postgres", ', "invalid-connection-json"),
    "AIRFLOW_CONN_UNKNOWN_FIELD": ('{"conn_type": "postgres", "hostname": "db"}', "invalid-connection-json"),
    "AIRFLOW_VAR_lower_key": ("ops@example.com", "variable-name-not-upper-case"),
}


def test_cfg_check_reports_each_mistake_airflow_shows(read, tmp_path):
    """Each finding's claim, shown by Airflow: the lower-case names are never found, the other values are refused."""
    project = read.project
    project.write("templates/mistakes.tmpl", "[env]\n" + "".join("%s = %s\n" % (n, v) for n, (v, _) in MISTAKES.items()))
    text = project.read("environments/dev.yaml")
    project.write("environments/mistakes.yaml", text.replace("templates/connections.tmpl", "templates/mistakes.tmpl"))
    result = project.cfg("check", "mistakes", "--format", "json", check=False)
    assert result.returncode != 0
    findings = json.loads(result.stdout)["findings"]
    lines = {finding["line"]: finding["code"] for finding in findings if finding["file"] == "templates/mistakes.tmpl"}
    assert lines == {line: code for line, (_, code) in enumerate(MISTAKES.values(), start=2)}

    report = read.airflow_read({name: value for name, (value, _) in MISTAKES.items()})
    for name in MISTAKES:
        if name.startswith("AIRFLOW_CONN_"):
            readings = report["connections"][name]
            assert readings["secrets"].get("error") in ("AirflowNotFoundException",), name
            if name != "AIRFLOW_CONN_lower_case":  # found under its own name, each parser refuses the value
                assert all("error" in fields for fields in readings.values()), (name, readings)
        else:
            assert all(isinstance(value, dict) and "error" in value for value in report["variables"][name].values())
