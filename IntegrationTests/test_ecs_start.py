"""Starts the container of every rendered ECS task definition the way ECS starts it, against moto.

For each task definition (registered in moto's ECS first, then read back as ECS stores it):

- the environment is the container's `environment`, then each `secrets[].valueFrom` resolved from moto's Secrets
  Manager as the ECS agent resolves it (`ARN[:json-key[:version-stage[:version-id]]]`: GetSecretValue by ARN, with
  the stage or the version id; a JSON key is looked up in the SecretString, its value formatted as Go's `%v`), plus
  what the platform adds (the container credentials endpoint, AWS_REGION) and the image's own ENV (PATH, HOME);
- the working directory is the task definition's `workingDirectory`, else the image's, /opt/airflow;
- the process is `entryPoint` + `command`, run with `execve` semantics (no shell).

**The image** is a temporary directory standing for the file system the documented Dockerfile builds: the project
copied to /opt/cfg, cfg at /usr/local/bin/cfg, the working directory /opt/airflow, and the official image's
entrypoint (/usr/bin/dumb-init) replaced by a recorder that writes its arguments, environment and working directory
as JSON. The task definition is run exactly as rendered for production, except that each absolute path of that
layout, where a word of `entryPoint` names it, is mapped to its place in the temporary directory (``IMAGE_PATHS``).
Why a mapping rather than a private mount namespace (`unshare -rm` with /opt bind-mounted): unprivileged user
namespaces are not available on every CI runner, and hiding /opt would hide the Swift toolchain the debug binary
loads its runtime from. The mapping changes no word that is not one of those paths, so a task definition that names
another project location, or none, fails here as it would in the container.

**The task role**: cfg reaches Secrets Manager through a proxy in front of moto that answers for the task role: it
serves the container credentials (as the ECS agent does at AWS_CONTAINER_CREDENTIALS_*_URI) and refuses, with
AccessDeniedException, every read of a secret outside the role's policy (``TASK_ROLE_SECRETS``). The execution role
(the valueFrom reads) is the simulation's own client, as in ECS.
"""
import itertools
import json
import os
import shutil
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import quote

import pytest
import yaml
from conftest import ROOT, cfg_binary
from test_vault_render import vault  # noqa: F401  pylint: disable=unused-import  (the OpenBao namespace fixture)

# The layout of the image the Dockerfile builds: these absolute paths, where a word of entryPoint names them (or a
# path below them), are mapped to the temporary image.
IMAGE_PROJECT = "/opt/cfg"
IMAGE_WORKDIR = "/opt/airflow"
IMAGE_CFG = "/usr/local/bin/cfg"
IMAGE_ENTRYPOINT = "/usr/bin/dumb-init"
# The secrets the task role may read: those cfg exec still computes from (composed settings). The others (fernet,
# webserver, admin, flower) reach the container only through valueFrom, read by the execution role.
TASK_ROLE_SECRETS = {"db", "redis", "smtp"}
SECRETS = ["db", "redis", "fernet", "webserver", "admin", "flower", "smtp"]
SERVICES = ["api-server", "dag-processor", "flower", "scheduler", "triggerer", "worker"]
REGIONS = itertools.cycle(["af-south-1", "ap-east-1", "ap-south-2", "eu-south-1", "eu-central-2", "me-south-1"])

# Hostile values: every URI- and shell-special character, quotes, `$` forms, non-ASCII; newlines where a value may
# hold one (every variable here reaches the process through valueFrom or cfg exec, never a line-based file).
HOSTILE = "p@ss:/w%rd#?&+'\"= $HOME ${X:-y} $$ `id` \\ ;|<>*!~ é🔑 end "
# A value Airflow reads as written (not inside a URI, so not percent-encoded) holds `$` only in forms Airflow's
# $NAME expansion leaves alone: cfg refuses to render one that Airflow would alter (docs/outputs.md).
VERBATIM = "p@ss:/w%rd#?&+'\"= $ HOME ${} $-y $$ `id` \\ ;|<>*!~ é🔑 end "
MULTILINE = "first line $ HOME\nsecond 'line' \"x\"\r\nthird\\n\n"


