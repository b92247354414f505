"""What users install: `cfg --version` and `cfg version` (the version, the build's commit, the C libraries the
process loaded), arguments read without /proc, the runtime package list against what the binary links, the shipped
Dockerfile against that list, the documentation and the environments' image, and `make install`'s recipe.

The binary running in a clean Debian root with only the runtime packages is `make rootfs-test` (dev/rootfs-test.sh),
which needs root and debootstrap; these tests need neither, except the /proc test, which needs a mount namespace
(`unshare -m`, as root) and skips without one unless CFG_REQUIRE_CHECKERS=1.
"""
import os
import re
import subprocess

import pytest
import runtime_packages
import yaml
from conftest import ROOT, cfg_binary
from test_docs_examples import apt_get_installed, dockerfile_instructions, parse_blocks

LIBRARIES = {"libcurl": "libcurl4", "libsodium": "libsodium23", "libpq": "libpq5", "hiredis": "libhiredis0.14"}


def read(relative):
    with open(os.path.join(ROOT, relative), encoding="utf-8") as handle:
        return handle.read()


def version_file():
    return read("VERSION").strip()


def run(*args, **options):
    return subprocess.run([cfg_binary(), *args], capture_output=True, text=True, timeout=60, **options)


def package_version(package):
    """The upstream part of an installed Debian package's version: 7.88.1-10+deb12u12 → 7.88.1, 15.13-0+deb12u1 →
    15.13."""
    full = subprocess.run(["dpkg-query", "-W", "-f=${Version}", package], capture_output=True, text=True,
                          check=True).stdout
    return re.sub(r"^\d+:", "", full).split("-")[0].split("+")[0]


# ---------------------------------------------------------------- cfg --version


def test_version_names_the_version_the_commit_and_the_loaded_libraries():
    result = run("--version")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "cfg " + version_file()
    assert re.fullmatch(r"commit ([0-9a-f]{40}(-dirty)?|unknown)", lines[1]), lines[1]
    reported = dict(line.split(" ", 1) for line in lines[2:])
    assert list(reported) == list(LIBRARIES)
    for library, package in LIBRARIES.items():
        # The Debian package's upstream version: what the library loaded at run time (hiredis: what cfg was built
        # with, which the soname pins to the same major and minor).
        assert reported[library].split(" ")[0] == package_version(package), (library, reported[library])
    assert re.fullmatch(r"\S+ \(OpenSSL/\S+\)", reported["libcurl"]), reported["libcurl"]


def test_the_version_subcommand_prints_the_same_report():
    assert run("version").stdout == run("--version").stdout


def test_a_release_build_names_its_commit():
    binary = cfg_binary()
    if "/release/" not in binary:
        pytest.skip("a debug build has no build stamp (commit unknown)")
    commit = run("--version").stdout.splitlines()[1].split(" ", 1)[1]
    assert commit != "unknown", "make build-release stamps the commit (dev/build-stamp.sh)"
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    if head.returncode == 0:
        assert commit.startswith(head.stdout.strip()), (commit, head.stdout)


def test_the_version_without_a_stamp_is_the_version_file():
    """A plain `swift build` has no stamp: the default in BuildInfo.c must be the VERSION file's."""
    default = re.search(r'#define CFG_BUILD_VERSION "([^"]+)"', read("Sources/CBuildInfo/BuildInfo.c"))
    assert default and default.group(1) == version_file()
    assert re.fullmatch(r"\d+\.\d+\.\d+", version_file())


def test_the_build_stamp_refuses_a_commit_that_is_not_one(tmp_path):
    script = os.path.join(ROOT, "dev", "build-stamp.sh")
    bad = subprocess.run([script, str(tmp_path)], env={**os.environ, "CFG_COMMIT": 'x" ; evil'},
                         capture_output=True, text=True)
    assert bad.returncode != 0 and not os.path.exists(tmp_path / "cfg_build_stamp.h")
    good = subprocess.run([script, str(tmp_path)], env={**os.environ, "CFG_COMMIT": "0123abc"},
                          capture_output=True, text=True)
    assert good.returncode == 0, good.stderr
    stamp = (tmp_path / "cfg_build_stamp.h").read_text()
    assert '#define CFG_BUILD_COMMIT "0123abc"' in stamp
    assert '#define CFG_BUILD_VERSION "%s"' % version_file() in stamp
    before = os.stat(tmp_path / "cfg_build_stamp.h").st_mtime_ns
    subprocess.run([script, str(tmp_path)], env={**os.environ, "CFG_COMMIT": "0123abc"}, check=True)
    assert os.stat(tmp_path / "cfg_build_stamp.h").st_mtime_ns == before, "an unchanged stamp is not rewritten"


# ---------------------------------------------------------------- arguments without /proc


def without_proc(*args):
    """Runs the binary in a new mount namespace with an empty tmpfs over /proc (nothing of the host changes)."""
    probe = subprocess.run(["unshare", "-m", "sh", "-c", "mount -t tmpfs none /proc"], capture_output=True)
    if probe.returncode != 0:
        if os.environ.get("CFG_REQUIRE_CHECKERS") == "1":
            pytest.fail("unshare -m with a tmpfs over /proc is not permitted here: %s" % probe.stderr.decode())
        pytest.skip("needs a mount namespace (unshare -m, as root)")
    script = 'mount -t tmpfs none /proc && test ! -e /proc/self/cmdline && exec "$@"'
    return subprocess.run(["unshare", "-m", "sh", "-c", script, "sh", cfg_binary(), *args], capture_output=True,
                          text=True, timeout=60)


