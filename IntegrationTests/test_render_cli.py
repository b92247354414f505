"""`cfg render` for scripts and CI: `--diff`'s exit code (0 nothing would change, 1 something would) and its one
line format, `--format json` on `--check` and `--diff` (parsed here; never a value), and `--service`, `--output`
and `--out -` (a single output on stdout) with their errors. Runs on the dev environment's local store."""
import json
import os
import re

import pytest
from conftest import output_files

FP = r"fp:[0-9a-f]{10}"


def assert_no_secret(dev, *texts):
    for text in texts:
        text = text.decode() if isinstance(text, bytes) else text
        for value in dev.secret_values:
            assert value not in text


def edit(dev, relative, old, new):
    text = dev.read(relative)
    assert old in text, old
    dev.write(relative, text.replace(old, new))


# --diff: the exit code, both ways.


def test_diff_exits_0_when_nothing_would_change(dev):
    dev.cfg("render", "dev")
    result = dev.cfg("render", "dev", "--diff", check=False)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.decode().splitlines()
    assert lines and all(re.fullmatch(r"= \S+ \(unchanged\)", line) for line in lines), lines


def test_diff_exits_1_when_something_would_change_and_0_again_after_the_render(dev):
    dev.cfg("render", "dev")
    edit(dev, "templates/airflow.cfg.tmpl", "load_examples = False", "load_examples = True")
    before = output_files(dev.path("out", "dev"))
    result = dev.cfg("render", "dev", "--diff", check=False)
    assert result.returncode == 1, result.stderr
    assert output_files(dev.path("out", "dev")) == before
    dev.cfg("render", "dev")
    assert dev.cfg("render", "dev", "--diff", check=False).returncode == 0
    # And back: reverting the template is a change again.
    edit(dev, "templates/airflow.cfg.tmpl", "load_examples = True", "load_examples = False")
    assert dev.cfg("render", "dev", "--diff", check=False).returncode == 1


def test_diff_before_the_first_render_lists_new_files_and_exits_1(dev):
    result = dev.cfg("render", "dev", "--diff", check=False)
    assert result.returncode == 1
    stdout = result.stdout.decode()
    assert "+ airflow.env (new file)\n" in stdout
    # Every key of a new file is an added key; secret ones only as fingerprints.
    assert re.search(r"^    \+ AIRFLOW__CORE__FERNET_KEY: %s$" % FP, stdout, re.M)
    assert re.search(r"^    \+ AIRFLOW__CORE__LOAD_EXAMPLES: False$", stdout, re.M)
    assert_no_secret(dev, result.stdout, result.stderr)
    assert not os.path.exists(dev.path("out", "dev"))


def test_errors_keep_their_exit_codes_under_diff(dev):
    dev.cfg("render", "dev")
    edit(dev, "templates/airflow.cfg.tmpl", "{{ secrets.fernet.fernet_key }}", "{{ secrets.fernet.fernet_kye }}")
    result = dev.cfg("render", "dev", "--diff", check=False)
    assert result.returncode == 66
    assert result.stdout == b""


# --diff: one line format for added, changed and removed keys and files.


def test_diff_line_format_for_added_changed_and_removed_keys(dev):
    dev.cfg("render", "dev")
    edit(dev, "templates/airflow.cfg.tmpl", "load_examples = False", "load_examples = True")
    edit(dev, "templates/airflow.cfg.tmpl", "[env]\n", "[env]\nCFG_TEST_ADDED = hello\n")
    text = dev.read("templates/airflow.cfg.tmpl")
    jwt = re.search(r"^jwt_secret = .*\n", text, re.M).group(0)
    dev.write("templates/airflow.cfg.tmpl", text.replace(jwt, ""))
    result = dev.cfg("render", "dev", "--diff", check=False)
    assert result.returncode == 1
    stdout = result.stdout.decode()
    assert_no_secret(dev, result.stdout, result.stderr)
    block = stdout.split("~ airflow.env (changed)\n", 1)[1].split("\n~ ", 1)[0].split("\n= ", 1)[0]
    lines = set(block.splitlines())
    assert "    + CFG_TEST_ADDED: hello" in lines
    assert any(re.fullmatch(r"    ~ AIRFLOW__CORE__LOAD_EXAMPLES: %s -> True" % FP, line) for line in lines)
    assert any(re.fullmatch(r"    - AIRFLOW__API_AUTH__JWT_SECRET: %s" % FP, line) for line in lines)
    # Every line of the whole diff is a file line or a key line.
    for line in stdout.splitlines():
        assert re.fullmatch(r"[+~=] \S+ \((new file|changed|unchanged)\)|    [+~-] [^:]+: .+", line), line