def hostile_values():
    return {
        "db": {
            "engine": "postgres", "username": "air flow@'x", "password": HOSTILE, "host": "postgres", "port": 5432,
            "dbname": "air/flow db",
        },
        "redis": {"host": "redis", "port": 6379, "auth_token": HOSTILE + "r"},
        "fernet": {"fernet_key": "Zm" + VERBATIM + "\n"},
        "webserver": {"secret_key": MULTILINE},
        "admin": {"username": "ad min", "password": HOSTILE + "\nsecond line", "email": "a+b@example.com"},
        "flower": {"basic_auth": "flower:" + VERBATIM},
        "smtp": {
            "host": "smtp.example.com", "port": 587, "user": "user@example.com", "password": HOSTILE,
            "mail_from": "Airflow <a@example.com>\n$-USER",
        },
    }


def moto_endpoint():
    endpoint = os.environ.get("CFG_TEST_MOTO_ENDPOINT")
    if not endpoint:
        if os.environ.get("CFG_REQUIRE_SERVERS") == "1":
            pytest.fail("CFG_TEST_MOTO_ENDPOINT is not set: run `make test` (or make servers-start)")
        pytest.skip("the test moto server is not running (make servers-start)")
    return endpoint


class StartFailure(Exception):
    """ECS (or the container's first process) could not start the task: the message says why."""


def go_value(value):
    """The ECS agent's `fmt.Sprintf("%v", v)` of a JSON member decoded into interface{} (numbers are float64)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "<nil>"
    if isinstance(value, (int, float)):
        # JSON numbers decode to float64; %v is strconv's 'g' with the shortest digits, which switches to the
        # exponent form when the exponent is below -4 or at least 6 (Go prints 1e6 as "1e+06").
        digits, exponent = shortest_digits(float(value))
        sign = "-" if value < 0 else ""
        if exponent < -4 or exponent >= 6:
            mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
            return "%s%se%s%02d" % (sign, mantissa, "-" if exponent < 0 else "+", abs(exponent))
        return sign + format(Decimal(repr(abs(float(value)))).normalize(), "f")
    raise StartFailure("a JSON member that is an object or a list: what ECS injects then is not modelled here")


def shortest_digits(number):
    """The shortest decimal digits that read back as `number`, and the decimal exponent of the first one."""
    sign, digits, exponent = Decimal(repr(abs(number))).normalize().as_tuple()
    text = "".join(map(str, digits))
    return text, exponent + len(text) - 1


class ECSAgent:
    """Resolves `secrets[].valueFrom` the way the ECS agent does, with the execution role's client."""

    def __init__(self, endpoint):
        import boto3  # pylint: disable=import-outside-toplevel

        self.endpoint = endpoint
        self.boto3 = boto3

    def client(self, region):
        session = self.boto3.session.Session(
            aws_access_key_id="testing", aws_secret_access_key="testing", region_name=region
        )
        return session.client("secretsmanager", endpoint_url=self.endpoint)

    def resolve(self, value_from):
        from botocore.exceptions import ClientError  # pylint: disable=import-outside-toplevel

        parts = value_from.split(":")
        if len(parts) < 7 or parts[:3] != ["arn", "aws", "secretsmanager"] or parts[5] != "secret":
            raise StartFailure("valueFrom is not a Secrets Manager secret ARN: %s" % value_from)
        if len(parts) > 10:
            raise StartFailure("valueFrom has too many fields: %s" % value_from)
        arn = ":".join(parts[:7])
        json_key, stage, version_id = (parts[7:] + ["", "", ""])[:3]
        if stage and version_id:
            raise StartFailure("valueFrom names both a version stage and a version id: %s" % value_from)
        request = {"SecretId": arn}
        if stage:
            request["VersionStage"] = stage
        if version_id:
            request["VersionId"] = version_id
        try:
            answer = self.client(parts[3]).get_secret_value(**request)
        except ClientError as error:
            raise StartFailure("ResourceInitializationError: unable to retrieve secret from asm: %s" % error)
        text = answer.get("SecretString", "")
        if not json_key:
            return text
        try:
            document = json.loads(text)
        except ValueError:
            raise StartFailure("ResourceInitializationError: the secret %s is not JSON" % arn)
        if not isinstance(document, dict) or json_key not in document:
            raise StartFailure(
                "ResourceInitializationError: retrieved secret from Secrets Manager did not contain json key %s"
                % json_key
            )
        return go_value(document[json_key])


