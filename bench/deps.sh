#!/usr/bin/env bash
# bench/deps.sh: makes sure the Debian packages make bench needs are
# installed (as scripts/deps.sh does for building and testing). A fast no-op
# when they all are.
#
#   bench/deps.sh            wrk (the load generator), pgbench (in Debian's
#                            postgresql-15), vmstat, taskset
#   bench/deps.sh --profile  also linux-perf and valgrind (bench/profile.sh)
#
# As root, missing packages are installed with apt-get; as any other user the
# apt-get line to run is printed and the script exits 1.
set -euo pipefail

bash "$(dirname "$0")/../scripts/deps.sh"

packages=(wrk postgresql-15 procps util-linux)
if [[ ${1:-} == --profile ]]; then
    packages+=(linux-perf valgrind)
fi

missing=()
for p in "${packages[@]}"; do
    status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null || true)
    if [[ $status != ii* ]]; then
        missing+=("$p")
    fi
done
((${#missing[@]} == 0)) && exit 0

if [[ $(id -u) -ne 0 ]]; then
    echo "bench/deps.sh: missing packages: ${missing[*]}" >&2
    echo "Install them with:" >&2
    echo "  sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
fi
echo "bench/deps.sh: installing ${missing[*]}" >&2
rm -f /var/lib/man-db/auto-update
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >&2
apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
