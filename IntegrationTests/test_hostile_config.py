"""Hostile environment files against the real binary (issue 11, defects 6 and 8): an alias expansion, a file
over the size limit, nesting past the depth limit, special files, and text that must not come back in errors."""
import os
import resource
import subprocess

import pytest

CANARY = "CANARY-env-file-Vq3"


def cfg_limited(project, *args, memory=1 << 30):
    """cfg with its address space capped (1 GiB): an unbounded expansion fails the test instead of the machine."""

    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))

    return subprocess.run(
        project.argv(args), env=project.env, cwd=project.root, capture_output=True, timeout=60, preexec_fn=limit
    )


def billion_laughs():
    lines = ["backend: { type: local }", "values:", "  a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for level in range(1, 13):
        lines.append("  a%d: &a%d [%s]" % (level, level, ", ".join(["*a%d" % (level - 1)] * 10)))
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("command", [["render", "laughs", "--check"], ["get", "laughs", "x.y"]])
def test_a_billion_laughs_is_refused_at_its_first_anchor(project, command):
    project.write("environments/laughs.yaml", billion_laughs())
    result = cfg_limited(project, *command)
    assert result.returncode == 65
    assert result.stderr.decode() == (
        "cfg: environments/laughs.yaml:3:7: anchors and aliases are not supported in environment files; "
        "repeat the value (quote a value that starts with '*' or '&')\n"
    )


def test_an_alias_used_as_a_key_is_refused_before_yams_hashes_it(project):
    project.write("environments/keys.yaml", billion_laughs() + "  big: { ? *a12 : 1, ? *a11 : 2 }\n")
    result = cfg_limited(project, "render", "keys", "--check")
    assert result.returncode == 65 and b"anchors and aliases are not supported" in result.stderr


def padded(size):
    head = "backend: { type: local }\n#"
    return head + "x" * (size - len(head) - 1) + "\n"


def test_the_file_size_limit_is_1_mib(project):
    project.write("environments/big.yaml", padded(1 << 20))
    # At the limit the file is read (and then needs a store key like any local environment).
    at_limit = cfg_limited(project, "render", "big", "--check")
    assert b"larger than" not in at_limit.stderr and at_limit.returncode == 69, at_limit.stderr
    project.write("environments/big.yaml", padded((1 << 20) + 1))
    past = cfg_limited(project, "render", "big", "--check")
    assert past.returncode == 65
    assert past.stderr.decode() == (
        "cfg: environments/big.yaml is larger than 1048576 bytes (1 MiB), the most an environment file may hold; "
        "split it or move data to templates\n"
    )


def nested(levels):
    lists = levels - 2
    return "backend: { type: local }\nvalues:\n  deep: " + "[" * lists + "1" + "]" * lists + "\n"


@pytest.mark.parametrize("levels", [65, 999, 5000, 200_000])
def test_nesting_past_64_levels_is_refused_without_a_crash(project, levels):
    project.write("environments/deep.yaml", nested(levels))
    result = cfg_limited(project, "render", "deep", "--check")
    assert result.returncode == 65, result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert b"collections are nested more than 64 levels deep here" in result.stderr


def test_nesting_at_64_levels_is_read(project):
    project.write("environments/deep.yaml", nested(64))
    result = cfg_limited(project, "render", "deep", "--check")
    assert b"nested" not in result.stderr and result.returncode == 69, result.stderr


def test_special_files_are_refused_without_blocking(project, tmp_path):
    fifo = str(tmp_path / "env.yaml")
    os.mkfifo(fifo)
    for path in (fifo, "/dev/zero"):
        result = cfg_limited(project, "render", path, "--check")
        assert result.returncode == 65
        assert b"is not a regular file" in result.stderr


@pytest.mark.parametrize(
    "text",
    [
        "backend: { type: local, token:%s }\n" % CANARY,
        "backend:\n  type: local\n  token:%s:\n" % CANARY,
        "backend: { type: local }\nsecrets:\n  db: { path: a, generate: { \"x:%s\": {} } }\n" % CANARY,
        "backend: { type: local }\nsecrets:\n  db:\n    path: a\n    keys:\n      \"k:%s\": { value: 1, x: 2 }\n"
        % CANARY,
        "backend: { type: local }\noutputs:\n  - { kind: env, path: %s }\n  - { kind: dotenv, path: %s }\n"
        % (CANARY, CANARY),
    ],
)
def test_text_from_the_file_never_comes_back_in_an_error(project, text):
    project.write("environments/leak.yaml", text)
    result = cfg_limited(project, "render", "leak", "--check")
    assert result.returncode == 65
    assert CANARY.encode() not in result.stdout + result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_a_key_cannot_forge_a_log_line(project):
    project.write(
        "environments/forge.yaml",
        'backend: { type: local }\n"x\\ncfg: environments/prod.yaml:1:1: forged\\e[31m": 1\n',
    )
    result = cfg_limited(project, "render", "forge", "--check")
    assert result.returncode == 65
    assert result.stderr.count(b"\n") == 1 and b"\x1b" not in result.stderr and b"forged" not in result.stderr
