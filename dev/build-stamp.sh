#!/usr/bin/env bash
# Writes the build stamp the release build compiles into cfg (Sources/CBuildInfo): cfg's version (the VERSION file)
# and the git commit of the checkout ("-dirty" appended when tracked files differ from it; "unknown" outside a git
# checkout). CFG_COMMIT overrides the commit (a Docker build whose context has no .git passes it as a build
# argument). The header is rewritten only when its content changes, so an unchanged checkout rebuilds nothing.
# Usage: dev/build-stamp.sh DIR   (writes DIR/cfg_build_stamp.h)
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:?usage: dev/build-stamp.sh DIR}

version=$(tr -d ' \t\r\n' < VERSION)
[[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.-]+)?$ ]] || {
    echo "VERSION: '$version' is not a version (MAJOR.MINOR.PATCH)" >&2
    exit 1
}
commit=${CFG_COMMIT:-}
if [ -z "$commit" ]; then
    if commit=$(git rev-parse --verify --quiet HEAD 2>/dev/null); then
        git diff --quiet HEAD -- 2>/dev/null || commit="$commit-dirty"
    else
        commit=unknown
    fi
fi
[[ "$commit" =~ ^([0-9a-f]{7,40}(-dirty)?|unknown)$ ]] || {
    echo "CFG_COMMIT: '$commit' is not a commit (7 to 40 hex digits, optionally -dirty, or unknown)" >&2
    exit 1
}

mkdir -p "$dir"
stamp="$dir/cfg_build_stamp.h"
content=$(printf '/* Written by dev/build-stamp.sh. */\n#define CFG_BUILD_VERSION "%s"\n#define CFG_BUILD_COMMIT "%s"\n' \
    "$version" "$commit")
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$content" ]; then
    printf '%s\n' "$content" > "$stamp"
fi