def test_without_proc_cfg_reads_its_arguments():
    result = without_proc("keygen", "bytes", "--length", "3")
    assert result.returncode == 0, result.stderr
    assert re.fullmatch(r"[0-9a-f]{6}\n", result.stdout), result.stdout
    assert without_proc("--version").stdout == run("--version").stdout


def test_without_proc_a_wrong_argument_is_still_a_usage_error():
    result = without_proc("no-such-command")
    assert result.returncode == 64, (result.returncode, result.stdout, result.stderr)
    assert "no-such-command" in result.stderr


def test_without_proc_a_command_gets_its_environment(project):
    project.cfg("init", "dev")
    script = 'mount -t tmpfs none /proc && exec "$@"'
    probe = without_proc("version")
    assert probe.returncode == 0, probe.stderr
    result = subprocess.run(
        ["unshare", "-m", "sh", "-c", script, "sh", cfg_binary(), "exec", "dev", "-C", project.root, "--service",
         "scheduler", "--", "/usr/bin/env"],
        capture_output=True, text=True, env=project.env, timeout=60)
    assert result.returncode == 0, result.stderr
    names = {line.split("=", 1)[0] for line in result.stdout.splitlines() if line.startswith("AIRFLOW__")}
    assert {"AIRFLOW__CORE__FERNET_KEY", "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"} <= names


# ---------------------------------------------------------------- runtime packages and the Dockerfile


def test_the_runtime_packages_are_the_libraries_the_binary_links():
    linked = runtime_packages.linked(cfg_binary())
    assert None not in linked.values(), "libraries no Debian package owns: %s" % linked
    assert sorted(set(linked.values())) == sorted(runtime_packages.documented()), linked


def test_a_release_build_carries_the_swift_runtime():
    binary = cfg_binary()
    if "/release/" not in binary:
        pytest.skip("a debug build loads the Swift runtime from the toolchain")
    swift = [name for name in runtime_packages.needed(binary) if "swift" in name.lower() or "Foundation" in name]
    assert not swift, "the release build must be linked with --static-swift-stdlib: it loads %s" % swift


def stages(text):
    """The Dockerfile's stages: lists of (INSTRUCTION, argument), each starting with its FROM."""
    result = []
    for name, argument in dockerfile_instructions(text):
        if name == "FROM":
            result.append([])
        result[-1].append((name, argument))
    return result


def test_the_dockerfile_installs_exactly_the_runtime_packages():
    image = stages(read("Dockerfile"))[-1]
    installs = [apt_get_installed(argument) for name, argument in image if name == "RUN" and "apt-get install" in
                argument]
    assert installs == [runtime_packages.documented()], installs
    assert ("USER", "root") in image and image[-1] == ("USER", "airflow"), "apt-get as root, then the airflow user"


def test_the_dockerfile_builds_with_make_install_and_copies_the_project_to_opt_cfg():
    builder, image = stages(read("Dockerfile"))
    assert any(name == "RUN" and argument.startswith("make install") for name, argument in builder)
    copies = [argument for name, argument in image if name == "COPY"]
    assert "--from=builder /usr/local/bin/cfg /usr/local/bin/cfg" in copies
    assert "environments/ /opt/cfg/environments/" in copies and "templates/ /opt/cfg/templates/" in copies


def test_the_dockerfile_uses_the_airflow_image_the_environments_name():
    image = stages(read("Dockerfile"))[-1][0][1]
    named = set()
    for name in os.listdir(os.path.join(ROOT, "environments")):
        if name.endswith(".yaml"):
            document = yaml.safe_load(read(os.path.join("environments", name)))
            if (document.get("ecs") or {}).get("image"):
                named.add(document["ecs"]["image"])
    assert named == {image}, "the Dockerfile's image %s, the environments' %s" % (image, named)


def test_the_documentation_shows_the_shipped_dockerfile():
    shipped = read("Dockerfile")
    shown = [block for block in parse_blocks(os.path.join("docs", "exec-and-run.md"))
             if block.kind == "dockerfile" and block.text == shipped]
    assert len(shown) == 1, "docs/exec-and-run.md shows the Dockerfile, verbatim, once"


def test_the_docker_context_keeps_git_and_leaves_out_build_output():
    ignored = [line.strip() for line in read(".dockerignore").splitlines() if line.strip() and line[0] != "#"]
    assert ".git" not in ignored and ".build-*" in ignored and ".build" in ignored


# ---------------------------------------------------------------- make install


def test_make_install_puts_the_release_build_at_prefix_bin_cfg_mode_0755():
    result = subprocess.run(["make", "-n", "install", "PREFIX=/opt/x", "DESTDIR=/stage"], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "--static-swift-stdlib" in result.stdout and "dev/build-stamp.sh" in result.stdout
    assert re.search(r'install -m 0755 "?\.build-release/release/cfg"? "?/stage/opt/x/bin/cfg"?', result.stdout), (
        result.stdout)
