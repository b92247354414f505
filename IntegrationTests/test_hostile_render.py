"""`cfg render` under hostile conditions (issue 11): the real binary on the dev environment with the local store.

A failed render replaces nothing; concurrent renders of one environment take turns; a render killed with SIGKILL
at any moment leaves every output either old or new, and the next run removes its temporaries; links and
directories others can write to are refused; `--diff` never prints a value that was secret when written; and
one template mistake is one line.
"""
import os
import random
import signal
import subprocess
import time

import pytest
from conftest import output_files

RUN_TEMPLATE = "templates/run.tmpl"
RUN_OUTPUTS = ["a-run.txt", "m/run.txt", "z/run.txt"]


def run_text(run_id, lines):
    """What templates/run.tmpl renders for RUN_ID=run_id: long enough that writing it takes a moment."""
    filler = "".join("filler line %d\n" % number for number in range(lines))
    return "first %s\n%slast %s\n" % (run_id, filler, run_id)


def add_run_outputs(dev, lines):
    """Adds three outputs whose content depends on RUN_ID (first, middle and last in path order), so that which
    run wrote a file, and whether it is whole, can be told."""
    filler = "".join("filler line %d\n" % number for number in range(lines))
    dev.write(RUN_TEMPLATE, 'first {{ env("RUN_ID") }}\n' + filler + 'last {{ env("RUN_ID") }}\n')
    text = dev.read("environments/dev.yaml")
    anchor = "  - { kind: file, template: templates/webserver_config.py.tmpl, path: webserver_config.py }\n"
    assert anchor in text
    extra = "".join("  - { kind: file, template: %s, path: %s }\n" % (RUN_TEMPLATE, path) for path in RUN_OUTPUTS)
    dev.write("environments/dev.yaml", text.replace(anchor, anchor + extra))


def out_dir(project):
    return project.path("out", "dev")


def snapshot(directory):
    return {relative: open(path, "rb").read() for relative, path in output_files(directory).items()}


def temporaries(directory):
    return sorted(relative for relative in output_files(directory) if ".tmp-" in relative)


def assert_no_secret(project, *streams):
    text = b"".join(streams).decode(errors="replace")
    for value in project.secret_values:
        assert value not in text


