"""Bad input: one clear line per problem naming the file and position or the key, a documented exit code,
nothing written, and no secret value anywhere in the output (the canary)."""
import base64
import os

import pytest

CONFIGURATION, UNRESOLVED, VALIDATION, BACKEND = 65, 66, 67, 69


def secrets_of(project):
    return project.secret_values


def edit(project, relative, old, new):
    text = project.read(relative)
    assert old in text, "fixture text not found: %r" % old
    project.write(relative, text.replace(old, new, 1))


def append(project, relative, text):
    project.write(relative, project.read(relative) + text)


def expect_failure(project, code, *fragments, env=None, lines=1):
    values = secrets_of(project)
    result = project.cfg("render", "dev", env=env, check=False)
    stderr = result.stderr.decode()
    output = result.stdout.decode() + stderr
    assert result.returncode == code, (result.returncode, stderr)
    problems = [line for line in stderr.splitlines() if line.strip()]
    assert len(problems) == lines, problems
    for fragment in fragments:
        assert fragment in stderr, (fragment, stderr)
    for value in values:
        assert value not in output
    assert not os.path.exists(project.path("out")), "a failed render wrote files"
    return stderr


def test_malformed_yaml(dev):
    append(dev, "environments/dev.yaml", "broken: [unclosed\n")
    expect_failure(dev, CONFIGURATION, "environments/dev.yaml:")


def test_unknown_field(dev):
    append(dev, "environments/dev.yaml", "sevices: {}\n")
    expect_failure(dev, CONFIGURATION, "environments/dev.yaml:", "sevices")


def test_unknown_filter(dev):
    edit(dev, "templates/flower.cfg.tmpl", "{{ secrets.flower.basic_auth }}", "{{ secrets.flower.basic_auth | rot13 }}")
    expect_failure(dev, CONFIGURATION, "templates/flower.cfg.tmpl:2:", "rot13")


def test_unknown_function(dev):
    edit(dev, "templates/flower.cfg.tmpl", "{{ secrets.flower.basic_auth }}", "{{ vault_read('x') }}")
    expect_failure(dev, CONFIGURATION, "templates/flower.cfg.tmpl:2:", "vault_read")


def test_unclosed_tag(dev):
    edit(dev, "templates/flower.cfg.tmpl", "{{ secrets.flower.basic_auth }}", "{{ secrets.flower.basic_auth")
    expect_failure(dev, CONFIGURATION, "templates/flower.cfg.tmpl:2:")


def test_undefined_name(dev):
    edit(dev, "templates/airflow.cfg.tmpl", "{{ values.dags_folder }}", "{{ values.dag_folder }}")
    expect_failure(dev, UNRESOLVED, "templates/airflow.cfg.tmpl:7:18:", "values.dag_folder")


def test_missing_secret(dev):
    edit(dev, "environments/dev.yaml", "secrets:\n", "secrets:\n  ghost: airflow/dev/ghost\n")
    append(dev, "templates/flower.cfg.tmpl", "flower_url_prefix = {{ secrets.ghost.path }}\n")
    expect_failure(dev, UNRESOLVED, "templates/flower.cfg.tmpl:3:", "ghost", "airflow/dev/ghost")


def test_missing_key_in_a_secret(dev):
    edit(dev, "templates/flower.cfg.tmpl", "{{ secrets.flower.basic_auth }}", "{{ secrets.flower.basic_uath }}")
    expect_failure(dev, UNRESOLVED, "templates/flower.cfg.tmpl:2:", "basic_uath")


def test_all_problems_of_a_render_are_reported_together(dev):
    edit(dev, "templates/airflow.cfg.tmpl", "{{ values.dags_folder }}", "{{ values.dag_folder }}")
    edit(dev, "templates/airflow.cfg.tmpl", "{{ secrets.fernet.fernet_key }}", "{{ secrets.fernet.key }}")
    edit(dev, "templates/flower.cfg.tmpl", "{{ secrets.flower.basic_auth }}", "{{ secrets.flower.basic_uath }}")
    expect_failure(dev, UNRESOLVED, "values.dag_folder", "fernet.key", "basic_uath", lines=3)


def test_wrong_store_key(dev):
    other = base64.b64encode(os.urandom(32)).decode()
    values = secrets_of(dev)
    result = dev.cfg("render", "dev", env={"CFG_LOCAL_KEY": other}, check=False)
    assert result.returncode == BACKEND
    stderr = result.stderr.decode()
    assert "key" in stderr and len(stderr.strip().splitlines()) == 1
    assert not any(value in stderr for value in values)
    assert not os.path.exists(dev.path("out"))


def test_tampered_store(dev):
    values = secrets_of(dev)
    path = dev.path(".cfg", "dev.store")
    data = bytearray(open(path, "rb").read())
    data[-20] ^= 0x01
    open(path, "wb").write(bytes(data))
    result = dev.cfg("render", "dev", check=False)
    assert result.returncode == BACKEND
    stderr = result.stderr.decode()
    assert "dev.store" in stderr and len(stderr.strip().splitlines()) == 1
    assert not any(value in stderr for value in values)
    assert not os.path.exists(dev.path("out"))


def test_newline_in_an_env_block_value(dev):
    append(dev, "templates/api-server.cfg.tmpl", "CFG_MULTILINE = {{ secrets.admin.password ~ \"\\nsecond line\" }}\n")
    expect_failure(dev, VALIDATION, "CFG_MULTILINE")


def test_output_path_escaping_the_output_directory(dev):
    edit(dev, "environments/dev.yaml", "{ kind: env, path: airflow.env }", "{ kind: env, path: ../../escape.env }")
    expect_failure(dev, CONFIGURATION, "environments/dev.yaml:", "escape")
    assert not os.path.exists(dev.path("escape.env"))


def test_a_failed_render_leaves_existing_outputs_untouched(dev):
    dev.cfg("render", "dev")
    before = open(dev.path("out", "dev", "airflow.env"), "rb").read()
    edit(dev, "templates/airflow.cfg.tmpl", "{{ values.dags_folder }}", "{{ values.dag_folder }}")
    result = dev.cfg("render", "dev", check=False)
    assert result.returncode == UNRESOLVED
    assert open(dev.path("out", "dev", "airflow.env"), "rb").read() == before
