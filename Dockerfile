# Interlude's container image. Two stages, both on debian:bookworm-slim:
#   build    the -dev packages, then `make build/interlude` (the release
#            build: -O2, FORTIFY, PIE, full RELRO)
#   runtime  the shared libraries only, the stripped binary, and the files it
#            reads at start (templates, static, migrations, data, library),
#            owned by root and read-only for the service's account
#
#   docker build -t interlude .
#   docker run --read-only --tmpfs /tmp -p 127.0.0.1:8080:8080 \
#       -v /srv/interlude/secrets:/run/secrets:ro \
#       -e DATABASE_URL=postgresql://interlude@db/interlude \
#       -e DATABASE_PASSWORD_FILE=/run/secrets/db_password \
#       -e INTERLUDE_DATA_KEY_FILE=/run/secrets/data_key interlude
#
# The process runs as uid 10001, listens on 0.0.0.0:8080 (LISTEN), logs one
# JSON object per line on stderr and writes no file anywhere, so the root
# filesystem can be read-only. Commands: `docker run IMAGE migrate`,
# `docker run -i IMAGE create-admin --email E`, `docker run IMAGE --help`.
# Stop with SIGTERM and a stop timeout above DRAIN_TIMEOUT (default 20 s):
# `docker stop -t 30` (docker's own default of 10 s can cut the drain short).
#
# No "# syntax=" line: BuildKit would fetch a frontend from a registry.
# See docs/OPERATIONS.md; tests/docker/smoke builds and tests this image.

ARG DEBIAN_IMAGE=debian:bookworm-slim

# --- build ---------------------------------------------------------------
FROM ${DEBIAN_IMAGE} AS build
ARG DEBIAN_FRONTEND=noninteractive
# The classic builder keeps this stage as an untagged image (~590 MB); the
# label lets `docker image prune --filter label=org.interlude.stage=build`
# remove it (BuildKit keeps only its cache).
LABEL org.interlude.stage=build
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        gcc make libc6-dev pkg-config binutils \
        libmicrohttpd-dev libjansson-dev libargon2-dev libsodium-dev libpq-dev libcurl4-openssl-dev \
        liboath-dev libqrencode-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Makefile ./
COPY server/ server/
RUN make -j"$(nproc)" --no-print-directory build/interlude \
    && strip --strip-unneeded -o /interlude build/interlude

# --- runtime -------------------------------------------------------------
FROM ${DEBIAN_IMAGE}
ARG DEBIAN_FRONTEND=noninteractive
# The runtime halves of the -dev packages above, and the service's account
# (no home, no shell, no password).
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libmicrohttpd12 libjansson4 libargon2-1 libsodium23 libpq5 libcurl4 ca-certificates \
        liboath0 libqrencode4 \
    && rm -rf /var/lib/apt/lists/* /var/log/apt /var/log/dpkg.log /var/cache/debconf/*-old \
    && groupadd --system --gid 10001 interlude \
    && useradd --system --uid 10001 --gid 10001 --no-create-home \
        --home-dir /nonexistent --shell /usr/sbin/nologin interlude

COPY --from=build /interlude /usr/local/bin/interlude
COPY templates/ /usr/share/interlude/templates/
COPY static/ /usr/share/interlude/static/
COPY migrations/ /usr/share/interlude/migrations/
COPY data/ /usr/share/interlude/data/
COPY library/ /usr/share/interlude/library/
# Fail the build, not the first start, when a shared library is missing.
RUN ! ldd /usr/local/bin/interlude | grep 'not found' \
    && /usr/local/bin/interlude routes >/dev/null

# Relative paths resolve here too (every default is relative).
WORKDIR /usr/share/interlude
ENV LISTEN=0.0.0.0:8080 \
    INTERLUDE_TEMPLATES=/usr/share/interlude/templates \
    INTERLUDE_STATIC=/usr/share/interlude/static \
    INTERLUDE_MIGRATIONS=/usr/share/interlude/migrations \
    INTERLUDE_COMMON_PASSWORDS=/usr/share/interlude/data/common-passwords.txt \
    INTERLUDE_LIBRARY=/usr/share/interlude/library

LABEL org.opencontainers.image.title="interlude" \
      org.opencontainers.image.description="Homework between therapy sessions (self-hosted)"

# Numeric, so that runtimes can check it is not root (runAsNonRoot).
USER 10001:10001
EXPOSE 8080
STOPSIGNAL SIGTERM
# The binary checks itself: GET /healthz on LISTEN over loopback (no curl).
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 \
    CMD ["/usr/local/bin/interlude", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/interlude"]
CMD ["serve"]
