"""The documentation stays true: every code block in README.md, SECURITY.md and docs/*.md is checked, and every
relative link resolves.

Every fenced code block has an info string `LANG KIND [ATTRIBUTE=VALUE ...]`. GitHub highlights by LANG; KIND says
how this file checks the block (docs/development.md, "Documentation examples", explains the convention):

- `environment`: a complete environment file. It must load; with a local backend `cfg init` and `cfg render` must
  succeed (each `cfg set` line init ends with is run first, with a placeholder value, as its user would). With a vault or aws backend it renders against the test servers (OpenBao, moto) when they run; without
  them it is loaded through `cfg render --check` against a closed port (exit 0, or 69 when a secret was to be
  fetched), and under CFG_REQUIRE_SERVERS=1 a missing server is a failure.
- `fragment`: a part of an environment file, merged into a minimal one (`backend: { type: local }` unless it names
  its own backend). It must load: `cfg init` for a local backend, `cfg render --check` against a closed port
  otherwise.
- `template`: a template. It renders against an environment of the page (`env=NAME`, else the page's first
  environment saved under environments/), as a `file` output, or with `settings` as the only settings template of
  an `env` output (`service=NAME` for a per-service output).
- `shell`: commands run by bash (-e, -o pipefail) in the page's scratch project with the real binary as `cfg`.
- `output`: what the block before it printed (a shell block's stdout and stderr, a template's rendered text, a
  failing environment's messages), compared line by line: trailing blanks are ignored, `…` in a line matches any
  text, a line that is only `…` matches any number of lines.
- `dockerfile`: parsed; its COPY sources exist (or come from an earlier stage), the packages its image installs are
  dev/runtime-packages.txt and the libraries the binary links or opens (dlopen), and the cfg command line of its
  ENTRYPOINT runs with the real binary (the final command replaced); only the shipped Dockerfile, shown whole, may keep
  the image's ENTRYPOINT. It is not built: that would pull images from the network.
- `dev`: developer commands in the repository, checked and not run: `make TARGET` runs as `make -n`, a `swift`
  command's options must be options of that subcommand and `--product` a product of the package.
- `illustration`: text that is not code (a directory tree, a diagram, a synopsis); it may not hold a command line
  or template tags.

Attributes: `file=PATH` (environment, template: saved at PATH in the scratch project before any block of the page
runs), `exit=N` (environment, fragment, template, shell: the exit status expected, default 0), `env=NAME`,
`service=NAME` and `settings` (template).

Each page runs in its own scratch project (a copy of environments/ and templates/, which is also HOME, so keys go to
its .config/cfg/keys) with the blocks in order: shell blocks in the project itself, the other kinds in a copy of it
as it stands, so that the store and key a check creates do not change what the page's commands print.
`python3 test_docs_examples.py` prints the blocks per page and kind.
"""
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import uuid
from dataclasses import dataclass, field

import pytest
import runtime_packages
import yaml
from conftest import ROOT, cfg_binary, closed_port

PAGES = ["README.md", "SECURITY.md"] + sorted(
    os.path.join("docs", name) for name in os.listdir(os.path.join(ROOT, "docs")) if name.endswith(".md")
)

# KIND → the attributes it takes.
KINDS = {
    "environment": {"file", "exit"},
    "fragment": {"exit"},
    "template": {"file", "env", "service", "settings", "exit"},
    "shell": {"exit"},
    "output": set(),
    "dockerfile": set(),
    "dev": set(),
    "illustration": set(),
}
# Kinds checked in a copy of the page's project.
ISOLATED = {"environment", "fragment", "template", "dockerfile"}
# Kinds whose result an `output` block may compare.
PRODUCERS = {"environment", "fragment", "template", "shell"}
# Regions of moto, one per AWS example (the integration tests clear a region before they use it, as this file does).
AWS_REGIONS = ["af-south-1", "ap-east-1", "ap-northeast-3", "eu-south-1", "me-south-1", "us-gov-west-1"]


@dataclass
class Block:
    page: str
    line: int
    info: str
    text: str
    lang: str = ""
    kind: str = ""
    attrs: dict = field(default_factory=dict)

    @property
    def where(self):
        return "%s:%d" % (self.page, self.line)


