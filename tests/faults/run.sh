#!/usr/bin/env bash
# tests/faults/run.sh: the long fault tests. Run it through `make
# test-faults`, which installs slowhttptest (scripts/deps.sh --faults) and
# builds build/interlude and the shim build/faults/failmalloc.so first.
#
#   oom    tests/faults/oom.test.mjs: allocation-failure sweep over sign-in,
#          practice submission and reply (LD_PRELOAD shim), ~3 min
#   slow   tests/faults/slow.test.mjs: slowloris, slow body and slow read
#          with slowhttptest at 1,000 connections, ~2 min
#
# The quick fault tests (kill -9 during submissions, PostgreSQL restarted
# under load, connection slots exhausted) are part of make test:
# tests/integration/faults-*.test.mjs.
#
# Everything runs on loopback against one throwaway PostgreSQL cluster
# (scripts/pg.sh temp), destroyed at the end. Environment:
#   FAULTS="oom slow"      which tests to run
#   OOM_SAMPLES=40         N values per path for the sweep (see oom.test.mjs)
#   SLOW_SECONDS=30        length of each slow-client attack
#   TEST_OUTPUT=test-output  the TAP and stderr go to $TEST_OUTPUT/faults/
# The last line is "N passed, N failed"; the exit status is non-zero when
# anything failed or nothing ran.
set -uo pipefail

cd "$(dirname "$0")/../.." || exit 1
ROOT=$PWD
FAULTS=${FAULTS:-oom slow}
OUT=${TEST_OUTPUT:-test-output}/faults
mkdir -p "$OUT"

# 1,000 slow connections need as many descriptors on both ends; an abort
# must not leave a core file in the repository.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
ulimit -c 0

missing=()
[[ -x build/interlude ]] || missing+=("build/interlude (make all)")
[[ -f build/faults/failmalloc.so ]] || missing+=("build/faults/failmalloc.so (make build/faults/failmalloc.so)")
if [[ " $FAULTS " == *" slow "* ]] && ! command -v slowhttptest >/dev/null 2>&1; then
    missing+=("slowhttptest (bash scripts/deps.sh --faults)")
fi
if ((${#missing[@]})); then
    printf 'test-faults: missing %s\n' "${missing[@]}"
    echo "0 passed, 1 failed"
    exit 1
fi

PG_DIR=""
cleanup() {
    if [[ -n $PG_DIR ]]; then
        bash scripts/pg.sh destroy "$PG_DIR" >/dev/null 2>&1 || true
        PG_DIR=""
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if ! pg_out=$(bash scripts/pg.sh temp 2>"$OUT/pg-start.log"); then
    cat "$OUT/pg-start.log"
    echo "could not start the test cluster"
    echo "0 passed, 1 failed"
    exit 1
fi
PG_DIR=${pg_out%% *}
PG_URL=${pg_out#* }
PG_SUPERUSER_URL="postgresql:///postgres?${PG_URL#*\?}"

files=()
for f in $FAULTS; do
    if [[ ! -f tests/faults/$f.test.mjs ]]; then
        echo "test-faults: no tests/faults/$f.test.mjs"
        echo "0 passed, 1 failed"
        exit 1
    fi
    files+=("tests/faults/$f.test.mjs")
done

pass=0
fail=0
failed=()
for file in "${files[@]}"; do
    name=$(basename "$file" .test.mjs)
    tap=$OUT/$name.tap
    err=$OUT/$name.stderr
    echo "== $name ($file)"
    start=$(date +%s)
    env INTERLUDE_BIN="$ROOT/build/interlude" PG_SUPERUSER_URL="$PG_SUPERUSER_URL" PG_DIR="$PG_DIR" \
        timeout -k 10 1800 node --test --test-reporter=tap "$file" >"$tap" 2>"$err" </dev/null
    rc=$?
    # Top-level test points (these files have no subtests); node's own
    # comments (# ...) carry each test's measurements.
    p=$(grep -cE '^ok ' "$tap")
    f=$(grep -cE '^not ok ' "$tap")
    if ((rc != 0 && f == 0)); then
        f=1
    fi
    grep -E '^# [a-z]' "$tap" | grep -vE '^# (tests|suites|pass|fail|cancelled|skipped|todo|duration_ms|Subtest:) ' | sed 's/^/  /'
    grep -E '^(not )?ok ' "$tap" | sed 's/^/  /'
    echo "  $name: $p passed, $f failed in $(($(date +%s) - start)) s"
    if ((f > 0)); then
        failed+=("$name")
        sed 's/^/    | /' "$tap" | head -n 400
        sed 's/^/    | /' "$err" | tail -n 100
    fi
    pass=$((pass + p))
    fail=$((fail + f))
done

cleanup
echo
echo "TAP and stderr: $OUT/"
if ((${#failed[@]})); then
    echo "Failed: ${failed[*]}"
fi
if ((pass + fail == 0)); then
    echo "No test ran: that is a failure."
    fail=1
fi
echo "$pass passed, $fail failed"
((fail == 0))
