#!/usr/bin/env bash
# tests/scan/run.sh: the outsiders' scanners (sqlmap, wapiti) against a
# throwaway instance. Run it through `make scan`, which installs them
# (scripts/deps.sh --scan) and builds build/interlude first. Everything is in
# tests/scan/scan.mjs; this checks the tools and bounds the whole run.
# Exit status non-zero on any finding not excluded (tests/scan/exclusions.txt).
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1

missing=()
[[ -x build/interlude ]] || missing+=("build/interlude (make all)")
for tool in sqlmap wapiti; do
    if [[ " ${SCAN_TOOLS:-sqlmap wapiti} " == *" $tool "* ]] && ! command -v "$tool" >/dev/null 2>&1; then
        missing+=("$tool (bash scripts/deps.sh --scan)")
    fi
done
if ((${#missing[@]})); then
    printf 'scan: missing %s\n' "${missing[@]}"
    exit 1
fi
ulimit -c 0
echo "scan: sqlmap $(sqlmap --version 2>/dev/null | grep -m1 -oE '^[0-9][0-9.]*[^ ]*'), $(wapiti --version 2>&1 | grep -om1 'Wapiti-[0-9.]*')"
INTERLUDE_BIN="$PWD/build/interlude" timeout -k 10 "${SCAN_TIMEOUT:-1500}" node tests/scan/scan.mjs
rc=$?
if ((rc == 124 || rc == 137)); then
    echo "scan: stopped after ${SCAN_TIMEOUT:-1500} s"
fi
exit $rc