def render_process(project, run_id):
    return subprocess.Popen(
        project.argv(("render", "dev")),
        env={**project.env, "RUN_ID": run_id},
        cwd=project.root,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


# Defect 4: all or nothing.


def test_a_directory_in_the_way_of_the_fifth_output_leaves_the_first_four_untouched(dev):
    dev.cfg("render", "dev")
    out = out_dir(dev)
    before = snapshot(out)
    ordered = sorted(before)
    assert ordered[4] == os.path.join("ecs", "api-server.json")
    os.remove(os.path.join(out, ordered[4]))
    os.mkdir(os.path.join(out, ordered[4]))
    # Every output that uses airflow.cfg.tmpl changes.
    dev.write("environments/dev.yaml", dev.read("environments/dev.yaml").replace("/opt/airflow/dags", "/srv/dags"))
    for args in (("render", "dev", "--check"), ("render", "dev")):
        result = dev.cfg(*args, check=False)
        assert result.returncode == 73, result.stderr
        assert result.stderr.decode().strip() == (
            'cfg: "%s" is a directory where an output file must go; remove it.' % os.path.join(out, ordered[4])
        )
        assert_no_secret(dev, result.stdout, result.stderr)
    after = snapshot(out)
    for relative in ordered[:4]:
        assert after[relative] == before[relative], relative
    assert {key: value for key, value in after.items() if key != ordered[4]} == {
        key: value for key, value in before.items() if key != ordered[4]
    }
    assert temporaries(out) == []


# Defect 7 and the lock: concurrent renders, kill -9.


def test_eight_concurrent_renders_of_one_environment_take_turns(dev):
    # Large files, so that each one takes a moment to write.
    lines = 40000
    add_run_outputs(dev, lines)
    out = out_dir(dev)
    dev.cfg("render", "dev", env={"RUN_ID": "start"})
    overlaps = 0
    for round_number in range(6):
        processes = [render_process(dev, "r%d-%d" % (round_number, number)) for number in range(8)]
        # Watch the directory meanwhile: two temporaries of one output at the same time would mean two runs
        # writing at once (seen on the code without the lock).
        while any(process.poll() is None for process in processes):
            names = [name for name in os.listdir(out) if ".tmp-" in name]
            stems = [name.rsplit(".tmp-", 1)[0] for name in names]
            if len(stems) != len(set(stems)):
                overlaps += 1
        for process in processes:
            stdout, stderr = process.communicate(timeout=120)
            assert process.returncode == 0, stderr
            assert_no_secret(dev, stdout, stderr)
        texts = [dev.read(os.path.join("out", "dev", path)) for path in RUN_OUTPUTS]
        run_id = texts[0].split("\n", 1)[0].removeprefix("first ")
        assert texts == [run_text(run_id, lines)] * len(RUN_OUTPUTS)
        assert temporaries(out) == []
    assert overlaps == 0


def test_kill_9_at_random_moments_leaves_each_output_old_or_new_and_the_next_run_cleans_up(dev):
    lines = 4000
    add_run_outputs(dev, lines)
    runs = dev
    out = out_dir(runs)
    runs.cfg("render", "dev", env={"RUN_ID": "start"})
    reference = snapshot(out)
    # How long a whole render takes here, to spread the kills over it.
    started = time.monotonic()
    runs.cfg("render", "dev", env={"RUN_ID": "start"})
    duration = time.monotonic() - started
    generator = random.Random(11)
    previous = "start"
    interrupted = 0
    for attempt in range(30):
        run_id = "kill%02d" % attempt
        process = render_process(runs, run_id)
        time.sleep(generator.uniform(0, duration * 1.2))
        process.send_signal(signal.SIGKILL)
        stdout, stderr = process.communicate(timeout=60)
        assert_no_secret(runs, stdout, stderr)
        state = snapshot(out)
        assert sorted(relative for relative in state if ".tmp-" not in relative) == sorted(reference)
        for relative, content in state.items():
            if ".tmp-" in relative:
                interrupted += 1
                continue
            if relative in RUN_OUTPUTS:
                assert content.decode() in (run_text(previous, lines), run_text(run_id, lines)), relative
            else:
                assert content == reference[relative], relative
        after_id = "next%02d" % attempt
        result = runs.cfg("render", "dev", env={"RUN_ID": after_id})
        assert_no_secret(runs, result.stdout, result.stderr)
        assert temporaries(out) == []
        for path in RUN_OUTPUTS:
            assert runs.read(os.path.join("out", "dev", path)) == run_text(after_id, lines)
        previous = after_id
    print("temporaries left by killed runs (then removed):", interrupted)


# Defect 11: links and directories others can write to.


@pytest.mark.parametrize("link", [("out", "dev"), ("out", "dev", "ecs"), ("out",)])
def test_a_symbolic_link_in_the_output_tree_is_refused(dev, link):
    elsewhere = dev.path("elsewhere")
    os.makedirs(elsewhere)
    path = dev.path(*link)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    os.symlink(elsewhere, path)
    for args in (("render", "dev", "--check"), ("render", "dev", "--diff"), ("render", "dev")):
        result = dev.cfg(*args, check=False)
        assert result.returncode == 73, result.stderr
        assert result.stderr.decode().startswith('cfg: "%s" is a symbolic link' % path)
        assert len(result.stderr.splitlines()) == 1
        assert_no_secret(dev, result.stdout, result.stderr)
    assert os.listdir(elsewhere) == []


@pytest.mark.parametrize("shared", [("out", "dev"), ("out", "dev", "ecs")])
def test_an_output_directory_others_can_write_to_is_refused(dev, shared):
    dev.cfg("render", "dev")
    before = snapshot(out_dir(dev))
    os.chmod(dev.path(*shared), 0o777)
    for args in (("render", "dev", "--check"), ("render", "dev")):
        result = dev.cfg(*args, check=False)
        assert result.returncode == 73, result.stderr
        assert result.stderr.decode().startswith(
            'cfg: Refusing to write outputs under "%s": another user can change it' % dev.path(*shared)
        )
        assert "mode 0777" in result.stderr.decode()
        assert_no_secret(dev, result.stdout, result.stderr)
    assert snapshot(out_dir(dev)) == before


# Defect 2: --diff.


def test_diff_never_prints_an_old_secret(dev):
    dev.cfg("render", "dev")
    before = snapshot(out_dir(dev))
    template = dev.read("templates/airflow.cfg.tmpl")
    # A secret becomes a literal, another becomes a non-secret value, a line holding a secret goes away.
    changed = template.replace("{{ secrets.fernet.fernet_key }}", "literal-fernet")
    changed = changed.replace("secret_key = {{ secrets.webserver.secret_key }}", "secret_key = {{ values.log_bucket }}")
    changed = changed.replace("jwt_secret = {{ secrets.webserver.secret_key }}\n", "")
    assert changed.count("literal-fernet") == 1 and "jwt_secret" not in changed
    dev.write("templates/airflow.cfg.tmpl", changed)
    # A whole file whose every line (one holding a secret) is removed.
    dev.write("templates/webserver_config.py.tmpl", "")
    result = dev.cfg("render", "dev", "--diff", check=False)
    assert result.returncode == 1  # something would change
    stdout = result.stdout.decode()
    assert_no_secret(dev, result.stdout, result.stderr)
    assert "-> literal-fernet" in stdout
    assert "- AIRFLOW__API_AUTH__JWT_SECRET: fp:" in stdout
    assert "~ webserver_config.py" in stdout
    assert snapshot(out_dir(dev)) == before


# Defect 13: one mistake, one line.


def test_one_template_mistake_is_one_line_with_the_number_of_outputs(dev):
    template = dev.read("templates/airflow.cfg.tmpl")
    dev.write("templates/airflow.cfg.tmpl", template.replace("{{ values.dags_folder }}", "{{ values.dags_folder | nofilter }}"))
    result = dev.cfg("render", "dev", check=False)
    assert result.returncode == 65
    lines = result.stderr.decode().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("cfg: templates/airflow.cfg.tmpl:")
    assert lines[0].endswith("unknown filter 'nofilter' (in 10 outputs)")
