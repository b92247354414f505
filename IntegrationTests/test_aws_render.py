"""prod-aws against moto's Secrets Manager, STS and ECS that `make test` starts (CFG_TEST_MOTO_ENDPOINT).

Each test gets a region of its own, emptied first, so the reference layout (airflow/prod/...) of one test
never meets another's, also when the suite runs a second time (on the release binary) against the same moto.
moto checks no signatures: signing is proven by the Swift tests (official vectors, botocore differential).
"""
import itertools
import json
import os

import pytest
from conftest import child_environment, closed_port, output_files

SECRETS = ["db", "redis", "fernet", "webserver", "admin", "flower", "smtp"]
# Regions moto serves; one per test, in order.
REGIONS = itertools.cycle(
    [
        "eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1", "eu-north-1", "us-west-1", "us-west-2",
        "us-east-2", "ap-south-1", "ap-northeast-1", "ap-northeast-2", "ap-southeast-1", "ap-southeast-2",
        "ca-central-1", "sa-east-1",
    ]
)


def moto_endpoint():
    endpoint = os.environ.get("CFG_TEST_MOTO_ENDPOINT")
    if not endpoint:
        if os.environ.get("CFG_REQUIRE_SERVERS") == "1":
            pytest.fail("CFG_TEST_MOTO_ENDPOINT is not set: run `make test` (or make servers-start)")
        pytest.skip("the test moto server is not running (make servers-start)")
    return endpoint


class AWS:
    """boto3 clients on moto in one region, and the variables cfg needs to reach it."""

    def __init__(self, endpoint, region):
        import boto3  # pylint: disable=import-outside-toplevel

        self.endpoint, self.region = endpoint, region
        session = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name=region)
        self.secrets = session.client("secretsmanager", endpoint_url=endpoint)
        self.ecs = session.client("ecs", endpoint_url=endpoint)

    def env(self):
        return {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_REGION": self.region,
            "AWS_ENDPOINT_URL": self.endpoint,
        }

    def clear(self):
        for page in self.secrets.get_paginator("list_secrets").paginate():
            for entry in page["SecretList"]:
                self.secrets.delete_secret(SecretId=entry["ARN"], ForceDeleteWithoutRecovery=True)

    def arn(self, name):
        return self.secrets.describe_secret(SecretId=name)["ARN"]


@pytest.fixture
def aws():
    admin = AWS(moto_endpoint(), next(REGIONS))
    admin.clear()
    return admin


def normalised_dev(text):
    """dev's output as prod-aws writes it: only the environment's own names differ."""
    return (
        text.replace("example-airflow-dev-logs/dev/logs", "example-airflow-prod-logs/prod-aws/logs")
        .replace("airflow-dev", "airflow-prod")
        .replace("for the dev environment", "for the prod-aws environment")
        .replace('"dev"', '"prod-aws"')
    )


def seed_from_dev(dev, aws):
    values = {}
    for name in SECRETS:
        values[name] = json.loads(dev.cfg("get", "dev", name).stdout)
        aws.secrets.create_secret(Name="airflow/prod/" + name, SecretString=json.dumps(values[name]))
    return values


def test_prod_aws_renders_what_dev_renders_from_the_same_values(dev, aws):
    seed_from_dev(dev, aws)
    dev.cfg("render", "dev")
    result = dev.cfg("render", "prod-aws", env=aws.env())
    dev_files = output_files(dev.path("out", "dev"))
    aws_files = output_files(dev.path("out", "prod-aws"))
    assert sorted(dev_files) == sorted(aws_files)
    assert len(aws_files) == 11
    for relative, path in aws_files.items():
        assert os.stat(path).st_mode & 0o777 == 0o600, relative
        if relative.startswith("ecs" + os.sep):
            continue  # the task definitions differ by design: checked below
        with open(path, encoding="utf-8") as handle:
            rendered = handle.read()
        with open(dev_files[relative], encoding="utf-8") as handle:
            assert rendered == normalised_dev(handle.read()), relative
    for value in dev.secret_values:
        assert value not in result.stdout.decode() + result.stderr.decode()


