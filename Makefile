# Interlude: build, run and test.
#
#   make              build build/interlude
#   make run          install deps, build, start the dev database, serve
#   make test         build everything (-Werror) and run the whole suite
#   make fuzz         fuzz the parsers (FUZZ_SECONDS=60 each)
#   make help         list the targets
#
# Output layout:
#   build/interlude               release binary (hardened, -O2)
#   build/asan/interlude          ASan/UBSan binary (-O1)
#   build/obj/...                 objects for the release build (+ .d files)
#   build/asan/obj/...            objects for the ASan build
#   build/tests/test_X            unit tests  (tests/unit/test_X.c)
#   build/tests/db/test_X         db tests    (tests/db/test_X.c)
#   build/asan/tests/...          the same, built with ASan/UBSan
#   build/fuzz/fuzz_X             libFuzzer harnesses (make fuzz; tests/fuzz/)
#   var/pg, var/data.key          dev database cluster and data key (make run)

CC ?= cc
PKG_CONFIG ?= pkg-config

# Libraries, through pkg-config where it knows them (falls back to plain -l).
PKGS := libmicrohttpd jansson libpq libargon2 libsodium liboath libqrencode libcurl
PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)
ifeq ($(strip $(PKG_LIBS)),)
PKG_CFLAGS := -I$(shell pg_config --includedir 2>/dev/null || echo /usr/include/postgresql)
PKG_LIBS := -lmicrohttpd -ljansson -lpq -largon2 -lsodium -loath -lqrencode -lcurl
endif
CMOCKA_LIBS := $(or $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null),-lcmocka)

WARN := -std=c11 -Wall -Wextra -Werror
CPPFLAGS_ALL := -D_GNU_SOURCE -Iserver $(PKG_CFLAGS)
DEPFLAGS := -MMD -MP
LIBS := $(PKG_LIBS) -lpthread

# Release build: optimised and hardened.
REL_CFLAGS := $(WARN) $(CPPFLAGS_ALL) -g -O2 -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIE
REL_LDFLAGS := -pie -Wl,-z,relro,-z,now
# Sanitizer build (no FORTIFY: it hides overflows from ASan).
SAN := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
ASAN_CFLAGS := $(WARN) $(CPPFLAGS_ALL) -g -O1 -U_FORTIFY_SOURCE $(SAN) -fPIE
ASAN_LDFLAGS := $(SAN) -pie -Wl,-z,relro,-z,now

# Extra flags from the command line, e.g. make CFLAGS=-DDEBUG LDFLAGS=...
CFLAGS ?=
LDFLAGS ?=

# Sources. main.c is left out of the objects the tests link against.
SRCS := $(sort $(shell find server -name '*.c' 2>/dev/null))
MAIN_SRC := server/main.c
LIB_SRCS := $(filter-out $(MAIN_SRC),$(SRCS))
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
DB_SRCS := $(sort $(wildcard tests/db/test_*.c))

OBJS := $(SRCS:%.c=build/obj/%.o)
LIB_OBJS := $(LIB_SRCS:%.c=build/obj/%.o)
ASAN_OBJS := $(SRCS:%.c=build/asan/obj/%.o)
ASAN_LIB_OBJS := $(LIB_SRCS:%.c=build/asan/obj/%.o)

UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=build/tests/%)
DB_BINS := $(DB_SRCS:tests/db/%.c=build/tests/db/%)
ASAN_UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=build/asan/tests/%)
ASAN_DB_BINS := $(DB_SRCS:tests/db/%.c=build/asan/tests/db/%)

TEST_BINS := $(UNIT_BINS) $(DB_BINS)
ASAN_TEST_BINS := $(ASAN_UNIT_BINS) $(ASAN_DB_BINS)

# Sources for fmt / lint.
FMT_FILES = $(sort $(shell find server tests -name '*.[ch]' 2>/dev/null))

# The dev cluster used by make run / stop / psql.
DEV_PG := var/pg
DATA_KEY := var/data.key

.DEFAULT_GOAL := all
.PHONY: all asan tests asan-tests test-build run test test-unit test-db test-integration test-browser test-docker \
	test-faults scan fmt fmt-check lint fuzz clean deps stop psql help

# all: the release binary build/interlude (the default target).
all: build/interlude

# asan: the ASan/UBSan binary build/asan/interlude.
asan: build/asan/interlude

# tests: every unit and db test binary (release flags).
tests: $(TEST_BINS)

