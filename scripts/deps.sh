#!/usr/bin/env bash
# deps.sh: makes sure the Debian packages needed to build, run and test
# Interlude are installed. A fast no-op when they all are.
#
#   scripts/deps.sh          build, run and test dependencies
#   scripts/deps.sh --lint   also clang-format, clang-tidy, cppcheck, shellcheck,
#                            and clang with its sanitizer and libFuzzer runtimes
#                            (libclang-rt-14-dev) for make fuzz
#   scripts/deps.sh --browser  also Chromium and a headless Java, for the
#                            browser tests (make test, CI; then npm ci)
#   scripts/deps.sh --faults also slowhttptest, for the slow-client tests
#                            (make test-faults)
#   scripts/deps.sh --scan   also sqlmap and wapiti, the outsiders' scanners
#                            (make scan)
#   scripts/deps.sh --bench  also wrk (the load generator), vmstat and taskset,
#                            for make bench (pgbench comes with postgresql-15)
#   scripts/deps.sh --profile  also linux-perf and valgrind (bench/profile.sh)
#
# As root, missing packages are installed with apt-get; as any other user the
# apt-get line to run is printed and the script exits 1.
set -euo pipefail

packages=(
    gcc make libc6-dev pkg-config
    libmicrohttpd-dev libjansson-dev libargon2-dev libsodium-dev libpq-dev libcmocka-dev
    liboath-dev libqrencode-dev oathtool libcurl4-openssl-dev
    postgresql-15 postgresql-client-15
    curl ca-certificates python3-aiosmtpd python3-icalendar
)
if [[ " $* " == *" --lint "* ]]; then
    packages+=(clang-format clang-tidy cppcheck shellcheck clang libclang-rt-14-dev)
fi
if [[ " $* " == *" --browser "* ]]; then
    packages+=(chromium default-jre-headless)
fi
if [[ " $* " == *" --faults "* ]]; then
    packages+=(slowhttptest)
fi
if [[ " $* " == *" --scan "* ]]; then
    packages+=(sqlmap wapiti)
fi
if [[ " $* " == *" --bench "* ]]; then
    packages+=(wrk procps util-linux)
fi
if [[ " $* " == *" --profile "* ]]; then
    packages+=(linux-perf valgrind)
fi
# Node.js (for the integration tests) is usually preinstalled outside Debian's
# packages; only ask for Debian's when there is no node at all.
if ! command -v node >/dev/null 2>&1; then
    packages+=(nodejs)
fi
if ! command -v npm >/dev/null 2>&1; then
    packages+=(npm)
fi

missing=()
for p in "${packages[@]}"; do
    status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null || true)
    if [[ $status != ii* ]]; then
        missing+=("$p")
    fi
done

if ((${#missing[@]} == 0)); then
    exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
    echo "deps.sh: missing packages: ${missing[*]}" >&2
    echo "Install them with:" >&2
    echo "  sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
fi

echo "deps.sh: installing ${missing[*]}" >&2
# man-db's trigger rebuilds its index after every install: skip it.
rm -f /var/lib/man-db/auto-update
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >&2
apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