class TaskRoleProxy:
    """Secrets Manager as the task role sees it: container credentials, and reads refused outside the policy."""

    def __init__(self, upstream, allowed):
        self.upstream, self.allowed = upstream, set(allowed)
        self.read, self.denied = [], []
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                if self.path != "/credentials":
                    self.send_error(404)
                    return
                proxy.reply(self, 200, {
                    "AccessKeyId": "ASIATASKROLE", "SecretAccessKey": "task-role-secret", "Token": "task-token",
                    "Expiration": "2999-01-01T00:00:00Z",
                })

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                target = self.headers.get("X-Amz-Target", "")
                request = json.loads(body or b"{}")
                ids = request.get("SecretIdList") or [request.get("SecretId", "")]
                names = [proxy.name_of(secret_id) for secret_id in ids]
                proxy.read.extend(names)
                refused = [name for name in names if name not in proxy.allowed]
                if target.endswith("Value") and refused:
                    proxy.denied.extend(refused)
                    proxy.reply(self, 400, {
                        "__type": "AccessDeniedException",
                        "message": "the task role may not read %s" % ", ".join(refused),
                    })
                    return
                forward = urllib.request.Request(
                    proxy.upstream + "/", data=body, method="POST",
                    headers={key: value for key, value in self.headers.items() if key.lower() != "host"},
                )
                try:
                    with urllib.request.urlopen(forward, timeout=30) as answer:
                        status, data = answer.status, answer.read()
                except urllib.error.HTTPError as error:
                    status, data = error.code, error.read()
                self.send_response(status)
                self.send_header("Content-Type", "application/x-amz-json-1.1")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @staticmethod
    def name_of(secret_id):
        """`airflow/prod/db` from a name or an ARN (`…:secret:airflow/prod/db-AbCdEf`)."""
        name = secret_id.split(":secret:", 1)[-1]
        for candidate in SECRETS:
            full = "airflow/prod/" + candidate
            if name == full or (name.startswith(full + "-") and len(name) == len(full) + 7):
                return candidate
        return name

    @staticmethod
    def reply(handler, status, document):
        data = json.dumps(document).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    def close(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


class Image:
    """A temporary directory standing for the image: the project at /opt/cfg, cfg, the workdir, the recorder."""

    def __init__(self, root, project_source):
        self.root = str(root)
        self.project = self.path(IMAGE_PROJECT)
        for part in ("environments", "templates"):  # what the Dockerfile copies
            shutil.copytree(os.path.join(project_source, part), os.path.join(self.project, part))
        self.workdir = self.path(IMAGE_WORKDIR)
        os.makedirs(self.workdir)
        self.home = self.path("/home/airflow")
        os.makedirs(self.home)
        self.record = self.path("/tmp/record.json")
        os.makedirs(os.path.dirname(self.record))
        self.recorder = self.path(IMAGE_ENTRYPOINT)
        os.makedirs(os.path.dirname(self.recorder))
        with open(self.recorder, "w", encoding="utf-8") as handle:
            handle.write(
                "#!%s\nimport json, os, sys\n"
                "with open(%r, 'w', encoding='utf-8') as out:\n"
                "    json.dump({'argv': sys.argv[1:], 'env': dict(os.environ), 'cwd': os.getcwd()}, out)\n"
                % (sys.executable, self.record)
            )
        os.chmod(self.recorder, 0o755)
        self.paths = {IMAGE_PROJECT: self.project, IMAGE_WORKDIR: self.workdir, IMAGE_CFG: cfg_binary(),
                      IMAGE_ENTRYPOINT: self.recorder}

    def path(self, absolute):
        return os.path.join(self.root, absolute.lstrip("/"))

    def map(self, word):
        """A word of entryPoint as the image's file system resolves it: the layout's paths mapped, nothing else."""
        for image_path, here in self.paths.items():
            if word == image_path:
                return here
            if word.startswith(image_path + "/"):
                return here + word[len(image_path):]
        return word


def start(definition, image, agent, platform_env):
    """Starts the task's one container as ECS does; returns what the recorder saw. Raises StartFailure."""
    (container,) = definition["containerDefinitions"]
    environment = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": image.home, "LANG": "C.UTF-8"}  # the image's ENV
    environment.update(platform_env)
    names = [entry["name"] for entry in container.get("environment", [])]
    names += [entry["name"] for entry in container.get("secrets", [])]
    if len(names) != len(set(names)):
        raise StartFailure("a variable is set twice by the task definition")
    for entry in container.get("environment", []):
        environment[entry["name"]] = entry["value"]
    for entry in container.get("secrets", []):
        environment[entry["name"]] = agent.resolve(entry["valueFrom"])
    argv = [image.map(word) for word in container.get("entryPoint", [])] + container.get("command", [])
    workdir = container.get("workingDirectory", IMAGE_WORKDIR)
    if os.path.exists(image.record):
        os.remove(image.record)
    result = subprocess.run(argv, env=environment, cwd=image.map(workdir), capture_output=True, timeout=120)
    if result.returncode != 0 or not os.path.exists(image.record):
        raise StartFailure(
            "the container exited %d before its entrypoint ran: %s"
            % (result.returncode, result.stderr.decode(errors="replace").strip())
        )
    with open(image.record, encoding="utf-8") as handle:
        seen = json.load(handle)
    seen["stderr"] = result.stderr.decode(errors="replace")
    return seen


class Deployment:
    """prod-aws in one moto region: the secrets, a project to render from and an image to start."""

    def __init__(self, tmp_path, region):
        import boto3  # pylint: disable=import-outside-toplevel

        self.endpoint, self.region = moto_endpoint(), region
        session = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing",
                                        region_name=region)
        self.secrets = session.client("secretsmanager", endpoint_url=self.endpoint)
        self.ecs = session.client("ecs", endpoint_url=self.endpoint)
        for page in self.secrets.get_paginator("list_secrets").paginate():
            for entry in page["SecretList"]:
                self.secrets.delete_secret(SecretId=entry["ARN"], ForceDeleteWithoutRecovery=True)
        self.values = hostile_values()
        for name, value in self.values.items():
            self.secrets.create_secret(Name="airflow/prod/" + name, SecretString=json.dumps(value))
        # The project a pipeline renders from; only the task definitions are rendered (the line-based env files
        # cannot hold the multi-line values).
        self.source = str(tmp_path / "source")
        for part in ("environments", "templates"):
            shutil.copytree(os.path.join(ROOT, part), os.path.join(self.source, part))
        self.edit(lambda document: document.update(outputs=[{"kind": "ecs-task-definition"}]))
        self.image = Image(tmp_path / "image", self.source)
        self.agent = ECSAgent(self.endpoint)
        self.proxy = TaskRoleProxy(self.endpoint, TASK_ROLE_SECRETS)
        self.home = str(tmp_path / "home")
        os.makedirs(self.home)

    def edit(self, change, project=None):
        path = os.path.join(project or self.source, "environments", "prod-aws.yaml")
        with open(path, encoding="utf-8") as handle:
            document = yaml.safe_load(handle)
        change(document)
        with open(path, "w", encoding="utf-8") as handle:
            yaml.safe_dump(document, handle, sort_keys=False)

    def render(self):
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": self.home, "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_REGION": self.region,
            "AWS_ENDPOINT_URL": self.endpoint,
        }
        result = subprocess.run([cfg_binary(), "render", "-C", self.source, "prod-aws"], env=env,
                                capture_output=True, timeout=120)
        assert result.returncode == 0, result.stderr.decode(errors="replace")
        definitions = {}
        for service in SERVICES:
            with open(os.path.join(self.source, "out", "prod-aws", "ecs", service + ".json"), encoding="utf-8") as f:
                document = json.load(f)
            # As ECS stores it: registered, then described (botocore validates it against the ECS model first).
            arn = self.ecs.register_task_definition(**document)["taskDefinition"]["taskDefinitionArn"]
            definitions[service] = self.ecs.describe_task_definition(taskDefinition=arn)["taskDefinition"]
        return definitions

    def platform_env(self):
        """What ECS adds: the region and the task role's credentials endpoint (here the proxy, on loopback)."""
        return {
            "AWS_REGION": self.region, "AWS_DEFAULT_REGION": self.region, "AWS_EXECUTION_ENV": "AWS_ECS_FARGATE",
            "AWS_CONTAINER_CREDENTIALS_FULL_URI": self.proxy.url + "/credentials",
            # Test plumbing, not ECS: Secrets Manager is the proxy in front of moto; no instance metadata here.
            "AWS_ENDPOINT_URL_SECRETS_MANAGER": self.proxy.url, "AWS_EC2_METADATA_DISABLED": "true",
        }

    def start(self, definition):
        return start(definition, self.image, self.agent, self.platform_env())

    def close(self):
        self.proxy.close()