def read_page(page):
    with open(os.path.join(ROOT, page), encoding="utf-8") as handle:
        return handle.read()


FENCE = re.compile(r"^( {0,3}|\s*)(`{3,}|~{3,})(.*)$")


def parse_blocks(page):
    """The fenced code blocks of a page, in order (fences may be indented, as inside a list item)."""
    blocks, lines = [], read_page(page).split("\n")
    index = 0
    while index < len(lines):
        opening = FENCE.match(lines[index])
        if not opening:
            index += 1
            continue
        indent, fence, info = len(opening.group(1)), opening.group(2), opening.group(3).strip()
        body, end = [], index + 1
        while end < len(lines):
            closing = re.match(r"^\s*(%s%s*)\s*$" % (re.escape(fence[0]), re.escape(fence[0])), lines[end])
            if closing and len(closing.group(1)) >= len(fence):
                break
            line = lines[end]
            body.append(line[indent:] if line[:indent].strip() == "" else line.lstrip())
            end += 1
        block = Block(page, index + 1, info, "\n".join(body) + ("\n" if body else ""))
        if end == len(lines):
            block.kind = "!unclosed"
        blocks.append(block)
        index = end + 1
    for block in blocks:
        words = block.info.split()
        if block.kind == "!unclosed" or len(words) < 2:
            continue
        block.lang, block.kind = words[0], words[1]
        for word in words[2:]:
            name, has_value, value = word.partition("=")
            block.attrs[name] = value if has_value else True
    return blocks


def block_problems(block):
    """Why a block's info string is not acceptable (empty when it is)."""
    if block.kind == "!unclosed":
        return ["%s: the code block is not closed" % block.where]
    if not block.kind:
        return ["%s: the code block has no KIND (info string %r; expected `LANG KIND`, KIND one of %s)"
                % (block.where, block.info, ", ".join(KINDS))]
    if block.kind not in KINDS:
        return ["%s: unknown KIND %r (one of %s)" % (block.where, block.kind, ", ".join(KINDS))]
    problems = []
    for name in block.attrs:
        if name not in KINDS[block.kind]:
            problems.append("%s: %s blocks take no attribute %r" % (block.where, block.kind, name))
    if "exit" in block.attrs and not str(block.attrs["exit"]).isdigit():
        problems.append("%s: exit= needs a number" % block.where)
    return problems


# ---------------------------------------------------------------- servers


def vault_server():
    address, token = os.environ.get("CFG_TEST_VAULT_ADDR"), os.environ.get("CFG_TEST_VAULT_TOKEN")
    return (address, token) if address and token else None


def moto_server():
    return os.environ.get("CFG_TEST_MOTO_ENDPOINT")