# asan-tests: every unit and db test binary built with ASan/UBSan.
asan-tests: $(ASAN_TEST_BINS)

# test-build: everything make test needs (both binaries, every test binary).
test-build: all asan tests asan-tests

# --- linking ---

build/interlude: $(OBJS)
	@mkdir -p $(@D)
	$(CC) $(REL_LDFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)

build/asan/interlude: $(ASAN_OBJS)
	@mkdir -p $(@D)
	$(CC) $(ASAN_LDFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)

build/tests/test_%: build/obj/tests/unit/test_%.o $(LIB_OBJS)
	@mkdir -p $(@D)
	$(CC) $(REL_LDFLAGS) $(LDFLAGS) -o $@ $^ $(CMOCKA_LIBS) $(LIBS)

build/tests/db/test_%: build/obj/tests/db/test_%.o $(LIB_OBJS)
	@mkdir -p $(@D)
	$(CC) $(REL_LDFLAGS) $(LDFLAGS) -o $@ $^ $(CMOCKA_LIBS) $(LIBS)

build/asan/tests/test_%: build/asan/obj/tests/unit/test_%.o $(ASAN_LIB_OBJS)
	@mkdir -p $(@D)
	$(CC) $(ASAN_LDFLAGS) $(LDFLAGS) -o $@ $^ $(CMOCKA_LIBS) $(LIBS)

build/asan/tests/db/test_%: build/asan/obj/tests/db/test_%.o $(ASAN_LIB_OBJS)
	@mkdir -p $(@D)
	$(CC) $(ASAN_LDFLAGS) $(LDFLAGS) -o $@ $^ $(CMOCKA_LIBS) $(LIBS)

# --- compiling (with automatic header dependencies) ---

build/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(REL_CFLAGS) $(DEPFLAGS) -Itests $(CFLAGS) -c -o $@ $<

build/asan/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ASAN_CFLAGS) $(DEPFLAGS) -Itests $(CFLAGS) -c -o $@ $<

# Objects of test files are only intermediate steps: keep them anyway so that
# a second make does not relink.
.SECONDARY:

-include $(shell find build -name '*.d' 2>/dev/null)

# --- running ---

# run: install missing packages, build, start the dev cluster in var/pg
# (unless DATABASE_URL is set; a running cluster is reused), make sure the dev
# data key var/data.key exists, then exec build/interlude serve.
run:
	@bash scripts/deps.sh
	@$(MAKE) --no-print-directory all
	@set -e; \
	if [ -z "$${DATABASE_URL:-}" ]; then \
		DATABASE_URL=$$(bash scripts/pg.sh start $(DEV_PG)); \
		export DATABASE_URL; \
	fi; \
	mkdir -p $(dir $(DATA_KEY)); \
	if [ ! -s $(DATA_KEY) ]; then \
		echo "make run: creating dev data key $(DATA_KEY)"; \
		(umask 077; head -c32 /dev/urandom | od -An -vtx1 | tr -d ' \n' > $(DATA_KEY)); \
	fi; \
	chmod 600 $(DATA_KEY); \
	export INTERLUDE_DATA_KEY_FILE=$(DATA_KEY); \
	echo "make run: DATABASE_URL=$$DATABASE_URL"; \
	exec build/interlude serve

# stop: stop the dev cluster started by make run (data in var/pg is kept).
stop:
	@bash scripts/pg.sh stop $(DEV_PG)

# psql: open psql on the dev database (DATABASE_URL, else var/pg, started if needed).
psql:
	@url="$${DATABASE_URL:-}"; \
	if [ -z "$$url" ]; then url=$$(bash scripts/pg.sh start $(DEV_PG)) || exit 1; fi; \
	exec psql "$$url"

# --- testing ---

# test: build everything with -Werror, then run the whole suite (tests/run.sh):
# unit, db and integration tests, for the release and the ASan/UBSan builds,
# then the content checks and the browser journeys. Installs what they need
# first, as make run does: the build packages, Chromium and a headless Java
# (scripts/deps.sh --browser; as a normal user it prints the apt-get line and
# stops) and the npm packages (npm ci).
test:
	@bash scripts/deps.sh --browser
	@$(MAKE) --no-print-directory test-build node_modules/.package-lock.json
	@bash tests/run.sh

# test-unit: only the unit tests (both builds; VARIANTS=plain for one).
test-unit: test-build
	@SUITES=unit bash tests/run.sh

