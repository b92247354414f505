#!/usr/bin/env bash
# The installed cfg in a clean Debian bookworm root holding only the runtime packages cfg documents
# (dev/runtime-packages.txt), entered with chroot in a private mount and PID namespace (unshare): with /proc mounted
# it must work (--version, init, render, exec), without /proc it must refuse every command with one line and exit 71.
# `make rootfs-test` runs it after `make install DESTDIR=DIR/stage PREFIX=/usr/local`.
#
# Usage: dev/rootfs-test.sh DIR STAGE
#   DIR    the cache: DIR/base is `debootstrap --variant=minbase bookworm` plus the runtime packages (rebuilt when the
#          package list or the mirror changes, reused otherwise); DIR/root is a fresh copy of it for each run.
#   STAGE  a `make install DESTDIR=STAGE PREFIX=/usr/local` tree, copied into the root.
# The Debian mirror is the one this machine's apt uses for bookworm (/etc/apt/sources.list and sources.list.d/, in
# either format); the repository names none. Needs root (re-runs itself with sudo) and debootstrap (dev/install-deps.sh
# rootfs). Any failure ends the script with a line saying what failed and a status other than 0.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -eq 2 ] || { echo "usage: dev/rootfs-test.sh DIR STAGE" >&2; exit 64; }
if [ "$(id -u)" -ne 0 ]; then
    exec sudo "$(pwd)/dev/rootfs-test.sh" "$@"
fi
dir=$(realpath -m "$1")
stage=$(realpath -m "$2")
suite=bookworm
root="$dir/root"
base="$dir/base"

fail() {
    echo "rootfs-test: FAILED: $*" >&2
    exit 1
}
step() {
    echo "rootfs-test: $*"
}

