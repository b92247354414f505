#!/usr/bin/env python3
"""The Debian packages cfg needs at run time, two ways: the documented list (dev/runtime-packages.txt, which the
Dockerfile installs and `make rootfs-test` installs into its minimal root) and the packages that own the libraries a
binary loads: those it links (its ELF NEEDED entries, found with ldd) and those it opens with dlopen when first needed
(DLOPENED, which IntegrationTests/test_install.py checks against the sonames in the C loaders), owned per dpkg. The
tests compare them.

glibc, libstdc++ and libgcc are left out of the second: every Debian system has them. So is the Swift runtime of a
debug build (it lives in the toolchain, which no package owns); the release build links it in.

    python3 dev/runtime_packages.py BINARY   prints each linked or opened library and its package; exits 1 when
                                             the packages differ from dev/runtime-packages.txt
"""
import os
import re
import subprocess
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
LIST = os.path.join(ROOT, "dev", "runtime-packages.txt")
# On every Debian system (Priority: required, or a dependency of apt): not part of the documented list.
BASE = {"libc6", "libgcc-s1", "libstdc++6"}
# The libraries cfg opens with dlopen (by these fixed sonames) the first time it needs them, instead of linking them:
# libcurl for the remote backends, libpq and hiredis for the rotation appliers. Each is `#define CFG_*_SONAME` in the
# C loader named here; IntegrationTests/test_install.py checks that the two agree.
DLOPENED = {
    "libcurl.so.4": "Sources/CCurl/CCurl.c",
    "libpq.so.5": "Sources/CPostgres/CPostgres.c",
    "libhiredis.so.0.14": "Sources/CRedis/CRedis.c",
}


def documented():
    """dev/runtime-packages.txt: one package a line, `#` comments."""
    with open(LIST, encoding="utf-8") as handle:
        return [line.split("#", 1)[0].strip() for line in handle if line.split("#", 1)[0].strip()]


def needed(binary):
    """The shared libraries the binary names itself (DT_NEEDED), in order."""
    dynamic = subprocess.run(["readelf", "-d", binary], capture_output=True, text=True, check=True).stdout
    return re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", dynamic)


def resolved(binary):
    """soname → path, as the dynamic loader finds them (ldd)."""
    output = subprocess.run(["ldd", binary], capture_output=True, text=True, check=True).stdout
    paths = {}
    for line in output.splitlines():
        match = re.match(r"\s*(\S+)\s+=>\s+(\S+)", line)
        if match:
            paths[match.group(1)] = match.group(2)
        else:
            match = re.match(r"\s*(/\S+)\s+\(", line)
            if match:
                paths[os.path.basename(match.group(1))] = match.group(1)
    return paths


def owner(path):
    """The Debian package that owns a library file (the path as ldd gives it, resolved, with and without /usr), or
    None."""
    candidates = []
    for candidate in (path, os.path.realpath(path)):
        candidates.append(candidate)
        if candidate.startswith("/usr/"):
            candidates.append(candidate[len("/usr"):])
        else:
            candidates.append("/usr" + candidate)
    for candidate in candidates:
        result = subprocess.run(["dpkg-query", "-S", candidate], capture_output=True, text=True)
        if result.returncode == 0:
            return result.stdout.split(":", 1)[0].strip()
    return None


def linked(binary):
    """soname → package for each library the binary names, without the base packages; a library no package owns maps
    to None unless it is the toolchain's Swift runtime (a debug build's), which is left out."""
    paths = resolved(binary)
    result = {}
    for soname in needed(binary):
        path = paths.get(soname)
        package = owner(path) if path else None
        if package in BASE:
            continue
        if package is None and path and "/swift/" in path:
            continue
        result[soname] = package
    return result


def sonames_in_sources():
    """soname → C file, from the `#define CFG_<NAME>_SONAME "…"` lines of the C loaders under Sources."""
    found = {}
    sources = os.path.join(ROOT, "Sources")
    for target in sorted(os.listdir(sources)):
        directory = os.path.join(sources, target)
        for name in sorted(os.listdir(directory)) if os.path.isdir(directory) else []:
            if name.endswith(".c"):
                with open(os.path.join(directory, name), encoding="utf-8") as handle:
                    for soname in re.findall(r'^#define CFG_\w+_SONAME "([^"]+)"', handle.read(), re.MULTILINE):
                        found[soname] = "Sources/%s/%s" % (target, name)
    return found


def ldconfig_path(soname):
    """Where the dynamic loader finds `soname` (its cache, `ldconfig -p`; on x86_64 the x86-64 entry), or None."""
    for ldconfig in ("ldconfig", "/usr/sbin/ldconfig", "/sbin/ldconfig"):
        try:
            output = subprocess.run([ldconfig, "-p"], capture_output=True, text=True, check=True).stdout
        except (OSError, subprocess.CalledProcessError):
            continue
        for line in output.splitlines():
            match = re.match(r"\s*(\S+)\s+\(([^)]*)\)\s+=>\s+(\S+)", line)
            if match and match.group(1) == soname and (os.uname().machine != "x86_64" or "x86-64" in match.group(2)):
                return match.group(3)
        return None
    return None


def opened():
    """soname → package for each library cfg opens with dlopen (DLOPENED); None for one no package owns or the
    loader cannot find."""
    result = {}
    for soname in DLOPENED:
        path = ldconfig_path(soname)
        result[soname] = owner(path) if path else None
    return result


def loaded(binary):
    """soname → package for every library the binary needs at run time: linked (``linked``) or opened (``opened``)."""
    return {**linked(binary), **opened()}


def main(arguments):
    if len(arguments) != 1:
        print(__doc__.strip(), file=sys.stderr)
        return 64
    found = loaded(arguments[0])
    for soname, package in found.items():
        how = "dlopen" if soname in DLOPENED else "linked"
        print("%-24s %-8s %s" % (soname, how, package or "(no package)"))
    want, have = set(documented()), set(found.values())
    if want != have:
        print("dev/runtime-packages.txt lists %s; the binary loads %s" % (sorted(want), sorted(have, key=str)),
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
