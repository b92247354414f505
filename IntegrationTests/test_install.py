"""What users install: `cfg --version` and `cfg version` (the version, the build's commit, the C libraries the
process loaded), the refusal to run without /proc, the runtime package list against what the binary links and opens
(dlopen), the shipped Dockerfile against that list, the documentation and the environments' image, and `make
install`'s recipe.

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

LIBRARIES = {"libcurl": "libcurl4", "libsodium": "libsodium23", "libpq": "libpq5", "hiredis": "libhiredis0.14",
             "libyaml": "libyaml-0-2"}


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


# ---------------------------------------------------------------- cfg version, cfg --version


def test_version_names_the_version_the_commit_and_the_loaded_libraries():
    result = run("version")
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


def test_the_version_option_prints_the_version_and_the_commit():
    """`cfg --version` is the report's first two lines: it opens no library (test_lazy_libraries.py)."""
    result = run("--version")
    assert result.returncode == 0 and result.stderr == "", result.stderr
    assert result.stdout.splitlines() == run("version").stdout.splitlines()[:2]


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


# ---------------------------------------------------------------- without /proc


def without_proc(*args, env=None):
    """Runs the binary in a new mount namespace with an empty tmpfs over /proc (nothing of the host changes)."""
    probe = subprocess.run(["unshare", "-m", "sh", "-c", "mount -t tmpfs none /proc"], capture_output=True)
    if probe.returncode != 0:
        if os.environ.get("CFG_REQUIRE_CHECKERS") == "1":
            pytest.fail("unshare -m with a tmpfs over /proc is not permitted here: %s" % probe.stderr.decode())
        pytest.skip("needs a mount namespace (unshare -m, as root)")
    script = 'mount -t tmpfs none /proc && test ! -e /proc/self/stat && exec "$@"'
    return subprocess.run(["unshare", "-m", "sh", "-c", script, "sh", cfg_binary(), *args], capture_output=True,
                          text=True, timeout=60, env=env)


@pytest.mark.parametrize("args", [
    ["--version"], ["version"], ["keygen", "bytes", "--length", "3"], ["no-such-command"], [],
    ["render", "dev"], ["exec", "dev", "--service", "scheduler", "--", "/usr/bin/env"],
])
def test_without_proc_cfg_refuses_to_run_with_one_line_and_exit_71(project, args):
    """Swift reads the arguments from /proc/self/cmdline (without it cfg saw none and printed its help), and
    libdispatch's thread pool crashes with SIGILL when it cannot read /proc/<tid>/stat: cfg does nothing, loudly."""
    project.cfg("init", "dev")
    if args[:1] in (["render"], ["exec"]):
        args = [args[0], "-C", project.root, *args[1:]]
    result = without_proc(*args, env=project.env)
    assert result.returncode == 71, (result.returncode, result.stdout, result.stderr)
    assert result.stdout == ""
    assert result.stderr.startswith("cfg: /proc is not mounted") and result.stderr.count("\n") == 1, result.stderr
    assert not os.path.exists(project.path("out", "dev")), "nothing is rendered"


def test_with_proc_the_same_commands_run(project):
    project.cfg("init", "dev")
    result = project.cfg("exec", "dev", "-C", project.root, "--service", "scheduler", "--", "/usr/bin/env")
    names = {line.split("=", 1)[0] for line in result.stdout.decode().splitlines() if line.startswith("AIRFLOW__")}
    assert {"AIRFLOW__CORE__FERNET_KEY", "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"} <= names
    assert re.fullmatch(r"[0-9a-f]{6}\n", project.cfg("keygen", "bytes", "--length", "3").stdout.decode())


# ---------------------------------------------------------------- runtime packages and the Dockerfile


def test_the_runtime_packages_are_the_libraries_the_binary_links_or_opens():
    loaded = runtime_packages.loaded(cfg_binary())
    assert None not in loaded.values(), "libraries no Debian package owns: %s" % loaded
    assert sorted(set(loaded.values())) == sorted(runtime_packages.documented()), loaded


def test_the_opened_sonames_are_the_ones_the_c_loaders_open():
    """runtime_packages.DLOPENED, which the package list counts, against the `CFG_*_SONAME` of each C loader."""
    assert runtime_packages.sonames_in_sources() == runtime_packages.DLOPENED


def test_the_binary_links_none_of_the_libraries_it_opens():
    """libcurl, libpq and hiredis are opened when first needed (IntegrationTests/test_lazy_libraries.py)."""
    needed = set(runtime_packages.needed(cfg_binary()))
    assert not needed & set(runtime_packages.DLOPENED), sorted(needed)


def test_a_release_build_carries_the_swift_runtime():
    binary = cfg_binary()
    if "/release/" not in binary:
        pytest.skip("a debug build loads the Swift runtime from the toolchain")
    swift = [name for name in runtime_packages.needed(binary) if "swift" in name.lower() or "Foundation" in name]
    assert not swift, "the release build must be linked with --static-swift-stdlib: it loads %s" % swift


def test_a_release_build_searches_no_directory_of_its_own_for_libraries():
    """No RUNPATH `$ORIGIN` (SwiftPM's default): the loader would look for every library, and dlopen for libcurl,
    libpq and hiredis, in the binary's directory first (/usr/local/bin), ten paths each."""
    binary = cfg_binary()
    if "/release/" not in binary:
        pytest.skip("a debug build loads the Swift runtime from the toolchain by its run path")
    dynamic = subprocess.run(["readelf", "-d", binary], capture_output=True, text=True, check=True).stdout
    assert not re.search(r"\((RUNPATH|RPATH)\)", dynamic), [line for line in dynamic.splitlines() if "PATH" in line]


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
    assert "--disable-local-rpath" in result.stdout
    assert re.search(r'install -m 0755 "?\.build-release/release/cfg"? "?/stage/opt/x/bin/cfg"?', result.stdout), (
        result.stdout)
