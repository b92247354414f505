"""What the scripts in Benchmarks/ share: the secrets they write, the cfg project and template they render, the
child environment, the statistics and labels they print, and `load_script`, through which one script uses another's
server set-up and measurements."""
import importlib.util
import math
import os
import platform
import sys

WARMUP = 2
KEYS = ("username", "password", "host", "port")
# Characters that break naive quoting, URL, INI, shell, Go-template and env-file handling. No \n, \r or NUL:
# a line-based env file cannot hold them (cfg's `env` output rejects them).
HOSTILE = ["p@ss:/w%rd#?&+'\"= $\\!*()é", "${HOME}$$`id`", "{{ .Data }}[env];#x", " lead-and-trail ",
           "tab\there=", "'single'", "\"double\"", "ünï©ødé-✓-🔑", "a=b=c", "\\\\back\\"]


def child_env(home, extra=None):
    """The measured children's environment: nothing of the caller's, no AWS metadata lookups."""
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": home, "LANG": "C.UTF-8",
           "AWS_EC2_METADATA_DISABLED": "true"}
    env.update(extra or {})
    return env


def make_secrets(count, rng, digits):
    """count secrets `sNNN` (digits wide): username, a hostile password, host, port (a number)."""
    values = {}
    for index in range(count):
        name = "s%0*d" % (digits, index)
        password = HOSTILE[index % len(HOSTILE)] + "".join(
            rng.choice("abcXYZ019!#$%&'()*+,-./:;<=>?@[\\]^_`{|}~ \"") for _ in range(12))
        values[name] = {"username": "user-%s@example.com" % name, "password": password,
                        "host": "db-%s.internal" % name, "port": 5432 + index}
    return values


def var(name, key):
    return "%s_%s" % (name.upper(), key.upper())


def write_cfg_project(directory, names, backend):
    os.makedirs(os.path.join(directory, "environments"))
    os.makedirs(os.path.join(directory, "templates"))
    lines = ["backend: %s" % backend, "secrets:"]
    lines += ["  %s: bench/%s" % (name, name) for name in names]
    lines += ["settings: [templates/bench.cfg.tmpl]", "outputs:", "  - { kind: env, path: bench.env }", ""]
    with open(os.path.join(directory, "environments", "bench.yaml"), "w") as handle:
        handle.write("\n".join(lines))
    template = ["[env]"]
    for name in names:
        template += ["%s = {{ secrets.%s.%s }}" % (var(name, key), name, key) for key in KEYS]
    with open(os.path.join(directory, "templates", "bench.cfg.tmpl"), "w") as handle:
        handle.write("\n".join(template) + "\n")


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def cpu_model():
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


def cfg_label(binary):
    parts = os.path.abspath(binary).split(os.sep)
    build = "release" if "release" in parts or ".build-release" in parts else "debug" if "debug" in parts else "custom"
    return "cfg-" + build


def load_script(name):
    """The benchmark script Benchmarks/NAME.py (a name with dashes, so not importable by `import`) as a module, loaded
    once (a second call returns the same module); its main() runs only when it is started as a script."""
    module_name = name.replace("-", "_")
    if module_name not in sys.modules:
        path = os.path.join(os.path.dirname(os.path.abspath(__file__)), name + ".py")
        spec = importlib.util.spec_from_file_location(module_name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        spec.loader.exec_module(module)
    return sys.modules[module_name]
