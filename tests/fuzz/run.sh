#!/usr/bin/env bash
# tests/fuzz/run.sh: replays the regressions, then fuzzes. Run it through
# `make fuzz`, which builds build/fuzz/fuzz_<name> first.
#
#   bash tests/fuzz/run.sh SECONDS NAME...
#
# 1. Every file under tests/fuzz/regressions/<name>/ (inputs that once
#    crashed a harness) is run once through build/fuzz/fuzz_<name>; one
#    failure stops here, before any fuzzing.
# 2. Each harness runs for SECONDS seconds with its dictionary
#    (tests/fuzz/fuzz_<name>.dict) on build/fuzz/corpus-<name>/ (where new
#    inputs go; not in git) seeded from tests/fuzz/seeds/<name>/. A crash is
#    saved in build/fuzz/crashes-<name>/; once the bug is fixed, copy that
#    file into tests/fuzz/regressions/<name>/ so it is replayed from then on.
# Logs: build/fuzz/<name>.log. Exit status 1 when any harness failed.
set -uo pipefail

cd "$(dirname "$0")/../.." || exit 1
seconds=${1:?usage: run.sh SECONDS NAME...}
shift

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# Longest input per harness: room for more than REQ_MAX_FIELDS fields.
max_len() {
    case $1 in
    urlencoded | json_body | form_validate) echo 16384 ;;
    *) echo 8192 ;;
    esac
}

failed=()
for name in "$@"; do
    bin=build/fuzz/fuzz_$name
    if [[ ! -x $bin ]]; then
        echo "fuzz: missing $bin (run make fuzz)"
        exit 1
    fi
    mapfile -t regressions < <(find "tests/fuzz/regressions/$name" -type f 2>/dev/null | sort)
    if ((${#regressions[@]})); then
        if ! "$bin" -runs=1 "${regressions[@]}" >"build/fuzz/$name.replay.log" 2>&1; then
            tail -n 60 "build/fuzz/$name.replay.log"
            echo "fuzz: $name: a regression input fails again (build/fuzz/$name.replay.log)"
            exit 1
        fi
        echo "fuzz: $name: ${#regressions[@]} regression inputs pass"
    fi
done

for name in "$@"; do
    bin=build/fuzz/fuzz_$name
    corpus=build/fuzz/corpus-$name
    crashes=build/fuzz/crashes-$name
    log=build/fuzz/$name.log
    mkdir -p "$corpus" "$crashes"
    echo "fuzz: $name for ${seconds}s"
    "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -max_len="$(max_len "$name")" -dict="tests/fuzz/fuzz_$name.dict" \
        -artifact_prefix="$crashes/" -print_final_stats=1 \
        "$corpus" "tests/fuzz/seeds/$name" >"$log" 2>&1
    rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
    size=$(find "$corpus" -type f | wc -l)
    echo "fuzz: $name: ${execs:-?} runs, ${speed:-?} exec/s, corpus $size files"
    if ((rc != 0)); then
        tail -n 60 "$log"
        echo "fuzz: $name FAILED (log $log; input in $crashes/)"
        failed+=("$name")
    fi
done

if ((${#failed[@]})); then
    echo "fuzz: failed: ${failed[*]}"
    exit 1
fi
echo "fuzz: all harnesses ran ${seconds}s without a finding"
