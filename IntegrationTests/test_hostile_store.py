"""The local store and `cfg init` against a hostile world: concurrent inits, kill -9 at random moments, special
files, foreign owners, open modes, stale temporaries. The real binary, real processes and the real file system;
a canary secret in the store is grepped in every output stream."""
import glob
import os
import random
import signal
import stat
import subprocess
import time

import pytest
from conftest import ROOT

BACKEND = 69
CANARY = "CANARY-store-s3cr3t-Zq9!-never-printed"
ROUNDS = 6
RACERS = 16
KILLS = 30


def with_canary(project):
    """Adds a fixed secret value to the dev store's declarations: init writes it into the store."""
    text = project.read("environments/dev.yaml")
    old = "      dbname: { value: airflow }\n"
    assert old in text
    project.write("environments/dev.yaml", text.replace(old, old + '      canary: { value: "%s" }\n' % CANARY, 1))
    return project


@pytest.fixture
def store_project(project):
    return with_canary(project)


def store_path(project):
    return project.path(".cfg", "dev.store")


def key_path(project):
    return os.path.join(project.config_home, "cfg", "keys", "dev.key")


def temporaries(project):
    return glob.glob(project.path(".cfg", ".*.tmp-*")) + glob.glob(
        os.path.join(project.config_home, "cfg", "keys", ".*.tmp-*")
    )


def assert_no_canary(*streams):
    for stream in streams:
        text = stream.decode(errors="replace") if isinstance(stream, bytes) else stream
        assert CANARY not in text


def assert_store_works(project):
    """The store opens with the key on disk: get returns the canary, render succeeds."""
    value = project.cfg("get", "dev", "db.canary")
    assert value.stdout.decode() == CANARY
    rendered = project.cfg("render", "dev")
    assert_no_canary(rendered.stdout, rendered.stderr)


def expect_refusal(project, *fragments, args=("render", "dev"), env=None):
    """The command fails fast with one line naming the problem, and the canary appears nowhere."""
    result = subprocess.run(
        project.argv(list(args)),
        capture_output=True,
        env={**project.env, **(env or {})},
        cwd=project.root,
        timeout=20,
    )
    stderr = result.stderr.decode()
    assert result.returncode == BACKEND, (result.returncode, stderr)
    assert len([line for line in stderr.splitlines() if line.strip()]) == 1, stderr
    for fragment in fragments:
        assert fragment in stderr, (fragment, stderr)
    assert_no_canary(result.stdout, result.stderr)
    return stderr


# Defect 1: concurrent init


