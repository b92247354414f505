"""The URI credentials table cfg's `credentials-mismatch` check is tested against
(Tests/CfgConfigTests/Airflow/uri-credentials-cases.json) is what the consumers really read: SQLAlchemy's `make_url`
(`[database] sql_alchemy_conn`, `db+` result backends), kombu's `url_to_parts` (`[celery] broker_url`) and Airflow's
`Connection` (`AIRFLOW_CONN_*`), run in the Airflow 3 virtual environment (skipped without it, as in
test_airflow_judge.py)."""
import json
import os
import subprocess

from conftest import ROOT
from test_airflow_judge import venv_for

CASES = os.path.join(ROOT, "Tests", "CfgConfigTests", "Airflow", "uri-credentials-cases.json")

READ = r"""
import json, sys, warnings
warnings.simplefilter("ignore")
from sqlalchemy.engine.url import make_url
from kombu.utils.url import url_to_parts
from airflow.models.connection import Connection
read = {
    "sqlalchemy": lambda uri: (lambda url: (url.username, url.password))(make_url(uri)),
    "kombu": lambda uri: (lambda parts: (parts.username, parts.password))(url_to_parts(uri)),
    "connection": lambda uri: (lambda conn: (conn.login, conn.password))(Connection(uri=uri)),
}
answers = []
for case in json.load(sys.stdin):
    login, password = read[case["reader"]](case["uri"])
    answers.append([login or None, password or None])
print(json.dumps(answers))
"""


def test_the_table_matches_the_consumers():
    venv = venv_for(3)
    with open(CASES, encoding="utf-8") as handle:
        cases = json.load(handle)["cases"]
    assert len(cases) >= 15
    result = subprocess.run(
        [os.path.join(venv, "bin", "python"), "-c", READ],
        input=json.dumps(cases).encode(),
        capture_output=True,
        timeout=300,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "AIRFLOW_HOME": "/nonexistent-airflow-home"},
    )
    assert result.returncode == 0, result.stderr.decode()
    answers = json.loads(result.stdout.decode().strip().splitlines()[-1])
    for case, (login, password) in zip(cases, answers):
        assert (login, password) == (case["login"], case["password"]), case["uri"]