# test-db: only the db tests (both builds), on a throwaway cluster.
test-db: test-build
	@SUITES=db bash tests/run.sh

# test-integration: only the node integration tests (against the ASan build;
# INTEGRATION_VARIANTS="plain asan" for both).
test-integration: all asan
	@SUITES=integration bash tests/run.sh

# test-browser: only the browser journeys (tests/browser: headless Chromium,
# axe-core, the Nu HTML Checker), against build/interlude. Screenshots go to
# test-output/screenshots/.
test-browser: all node_modules/.package-lock.json
	@SUITES=browser bash tests/run.sh

# The browser tests' npm packages (package-lock.json: playwright-core,
# axe-core, vnu-jar), installed with npm ci when node_modules is missing or
# older than the lock file. No install scripts: vnu-jar's would download a
# Java of its own; Debian's (default-jre-headless) is used.
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund

# test-faults: the long fault tests (tests/faults/run.sh), against
# build/interlude on a throwaway PostgreSQL: the allocation-failure sweep over
# sign-in, submission and reply (LD_PRELOAD shim build/faults/failmalloc.so,
# never linked into interlude), then slowloris, slow body and slow read at
# 1,000 connections (slowhttptest, installed by scripts/deps.sh --faults).
# About 4 minutes; CI runs it after make test. The quick fault tests (kill -9,
# PostgreSQL restart, connections exhausted) are in make test.
test-faults:
	@bash scripts/deps.sh --faults
	@$(MAKE) --no-print-directory all build/faults/failmalloc.so
	@bash tests/faults/run.sh

build/faults/failmalloc.so: tests/faults/failmalloc.c
	@mkdir -p $(@D)
	$(CC) -std=c11 -Wall -Wextra -Werror -O2 -fPIC -shared -o $@ $<

# scan: the outsiders' scanners, sqlmap and wapiti (scripts/deps.sh --scan),
# against a throwaway instance with seeded people and content, signed in as
# each role (tests/scan/run.sh); fails on any finding not excluded, with its
# reason, in tests/scan/exclusions.txt. About 5 minutes; CI runs it.
scan:
	@bash scripts/deps.sh --scan
	@$(MAKE) --no-print-directory all
	@bash tests/scan/run.sh

# test-docker: build the Docker image and smoke-test it (tests/docker/smoke):
# starts a private dockerd when no engine runs (data kept in
# /var/lib/interlude-ci-docker), makes debian:bookworm-slim with debootstrap
# when missing, runs the image against a throwaway PostgreSQL. Needs root;
# INTERLUDE_SKIP_DOCKER=1 skips it (loudly). Not part of make test.
test-docker:
	@bash tests/docker/smoke

# --- code quality ---

# fmt: format every .c/.h under server/ and tests/ in place.
fmt:
	clang-format -i $(FMT_FILES)

# fmt-check: fail when a file is not formatted (changes nothing).
fmt-check:
	clang-format --dry-run --Werror $(FMT_FILES)

# lint: static analysis of server/ with cppcheck and clang-tidy (slow; not
# part of make test). cppcheck reads jansson's foreach macros from
# scripts/cppcheck-jansson.cfg (it does not read system headers). clang-tidy
# runs once per file, in parallel: given many files in one run, clang-tidy
# 14's analyzer carries state from one file to the next and reports va_lists
# as uninitialised right after va_start. Besides the exclusions that were
# there before (swappable parameters, reserved identifiers, dcl37/dcl51,
# err33), two checks are off:
#   clang-analyzer-security.insecureAPI.DeprecatedOrUnsafeBufferHandling:
#     flags every memcpy/memset/snprintf and asks for the C11 Annex K *_s
#     functions, which glibc does not provide;
#   cert-err34-c: flags every ato*; here they only read PostgreSQL integer
#     columns and strings already checked to be all digits (request input is
#     typed by the router and the form validators, never by ato*).
TIDY_CHECKS := -*,clang-analyzer-*,bugprone-*,-bugprone-easily-swappable-parameters,$\
	-bugprone-reserved-identifier,cert-*,-cert-dcl37-c,-cert-dcl51-cpp,-cert-err33-c,$\
	-clang-analyzer-security.insecureAPI.DeprecatedOrUnsafeBufferHandling,-cert-err34-c
LINT_JOBS ?= $(shell nproc 2>/dev/null || echo 2)