@pytest.fixture
def deployment(tmp_path):
    value = Deployment(tmp_path, next(REGIONS))
    yield value
    value.close()


def uri(value):
    return quote(str(value), safe="")


def test_every_prod_aws_task_definition_starts_with_exactly_the_values_the_secrets_hold(deployment):
    definitions = deployment.render()
    values = deployment.values
    arns = {deployment.secrets.describe_secret(SecretId="airflow/prod/" + name)["ARN"]: name for name in SECRETS}
    db, redis, smtp = values["db"], values["redis"], values["smtp"]
    composed = {
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": "postgresql+psycopg2://%s:%s@postgres:5432/%s"
        % (uri(db["username"]), uri(db["password"]), uri(db["dbname"])),
        "AIRFLOW__CELERY__RESULT_BACKEND": "db+postgresql://%s:%s@postgres:5432/%s"
        % (uri(db["username"]), uri(db["password"]), uri(db["dbname"])),
        "AIRFLOW__CELERY__BROKER_URL": "rediss://:%s@redis:6379/0?ssl_cert_reqs=required" % uri(redis["auth_token"]),
        "AIRFLOW_CONN_SMTP_DEFAULT": "smtp://%s:%s@smtp.example.com:587" % (uri(smtp["user"]), uri(smtp["password"])),
        "AIRFLOW__SMTP__SMTP_PORT": "587",
    }
    assert sorted(definitions) == SERVICES
    for service, definition in definitions.items():
        (container,) = definition["containerDefinitions"]
        assert container["entryPoint"][:5] == [IMAGE_CFG, "exec", "-C", IMAGE_PROJECT, "prod-aws"], service
        seen = deployment.start(definition)
        env = seen["env"]
        assert seen["argv"] == ["--", "/entrypoint"] + container["command"], service
        assert seen["cwd"] == deployment.image.workdir
        for entry in container["environment"]:
            if entry["name"] != "CFG_TASK_DEFINITION_VARIABLES":
                assert env[entry["name"]] == entry["value"], (service, entry["name"])
        for entry in container["secrets"]:
            name, key = arns[":".join(entry["valueFrom"].split(":")[:7])], entry["valueFrom"].split(":")[7]
            assert env[entry["name"]] == values[name][key], (service, entry["name"])
        for variable, expected in composed.items():
            assert env[variable] == expected, (service, variable)
        assert env["AIRFLOW__CORE__FERNET_KEY"] == values["fernet"]["fernet_key"]
        assert env["AIRFLOW__API__SECRET_KEY"] == MULTILINE
        if service == "api-server":
            assert env["_AIRFLOW_WWW_USER_PASSWORD"] == values["admin"]["password"]
        if service == "flower":
            assert env["AIRFLOW__CELERY__FLOWER_BASIC_AUTH"] == values["flower"]["basic_auth"]
        # cfg's marker and the static test keys are cfg's own; the task role's endpoint stays for Airflow.
        assert "CFG_TASK_DEFINITION_VARIABLES" not in env
        assert "AWS_ACCESS_KEY_ID" not in env
        assert env["AWS_CONTAINER_CREDENTIALS_FULL_URI"] == deployment.proxy.url + "/credentials"
        for secret in values.values():
            for value in secret.values():
                assert str(value) not in seen["stderr"] or len(str(value)) < 8
    # The task role read only the secrets of composed settings; never one that ECS injected by itself.
    assert set(deployment.proxy.read) == TASK_ROLE_SECRETS
    assert deployment.proxy.denied == []


