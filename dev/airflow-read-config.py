"""Airflow reads its configuration from this process's environment, as every Airflow process does, and writes what it
read as JSON to the file named by the first argument (stdout is Airflow's log); further SECTION.KEY arguments are
read too. Run by the virtual environment's
Python (`make test-airflow`, IntegrationTests/test_airflow_judge.py), with AIRFLOW_HOME in a temporary directory and
no database: nothing here connects anywhere.

For every AIRFLOW__SECTION__KEY variable: the value `conf.get(section, key)` returns (what `airflow config get-value`
prints: the same call after the providers' configuration is loaded), the Task SDK's reading of it where the SDK
exists (Airflow 3), whether Airflow's schema knows the option and whether Airflow treats it as sensitive. Then the
credentials as Airflow's consumers decode them: SQLAlchemy's `make_url` of [database] sql_alchemy_conn and the
engine airflow.settings created from it; the Celery app of Airflow's Celery executor (kombu's connection for the
broker, Celery's backend lookup and `make_url` for the result backend); every AIRFLOW_CONN_* through Airflow's
environment-variable secrets backend.
"""
import json
import os
import sys


def options(conf, sdk_conf):
    """What Airflow reads for each AIRFLOW__SECTION__KEY variable of the environment."""
    description = conf.configuration_description
    sensitive = conf.sensitive_config_values
    result = {}
    for name in sorted(os.environ):
        if not name.startswith("AIRFLOW__") or name.count("__") != 2:
            continue
        section, key = (part.lower() for part in name[len("AIRFLOW__") :].split("__"))
        known = key in (description.get(section) or {}).get("options", {})
        if not known and key.endswith(("_cmd", "_secret")):  # a variant: Airflow reads it for the option it names
            continue
        entry = {
            "section": section,
            "key": key,
            "known": known,
            "sensitive": (section, key) in sensitive,
            "value": conf.get(section, key),
        }
        if sdk_conf is not None:
            entry["sdk_value"] = sdk_conf.get(section, key)
        result[name] = entry
    return result


def url_parts(url):
    """The parts of an SQLAlchemy URL, decoded as SQLAlchemy decodes them."""
    return {
        "drivername": url.drivername,
        "username": url.username,
        "password": url.password,
        "host": url.host,
        "port": url.port,
        "database": url.database,
    }


def database(conf):
    from sqlalchemy.engine import make_url

    from airflow import settings

    result = {"make_url": url_parts(make_url(conf.get("database", "sql_alchemy_conn")))}
    engine = getattr(settings, "engine", None)
    if engine is not None:
        result["engine"] = url_parts(engine.url)
    return result


def celery():
    """The broker and result backend of the Celery app Airflow's Celery executor builds (no connection is made)."""
    from celery.app.backends import by_url
    from sqlalchemy.engine import make_url

    from airflow.providers.celery.executors.celery_executor_utils import app

    broker = app.connection_for_write()
    backend_class, backend_url = by_url(app.conf.result_backend, app.loader)
    return {
        "broker": {
            "transport": broker.transport_cls,
            "userid": broker.userid,
            "password": broker.password,
            "hostname": broker.hostname,
            "port": broker.port,
            "virtual_host": broker.virtual_host,
            "ssl": {key: getattr(value, "name", str(value)) for key, value in (broker.ssl or {}).items()},
        },
        "result_backend": {"class": backend_class.__name__, **url_parts(make_url(backend_url))},
    }


def connections():
    from airflow.secrets.environment_variables import EnvironmentVariablesBackend

    backend = EnvironmentVariablesBackend()
    result = {}
    for name in sorted(os.environ):
        if name.startswith("AIRFLOW_CONN_"):
            connection = backend.get_connection(name[len("AIRFLOW_CONN_") :].lower())
            result[name] = {
                "conn_type": connection.conn_type,
                "login": connection.login,
                "password": connection.password,
                "host": connection.host,
                "port": connection.port,
                "schema": connection.schema,
            }
    return result


def main(path, requested):
    import airflow
    from airflow.configuration import conf
    from airflow.providers_manager import ProvidersManager

    # What `airflow config get-value` does first (its decorator providers_configuration_loaded).
    ProvidersManager().initialize_providers_configuration()
    try:
        from airflow.sdk.configuration import conf as sdk_conf
    except ImportError:  # Airflow 2 has no Task SDK
        sdk_conf = None
    report = {
        "version": airflow.__version__,
        "options": options(conf, sdk_conf),
        "database": database(conf),
        "connections": connections(),
        # SECTION.KEY arguments: conf.get of options not set directly (a _CMD variant, a default).
        "requested": {name: conf.get(*name.split(".", 1)) for name in requested},
    }
    if conf.get("core", "executor") == "CeleryExecutor":
        report["celery"] = celery()
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump(report, handle)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
