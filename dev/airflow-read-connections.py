"""Airflow reads every AIRFLOW_CONN_* and AIRFLOW_VAR_* variable of this process's environment the way its processes
do, and writes what it read as JSON to the file named by the first argument. Run by an Airflow virtual environment's
Python (IntegrationTests/test_airflow_connections.py) with AIRFLOW_HOME in a temporary directory; no database is
needed and nothing connects anywhere.

Per connection, each reading Airflow offers:
- "secrets": `airflow.models.Connection.get_connection_from_secrets`, the path of hooks in Airflow 2 and of the
  scheduler and API server in Airflow 3 (the environment-variable secrets backend, which sends a value starting with
  `{` to `Connection.from_json` and any other to `Connection(uri=…)`);
- "parser": the parser that value goes to, called directly (`Connection.from_json` or `Connection(conn_id, uri)`);
- "sdk" (Airflow 3 only): the Task SDK's reading, `airflow.sdk.execution_time.context._get_connection`, the path a
  task's hook takes (the same backend, with the SDK's `Connection.from_json` / `Connection.from_uri`).
Per variable: `Variable.get(key)` ("secrets") and, in Airflow 3, the Task SDK's `_get_variable` ("sdk").

A reading that fails is reported by its exception's type only: Airflow's messages may quote the value.
"""
import json
import os
import sys

FIELDS = ["conn_type", "description", "host", "login", "password", "schema", "port"]


def fields(connection):
    result = {name: getattr(connection, name, None) for name in FIELDS}
    result["extra"] = connection.extra_dejson
    return result


def attempt(read):
    try:
        return read()
    except Exception as error:  # pylint: disable=broad-except
        return {"error": type(error).__name__}


def connections(sdk):
    from airflow.models.connection import Connection

    result = {}
    for name in sorted(os.environ):
        if not name.startswith("AIRFLOW_CONN_"):
            continue
        conn_id, value = name[len("AIRFLOW_CONN_") :].lower(), os.environ[name]

        def parser():
            if value.strip().startswith("{"):
                return fields(Connection.from_json(value, conn_id=conn_id))
            return fields(Connection(conn_id=conn_id, uri=value))

        entry = {
            "secrets": attempt(lambda: fields(Connection.get_connection_from_secrets(conn_id))),
            "parser": attempt(parser),
        }
        if sdk:
            from airflow.sdk.execution_time.context import _get_connection

            entry["sdk"] = attempt(lambda: fields(_get_connection(conn_id)))
        result[name] = entry
    return result


def variables(sdk):
    from airflow.models.variable import Variable

    result = {}
    for name in sorted(os.environ):
        if not name.startswith("AIRFLOW_VAR_"):
            continue
        key = name[len("AIRFLOW_VAR_") :].lower()
        entry = {"secrets": attempt(lambda: Variable.get(key))}
        if sdk:
            from airflow.sdk.execution_time.context import _get_variable

            entry["sdk"] = attempt(lambda: _get_variable(key, deserialize_json=False))
        result[name] = entry
    return result


def main(path):
    import airflow

    try:
        import airflow.sdk.execution_time.context  # noqa: F401  (Airflow 3's Task SDK)

        sdk = True
    except ImportError:
        sdk = False
    report = {"version": airflow.__version__, "connections": connections(sdk), "variables": variables(sdk)}
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump(report, handle)


if __name__ == "__main__":
    main(sys.argv[1])
