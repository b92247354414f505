#!/usr/bin/env bash
# The virtual environment whose Airflow judges cfg's outputs (make test-airflow, test_airflow_judge.py).
# Usage: dev/airflow-venv.sh VENV AIRFLOW_VERSION
# Installs apache-airflow[postgres,celery,amazon]==AIRFLOW_VERSION from PyPI into VENV with Airflow's official
# constraints file for this Python when raw.githubusercontent.com answers, else dev/airflow-constraints/VERSION.txt.
# A complete install leaves VENV/.cfg-complete (what was installed, with which constraints); a VENV whose stamp
# matches is reused as it is, anything else is removed and installed again.
set -euo pipefail
venv=$1
version=$2
here=$(cd "$(dirname "$0")" && pwd)
python=${PYTHON:-python3}
requirement="apache-airflow[postgres,celery,amazon]==$version"
minor=$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
official="https://raw.githubusercontent.com/apache/airflow/constraints-$version/constraints-$minor.txt"
constraints=$(mktemp)
trap 'rm -f "$constraints"' EXIT
if curl -fsS --max-time 15 -o "$constraints" "$official" 2>/dev/null; then
    source="$official"
else
    cp "$here/airflow-constraints/$version.txt" "$constraints"
    source="dev/airflow-constraints/$version.txt (the official constraints file could not be fetched)"
fi
stamp="$requirement python$minor $(sha256sum "$constraints" | cut -c1-64)"
if [ -f "$venv/.cfg-complete" ] && [ "$(cat "$venv/.cfg-complete")" = "$stamp" ] && [ -x "$venv/bin/airflow" ]; then
    echo "$venv: $requirement already installed"
    exit 0
fi
if ! "$python" -c 'import ensurepip, venv' 2>/dev/null; then  # Debian's python3 needs python3-venv for `-m venv`
    echo "installing Debian packages: python3-venv"
    if [ "$(id -u)" -eq 0 ]; then sudo=(); else sudo=(sudo); fi
    "${sudo[@]}" apt-get update -qq
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
fi
echo "$venv: installing $requirement with $source"
rm -rf "$venv"
"$python" -m venv "$venv"
start=$SECONDS
"$venv/bin/pip" install --quiet --disable-pip-version-check --constraint "$constraints" "$requirement"
echo "$stamp" > "$venv/.cfg-complete"
echo "$venv: installed in $((SECONDS - start)) s"