lint:
	@bash scripts/deps.sh --lint
	@# Results are read by column name and parameters are typed (server/db/query.h):
	@# no positional reads or hand-formatted parameters outside server/db/ and the
	@# two raw-SQL tools (migrations, rotate-key).
	@! grep -n -E 'PQgetvalue|PQgetisnull|db_exec\(' $$(find server -name '*.c' ! -path 'server/db/*' \
		! -name rotate.c ! -name box.c) /dev/null || { echo 'lint: read results with db_text/db_int/... and run statements with db_run (server/db/query.h)'; exit 1; }
	cppcheck --quiet --error-exitcode=1 --std=c11 --inline-suppr \
		--enable=warning,performance,portability -D_GNU_SOURCE -Iserver \
		--library=scripts/cppcheck-jansson.cfg \
		--suppress=missingIncludeSystem server
	printf '%s\n' $(SRCS) | xargs -P $(LINT_JOBS) -I{} clang-tidy --quiet \
		--warnings-as-errors='*' --checks='$(TIDY_CHECKS)' {} -- -std=c11 $(CPPFLAGS_ALL)

# --- fuzzing ---

# fuzz: build the libFuzzer harnesses of tests/fuzz/ with clang into
# build/fuzz/, replay every input in tests/fuzz/regressions/<name>/ (inputs
# that once crashed; any failure stops here), then run each harness for
# FUZZ_SECONDS seconds on its seeds and dictionary (tests/fuzz/run.sh). New
# inputs go to build/fuzz/corpus-<name>/ and crashes to
# build/fuzz/crashes-<name>/, never into git. Not part of make test.
FUZZ_SECONDS ?= 60
FUZZ_CC ?= clang
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_CFLAGS := $(WARN) $(CPPFLAGS_ALL) -Itests -g -O1 -U_FORTIFY_SOURCE $(FUZZ_SAN)
# form_validate joins once the forms engine (server/forms/form.c) exists.
FUZZ_NAMES := urlencoded router template json_body \
	$(if $(wildcard server/forms/form.c),form_validate)
FUZZ_BINS := $(FUZZ_NAMES:%=build/fuzz/fuzz_%)
FUZZ_LIB_OBJS := $(LIB_SRCS:%.c=build/fuzz/obj/%.o)

fuzz: $(FUZZ_BINS)
	@bash tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_NAMES)

# Server objects with coverage for libFuzzer (the harness links its main).
build/fuzz/obj/%.o: %.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link $(DEPFLAGS) -c -o $@ $<

build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_LIB_OBJS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer $(DEPFLAGS) $(LDFLAGS) -o $@ $< $(FUZZ_LIB_OBJS) $(LIBS)

# --- benchmarks ---

# bench: measure requests/s, latency, memory and start-up against the
# machine's own limits (pgbench on the same SQL, a same-size hello server):
# bench/run.mjs, about 8 minutes, report in bench/results/ (docs/PERFORMANCE.md).
# Installs wrk when missing (scripts/deps.sh --bench). Not part of make test or CI.
BENCH_TOOLS := seal sqlgen hello startup conns
BENCH_BINS := $(BENCH_TOOLS:%=build/bench/%)
.PHONY: bench
bench:
	@bash scripts/deps.sh --bench
	@$(MAKE) --no-print-directory all $(BENCH_BINS)
	@node bench/run.mjs

# seal and sqlgen use the server's own code (crypto/box.c, db/stmts.c).
build/bench/seal build/bench/sqlgen: build/bench/%: bench/%.c $(LIB_OBJS)
	@mkdir -p $(@D)
	$(CC) $(REL_CFLAGS) $(REL_LDFLAGS) $(LDFLAGS) -o $@ $< $(LIB_OBJS) $(LIBS)

build/bench/hello build/bench/startup build/bench/conns: build/bench/%: bench/%.c
	@mkdir -p $(@D)
	$(CC) $(REL_CFLAGS) $(REL_LDFLAGS) $(LDFLAGS) -o $@ $< $(LIBS)

# --- housekeeping ---

# deps: install the Debian packages needed to build, run and test.
deps:
	@bash scripts/deps.sh

# clean: remove build outputs and test logs (the dev cluster in var/ stays;
# remove it with: make stop && bash scripts/pg.sh destroy var/pg).
clean:
	rm -rf build test-output

# help: list the targets with their comments.
help:
	@grep -E '^# [a-z-]+: ' Makefile | sed 's/^# /  /'
