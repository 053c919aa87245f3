#!/usr/bin/env bash
# tests/run.sh: the whole test suite. Run it through `make test`, which builds
# every binary first (this script builds nothing).
#
# For each build variant (plain = build/..., asan = build/asan/...), in order:
#   unit         build/tests/test_*        (CMOCKA_MESSAGE_OUTPUT=TAP)
#   db           build/tests/db/test_*     (TEST_DATABASE_URL = a fresh database)
# then, for the variants of INTEGRATION_VARIANTS (asan):
#   integration  node --test tests/integration/**/*.test.mjs (harness: tests/lib/harness.mjs)
#                Once, against the ASan/UBSan build: every request of the
#                suite then also runs under the sanitizers, and the suite
#                (mostly waiting on mail, timers and PostgreSQL) is not run
#                twice; the release build is driven end to end by the
#                browser journeys, the fault tests, the scanners, the Docker
#                smoke test and the bench.
# and once, for the plain build only:
#   content      node --test tests/content/*.test.mjs
#   browser      node --test tests/browser/*.test.mjs: real journeys in headless
#                Chromium (playwright-core), axe-core, the Nu HTML Checker
#                (vnu.jar on Java); needs chromium, java and node_modules, and
#                fails (never skips) when one is missing
# All of them share ONE throwaway PostgreSQL cluster (scripts/pg.sh temp),
# destroyed at the end.
#
# Counting: every TAP test point ("ok N" / "not ok N") that is a LEAF is
# counted once: a point whose own subtests were reported before it (node's
# parent tests and describe() suites) is not counted, its subtests are. cmocka
# output is flat, so every point counts. "# SKIP" and "# TODO" points count as
# skipped. A binary that crashed, timed out, exited non-zero, printed a
# sanitizer report, or reported fewer points than its plan adds one failure
# (or the missing points) when its TAP shows no failure itself.
#
# Environment:
#   SUITES="unit db integration content browser"  which suites to run
#   VARIANTS="plain asan"         which builds to test
#   INTEGRATION_VARIANTS="asan"   which of them run the integration suite
#   TEST_OUTPUT=test-output       where every TAP stream and stderr is kept
#   UNIT_TIMEOUT=120 DB_TIMEOUT=180 INTEGRATION_TIMEOUT=900  seconds per binary / node run
#   BROWSER_TIMEOUT=600           seconds for the browser suite
#
# The last line of output is always "N passed, N failed". The exit status is
# non-zero when anything failed or when no test ran at all.
set -uo pipefail

cd "$(dirname "$0")/.." || exit 1
ROOT=$PWD

SUITES=${SUITES:-unit db integration content browser}
VARIANTS=${VARIANTS:-plain asan}
INTEGRATION_VARIANTS=${INTEGRATION_VARIANTS:-asan}
OUT=${TEST_OUTPUT:-test-output}
UNIT_TIMEOUT=${UNIT_TIMEOUT:-120}
DB_TIMEOUT=${DB_TIMEOUT:-180}
INTEGRATION_TIMEOUT=${INTEGRATION_TIMEOUT:-900}
BROWSER_TIMEOUT=${BROWSER_TIMEOUT:-600}

SAN_ENV=(ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1)

total_pass=0
total_fail=0
total_skip=0
failures=()

rm -rf "$OUT"
mkdir -p "$OUT"

want_suite() {
    [[ " $SUITES " == *" $1 "* ]]
}