def test_a_value_changed_and_rendered_into_a_new_revision_reaches_the_container_without_a_new_image(deployment):
    deployment.render()
    deployment.edit(lambda document: document["values"].update(dags_folder="/opt/airflow/dags-v2 $HOME"))
    definition = deployment.render()["scheduler"]
    seen = deployment.start(definition)  # the image still holds the old environment file
    assert seen["env"]["AIRFLOW__CORE__DAGS_FOLDER"] == "/opt/airflow/dags-v2 $HOME"


def test_pinned_stages_and_version_ids_are_resolved_as_ecs_resolves_them(deployment):
    first = deployment.secrets.describe_secret(SecretId="airflow/prod/webserver")
    (first_version,) = [v for v, stages in first["VersionIdsToStages"].items() if "AWSCURRENT" in stages]
    old = deployment.values
    deployment.secrets.put_secret_value(SecretId="airflow/prod/fernet", SecretString=json.dumps({"fernet_key": "new"}))
    deployment.secrets.put_secret_value(SecretId="airflow/prod/webserver", SecretString=json.dumps({"secret_key": "n"}))

    def pin(document):
        document["secrets"]["fernet"]["version"] = "previous"
        document["secrets"]["webserver"]["version"] = first_version

    deployment.edit(pin)
    deployment.edit(pin, project=deployment.image.project)
    definition = deployment.render()["scheduler"]
    value_from = {entry["name"]: entry["valueFrom"] for entry in definition["containerDefinitions"][0]["secrets"]}
    assert value_from["AIRFLOW__CORE__FERNET_KEY"].endswith(":fernet_key:AWSPREVIOUS:")
    assert value_from["AIRFLOW__API__SECRET_KEY"].endswith(":secret_key::" + first_version)
    env = deployment.start(definition)["env"]
    assert env["AIRFLOW__CORE__FERNET_KEY"] == old["fernet"]["fernet_key"]
    assert env["AIRFLOW__API__SECRET_KEY"] == old["webserver"]["secret_key"]


