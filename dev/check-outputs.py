#!/usr/bin/env python3
"""Independent checks of a rendered environment, by the real consumers of each output.

- the compose `.env`: Docker Compose v2 itself (`docker-compose config --format json`, no engine needed) must read
  back exactly the values of the plain env block; python-dotenv must too, where its rules agree with Compose's;
- the Fernet key: Python's `cryptography` Fernet and MultiFernet must accept it;
- every ECS task definition: valid JSON with no secret value in it.

Prints a summary that names variables and files, never a value. Exit status 1 on any failure.
"""
import json
import os
import subprocess
import sys
import tempfile


def read_env_block(path):
    """The env block's variables: everything after the first '=' is the value, verbatim."""
    values = {}
    with open(path, encoding="utf-8") as handle:
        for line in handle.read().split("\n"):
            if not line or line.startswith("#"):
                continue
            name, _, value = line.partition("=")
            values[name] = value
    return values


def compose_read(env_file):
    """The environment Docker Compose v2 reads from an env_file (its JSON prints a literal '$' as '$$')."""
    with tempfile.TemporaryDirectory() as directory:
        compose = os.path.join(directory, "compose.yaml")
        with open(compose, "w", encoding="utf-8") as handle:
            json.dump({"services": {"s": {"image": "alpine", "env_file": [os.path.abspath(env_file)]}}}, handle)
        result = subprocess.run(
            ["docker-compose", "-f", compose, "config", "--format", "json"],
            capture_output=True,
            text=True,
            env={**os.environ, "COMPOSE_PROJECT_NAME": "cfgcheck"},
            cwd=directory,
        )
        if result.returncode != 0:
            raise RuntimeError("docker-compose could not read %s (exit %d)" % (env_file, result.returncode))
        environment = json.loads(result.stdout)["services"]["s"].get("environment", {})
        return {name: (value or "").replace("$$", "$") for name, value in environment.items()}


def dotenv_read(env_file):
    from dotenv import dotenv_values

    return dict(dotenv_values(env_file, interpolate=False))


def dotenv_comparable(env_file):
    """The variables whose line python-dotenv reads by Compose's rules too (README.md, "Settings templates and outputs"): it has no `\\$`
    escape in double quotes, and a double-quoted value ending in a backslash stops its parser for the rest of
    the file."""
    names = []
    with open(env_file, encoding="utf-8") as handle:
        for line in handle.read().split("\n"):
            name, _, value = line.partition("=")
            if not name:
                continue
            if value.startswith('"'):
                if value.endswith('\\\\"'):
                    break
                if "\\$" in value:
                    continue
            names.append(name)
    return names


def check_fernet(key):
    from cryptography.fernet import Fernet, MultiFernet

    fernet = Fernet(key.encode())
    token = fernet.encrypt(b"cfg check")
    assert fernet.decrypt(token) == b"cfg check"
    assert MultiFernet([Fernet(Fernet.generate_key()), fernet]).decrypt(token) == b"cfg check"


def main(directory):
    failures = []
    block = read_env_block(os.path.join(directory, "airflow.env"))
    # Each compose env file must read back to exactly the values of the plain env block with the same settings.
    pairs = [(".env", "airflow.env"), ("compose/api-server.env", "api-server.env")]
    for dotenv_name, env_name in pairs:
        expected = read_env_block(os.path.join(directory, env_name))
        dotenv_path = os.path.join(directory, dotenv_name)
        compose = compose_read(dotenv_path)
        problems = len(failures)
        for name, value in expected.items():
            if compose.get(name) != value:
                failures.append("Docker Compose reads %s in %s differently from %s" % (name, dotenv_name, env_name))
        if set(compose) != set(expected):
            failures.append("Docker Compose sees other variables in %s than in %s" % (dotenv_name, env_name))
        dotenv = dotenv_read(dotenv_path)
        for name in dotenv_comparable(dotenv_path):
            if dotenv.get(name) != expected.get(name):
                failures.append("python-dotenv reads %s in %s differently from %s" % (name, dotenv_name, env_name))
        if len(failures) == problems:
            print("  %s: Docker Compose and python-dotenv read %d variables back unchanged" % (dotenv_name, len(expected)))

    fernet_key = block.get("AIRFLOW__CORE__FERNET_KEY")
    if fernet_key is None:
        failures.append("no AIRFLOW__CORE__FERNET_KEY in airflow.env")
    else:
        try:
            check_fernet(fernet_key)
            print("  fernet_key: accepted by cryptography's Fernet and MultiFernet")
        except Exception as error:  # noqa: BLE001 - report the kind only, never the key
            failures.append("the Fernet key is not accepted by cryptography (%s)" % type(error).__name__)

    ecs_directory = os.path.join(directory, "ecs")
    task_files = sorted(os.listdir(ecs_directory)) if os.path.isdir(ecs_directory) else []
    for name in task_files:
        with open(os.path.join(ecs_directory, name), encoding="utf-8") as handle:
            text = handle.read()
        document = json.loads(text)
        for key in ("family", "containerDefinitions", "networkMode", "requiresCompatibilities", "cpu", "memory"):
            if key not in document:
                failures.append("ecs/%s has no %s" % (name, key))
        for variable in ("AIRFLOW__CORE__FERNET_KEY", "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"):
            value = block.get(variable)
            if value and value in text:
                failures.append("ecs/%s contains the value of %s in clear" % (name, variable))
    print("  ecs: %d task definitions are JSON with the RegisterTaskDefinition fields and no secret in clear"
          % len(task_files))

    for failure in failures:
        print("FAIL: " + failure, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "out/dev"))