# --format json.


def test_diff_json_shape(dev):
    dev.cfg("render", "dev")
    edit(dev, "templates/airflow.cfg.tmpl", "load_examples = False", "load_examples = True")
    edit(dev, "templates/airflow.cfg.tmpl", "{{ secrets.fernet.fernet_key }}", "{{ secrets.fernet.fernet_key }}x")
    result = dev.cfg("render", "dev", "--diff", "--format", "json", check=False)
    assert result.returncode == 1
    assert_no_secret(dev, result.stdout, result.stderr)
    report = json.loads(result.stdout)
    assert report["environment"] == "dev"
    assert report["command"] == "diff"
    assert report["status"] == "changed"
    # The broken Fernet key is a warning for a render (--check makes it an error); the diff still runs.
    [warning] = report["findings"]
    assert (warning["severity"], warning["code"]) == ("warning", "invalid-fernet-key")
    assert (warning["file"], warning["line"], warning["column"]) == ("templates/airflow.cfg.tmpl", 5, 1)
    outputs = {output["path"]: output for output in report["outputs"]}
    assert set(outputs) >= {"airflow.env", ".env", "ecs/scheduler.json", "webserver_config.py"}
    env = outputs["airflow.env"]
    assert (env["kind"], env["service"], env["status"]) == ("env", None, "changed")
    assert outputs["ecs/scheduler.json"]["service"] == "scheduler"
    changes = {change["key"]: change for change in env["changes"]}
    assert changes["AIRFLOW__CORE__LOAD_EXAMPLES"]["change"] == "changed"
    assert re.fullmatch(FP, changes["AIRFLOW__CORE__LOAD_EXAMPLES"]["old"])
    assert changes["AIRFLOW__CORE__LOAD_EXAMPLES"]["new"] == "True"
    assert re.fullmatch(FP, changes["AIRFLOW__CORE__FERNET_KEY"]["new"])
    for output in report["outputs"]:
        assert set(output) == {"path", "kind", "service", "status", "changes"}
        for change in output["changes"]:
            assert set(change) == {"change", "key", "old", "new"}


def test_diff_json_with_nothing_changed_exits_0(dev):
    dev.cfg("render", "dev")
    result = dev.cfg("render", "dev", "--diff", "--format", "json", check=False)
    assert result.returncode == 0
    report = json.loads(result.stdout)
    assert report["status"] == "unchanged"
    assert {output["status"] for output in report["outputs"]} == {"unchanged"}
    assert all(output["changes"] == [] for output in report["outputs"])


def test_check_json_lists_the_resolved_outputs(dev):
    result = dev.cfg("render", "dev", "--check", "--format", "json")
    assert_no_secret(dev, result.stdout, result.stderr)
    report = json.loads(result.stdout)
    assert (report["command"], report["status"], report["findings"]) == ("check", "valid", [])
    paths = {output["path"] for output in report["outputs"]}
    assert set(output_files(dev.path("out", "dev")) if os.path.exists(dev.path("out", "dev")) else {}) == set()
    assert {"airflow.env", "api-server.env", ".env", "webserver_config.py", "ecs/worker.json"} <= paths
    for output in report["outputs"]:
        assert set(output) == {"path", "kind", "service"}


@pytest.mark.parametrize("mode", ["--check", "--diff"])
def test_json_findings_of_a_failed_run(dev, mode):
    edit(dev, "templates/airflow.cfg.tmpl", "{{ secrets.fernet.fernet_key }}", "{{ secrets.fernet.fernet_kye }}")
    result = dev.cfg("render", "dev", mode, "--format", "json", check=False)
    assert result.returncode == 66
    assert_no_secret(dev, result.stdout, result.stderr)
    report = json.loads(result.stdout)
    assert (report["status"], report["outputs"]) == ("failed", [])
    [finding] = report["findings"]
    assert set(finding) == {"severity", "code", "file", "line", "column", "message", "outputs"}
    assert (finding["severity"], finding["code"]) == ("error", "unresolved")
    assert "secrets.fernet.fernet_kye" in finding["message"]
    # The position is data, not the start of the message; the outputs it affects are named and counted.
    assert (finding["file"], finding["line"]) == ("templates/airflow.cfg.tmpl", 5)
    assert not finding["message"].startswith("templates/")
    assert len(finding["outputs"]) > 1
    assert finding["message"].endswith("(in %d outputs)" % len(finding["outputs"]))
    # The problem lines also go to stderr for people.
    assert "fernet_kye" in result.stderr.decode()