def vault_call(address, token, method, path, body=None, namespace=None):
    import urllib.error  # pylint: disable=import-outside-toplevel
    import urllib.request  # pylint: disable=import-outside-toplevel

    headers = {"X-Vault-Token": token, **({"X-Vault-Namespace": namespace} if namespace else {})}
    request = urllib.request.Request(
        address + "/v1/" + path, method=method, headers=headers,
        data=None if body is None else json.dumps(body).encode(),
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


class NoAliasDumper(yaml.SafeDumper):
    """cfg refuses anchors and aliases: a derived environment repeats values instead."""

    def ignore_aliases(self, data):
        return True


# ---------------------------------------------------------------- one page


class PageRun:
    """The blocks of one page, checked in order in a scratch project."""

    def __init__(self, page, root):
        self.page, self.base = page, str(root)
        self.root = self.cwd = os.path.join(self.base, "project")
        for folder in ("environments", "templates"):
            shutil.copytree(os.path.join(ROOT, folder), os.path.join(self.root, folder))
        bin_dir = os.path.join(self.root, ".docs-bin")
        os.makedirs(bin_dir)
        os.symlink(cfg_binary(), os.path.join(bin_dir, "cfg"))
        self.env = {
            "PATH": bin_dir + os.pathsep + os.environ.get("PATH", "/usr/bin:/bin"),
            # Keys go to ~/.config/cfg/keys as on a machine without XDG_CONFIG_HOME; HOME is the project directory.
            "AWS_EC2_METADATA_DISABLED": "true",
            "LANG": "C.UTF-8",
        }
        self.blocks = parse_blocks(page)
        self.failures = []
        self.checked = []
        self.last = None  # (block, text) of the last producer, for an `output` block
        self.default_environment = None
        self.regions = iter(AWS_REGIONS * 4)

    # -- running things

    def run(self, argv, env=None, timeout=120, stdin=None):
        result = subprocess.run(
            argv, cwd=self.cwd, env={**self.env, "HOME": self.cwd, **(env or {})},
            **({"input": stdin} if stdin is not None else {"stdin": subprocess.DEVNULL}),
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout,
        )
        return result.returncode, result.stdout.decode(errors="replace")

    def cfg(self, *args, env=None):
        return self.run([cfg_binary(), *args], env=env)

    def initialize(self, reference, env=None):
        """`cfg init`, then each `cfg set` line it ends with (a value it cannot generate), given a placeholder, so
        that the environment renders as it does once its user has stored those values."""
        status, output = self.cfg("init", reference, env=env)
        if status != 0:
            return status, output
        for line in output.splitlines():
            if line.startswith("  cfg set "):
                words = shlex.split(line)
                status, answer = self.run([cfg_binary(), *words[1:]], env=env, stdin=b"docs-example-value")
                if status != 0:
                    return status, output + answer
        return status, output

    def no_expandable_secret(self, reference):
        """An example that renders holds no password `cfg init` generates that Airflow's $NAME / ~ expansion could
        alter: `cfg render` refuses such a value when the generator happens to make one, so the example would fail at
        random. (A rotation's generator may: the first value comes from `generate:`.)"""
        _, output = self.cfg("check", reference)
        if any("Airflow may not read it as written" in line and ".generate'" in line for line in output.splitlines()):
            raise AssertionError("cfg check finds an expandable generated secret, so rendering fails at random:\n"
                                 + output.rstrip())

    @staticmethod
    def expect(what, status, output, expected=0):
        if status != expected:
            raise AssertionError("%s exited %d, expected %d:\n%s" % (what, status, expected, output.rstrip()))

    # -- the page

    def check(self):
        for block in self.blocks:
            self.failures.extend(block_problems(block))
        if self.failures:
            return
        written = {}
        for block in self.blocks:
            if "file" in block.attrs:
                path = block.attrs["file"]
                if path in written:
                    self.failures.append(
                        "%s: %s is also written by the block at line %d" % (block.where, path, written[path]))
                written[path] = block.line
                self.write(path, block.text)
                if (block.kind == "environment" and self.default_environment is None
                        and re.fullmatch(r"environments/[^/]+\.ya?ml", path)):
                    self.default_environment = os.path.splitext(os.path.basename(path))[0]
        for block in self.blocks:
            # Examples of files are checked in a copy of the project, so that what they create (a store, a key)
            # does not change what the page's commands print; shell blocks run in the project itself.
            if block.kind in ISOLATED:
                self.cwd = os.path.join(self.base, "check-%d" % block.line)
                shutil.copytree(self.root, self.cwd, symlinks=True)
            try:
                text = getattr(self, "check_" + block.kind)(block)
                self.checked.append(block)
            except AssertionError as error:
                self.failures.append("%s (%s %s): %s" % (block.where, block.lang, block.kind, error))
                text = None
            finally:
                self.cwd = self.root
            if block.kind in PRODUCERS:
                self.last = (block, text)
            elif block.kind == "output":
                self.last = None

    def write(self, relative, text):
        path = os.path.join(self.cwd, relative)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)

    @staticmethod
    def exit_status(block):
        return int(block.attrs.get("exit", 0))

    # -- environment files

    def environment_path(self, block, prefix):
        if "file" in block.attrs:
            return block.attrs["file"]
        path = "environments/%s-%s-%d.yaml" % (prefix, os.path.basename(block.page).split(".")[0].lower(), block.line)
        self.write(path, block.text if prefix == "docs" else self.fragment_text(block))
        return path

    @staticmethod
    def fragment_text(block):
        if re.search(r"^backend\s*:", block.text, re.MULTILINE):
            return block.text
        return block.text + "\nbackend: { type: local }\n"

    @staticmethod
    def reference(path):
        """How a command names the environment: its name when it is environments/NAME.yaml, else its path."""
        match = re.fullmatch(r"environments/([^/]+)\.yaml", path)
        return match.group(1) if match else path

    def backend_type(self, path):
        try:
            with open(os.path.join(self.cwd, path), encoding="utf-8") as handle:
                document = yaml.safe_load(handle)
            return document["backend"]["type"]
        except Exception:  # pylint: disable=broad-except
            return "local"  # cfg reports the problem when it loads the file

    def check_environment(self, block):
        path = self.environment_path(block, "docs")
        reference = self.reference(path)
        expected = self.exit_status(block)
        kind = self.backend_type(path)
        if kind == "local":
            if expected == 0:
                self.no_expandable_secret(reference)
                status, output = self.initialize(reference)
                self.expect("cfg init", status, output)
                status, output = self.cfg("render", reference, "--out", ".docs-out/%d" % block.line)
                self.expect("cfg render", status, output)
                return output
            self.cfg("init", reference)
            status, output = self.cfg("render", reference, "--check")
            self.expect("cfg render --check", status, output, expected)
            return output
        return self.remote(block, reference, kind, expected)

    def remote(self, block, reference, kind, expected):
        """A vault or aws environment: rendered against the test server, or loaded when there is none."""
        server = vault_server() if kind == "vault" else moto_server()
        if server is None:
            if os.environ.get("CFG_REQUIRE_SERVERS") == "1":
                raise AssertionError("this %s example needs the test servers (make servers-start, then source "
                                     ".build/test-servers/servers.env)" % kind)
            return self.loads(block, reference, kind, expected)
        env = self.vault_env(block, reference) if kind == "vault" else self.aws_env()
        if expected == 0:
            self.no_expandable_secret(reference)
            status, output = self.initialize(reference, env=env)
            self.expect("cfg init", status, output)
            status, output = self.cfg("render", reference, "--out", ".docs-out/%d" % block.line, env=env)
            self.expect("cfg render", status, output)
            return output
        status, output = self.cfg("render", reference, "--check", env=env)
        self.expect("cfg render --check", status, output, expected)
        return output

    def vault_env(self, block, reference):
        address, token = vault_server()
        with open(os.path.join(self.cwd, "environments", reference + ".yaml"), encoding="utf-8") as handle:
            backend = yaml.safe_load(handle)["backend"]
        auth = backend.get("auth") or {}
        if auth.get("method", "token") != "token" or "file" in auth:
            raise AssertionError("a vault environment example logs in with VAULT_TOKEN so that it renders against "
                                 "the test server; show other logins as fragments")
        namespace = "docs-" + uuid.uuid4().hex[:10]
        assert vault_call(address, token, "POST", "sys/namespaces/" + namespace, {}) in (200, 204)
        mount = backend.get("mount", "secret")
        options = {"version": str(backend.get("kv_version", 2))}
        assert vault_call(address, token, "POST", "sys/mounts/" + mount, {"type": "kv", "options": options},
                          namespace=namespace) in (200, 204)
        return {"VAULT_ADDR": address, "VAULT_TOKEN": token, "VAULT_NAMESPACE": namespace}

    def aws_env(self):
        import boto3  # pylint: disable=import-outside-toplevel

        region, endpoint = next(self.regions), moto_server()
        client = boto3.session.Session(
            aws_access_key_id="testing", aws_secret_access_key="testing", region_name=region
        ).client("secretsmanager", endpoint_url=endpoint)
        for page in client.get_paginator("list_secrets").paginate():
            for entry in page["SecretList"]:
                client.delete_secret(SecretId=entry["ARN"], ForceDeleteWithoutRecovery=True)
        return {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_REGION": region,
                "AWS_ENDPOINT_URL": endpoint}

    def loads(self, block, reference, kind, expected):
        """Loads a remote environment without a server: its address is a closed port, so a run that gets as far as
        fetching a secret fails there with exit 69, after the file and the templates were read."""
        port = closed_port()
        env = ({"VAULT_ADDR": "http://127.0.0.1:%d" % port, "VAULT_TOKEN": "docs-example"} if kind == "vault" else
               {"AWS_ACCESS_KEY_ID": "docs-example", "AWS_SECRET_ACCESS_KEY": "docs-example",
                "AWS_REGION": "us-east-1", "AWS_ENDPOINT_URL": "http://127.0.0.1:%d" % port})
        status, output = self.cfg("render", reference, "--check", env=env)
        if expected == 0:
            if status not in (0, 69):
                raise AssertionError("cfg render --check exited %d (expected it to load):\n%s" % (status, output))
            if status == 69 and str(port) not in output:
                raise AssertionError("exit 69 for another reason than the closed port:\n%s" % output)
        else:
            self.expect("cfg render --check", status, output, expected)
        return output

    def check_fragment(self, block):
        path = self.environment_path(block, "fragment")
        reference = self.reference(path)
        kind = self.backend_type(path)
        expected = self.exit_status(block)
        if kind == "local":
            status, output = self.cfg("init", reference)
            self.expect("cfg init", status, output, expected)
            return output
        return self.loads(block, reference, kind, expected)

    # -- templates

    def check_template(self, block):
        name = block.attrs.get("env") or self.default_environment
        if not name:
            raise AssertionError("a template renders against an environment: give env=NAME, or save an environment "
                                 "of the page under environments/")
        with open(os.path.join(self.cwd, "environments", name + ".yaml"), encoding="utf-8") as handle:
            document = yaml.safe_load(handle)
        if document["backend"]["type"] != "local":
            raise AssertionError("templates render against a local environment; %s uses %s"
                                 % (name, document["backend"]["type"]))
        path = block.attrs.get("file") or "templates/docs-%d.tmpl" % block.line
        if "file" not in block.attrs:
            self.write(path, block.text)
        document["name"] = document.get("name", name)
        service = block.attrs.get("service")
        if "settings" in block.attrs:
            document["settings"] = [path]
            if isinstance(document.get("services"), dict):
                for settings in document["services"].values():
                    if isinstance(settings, dict):
                        settings.pop("settings", None)
            output = {"kind": "env", "path": "example"}
        else:
            output = {"kind": "file", "template": path, "path": "example"}
        if service:
            output["service"] = service
        document["outputs"] = [output]
        derived = "environments/docs-template-%d.yaml" % block.line
        self.write(derived, yaml.dump(document, Dumper=NoAliasDumper, sort_keys=False, allow_unicode=True))
        status, output = self.initialize(derived)
        self.expect("cfg init", status, output)
        out = ".docs-out/%d" % block.line
        status, output = self.cfg("render", derived, "--out", out)
        self.expect("cfg render", status, output, self.exit_status(block))
        if status != 0:
            return output.replace(derived, "environments/%s.yaml" % name)
        with open(os.path.join(self.cwd, out, "example"), encoding="utf-8") as handle:
            return handle.read()

    # -- commands

    def check_shell(self, block):
        status, output = self.run(["bash", "-e", "-o", "pipefail", "-c", block.text])
        self.expect("the commands", status, output, self.exit_status(block))
        return output

    def check_output(self, block):
        if self.last is None:
            raise AssertionError("an output block must follow a block that produces output (%s)" % ", ".join(PRODUCERS))
        producer, actual = self.last
        if actual is None:
            raise AssertionError("the block at line %d failed, so there is nothing to compare" % producer.line)
        mismatch = compare_output(block.text, actual)
        if mismatch:
            raise AssertionError("%s\n--- documented\n%s--- actual\n%s" % (mismatch, block.text, actual))

    def check_dev(self, block):
        for raw in block.text.splitlines():
            line = raw.split(" #", 1)[0].strip()
            if not line or line.startswith("#"):
                continue
            words = shlex.split(line)
            while words and re.fullmatch(r"[A-Z_][A-Z0-9_]*=.*", words[0]):
                words.pop(0)
            if words[:1] == ["make"]:
                check_make(words[1:])
            elif words[:1] == ["swift"]:
                check_swift(words[1:])
            else:
                raise AssertionError("%r: a dev block holds make and swift commands only" % line)

    def check_dockerfile(self, block):
        instructions = dockerfile_instructions(block.text)
        names = [name for name, _ in instructions]
        assert names and names[0] == "FROM", "a Dockerfile starts with FROM"
        # The image is the last stage; earlier ones (a builder) only hand it files through COPY --from.
        last = max(index for index, name in enumerate(names) if name == "FROM")
        entrypoint = None
        for index, (name, argument) in enumerate(instructions):
            if name in ("ENTRYPOINT", "CMD") and argument.startswith("["):
                value = json.loads(argument)
                assert isinstance(value, list) and all(isinstance(word, str) for word in value), argument
                if name == "ENTRYPOINT":
                    entrypoint = value
            if name == "COPY":
                words = shlex.split(argument)
                if any(word.startswith("--from=") for word in words):
                    continue
                *sources, _ = [word for word in words if not word.startswith("--")]
                for source in sources:
                    assert os.path.exists(os.path.join(ROOT, source)), "COPY %s: no such path" % source
            if name == "RUN" and "apt-get install" in argument and index > last:
                installed = apt_get_installed(argument)
                assert sorted(installed) == sorted(runtime_packages.documented()), (
                    "the image installs %s; dev/runtime-packages.txt lists %s"
                    % (installed, runtime_packages.documented()))
                loaded = set(runtime_packages.loaded(cfg_binary()).values())
                assert set(installed) == loaded, "the image installs %s; the binary loads %s" % (installed, loaded)
        if entrypoint is None:
            # Only the shipped Dockerfile keeps the image's ENTRYPOINT (each service puts cfg in front of it).
            assert block.text == read_page("Dockerfile"), (
                "a Dockerfile example has an ENTRYPOINT in exec form, or is the shipped Dockerfile")
            return None
        return self.run_entrypoint(entrypoint)

    def run_entrypoint(self, entrypoint):
        """Runs the ENTRYPOINT's cfg command line with the real binary: the project is the scratch copy, the command
        after `--` a check that the settings arrived."""
        starts = [index for index, word in enumerate(entrypoint) if word == "cfg" or word.endswith("/cfg")]
        assert starts, "the ENTRYPOINT runs cfg"
        argv = entrypoint[starts[0] + 1:]
        assert "--" in argv, "the cfg command ends its options with --"
        argv = argv[: argv.index("--") + 1]
        if "-C" in argv:
            argv[argv.index("-C") + 1] = self.cwd
        reference = argv[1]
        kind = self.backend_type("environments/%s.yaml" % reference)
        check = ["sh", "-c", 'test -n "$AIRFLOW__CORE__FERNET_KEY"']
        if kind == "local":
            status, output = self.cfg("init", reference)
            self.expect("cfg init", status, output)
            status, output = self.cfg(*argv, *check)
            self.expect("cfg " + " ".join(argv), status, output)
            return output
        server = vault_server() if kind == "vault" else moto_server()
        if server is None:
            if os.environ.get("CFG_REQUIRE_SERVERS") == "1":
                raise AssertionError("the ENTRYPOINT's %s environment needs the test servers" % kind)
            return self.loads(None, reference, kind, 0)
        env = self.vault_env(None, reference) if kind == "vault" else self.aws_env()
        status, output = self.cfg("init", reference, env=env)
        self.expect("cfg init", status, output)
        status, output = self.cfg(*argv, *check, env=env)
        self.expect("cfg " + " ".join(argv), status, output)
        return output

    def check_illustration(self, block):
        for line in block.text.splitlines():
            stripped = line.strip().lstrip("$ ")
            if re.match(r"(cfg|make|swift|docker|python3|pip|apt-get|sudo|export|curl)\s", stripped):
                raise AssertionError("%r is a command: use a shell or dev block" % line.strip())
            if "{{" in line or "{%" in line:
                raise AssertionError("%r holds template tags: use a template block" % line.strip())


