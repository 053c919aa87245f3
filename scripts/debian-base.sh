#!/usr/bin/env bash
# scripts/debian-base.sh: makes the Debian base image the Dockerfiles build
# on (debian:bookworm-slim) without a registry: debootstrap from a Debian
# mirror, then trimmed as the official slim image is (no documentation,
# manuals or translations; apt caches and lists emptied), then imported into
# the Docker engine. tests/docker/smoke runs it when the engine lacks the
# image; an admin whose machines cannot pull images runs it once, as root:
#
#   scripts/debian-base.sh [TAG]          # TAG: default debian:bookworm-slim
#
# Environment: INTERLUDE_DEBIAN_MIRROR (default: the host's apt sources, else
# http://deb.debian.org/debian); DOCKER_BIN (the docker client, default the
# one on PATH) and DOCKER_HOST as for docker. Installs debootstrap when
# missing. Prints the image's size at the end.
set -euo pipefail

TAG=${1:-debian:bookworm-slim}
DOCKER_BIN=${DOCKER_BIN:-docker}
ROOTFS=""

say() {
    echo "debian-base: $*" >&2
}
die() {
    say "ERROR: $*"
    exit 1
}

# Unmounts what is mounted below DIR (debootstrap mounts proc and sys inside
# it and a failure can leave them), and DIR itself with "self".
unmount_under() {
    local m
    while read -r m; do
        umount -l "$m" 2>/dev/null || true
    done < <(awk -v r="$1" -v self="${2:-}" '(self != "" && $2 == r) || index($2, r "/") == 1 { print $2 }' \
        /proc/mounts | sort -r)
}

unmount_rootfs() {
    [[ -n $ROOTFS ]] || return 0
    unmount_under "$ROOTFS" self
    rm -rf "$ROOTFS"
    ROOTFS=""
}

debian_mirror() {
    if [[ -n ${INTERLUDE_DEBIAN_MIRROR:-} ]]; then
        echo "$INTERLUDE_DEBIAN_MIRROR"
        return
    fi
    local m=""
    if [[ -f /etc/apt/sources.list.d/debian.sources ]]; then
        m=$(awk '$1 == "URIs:" { print $2; exit }' /etc/apt/sources.list.d/debian.sources)
    fi
    if [[ -z $m && -f /etc/apt/sources.list ]]; then
        m=$(awk '$1 == "deb" && $0 !~ /security/ { for (i = 2; i <= NF; i++) if ($i ~ /^https?:/) { print $i; exit } }' \
            /etc/apt/sources.list)
    fi
    echo "${m:-http://deb.debian.org/debian}"
}

# What the official image's build (debuerreotype --slimify) leaves out.
slim_rootfs() {
    local r=$1
    cat >"$r/etc/dpkg/dpkg.cfg.d/docker" <<'EOF'
# Like the official slim image: no documentation, manuals or translations.
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/lintian/overrides/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
path-exclude /usr/share/man/*
EOF
    echo force-unsafe-io >"$r/etc/dpkg/dpkg.cfg.d/docker-apt-speedup"
    cat >"$r/etc/apt/apt.conf.d/docker-clean" <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF
    echo 'Acquire::Languages "none";' >"$r/etc/apt/apt.conf.d/docker-no-languages"
    echo 'Acquire::GzipIndexes "true";' >"$r/etc/apt/apt.conf.d/docker-gzip-indexes"
    echo 'Apt::AutoRemove::SuggestsImportant "false";' >"$r/etc/apt/apt.conf.d/docker-autoremove-suggests"

    find "$r/usr/share/doc" -mindepth 1 ! -type d ! -name copyright -delete
    find "$r/usr/share/doc" -mindepth 1 -type d -empty -delete
    rm -rf "$r/usr/share/man/"* "$r/usr/share/info/"* "$r/usr/share/groff/"* \
        "$r/usr/share/linda/"* "$r/usr/share/lintian/overrides/"*
    find "$r/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} +

    # The host's apt sources (the mirror the machine can reach), deb822 style.
    rm -f "$r/etc/apt/sources.list"
    if [[ -f /etc/apt/sources.list.d/debian.sources ]]; then
        cp /etc/apt/sources.list.d/debian.sources "$r/etc/apt/sources.list.d/debian.sources"
    else
        local mirror
        mirror=$(debian_mirror)
        cat >"$r/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $mirror
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
    fi
    # The engine provides these at run time; never bake in the host's.
    rm -f "$r/etc/resolv.conf" "$r/etc/hostname"
    : >"$r/etc/hosts"
    rm -rf "$r/var/lib/apt/lists/"* "$r/var/cache/apt/"*.bin "$r/var/cache/apt/archives/"*.deb \
        "$r/var/log/"*.log "$r/var/log/apt/"* "$r/tmp/"* "$r/var/tmp/"* "$r/debootstrap"
}

cleanup() {
    unmount_rootfs
}
trap cleanup EXIT

[[ $(id -u) -eq 0 ]] || die "debootstrap and the tmpfs need root"
"$DOCKER_BIN" version >/dev/null 2>&1 || die "no Docker engine answers ($DOCKER_BIN version)"
if ! command -v debootstrap >/dev/null; then
    say "installing debootstrap"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends debootstrap >&2 ||
        die "apt-get install debootstrap failed"
fi
mirror=$(debian_mirror)
ROOTFS=$(mktemp -d "${TMPDIR:-/tmp}/interlude-rootfs.XXXXXX")
chmod 755 "$ROOTFS"
# fsync is slow on some disks; a tmpfs makes debootstrap several times faster.
if ! mount -t tmpfs -o size=2g,mode=755 tmpfs "$ROOTFS" 2>/dev/null; then
    say "(no tmpfs for the rootfs; debootstrap on disk is slower)"
fi
say "debootstrap --variant=minbase bookworm from $mirror"
debootstrap --variant=minbase --components=main bookworm "$ROOTFS" "$mirror" >&2 ||
    die "debootstrap failed"
unmount_under "$ROOTFS"
slim_rootfs "$ROOTFS"
say "importing the rootfs as $TAG ($(du -sh "$ROOTFS" | cut -f1))"
tar -C "$ROOTFS" --numeric-owner --exclude='./dev/*' --exclude='./proc/*' --exclude='./sys/*' -c . |
    "$DOCKER_BIN" import \
        --change 'CMD ["bash"]' \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        --change 'LABEL org.interlude.base="debootstrap --variant=minbase bookworm, slimmed (scripts/debian-base.sh)"' \
        --message "debootstrap bookworm minbase from $mirror" - "$TAG" >/dev/null
size=$("$DOCKER_BIN" image inspect -f '{{.Size}}' "$TAG")
say "$TAG: $(awk -v b="$size" 'BEGIN { printf "%.1f", b / 1e6 }') MB"