def test_task_definitions_deliver_secrets_by_arn_and_moto_registers_them(dev, aws):
    values = seed_from_dev(dev, aws)
    dev.cfg("render", "prod-aws", env=aws.env())
    arns = {aws.arn("airflow/prod/" + name): name for name in SECRETS}
    definitions = {
        relative: path for relative, path in output_files(dev.path("out", "prod-aws")).items()
        if relative.startswith("ecs" + os.sep)
    }
    assert len(definitions) == 6
    delivered = 0
    for relative, path in definitions.items():
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
        for value in dev.secret_values:
            assert value not in text, relative
        definition = json.loads(text)
        (container,) = definition["containerDefinitions"]
        for entry in container.get("secrets", []):
            # arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME-XXXXXX:json-key:version-stage:version-id
            parts = entry["valueFrom"].split(":")
            assert len(parts) == 10, entry
            arn = ":".join(parts[:7])
            assert arn in arns, entry
            assert parts[3] == aws.region
            name = arns[arn]
            assert parts[7] in values[name], entry  # the JSON key exists in that secret
            assert parts[8:] == ["", ""], entry  # current version: no stage, no id
            delivered += 1
        assert definition["executionRoleArn"].startswith("arn:aws:iam::")
        # botocore validates the request against the ECS API model before moto registers it.
        registered = aws.ecs.register_task_definition(**definition)["taskDefinition"]
        assert registered["family"] == definition["family"]
        assert registered["containerDefinitions"][0].get("secrets", []) == container.get("secrets", [])
    names = {
        entry["name"] for path in definitions.values()
        for entry in json.load(open(path, encoding="utf-8"))["containerDefinitions"][0].get("secrets", [])
    }
    assert "AIRFLOW__CORE__FERNET_KEY" in names
    assert delivered >= 6


def test_a_pinned_stage_is_named_in_value_from(dev, aws):
    seed_from_dev(dev, aws)
    fernet = aws.arn("airflow/prod/fernet")
    old = json.loads(dev.cfg("get", "dev", "fernet").stdout)
    aws.secrets.put_secret_value(SecretId=fernet, SecretString=json.dumps({"fernet_key": old["fernet_key"] + "x"}))
    text = dev.read("environments/prod-aws.yaml").replace(
        "  fernet:\n    path: airflow/prod/fernet\n", "  fernet:\n    path: airflow/prod/fernet\n    version: previous\n"
    )
    assert "version: previous" in text
    dev.write("environments/prod-aws.yaml", text)
    dev.cfg("render", "prod-aws", env=aws.env())
    definition = json.loads(dev.read(os.path.join("out", "prod-aws", "ecs", "scheduler.json")))
    secrets = {entry["name"]: entry["valueFrom"] for entry in definition["containerDefinitions"][0]["secrets"]}
    assert secrets["AIRFLOW__CORE__FERNET_KEY"] == fernet + ":fernet_key:AWSPREVIOUS:"
    assert old["fernet_key"] in dev.read(os.path.join("out", "prod-aws", "airflow.env"))


def test_init_creates_missing_secrets_in_secrets_manager_and_keeps_existing_ones(project, aws):
    existing = {"fernet_key": "kept-" + os.urandom(8).hex()}
    aws.secrets.create_secret(Name="airflow/prod/fernet", SecretString=json.dumps(existing))
    result = project.cfg("init", "prod-aws", env=aws.env())
    output = result.stdout.decode() + result.stderr.decode()
    assert "generated db, redis, webserver, admin, flower, smtp" in output
    assert "kept existing fernet" in output
    for name in SECRETS:
        value = json.loads(aws.secrets.get_secret_value(SecretId="airflow/prod/" + name)["SecretString"])
        if name == "fernet":
            assert value == existing
        if name == "db":
            assert set(value) == {"engine", "username", "password", "host", "port", "dbname"}
            assert value["port"] == 5432 and len(value["password"]) == 32
            assert value["password"] not in output
    project.cfg("render", "prod-aws", env=aws.env())