# The packages: dev/runtime-packages.txt without comments and blank lines.
mapfile -t packages < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' -e '/^$/d' dev/runtime-packages.txt)
[ ${#packages[@]} -gt 0 ] || fail "dev/runtime-packages.txt names no package"

# The first http(s) URI of a `deb` source for $suite with the main component, in sources.list (one-line format),
# sources.list.d/*.list (the same) or sources.list.d/*.sources (deb822).
debian_mirror() {
    local file
    for file in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [ -f "$file" ] || continue
        awk -v suite="$suite" '
            /^[[:space:]]*deb[[:space:]]/ {
                sub(/\[[^]]*\]/, "")
                if ($3 == suite && $0 ~ /[[:space:]]main([[:space:]]|$)/ && $2 ~ /^https?:\/\//) { print $2; exit }
            }' "$file"
    done
    for file in /etc/apt/sources.list.d/*.sources; do
        [ -f "$file" ] || continue
        awk -v suite="$suite" '
            function flush() {
                if (types ~ /(^| )deb( |$)/ && (" " suites " ") ~ (" " suite " ") && (" " comps " ") ~ / main / &&
                    enabled != "no") {
                    split(uris, list, " ")
                    for (i in list) if (list[i] ~ /^https?:\/\//) { print list[i]; exit }
                }
                types = ""; suites = ""; comps = ""; uris = ""; enabled = ""
            }
            /^[[:space:]]*#/ { next }
            /^[[:space:]]*$/ { flush(); next }
            {
                field = tolower($1); sub(/:$/, "", field); $1 = ""; sub(/^[[:space:]]+/, "")
                if (field == "types") types = $0
                else if (field == "suites") suites = $0
                else if (field == "components") comps = $0
                else if (field == "uris") uris = $0
                else if (field == "enabled") enabled = tolower($0)
            }
            END { flush() }' "$file"
    done
}

# Runs a command in the root: chroot inside a new mount and PID namespace, so nothing mounted there outlives it;
# `proc` mounts a fresh /proc in it, `noproc` leaves /proc empty. The environment is only what is set here.
enter() {
    local mode=$1
    shift
    local namespaces=(--mount --pid --fork)
    if [ "$mode" = proc ]; then
        namespaces+=("--mount-proc=$root/proc")
    fi
    unshare "${namespaces[@]}" chroot "$root" /usr/bin/env -i HOME=/root LANG=C.UTF-8 \
        PATH=/usr/local/bin:/usr/bin:/bin "$@"
}

# ---------------------------------------------------------------- the cached base root

mirror=$(debian_mirror | head -n 1)
[ -n "$mirror" ] || fail "no '$suite' source with the main component in /etc/apt/sources.list{,.d/}: cannot pick a mirror"
key="$suite $(dpkg --print-architecture) $mirror ${packages[*]}"
if [ -f "$dir/base.key" ] && [ -d "$base" ] && [ "$(cat "$dir/base.key")" = "$key" ]; then
    step "reusing the $suite root in $base (${packages[*]})"
else
    step "building a minbase $suite root from the machine's apt mirror, with ${packages[*]}"
    started=$SECONDS
    rm -rf "$base" "$base.partial" "$dir/base.key"
    mkdir -p "$dir"
    debootstrap --variant=minbase "$suite" "$base.partial" "$mirror" > "$dir/debootstrap.log" 2>&1 \
        || fail "debootstrap --variant=minbase $suite failed (log: $dir/debootstrap.log)"
    root="$base.partial"
    # As the Dockerfile installs them: apt-get, no recommended packages, no package lists left behind.
    enter proc sh -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        --no-install-recommends "$@" > /dev/null && apt-get clean && rm -rf /var/lib/apt/lists/*' sh "${packages[@]}" \
        || fail "apt-get install ${packages[*]} failed in the $suite root"
    root="$dir/root"
    mv "$base.partial" "$base"
    printf '%s\n' "$key" > "$dir/base.key"
    step "built in $((SECONDS - started)) s"
fi

# ---------------------------------------------------------------- this run's root

[ -x "$stage/usr/local/bin/cfg" ] || fail "$stage/usr/local/bin/cfg is missing: run make install DESTDIR=$stage first"
rm -rf "$root"
cp -a "$base" "$root"
cp -a "$stage/." "$root/"
mkdir -p "$root/opt/cfg"
cp -a environments templates "$root/opt/cfg/"
for package in "${packages[@]}"; do
    enter noproc dpkg-query -W -f='${Status}\n' "$package" 2>/dev/null | grep -q "install ok installed" \
        || fail "$package is not installed in the root"
done

version=$(tr -d ' \t\r\n' < VERSION)
head_commit=$(git rev-parse --verify --quiet HEAD 2>/dev/null || echo unknown)

# With /proc: the version report, init and render in /opt/cfg, exec from another directory (the command's environment
# carries the settings), and arguments that must be honoured.
check_with_proc() {
    local output status
    rm -rf "$root/opt/cfg/.cfg" "$root/opt/cfg/out" "$root/root/.config"
    mountpoint -q "$root/proc" && fail "$root/proc is mounted outside the namespace"

    output=$(enter proc cfg version) || fail "cfg version exited $?"
    [ "$(sed -n 1p <<< "$output")" = "cfg $version" ] \
        || fail "cfg version's first line is '$(sed -n 1p <<< "$output")', not 'cfg $version'"
    grep -Eq "^commit ${head_commit:0:40}" <<< "$output" \
        || fail "cfg version does not name the commit $head_commit: $(sed -n 2p <<< "$output")"
    for library in libcurl libsodium libpq hiredis; do
        grep -Eq "^$library [0-9]" <<< "$output" || fail "cfg version has no $library version"
    done
    [ "$(enter proc cfg --version)" = "$(head -n 2 <<< "$output")" ] \
        || fail "cfg --version is not the first two lines of cfg version"

    enter proc sh -c 'cd /opt/cfg && cfg init dev && cfg render dev' > "$dir/proc.log" 2>&1 \
        || fail "cfg init dev / cfg render dev failed: $(tail -n 3 "$dir/proc.log")"
    for file in airflow.env .env api-server.env webserver_config.py; do
        [ -s "$root/opt/cfg/out/dev/$file" ] || fail "cfg render dev did not write out/dev/$file"
    done

    # The values are the dev store's (generated for this root); only the variables' names are ever printed.
    output=$(enter proc sh -c 'cd / && cfg exec dev -C /opt/cfg --service scheduler -- /usr/bin/env') \
        || fail "cfg exec dev --service scheduler -- /usr/bin/env exited $?"
    for name in AIRFLOW__CORE__FERNET_KEY AIRFLOW__DATABASE__SQL_ALCHEMY_CONN AIRFLOW__CORE__EXECUTOR; do
        grep -q "^$name=." <<< "$output" || fail "cfg exec's command has no $name in its environment"
    done
    [ "$(grep -c '^AIRFLOW__' <<< "$output")" = "$(grep -c '^AIRFLOW__' "$root/opt/cfg/out/dev/airflow.env")" ] \
        || fail "cfg exec passed other AIRFLOW__ variables than out/dev/airflow.env holds"

    # Arguments are read, not guessed: an unknown subcommand is a usage error, and options take effect.
    status=0
    enter proc cfg no-such-command > /dev/null 2>&1 || status=$?
    [ "$status" -eq 64 ] || fail "cfg no-such-command exited $status, not 64"
    output=$(enter proc cfg keygen bytes --length 3) || fail "cfg keygen bytes --length 3 exited $?"
    [[ "$output" =~ ^[0-9a-f]{6}$ ]] || fail "cfg keygen bytes --length 3 printed ${#output} characters, not 6"
    step "with /proc: cfg --version, init, render, exec and its arguments work"
}

# Without /proc cfg cannot run (Swift reads the arguments from /proc/self/cmdline, and libdispatch's thread pool
# crashes without /proc/<tid>/stat): every command must stop at once with one line on stderr and exit 71, and write
# nothing.
check_without_proc() {
    local arguments status stdout stderr
    rm -rf "$root/opt/cfg/out"
    for arguments in "--version" "version" "keygen bytes --length 3" "no-such-command" "" "render dev" \
        "exec dev --service scheduler -- /usr/bin/env"; do
        status=0
        # shellcheck disable=SC2086 # the words of $arguments are the arguments
        enter noproc sh -c 'cd /opt/cfg && exec cfg "$@"' sh $arguments > "$dir/noproc.out" 2> "$dir/noproc.err" \
            || status=$?
        stdout=$(cat "$dir/noproc.out")
        stderr=$(cat "$dir/noproc.err")
        [ "$status" -eq 71 ] || fail "without /proc, cfg $arguments exited $status, not 71"
        [ -z "$stdout" ] || fail "without /proc, cfg $arguments printed on stdout"
        [ "$(wc -l < "$dir/noproc.err")" -eq 1 ] && [[ "$stderr" == "cfg: /proc is not mounted"* ]] \
            || fail "without /proc, cfg $arguments did not print the one line: $stderr"
    done
    rm -f "$dir/noproc.out" "$dir/noproc.err"
    [ ! -e "$root/opt/cfg/out" ] || fail "without /proc, cfg render wrote out/"
    step "without /proc: every command stops with one line and exit 71"
}

started=$SECONDS
check_with_proc
check_without_proc
step "passed in $((SECONDS - started)) s (root: $root)"
