#!/usr/bin/env bash
# `make fuzz`: builds cfg-fuzz with libFuzzer and AddressSanitizer into .build-fuzz, then runs each fuzz target for
# SECONDS with its committed corpus (Tests/Fuzz/corpus/TARGET) as the seed corpus. New interesting inputs go to
# .build-fuzz/corpus/TARGET (never into git); a crash, a timeout or an out-of-memory input is written to
# .build-fuzz/findings/TARGET/ and copied into the committed corpus folder, where `make test` replays it until the
# defect is fixed. Prints, per target, the number of executions and any finding; exits 1 if there was one.
# Usage: dev/fuzz.sh SECONDS TARGET...
set -euo pipefail
seconds=${1:?usage: dev/fuzz.sh SECONDS TARGET...}
shift
targets=("$@")
root=$(cd "$(dirname "$0")/.." && pwd)
scratch="$root/.build-fuzz"
max_len=${FUZZ_MAX_LEN:-8192}
timeout=${FUZZ_TIMEOUT:-10}
rss_limit=${FUZZ_RSS_LIMIT_MB:-2048}
# More libFuzzer flags, e.g. FUZZ_FLAGS="-len_control=0" to try long inputs at once.
read -r -a extra_flags <<<"${FUZZ_FLAGS:-}"

# The dictionary of a target's tokens (Tests/Fuzz/dictionaries), which helps mutations reach past the syntax.
dictionary() {
    case "$1" in
        template | environment | sts | awsconfig) echo "$root/Tests/Fuzz/dictionaries/$1.dict" ;;
        *) echo "$root/Tests/Fuzz/dictionaries/json.dict" ;;
    esac
}

# SwiftPM's --sanitize=fuzzer makes it link libFuzzer's `main` instead of renaming the entry point; but it passes
# each --sanitize as its own -sanitize= flag, and for swiftc the last one wins (--sanitize=fuzzer --sanitize=address
# compiled the Swift code without coverage, so libFuzzer saw only libyaml's C code). The combined
# -sanitize=fuzzer,address, given after it through -Xswiftc, instruments the Swift code for both. -parse-as-library:
# libFuzzer has the `main`; FUZZING selects LLVMFuzzerTestOneInput over the replay `main`. Debug, because a release
# build here comes out without coverage instrumentation.
"${SWIFT:-swift}" build --product cfg-fuzz --scratch-path "$scratch" --sanitize=fuzzer \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library -Xswiftc -DFUZZING
binary="$scratch/debug/cfg-fuzz"

status=0
summary=()
for target in "${targets[@]}"; do
    seeds="$root/Tests/Fuzz/corpus/$target"
    [ -d "$seeds" ] || { echo "fuzz: no corpus folder $seeds (is '$target' a target? see cfg-fuzz --list)" >&2; exit 64; }
    work="$scratch/corpus/$target"
    findings="$scratch/findings/$target"
    log="$scratch/logs/$target.log"
    mkdir -p "$work" "$findings" "$(dirname "$log")"
    before=$(ls "$findings")
    echo "fuzz: $target for ${seconds}s (log: $log)"
    # One process at a time (the CPU is shared); leak checks are off because the Swift runtime's lazily built
    # caches look like leaks to LeakSanitizer; memory growth is caught by -rss_limit_mb and -malloc_limit_mb.
    set +e
    CFG_FUZZ_TARGET="$target" ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0}" "$binary" "$work" "$seeds" \
        -max_total_time="$seconds" -max_len="$max_len" -timeout="$timeout" -rss_limit_mb="$rss_limit" \
        -malloc_limit_mb="$rss_limit" -detect_leaks=0 -print_final_stats=1 -artifact_prefix="$findings/" \
        -dict="$(dictionary "$target")" "${extra_flags[@]}" >"$log" 2>&1
    code=$?
    set -e
    if ! grep -q "INITED cov:" "$log"; then
        echo "fuzz: $target ran without coverage (see $log): the build is not instrumented" >&2
        exit 70
    fi
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    [ -n "$runs" ] || runs=$(sed -n 's/^#\([0-9]*\).*/\1/p' "$log" | tail -1)
    new=$(comm -13 <(echo "$before") <(ls "$findings"))
    if [ "$code" -ne 0 ] || [ -n "$new" ]; then
        status=1
        for file in $new; do
            cp "$findings/$file" "$seeds/$file"
        done
        summary+=("$target: ${runs:-0} executions, FINDING (exit $code): ${new:-see $log} (copied into $seeds)")
    else
        summary+=("$target: ${runs:-0} executions, no finding")
    fi
done
printf '%s\n' "${summary[@]}"
exit "$status"