def test_an_unreachable_endpoint_fails_with_exit_69_and_writes_nothing(project, aws):
    project.cfg("init", "prod-aws", env=aws.env())
    project.cfg("render", "prod-aws", env=aws.env())
    out = project.path("out", "prod-aws")
    before = {path: open(path, "rb").read() for path in output_files(out).values()}
    endpoint = "http://127.0.0.1:%d" % closed_port()
    env = {**aws.env(), "AWS_ENDPOINT_URL": endpoint, "AWS_MAX_ATTEMPTS": "1"}
    result = project.cfg("render", "prod-aws", env=env, check=False)
    assert result.returncode == 69
    lines = result.stderr.decode().strip().splitlines()
    assert len(lines) == 1, lines
    assert "cannot be reached" in lines[0] and endpoint in lines[0]
    after = {path: open(path, "rb").read() for path in output_files(out).values()}
    assert after == before
    fresh = project.cfg("render", "prod-aws", "--out", project.path("fresh"), env=env, check=False)
    assert fresh.returncode == 69
    assert not os.path.exists(project.path("fresh"))


def test_a_missing_secret_exits_66_naming_it(project, aws):
    result = project.cfg("render", "prod-aws", env=aws.env(), check=False)
    assert result.returncode == 66
    stderr = result.stderr.decode()
    assert "airflow/prod/db" in stderr and "not found" in stderr


def test_no_credentials_anywhere_says_how_to_provide_them(project, aws):
    env = {"AWS_REGION": aws.region, "AWS_ENDPOINT_URL": aws.endpoint}
    result = project.cfg("render", "prod-aws", env=env, check=False)
    assert result.returncode == 69
    stderr = result.stderr.decode()
    assert "AWS_ACCESS_KEY_ID" in stderr
    assert len(stderr.strip().splitlines()) == 1, stderr


def test_a_bad_endpoint_variable_is_a_configuration_error(project, aws):
    result = project.cfg("render", "prod-aws", env={**aws.env(), "AWS_ENDPOINT_URL": "ftp://nowhere"}, check=False)
    assert result.returncode == 65
    assert "AWS_ENDPOINT_URL" in result.stderr.decode()