def test_a_task_definition_without_the_project_location_does_not_start(deployment):
    """Negative: the entrypoint cfg rendered before ecs.project_dir, and a project_dir the image does not have."""
    definition = deployment.render()["scheduler"]
    container = definition["containerDefinitions"][0]
    assert container["entryPoint"][2:4] == ["-C", IMAGE_PROJECT]
    del container["entryPoint"][2:4]  # `cfg exec prod-aws --service scheduler -- …`, run from /opt/airflow
    with pytest.raises(StartFailure, match="exited 65.*prod-aws"):
        deployment.start(definition)

    deployment.edit(lambda document: document["ecs"].update(project_dir="/srv/cfg-project-not-in-the-image"))
    elsewhere = deployment.render()["scheduler"]
    with pytest.raises(StartFailure, match="exited 65"):
        deployment.start(elsewhere)


def test_a_value_from_the_secret_cannot_give_stops_the_start(deployment):
    """Negative: the simulated agent refuses what ECS refuses (a missing JSON key), so a broken reference fails."""
    definition = deployment.render()["scheduler"]
    entry = definition["containerDefinitions"][0]["secrets"][0]
    parts = entry["valueFrom"].split(":")
    parts[7] = "no_such_key"
    entry["valueFrom"] = ":".join(parts)
    with pytest.raises(StartFailure, match="did not contain json key no_such_key"):
        deployment.start(definition)