# Prints "pass fail skip top_points plan" for a TAP file (see Counting above).
tap_count() {
    awk '
    BEGIN { pass = 0; fail = 0; skip = 0; top = 0; plan = 0; prev = -1; yaml = -1 }
    {
        line = $0
        sub(/\r$/, "", line)
        match(line, /^[ \t]*/)
        indent = RLENGTH
        rest = substr(line, indent + 1)
        if (yaml >= 0) {                       # inside a YAML diagnostic block
            if (indent == yaml && rest ~ /^\.\.\.[ \t]*$/) yaml = -1
            next
        }
        if (rest ~ /^---[ \t]*$/) { yaml = indent; next }
        if (rest ~ /^Bail out!/) { fail++; next }
        if (indent == 0 && rest ~ /^1\.\.[0-9]+/) {
            n = rest; sub(/^1\.\./, "", n); plan += n + 0; next
        }
        if (rest !~ /^(not )?ok([ \t]|$)/) next
        if (indent == 0) top++
        leaf = (prev < 0 || prev <= indent)
        prev = indent
        if (!leaf) next
        if (rest ~ /#[ \t]*([Ss][Kk][Ii][Pp]|[Tt][Oo][Dd][Oo])/) skip++
        else if (rest ~ /^not ok/) fail++
        else pass++
    }
    END { print pass, fail, skip, top, plan }
    ' "$1"
}

# Prints the head of a file, indented, for the log of a failed run.
show() {
    local label=$1 file=$2
    [[ -s $file ]] || return 0
    echo "    --- $label ($file) ---"
    head -n 2000 "$file" | sed 's/^/    | /'
}

# Judges one finished run and adds it to the suite's counts.
# judge NAME TAPFILE ERRFILE RC
judge() {
    local name=$1 tap=$2 err=$3 rc=$4
    local p f s top plan extra=0 note=""
    read -r p f s top plan < <(tap_count "$tap")
    if ((plan > top)); then
        extra=$((plan - top))
        note+=" ($extra planned tests did not report)"
    fi
    if ((rc == 124 || rc == 137)); then
        note+=" (timed out)"
    elif ((rc > 128)); then
        note+=" (killed by signal $((rc - 128)))"
    elif ((rc != 0)); then
        note+=" (exit status $rc)"
    fi
    if grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' "$err" 2>/dev/null; then
        note+=" (sanitizer report on stderr)"
        ((f + extra == 0)) && extra=1
    fi
    if ((rc != 0 && f + extra == 0)); then
        extra=1
    fi
    f=$((f + extra))
    echo "  $name: $p passed, $f failed, $s skipped$note"
    if ((f > 0)); then
        failures+=("$name")
        show "TAP" "$tap"
        show "stderr" "$err"
    fi
    suite_pass=$((suite_pass + p))
    suite_fail=$((suite_fail + f))
    suite_skip=$((suite_skip + s))
}

begin_suite() {
    suite_pass=0
    suite_fail=0
    suite_skip=0
    echo
    echo "=== $1 ==="
}

end_suite() {
    echo "$1: $suite_pass passed, $suite_fail failed, $suite_skip skipped"
    total_pass=$((total_pass + suite_pass))
    total_fail=$((total_fail + suite_fail))
    total_skip=$((total_skip + suite_skip))
}

# --- the throwaway cluster ---

PG_DIR=""
PG_URL=""
cleanup() {
    if [[ -n $PG_DIR ]]; then
        bash scripts/pg.sh destroy "$PG_DIR" >/dev/null 2>&1 || true
        PG_DIR=""
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

shopt -s nullglob
unit_srcs=(tests/unit/test_*.c)
db_srcs=(tests/db/test_*.c)
shopt -u nullglob
# Integration test files, listed explicitly (node >= 21 reads its arguments
# as globs, where a bare directory no longer means "the test files in it").
mapfile -t int_files < <(find tests/integration -name '*.test.mjs' 2>/dev/null | sort)
mapfile -t browser_files < <(find tests/browser -name '*.test.mjs' 2>/dev/null | sort)

need_pg=""
if want_suite db && ((${#db_srcs[@]})); then need_pg=1; fi
if want_suite integration && ((${#int_files[@]})); then need_pg=1; fi
if want_suite browser && ((${#browser_files[@]})); then need_pg=1; fi
if [[ -n $need_pg ]]; then
    echo "Starting a throwaway PostgreSQL cluster"
    if ! pg_out=$(bash scripts/pg.sh temp 2>"$OUT/pg-start.log"); then
        cat "$OUT/pg-start.log"
        echo "could not start the test cluster"
        echo "0 passed, 1 failed"
        exit 1
    fi
    PG_DIR=${pg_out%% *}
    PG_URL=${pg_out#* }
    echo "  $PG_DIR"
fi
PG_QUERY=${PG_URL#*\?}
PG_SUPERUSER_URL="postgresql:///postgres?$PG_QUERY"

create_db() {
    psql -X -q -v ON_ERROR_STOP=1 -d "$PG_SUPERUSER_URL" -c "CREATE DATABASE \"$1\"" >/dev/null
}

# Flags of node's test runner that older nodes lack.
NODE_FLAGS=(--test --test-reporter=tap)
if node --test-concurrency=1 -e 0 >/dev/null 2>&1; then NODE_FLAGS+=(--test-concurrency=1); fi
if node --test-timeout=60000 -e 0 >/dev/null 2>&1; then NODE_FLAGS+=(--test-timeout=60000); fi

# --- the suites ---

for variant in $VARIANTS; do
    case $variant in
    plain)
        prefix=build
        run_env=()
        ;;
    asan)
        prefix=build/asan
        run_env=("${SAN_ENV[@]}")
        ;;
    *)
        echo "unknown variant: $variant"
        exit 2
        ;;
    esac
    mkdir -p "$OUT/$variant"

    if want_suite unit; then
        begin_suite "$variant unit"
        for src in "${unit_srcs[@]}"; do
            name=$(basename "$src" .c)
            bin=$prefix/tests/$name
            tap=$OUT/$variant/unit-$name.tap
            err=$OUT/$variant/unit-$name.stderr
            if [[ ! -x $bin ]]; then
                echo "missing $bin (run make tests asan-tests)" >"$err"
                : >"$tap"
                judge "$variant/unit/$name" "$tap" "$err" 127
                continue
            fi
            env "${run_env[@]}" CMOCKA_MESSAGE_OUTPUT=TAP \
                timeout -k 10 "$UNIT_TIMEOUT" "$bin" >"$tap" 2>"$err" </dev/null
            judge "$variant/unit/$name" "$tap" "$err" $?
        done
        end_suite "$variant unit"
    fi

    if want_suite db; then
        begin_suite "$variant db"
        for src in "${db_srcs[@]}"; do
            name=$(basename "$src" .c)
            bin=$prefix/tests/db/$name
            tap=$OUT/$variant/db-$name.tap
            err=$OUT/$variant/db-$name.stderr
            : >"$tap"
            if [[ ! -x $bin ]]; then
                echo "missing $bin (run make tests asan-tests)" >"$err"
                judge "$variant/db/$name" "$tap" "$err" 127
                continue
            fi
            db="t_${variant}_${name,,}"
            db=${db//[^a-z0-9_]/_}
            if ! create_db "$db" 2>"$err"; then
                judge "$variant/db/$name" "$tap" "$err" 1
                continue
            fi
            env "${run_env[@]}" CMOCKA_MESSAGE_OUTPUT=TAP \
                TEST_DATABASE_URL="postgresql:///$db?$PG_QUERY" \
                timeout -k 10 "$DB_TIMEOUT" "$bin" >"$tap" 2>"$err" </dev/null
            judge "$variant/db/$name" "$tap" "$err" $?
        done
        end_suite "$variant db"
    fi

    if want_suite integration && [[ " $INTEGRATION_VARIANTS " == *" $variant "* ]]; then
        begin_suite "$variant integration"
        if ((${#int_files[@]} == 0)); then
            echo "  (no tests/integration/*.test.mjs)"
        else
            tap=$OUT/$variant/integration.tap
            err=$OUT/$variant/integration.stderr
            if [[ ! -x $prefix/interlude ]]; then
                echo "missing $prefix/interlude (run make all asan)" >"$err"
                : >"$tap"
                judge "$variant/integration" "$tap" "$err" 127
            else
                env "${run_env[@]}" INTERLUDE_BIN="$ROOT/$prefix/interlude" \
                    PG_SUPERUSER_URL="$PG_SUPERUSER_URL" PG_DIR="$PG_DIR" \
                    timeout -k 10 "$INTEGRATION_TIMEOUT" \
                    node "${NODE_FLAGS[@]}" "${int_files[@]}" >"$tap" 2>"$err" </dev/null
                judge "$variant/integration" "$tap" "$err" $?
            fi
        fi
        end_suite "$variant integration"
    fi
done

# The content library (library/): format, neutral titles, and the rule that
# no run of 12 words from the seed articles appears in it. Build-independent,
# so it runs once.
if want_suite content; then
    begin_suite "content"
    mapfile -t content_files < <(find tests/content -name '*.test.mjs' 2>/dev/null | sort)
    tap=$OUT/content.tap
    err=$OUT/content.stderr
    timeout -k 10 300 node "${NODE_FLAGS[@]}" "${content_files[@]}" >"$tap" 2>"$err" </dev/null
    judge "content" "$tap" "$err" $?
    end_suite "content"
fi

# The browser journeys (tests/browser): once, against the plain build. Their
# own steps have time limits, so node's --test-timeout (which would also cut
# the whole file short) is not given.
if want_suite browser; then
    begin_suite "browser"
    tap=$OUT/browser.tap
    err=$OUT/browser.stderr
    : >"$tap"
    browser_flags=()
    for f in "${NODE_FLAGS[@]}"; do
        [[ $f == --test-timeout=* ]] || browser_flags+=("$f")
    done
    missing=()
    [[ -x ${CHROMIUM:-/usr/bin/chromium} ]] || missing+=("chromium (${CHROMIUM:-/usr/bin/chromium})")
    command -v java >/dev/null 2>&1 || missing+=("java")
    for m in playwright-core axe-core vnu-jar; do
        [[ -f node_modules/$m/package.json ]] || missing+=("node_modules/$m")
    done
    if ((${#browser_files[@]} == 0)); then
        echo "  (no tests/browser/*.test.mjs)"
    elif ((${#missing[@]})); then
        {
            echo "the browser tests need: ${missing[*]}"
            echo "install them with:"
            echo "  bash scripts/deps.sh --browser && npm ci --ignore-scripts"
            echo "  (as a normal user: sudo apt-get install -y --no-install-recommends chromium default-jre-headless)"
        } >"$err"
        judge "browser" "$tap" "$err" 127
    elif [[ ! -x build/interlude ]]; then
        echo "missing build/interlude (run make all)" >"$err"
        judge "browser" "$tap" "$err" 127
    else
        env INTERLUDE_BIN="$ROOT/build/interlude" TEST_OUTPUT="$OUT" \
            PG_SUPERUSER_URL="$PG_SUPERUSER_URL" PG_DIR="$PG_DIR" \
            timeout -k 10 "$BROWSER_TIMEOUT" \
            node "${browser_flags[@]}" "${browser_files[@]}" >"$tap" 2>"$err" </dev/null
        judge "browser" "$tap" "$err" $?
        # The journeys' own count: pages visited, axe violations, vnu errors.
        grep -ho 'browser: [0-9]* pages visited.*' "$tap" | sed 's/^/  /'
        grep -ho 'browser: page routes no journey visits.*' "$tap" | sed 's/^/  /'
    fi
    end_suite "browser"
fi

cleanup

echo
echo "TAP and stderr of every run: $OUT/"
if ((${#failures[@]})); then
    echo "Failed: ${failures[*]}"
fi
if ((total_pass + total_fail == 0)); then
    echo "No test ran: that is a failure."
    total_fail=1
fi
echo "Skipped: $total_skip"
echo "$total_pass passed, $total_fail failed"
((total_fail == 0))