def test_exec_gives_the_scheduler_its_settings_from_secrets_manager_and_not_the_keys(dev, aws):
    values = seed_from_dev(dev, aws)
    result = dev.cfg("exec", "prod-aws", "--service", "scheduler", "--", "env", "-0", env=aws.env())
    child = child_environment(result.stdout)
    assert child["AIRFLOW__CORE__FERNET_KEY"] == values["fernet"]["fernet_key"]
    assert "postgresql" in child["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
    assert "AWS_ACCESS_KEY_ID" not in child and "AWS_SECRET_ACCESS_KEY" not in child
    assert child["AWS_REGION"] == aws.region
    assert result.stderr == b""


def test_init_creates_secrets_with_the_description_kms_key_and_tags(project, aws):
    path = project.path("environments", "prod-aws.yaml")
    text = open(path, encoding="utf-8").read()
    text = text.replace(
        "  type: aws\n  region: us-east-1\n",
        "  type: aws\n  region: us-east-1\n  kms_key_id: alias/airflow-prod\n"
        "  tags: { team: data-platform, cost-center: 4711 }\n",
    )
    open(path, "w", encoding="utf-8").write(text)
    project.cfg("init", "prod-aws", env=aws.env())
    for name in SECRETS:
        described = aws.secrets.describe_secret(SecretId="airflow/prod/" + name)
        assert described["Description"] == "Managed by cfg (environment prod-aws)"
        assert described["KmsKeyId"] == "alias/airflow-prod"
        assert sorted((tag["Key"], tag["Value"]) for tag in described["Tags"]) == [
            ("cost-center", "4711"),
            ("team", "data-platform"),
        ]


def test_a_credential_process_profile_signs_the_calls_and_its_output_is_never_shown(project, aws):
    canary = "CANARY-" + os.urandom(8).hex()
    helper = project.path("creds-helper")
    with open(helper, "w", encoding="utf-8") as script:
        script.write(
            "#!/bin/sh\necho run >> \"$HOME/helper-runs\"\n"
            "printf '%%s' '{\"Version\": 1, \"AccessKeyId\": \"AKIAPROCESS\", \"SecretAccessKey\": \"%s\", "
            "\"SessionToken\": \"%s-token\", \"Expiration\": \"2099-01-01T00:00:00Z\"}'\n" % (canary, canary)
        )
    os.chmod(helper, 0o755)
    os.makedirs(project.path(".aws"), exist_ok=True)
    with open(project.path(".aws", "config"), "w", encoding="utf-8") as config:
        config.write("[profile helper]\ncredential_process = \"%s\" --profile x\n" % helper)
    env = {"AWS_REGION": aws.region, "AWS_ENDPOINT_URL": aws.endpoint, "AWS_PROFILE": "helper"}
    init = project.cfg("init", "prod-aws", env=env)
    render = project.cfg("render", "prod-aws", env=env)
    for result in (init, render):
        assert canary.encode() not in result.stdout + result.stderr
    assert aws.secrets.describe_secret(SecretId="airflow/prod/db")["Name"] == "airflow/prod/db"
    # Once per run: the credentials are cached for the whole run.
    assert open(project.path("helper-runs"), encoding="utf-8").read().count("run") == 2

    with open(helper, "w", encoding="utf-8") as script:
        script.write("#!/bin/sh\necho 'helper: please sign in' >&2\nprintf '%s'\nexit 4\n" % canary)
    failed = project.cfg("render", "prod-aws", env=env, check=False)
    stderr = failed.stderr.decode()
    assert failed.returncode != 0
    assert "helper: please sign in" in stderr  # the helper's own stderr passes through
    assert "exit status 4" in stderr and "profile 'helper'" in stderr
    assert canary not in stderr and canary not in failed.stdout.decode()


def test_an_sso_profile_uses_the_cached_sign_in_and_says_when_to_sign_in_again(project, aws):
    import hashlib  # pylint: disable=import-outside-toplevel
    import http.server  # pylint: disable=import-outside-toplevel
    import threading  # pylint: disable=import-outside-toplevel

    token = "CANARY-sso-" + os.urandom(8).hex()
    seen = []

    class Portal(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # pylint: disable=invalid-name
            seen.append((self.path, self.headers.get("x-amz-sso_bearer_token")))
            body = json.dumps(
                {
                    "roleCredentials": {
                        "accessKeyId": "ASIASSO",
                        "secretAccessKey": "sso-secret",
                        "sessionToken": "sso-token",
                        "expiration": 4070908800000,
                    }
                }
            ).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Portal)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        os.makedirs(project.path(".aws", "sso", "cache"), exist_ok=True)
        with open(project.path(".aws", "config"), "w", encoding="utf-8") as config:
            config.write(
                "[profile dev-sso]\nsso_session = corp\nsso_account_id = 123456789012\n"
                "sso_role_name = AirflowDeployer\n"
                "[sso-session corp]\nsso_start_url = https://d-abc123.awsapps.com/start\nsso_region = eu-west-1\n"
            )
        env = {
            "AWS_REGION": aws.region,
            "AWS_ENDPOINT_URL": aws.endpoint,
            "AWS_ENDPOINT_URL_SSO": "http://127.0.0.1:%d" % server.server_address[1],
            "AWS_PROFILE": "dev-sso",
        }
        missing = project.cfg("init", "prod-aws", env=env, check=False)
        assert missing.returncode != 0
        assert "aws sso login --profile dev-sso" in missing.stderr.decode()
        cache = project.path(".aws", "sso", "cache", hashlib.sha1(b"corp").hexdigest() + ".json")
        with open(cache, "w", encoding="utf-8") as handle:
            json.dump({"accessToken": token, "expiresAt": "2099-01-01T00:00:00Z"}, handle)
        result = project.cfg("init", "prod-aws", env=env)
        assert token.encode() not in result.stdout + result.stderr
        assert seen and seen[0] == ("/federation/credentials?account_id=123456789012&role_name=AirflowDeployer", token)
        with open(cache, "w", encoding="utf-8") as handle:
            json.dump({"accessToken": token, "expiresAt": "2001-01-01T00:00:00Z"}, handle)
        expired = project.cfg("render", "prod-aws", env=env, check=False)
        assert expired.returncode != 0
        stderr = expired.stderr.decode()
        assert "expired" in stderr and "aws sso login --profile dev-sso" in stderr and token not in stderr
    finally:
        server.shutdown()
        server.server_close()