def test_json_without_check_or_diff_is_a_usage_error(dev):
    result = dev.cfg("render", "dev", "--format", "json", check=False)
    assert result.returncode == 64
    assert not os.path.exists(dev.path("out", "dev"))


# --service, --output, --out -.


def test_service_limits_the_render_to_its_outputs(dev):
    dev.cfg("render", "dev", "--service", "api-server")
    assert set(output_files(dev.path("out", "dev"))) == {
        "api-server.env",
        "compose/api-server.env",
        "ecs/api-server.json",
    }


def test_output_limits_the_render_to_one_path_or_one_declared_output(dev):
    dev.cfg("render", "dev", "--output", "airflow.env")
    assert set(output_files(dev.path("out", "dev"))) == {"airflow.env"}
    result = dev.cfg("render", "dev", "--check", "--output", "ecs/{service}.json", "--format", "json")
    assert {output["path"] for output in json.loads(result.stdout)["outputs"]} == {
        "ecs/%s.json" % name for name in ("api-server", "scheduler", "worker", "triggerer", "dag-processor", "flower")
    }
    result = dev.cfg("render", "dev", "--diff", "--service", "worker", "--output", "ecs/{service}.json", check=False)
    assert result.returncode == 1
    assert result.stdout.decode().splitlines()[0] == "+ ecs/worker.json (new file)"


@pytest.mark.parametrize(
    "args, message",
    [
        (("--service", "schedular"), "No service named 'schedular' (did you mean 'scheduler'?); services: "),
        (("--output", "airflow.evn"), "No output named 'airflow.evn' (did you mean 'airflow.env'?); outputs: "),
        (("--service", "api-server", "--output", "airflow.env"), "Output 'airflow.env' is not rendered for service"),
        (("--out", "-"), "--out - writes one output to standard output, and 11 are selected"),
        (("--out", "-", "--service", "api-server"), "and 3 are selected"),
    ],
)
def test_selection_errors_are_usage_errors(dev, args, message):
    result = dev.cfg("render", "dev", *args, check=False)
    assert result.returncode == 64, result.stderr
    assert message in result.stderr.decode()
    assert result.stdout == b""
    assert not os.path.exists(dev.path("out", "dev"))


@pytest.mark.parametrize(
    "subcommand", ["render", "check", "exec", "run", "get", "init", "set", "keygen", "rotate", "version"]
)
def test_help_and_usage_errors_name_cfg_and_the_subcommand(dev, subcommand):
    result = dev.cfg(subcommand, "--help")
    assert ("USAGE: cfg %s" % subcommand) in result.stdout.decode()
    result = dev.cfg(subcommand, "--no-such-option", check=False)
    stderr = result.stderr.decode()
    assert result.returncode == 64, stderr
    assert stderr.startswith("Error: ")
    assert ("Usage: cfg %s" % subcommand) in stderr, stderr
    assert result.stdout == b""
    assert not os.path.exists(dev.path("out"))


def test_out_dash_writes_the_one_selected_output_to_stdout(dev):
    dev.cfg("render", "dev")
    result = dev.cfg("render", "dev", "--output", "airflow.env", "--out", "-")
    assert result.stdout == open(dev.path("out", "dev", "airflow.env"), "rb").read()
    assert result.stderr == b""
    result = dev.cfg("render", "dev", "--service", "worker", "--out", "-")
    assert json.loads(result.stdout)["family"]
    assert result.stdout == open(dev.path("out", "dev", "ecs", "worker.json"), "rb").read()


def test_out_dash_excludes_check_and_diff(dev):
    for mode in ("--check", "--diff"):
        result = dev.cfg("render", "dev", "--output", "airflow.env", "--out", "-", mode, check=False)
        assert result.returncode == 64
        assert result.stdout == b""