def compare_output(documented, actual):
    """None when `actual` matches `documented` (see the module's docstring), else the first difference."""
    want = [line.rstrip() for line in documented.rstrip("\n").split("\n")]
    have = [line.rstrip() for line in actual.rstrip("\n").split("\n")] if actual.strip() else []

    def line_pattern(line):
        parts = re.split("(…)", line)
        return re.compile("".join(".*" if part == "…" else re.escape(part) for part in parts) + r"\Z")

    def match(i, j):
        if i == len(want):
            return j == len(have)
        if want[i] == "…":
            return any(match(i + 1, k) for k in range(j, len(have) + 1))
        return j < len(have) and line_pattern(want[i]).match(have[j]) is not None and match(i + 1, j + 1)

    if match(0, 0):
        return None
    for index, line in enumerate(want):
        if line == "…":
            break
        if index >= len(have) or not line_pattern(line).match(have[index]):
            return "line %d differs: documented %r, actual %r" % (
                index + 1, line, have[index] if index < len(have) else "(nothing)")
    return "the output differs"


def dockerfile_instructions(text):
    """(INSTRUCTION, argument) pairs: continuation lines joined, comments dropped; unknown instructions fail."""
    known = {"FROM", "RUN", "CMD", "LABEL", "EXPOSE", "ENV", "ADD", "COPY", "ENTRYPOINT", "VOLUME", "USER",
             "WORKDIR", "ARG", "ONBUILD", "STOPSIGNAL", "HEALTHCHECK", "SHELL"}
    result, pending = [], ""
    for line in text.splitlines():
        if not pending and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        whole = (pending + line).strip()
        pending = ""
        name, _, argument = whole.partition(" ")
        assert name.upper() in known and name == name.upper(), "unknown Dockerfile instruction %r" % name
        result.append((name, argument.strip()))
    assert not pending, "a continuation line ends the Dockerfile"
    return result