@pytest.mark.parametrize("round_number", range(ROUNDS))
def test_concurrent_inits_on_a_fresh_project_keep_one_key_and_a_store_it_opens(tmp_path, round_number):
    from conftest import Project

    project = with_canary(Project(tmp_path))
    racers = [
        subprocess.Popen(
            project.argv(["init", "dev"]),
            env=project.env,
            cwd=project.root,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(RACERS)
    ]
    outcomes = [(racer.wait(timeout=120), *racer.communicate()) for racer in racers]
    for code, stdout, stderr in outcomes:
        assert_no_canary(stdout, stderr)
        # Every racer succeeds: the losers use the key and the secrets the winner put on disk.
        assert code == 0, (code, stderr.decode())
    created = [out for _, _, out in outcomes if b"created store key" in out]
    assert len(created) <= 1, "two runs claim to have created the key"
    key_before = open(key_path(project), "rb").read()
    assert_store_works(project)
    project.cfg("init", "dev")
    assert open(key_path(project), "rb").read() == key_before
    assert_store_works(project)
    assert temporaries(project) == []


# Defect 1 and 7: kill -9 at random moments


def test_kill_9_during_init_leaves_no_store_or_one_that_opens_and_the_next_run_cleans_up(tmp_path):
    from conftest import Project

    rng = random.Random(11)
    start = time.monotonic()
    timing = with_canary(Project(tmp_path / "timing"))
    timing.cfg("init", "dev")
    duration = time.monotonic() - start
    for attempt in range(KILLS):
        project = with_canary(Project(tmp_path / ("kill-%d" % attempt)))
        victim = subprocess.Popen(
            project.argv(["init", "dev"]),
            env=project.env,
            cwd=project.root,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        time.sleep(rng.uniform(0, duration))
        victim.send_signal(signal.SIGKILL)
        stdout, stderr = victim.communicate(timeout=60)
        assert_no_canary(stdout, stderr)
        if os.path.exists(store_path(project)):
            # A store that exists opens with the key on disk (it may hold no secret yet).
            assert os.path.exists(key_path(project)), "a store without its key"
            probe = project.cfg("get", "dev", "db.canary", check=False)
            assert probe.returncode in (0, 66), probe.stderr
            assert b"wrong key" not in probe.stderr and b"integrity" not in probe.stderr
        rerun = project.cfg("init", "dev")
        assert_no_canary(rerun.stdout, rerun.stderr)
        assert temporaries(project) == [], temporaries(project)
        assert_store_works(project)


def test_init_removes_only_its_own_stale_temporaries(store_project):
    store_project.cfg("init", "dev")
    cfg_dir = store_project.path(".cfg")
    key_dir = os.path.dirname(key_path(store_project))
    stale_store = os.path.join(cfg_dir, ".dev.store.tmp-0123456789abcdef")
    stale_key = os.path.join(key_dir, ".dev.key.tmp-fedcba9876543210")
    for path in (stale_store, stale_key):
        with open(path, "w") as handle:
            handle.write(CANARY)
    outside = store_project.path("outside.txt")
    with open(outside, "w") as handle:
        handle.write("keep me")
    linked = os.path.join(cfg_dir, ".dev.store.tmp-aaaaaaaaaaaaaaaa")
    os.symlink(outside, linked)
    directory = os.path.join(cfg_dir, ".dev.store.tmp-bbbbbbbbbbbbbbbb")
    os.mkdir(directory)
    other = os.path.join(cfg_dir, ".prod.store.tmp-0123456789abcdef")
    unlike = os.path.join(cfg_dir, ".dev.store.tmp-not-hex")
    for path in (other, unlike):
        open(path, "w").close()
    result = store_project.cfg("init", "dev")
    assert_no_canary(result.stdout, result.stderr)
    assert not os.path.exists(stale_store) and not os.path.exists(stale_key)
    assert os.path.islink(linked) and open(outside).read() == "keep me"
    assert os.path.isdir(directory) and os.path.exists(other) and os.path.exists(unlike)


# Defect 1: a store without its key


def test_init_refuses_a_store_whose_key_is_gone_and_writes_no_new_key(store_project):
    store_project.cfg("init", "dev")
    store_bytes = open(store_path(store_project), "rb").read()
    os.unlink(key_path(store_project))
    stderr = expect_refusal(
        store_project, "Restore the key file at " + key_path(store_project), "CFG_LOCAL_KEY", args=("init", "dev")
    )
    assert "remove the store at " + store_path(store_project) in stderr
    assert not os.path.exists(key_path(store_project))
    assert open(store_path(store_project), "rb").read() == store_bytes


def test_render_says_to_restore_the_key_of_a_store_whose_key_is_gone(store_project):
    """Before, render said "Run cfg init", and cfg init then refused: the message now says what works."""
    store_project.cfg("init", "dev")
    os.unlink(key_path(store_project))
    for args in (("render", "dev"), ("get", "dev", "db.password")):
        stderr = expect_refusal(store_project, "Restore the key file at " + key_path(store_project), args=args)
        assert "Run `cfg init" not in stderr
    assert not os.path.exists(key_path(store_project))


# Defect 9: special files


def test_a_fifo_as_store_is_refused_at_once(store_project):
    store_project.cfg("init", "dev")
    os.unlink(store_path(store_project))
    os.mkfifo(store_path(store_project), 0o600)
    expect_refusal(store_project, store_path(store_project), "FIFO", "not a regular file")


def test_a_device_as_store_is_refused(store_project):
    store_project.cfg("init", "dev")
    text = store_project.read("environments/dev.yaml")
    store_project.write("environments/dev.yaml", text.replace("  type: local\n", "  type: local\n  store: /dev/zero\n"))
    expect_refusal(store_project, "/dev/zero", "character device")


def test_a_link_as_store_is_refused(store_project):
    store_project.cfg("init", "dev")
    real = store_project.path("elsewhere.store")
    os.rename(store_path(store_project), real)
    os.symlink(real, store_path(store_project))
    expect_refusal(store_project, store_path(store_project), "symbolic link")


def test_a_store_past_16_mib_is_refused(store_project):
    store_project.cfg("init", "dev")
    with open(store_path(store_project), "ab") as handle:
        handle.truncate(16 * 1024 * 1024 + 1)
    expect_refusal(store_project, store_path(store_project), "16 MiB")


def test_a_fifo_as_key_file_is_refused_at_once(store_project):
    store_project.cfg("init", "dev")
    os.unlink(key_path(store_project))
    os.mkfifo(key_path(store_project), 0o600)
    expect_refusal(store_project, key_path(store_project), "FIFO")


# Defect 12: owners and modes


def test_a_store_readable_by_others_is_refused(store_project):
    store_project.cfg("init", "dev")
    os.chmod(store_path(store_project), 0o644)
    expect_refusal(store_project, "chmod 600 " + store_path(store_project))


def test_a_store_directory_writable_by_others_is_refused(store_project):
    store_project.cfg("init", "dev")
    os.chmod(store_project.path(".cfg"), 0o777)
    expect_refusal(store_project, "chmod 700 " + store_project.path(".cfg"))
    expect_refusal(store_project, "chmod 700 " + store_project.path(".cfg"), args=("init", "dev"))


def test_a_key_directory_writable_by_others_is_refused(store_project):
    store_project.cfg("init", "dev")
    key_dir = os.path.dirname(key_path(store_project))
    os.chmod(key_dir, 0o777)
    expect_refusal(store_project, "chmod 700 " + key_dir)
    expect_refusal(store_project, "chmod 700 " + key_dir, args=("init", "dev"))


def test_a_key_file_owned_by_another_user_is_refused(store_project):
    # chown needs root: the suite runs as root in CI and in the development container.
    store_project.cfg("init", "dev")
    os.chown(key_path(store_project), 65534, -1)
    expect_refusal(store_project, key_path(store_project), "uid 65534")


def test_a_store_owned_by_another_user_is_refused(store_project):
    store_project.cfg("init", "dev")
    os.chown(store_path(store_project), 65534, -1)
    expect_refusal(store_project, store_path(store_project), "uid 65534")


def test_new_key_file_and_store_are_private(store_project):
    store_project.cfg("init", "dev")
    assert stat.S_IMODE(os.stat(key_path(store_project)).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(store_path(store_project)).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(os.path.dirname(key_path(store_project))).st_mode) == 0o700


def test_the_fuzz_replay_leaves_no_temporary_directory(tmp_path):
    """The local-store fuzz target writes store files into its own temporary directory and removes it at exit."""
    fuzzer = os.path.join(ROOT, ".build", "debug", "cfg-fuzz")
    if not os.path.exists(fuzzer):
        pytest.fail("%s does not exist: run `swift build` (make test does)" % fuzzer)
    corpus = os.path.join(ROOT, "Tests", "Fuzz", "corpus", "localstore")
    seeds = sorted(os.path.join(corpus, name) for name in os.listdir(corpus))
    result = subprocess.run([fuzzer, "localstore", *seeds], env={"TMPDIR": str(tmp_path), "PATH": "/usr/bin:/bin"},
                            capture_output=True, timeout=120)
    assert result.returncode == 0, result.stderr[-300:]
    assert os.listdir(tmp_path) == []