def test_without_the_marker_cfg_exec_would_need_every_secret(deployment):
    """The task role's policy is what makes the marker matter: the old behaviour reads fernet and is refused."""
    definition = deployment.render()["scheduler"]
    container = definition["containerDefinitions"][0]
    container["environment"] = [e for e in container["environment"] if e["name"] != "CFG_TASK_DEFINITION_VARIABLES"]
    with pytest.raises(StartFailure, match="exited 69"):
        deployment.start(definition)
    assert "fernet" in deployment.proxy.denied


def test_the_simulated_agent_formats_json_members_as_go_does():
    """The agent formats a non-string JSON member with Go's %v of a float64 (fmt.Sprint(1e6) is "1e+06")."""
    assert [go_value(v) for v in (587, 123456, 1000000, 1234567, 0.5, 0.00001, -2.5, 0)] == [
        "587", "123456", "1e+06", "1.234567e+06", "0.5", "1e-05", "-2.5", "0",
    ]
    assert go_value(True) == "true" and go_value(None) == "<nil>" and go_value("x") == "x"


@pytest.mark.parametrize("environment", ["dev", "prod-vault"])
def test_dev_and_prod_vault_task_definitions_start_with_what_cfg_renders(request, dev, tmp_path, environment):
    """dev (local store) and prod-vault (OpenBao) deliver every secret through cfg exec: each task definition
    starts from /opt/airflow with the project at /opt/cfg, and the process gets the values `cfg render` writes.

    dev's store (.cfg/dev.store) is copied into the image here, which the Dockerfile does not do: a local store is
    for development, and its key comes in CFG_LOCAL_KEY."""
    credentials = {"CFG_LOCAL_KEY": dev.read(os.path.join("xdg", "cfg", "keys", "dev.key")).strip()}
    if environment == "prod-vault":
        vault = request.getfixturevalue("vault")
        for name in SECRETS:
            value = json.loads(dev.cfg("get", "dev", name).stdout)
            status, _ = vault.call("POST", "secret/data/airflow/prod/" + name, {"data": value})
            assert status == 200
        credentials = vault.env()
    dev.cfg("render", environment, env=credentials)
    image = Image(tmp_path / "image", dev.root)
    if environment == "dev":
        shutil.copytree(dev.path(".cfg"), os.path.join(image.project, ".cfg"))
    with open(dev.path("out", environment, "airflow.env"), encoding="utf-8") as handle:
        common = dict(line.rstrip("\n").split("=", 1) for line in handle if "=" in line)
    assert "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN" in common
    for service in SERVICES:
        with open(dev.path("out", environment, "ecs", service + ".json"), encoding="utf-8") as handle:
            definition = json.load(handle)
        container = definition["containerDefinitions"][0]
        assert "secrets" not in container
        assert container["entryPoint"][1:5] == ["exec", "-C", IMAGE_PROJECT, environment]
        seen = start(definition, image, agent=None, platform_env=credentials)
        env = seen["env"]
        for variable, value in common.items():
            assert env[variable] == value, (environment, service, variable)
        for entry in container["environment"]:
            if entry["name"] != "CFG_TASK_DEFINITION_VARIABLES":
                assert env[entry["name"]] == entry["value"], (environment, service, entry["name"])
        assert "CFG_TASK_DEFINITION_VARIABLES" not in env
        assert "CFG_LOCAL_KEY" not in env and "VAULT_TOKEN" not in env