def apt_get_installed(command):
    """The packages of the `apt-get install` in a RUN command (options and the commands around it left out)."""
    words = shlex.split(command.split("apt-get install", 1)[1].split("&&", 1)[0])
    return [word for word in words if not word.startswith("-")]


def check_make(arguments):
    """`make -n` in the repository: the targets exist and their recipes expand; the scripts they run exist."""
    result = subprocess.run(["make", "-n", *arguments], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, "make -n %s: %s" % (" ".join(arguments), result.stderr.strip())
    for path in re.findall(r"(?:^|\s)((?:dev|scripts|Benchmarks)/[\w./-]+)", result.stdout):
        assert os.path.exists(os.path.join(ROOT, path)), "make %s runs %s, which does not exist" % (arguments, path)


def swift_help(subcommand):
    return subprocess.run(["swift", subcommand, "--help"], capture_output=True, text=True, timeout=120).stdout


def check_swift(arguments):
    assert arguments and arguments[0] in ("build", "test", "run", "package", "format"), "swift %s" % arguments
    if arguments[0] not in ("build", "test"):
        return
    help_text = swift_help(arguments[0])
    for index, word in enumerate(arguments[1:], start=1):
        if word.startswith("-"):
            option = word.split("=")[0]
            assert re.search(r"(^|[\s,/])%s([\s,</]|$)" % re.escape(option), help_text, re.MULTILINE), (
                "swift %s has no option %s" % (arguments[0], option))
        if word == "--product":
            with open(os.path.join(ROOT, "Package.swift"), encoding="utf-8") as handle:
                manifest = handle.read()
            product = arguments[index + 1]
            assert re.search(r'\.executable\(name: "%s"' % re.escape(product), manifest), "no product %s" % product


# ---------------------------------------------------------------- tests


@pytest.mark.parametrize("page", PAGES)
def test_every_example_of_the_page_works(page, tmp_path):
    run = PageRun(page, tmp_path)
    run.check()
    assert not run.failures, "\n\n".join(run.failures)
    assert len(run.checked) == len(run.blocks)


def test_the_block_kinds_are_checked_and_a_broken_block_fails(tmp_path):
    """The harness itself: a block without a kind or with an unknown one fails, and so does an example that does not
    work or an output that differs."""
    page = os.path.join(tmp_path, "page.md")
    docs = {
        "no kind": "```yaml\nbackend: { type: local }\n```\n",
        "unknown kind": "```yaml sample\nbackend: { type: local }\n```\n",
        "failing shell": "```sh shell\ncfg render nosuch\n```\n",
        "wrong output": "```sh shell\necho one\n```\n\n```text output\ntwo\n```\n",
        "broken environment": "```yaml environment\nbackend: { type: local }\nsevices: []\n```\n",
        "command as illustration": "```text illustration\ncfg render dev\n```\n",
        "unknown make target": "```sh dev\nmake no-such-target\n```\n",
    }
    for name, text in docs.items():
        with open(page, "w", encoding="utf-8") as handle:
            handle.write(text)
        run = PageRun(os.path.relpath(page, ROOT), tmp_path / name.replace(" ", "-"))
        run.check()
        assert run.failures, name
    good = "```sh shell\necho 'p@ss' 1\necho two\n```\n\n```text output\n…@ss…\n…\n```\n"
    with open(page, "w", encoding="utf-8") as handle:
        handle.write(good)
    run = PageRun(os.path.relpath(page, ROOT), tmp_path / "good")
    run.check()
    assert not run.failures, run.failures


def test_the_complete_environment_example_keeps_its_shape():
    """docs/environment-file.md's complete example (also loaded by CfgConfigTests.DocumentationTests) renders above;
    here its shape: the names of its secrets, services, outputs and rotation policies."""
    (block,) = [b for b in parse_blocks("docs/environment-file.md") if b.kind == "environment"][:1]
    document = yaml.safe_load(block.text)
    assert list(document["secrets"]) == ["smtp", "db", "fernet", "flower", "token"]
    assert list(document["services"]) == ["scheduler", "worker", "api-server"]
    assert len(document["outputs"]) == 5
    assert list(document["rotation"]) == ["fernet", "db", "smtp", "token"]


LINK = re.compile(r"(?<!\!)\[([^\]]*)\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)|^\s*\[[^\]]+\]:\s*(\S+)", re.MULTILINE)


def slug(heading):
    """GitHub's anchor for a heading: lower case, punctuation removed, spaces as hyphens."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading.strip()).lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(path):
    text, result, counts, in_code = read_page(path), set(), {}, False
    for line in text.split("\n"):
        if FENCE.match(line):
            in_code = not in_code
            continue
        heading = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
        if heading and not in_code:
            base = slug(heading.group(1))
            count = counts.get(base, 0)
            counts[base] = count + 1
            result.add(base if count == 0 else "%s-%d" % (base, count))
    return result


def prose(page):
    """The page without its code blocks and inline code, where links are not links."""
    lines, kept, in_code = read_page(page).split("\n"), [], False
    for line in lines:
        if FENCE.match(line):
            in_code = not in_code
            kept.append("")
            continue
        kept.append("" if in_code else re.sub(r"`[^`]*`", "", line))
    return "\n".join(kept)


@pytest.mark.parametrize("page", PAGES)
def test_every_relative_link_resolves(page):
    problems = []
    for match in LINK.finditer(prose(page)):
        target = match.group(2) or match.group(3)
        if re.match(r"[a-z]+:", target):
            continue
        path, _, anchor = target.partition("#")
        resolved = os.path.normpath(os.path.join(os.path.dirname(page), path)) if path else page
        if not os.path.exists(os.path.join(ROOT, resolved)):
            problems.append("%s: link to %s: no such file" % (page, target))
        elif anchor and resolved.endswith(".md") and anchor not in anchors(resolved):
            problems.append("%s: link to %s: %s has no heading with that anchor" % (page, target, resolved))
    assert not problems, "\n".join(problems)


PROMISE = re.compile(
    r"\(next\)|\bcoming (soon|next)\b|\bwill (be )?(added|arrive|land|come|support|ship)\b|\barrives with\b"
    r"|\bnot yet\b|\bin a (future|later) (release|version|issue)\b|\bupcoming\b|\bplanned\b|\bTODO\b",
    re.IGNORECASE,
)


@pytest.mark.parametrize("page", PAGES)
def test_no_sentence_describes_a_feature_as_coming(page):
    found = [
        "%s:%d: %s" % (page, number, line.strip())
        for number, line in enumerate(prose(page).split("\n"), start=1)
        if PROMISE.search(line)
    ]
    assert not found, "\n".join(found)


def test_the_readme_is_a_front_page():
    assert len(read_page("README.md").split("\n")) <= 300


if __name__ == "__main__":
    total = {}
    for name in PAGES:
        blocks = parse_blocks(name)
        counts = {}
        for item in blocks:
            counts[item.kind or "(none)"] = counts.get(item.kind or "(none)", 0) + 1
            total[item.kind or "(none)"] = total.get(item.kind or "(none)", 0) + 1
        print("%-28s %3d  %s" % (name, len(blocks), ", ".join("%s %d" % pair for pair in sorted(counts.items()))))
    print("%-28s %3d  %s" % ("total", sum(total.values()), ", ".join("%s %d" % pair for pair in sorted(total.items()))))
    sys.exit(0)
