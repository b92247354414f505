# The two commands: `make demo` and `make test`. Both install what is missing first. `make install` installs cfg.
# Layout: dev/ holds the tooling (dependency installer, test servers, fuzzing, output checkers and the botocore
# reference scripts the Swift tests run), IntegrationTests/ the end-to-end tests (pytest) of the real binary,
# Benchmarks/ the comparisons with OpenBao Agent and boto3.
SHELL := /bin/bash
SWIFT ?= swift
CFG := .build/debug/cfg
# The release build: what `make install` installs, `make demo` runs and `make test` tests besides the debug build.
# It links the Swift runtime statically, so that it runs where only the C libraries are installed
# (dev/runtime-packages.txt), and carries the build stamp: VERSION and the git commit (dev/build-stamp.sh).
RELEASE_SCRATCH ?= .build-release
CFG_RELEASE := $(RELEASE_SCRATCH)/release/cfg
RELEASE_STAMP := $(abspath $(RELEASE_SCRATCH)/stamp)
PREFIX ?= /usr/local
# The minimal Debian root of `make rootfs-test` (a cached debootstrap and the root each run uses).
ROOTFS_DIR ?= .build-rootfs
# The shared test data (official vectors, API models, Airflow config schemas) lives beside the checkout.
CFG_SHARED_DIR ?= $(abspath $(CURDIR)/../shared)
export CFG_SHARED_DIR
# Tests and demos never contact AWS metadata endpoints.
export AWS_EC2_METADATA_DISABLED := true

# The real servers the tests use (OpenBao dev, PostgreSQL, Redis, moto), started by dev/test-servers.py; their addresses
# and credentials are in $(TEST_SERVERS)/servers.env.
TEST_SERVERS := $(CURDIR)/.build/test-servers

.PHONY: demo test test-airflow install rootfs-test fuzz shared build build-release deps-build deps-demo deps-test \
	deps-rootfs lint clean servers-start servers-stop bench-vault bench-exec bench-aws bench-goals bench-quota-model

# The demo runs the binary `make install` installs.
demo: deps-demo build-release
	$(CFG_RELEASE) init dev
	$(CFG_RELEASE) render dev
	@python3 dev/check-outputs.py out/dev

# make install [PREFIX=/usr/local] [DESTDIR=…]: the release build, as $(DESTDIR)$(PREFIX)/bin/cfg (mode 0755).
install: deps-build build-release
	install -d "$(DESTDIR)$(PREFIX)/bin"
	install -m 0755 "$(CFG_RELEASE)" "$(DESTDIR)$(PREFIX)/bin/cfg"

# The installed binary in a clean Debian bookworm root (debootstrap --variant=minbase from the mirror the machine's
# apt uses) holding only dev/runtime-packages.txt: cfg --version, init, render and exec, with and without /proc.
# Needs root (or sudo) for debootstrap and chroot; the base root is cached in $(ROOTFS_DIR).
rootfs-test: deps-rootfs
	rm -rf "$(ROOTFS_DIR)/stage"
	$(MAKE) --no-print-directory install DESTDIR="$(abspath $(ROOTFS_DIR))/stage" PREFIX=/usr/local
	dev/rootfs-test.sh "$(ROOTFS_DIR)" "$(ROOTFS_DIR)/stage"

# Lint first: it takes seconds, and a developer's `make test` fails on what CI (.ci/run, also `make test`) would.
# The servers are stopped whatever happens (the trap), and the tests' exit status is kept.
# The end-to-end tests run on the debug binary and on the release binary users ship (optimised code once hid a
# miscompile that debug builds did not show).
# The minimal Debian root test comes first among the tests: it takes about two minutes the first time (the cached root
# is reused afterwards) and fails fast when the binary does not run with only the documented packages.
test: deps-test lint shared build build-release rootfs-test
	$(SWIFT) build --build-tests
	@trap 'python3 dev/test-servers.py stop "$(TEST_SERVERS)"' EXIT; \
	trap 'exit 130' INT; trap 'exit 143' TERM; \
	python3 dev/test-servers.py start "$(TEST_SERVERS)" || exit 1; \
	set -a; source "$(TEST_SERVERS)/servers.env"; set +a; \
	export CFG_REQUIRE_SERVERS=1 CFG_REQUIRE_CHECKERS=1; \
	echo "$(SWIFT) test 2>&1 | tee .build/swift-test.log"; \
	$(SWIFT) test 2>&1 | tee .build/swift-test.log; status=$${PIPESTATUS[0]}; \
	[ "$$status" -eq 0 ] || exit "$$status"; \
	echo "CFG_BIN=$(CURDIR)/$(CFG) python3 -m pytest -q IntegrationTests"; \
	CFG_BIN=$(CURDIR)/$(CFG) python3 -m pytest -q IntegrationTests || exit $$?; \
	echo "CFG_BIN=$(abspath $(CFG_RELEASE)) python3 -m pytest -q IntegrationTests"; \
	CFG_BIN=$(abspath $(CFG_RELEASE)) python3 -m pytest -q IntegrationTests

# Airflow itself judges cfg's outputs (IntegrationTests/test_airflow_judge.py), the connections and variables
# templates write (test_airflow_connections.py) and `cfg check`'s verdicts (test_airflow_verdicts.py) on both
# binaries: Airflow 3.3.2 and 2.10.5 from PyPI, each in a virtual environment dev/airflow-venv.sh creates once and
# reuses while complete (60 to 90 s each the first time, then a second); a missing Airflow fails the tests here
# (CFG_REQUIRE_AIRFLOW=1). `make test` runs the same files, which skip while the virtual environments do not exist;
# .ci/run runs both targets.
AIRFLOW_VENV := .build-airflow-venv
AIRFLOW2_VENV := .build-airflow-venv-2.10
AIRFLOW_TESTS := IntegrationTests/test_airflow_judge.py IntegrationTests/test_airflow_connections.py \
	IntegrationTests/test_airflow_verdicts.py

test-airflow: deps-test build build-release
	dev/airflow-venv.sh $(AIRFLOW_VENV) 3.3.2
	dev/airflow-venv.sh $(AIRFLOW2_VENV) 2.10.5
	@export CFG_REQUIRE_AIRFLOW=1 CFG_AIRFLOW_VENV=$(abspath $(AIRFLOW_VENV)) \
		CFG_AIRFLOW2_VENV=$(abspath $(AIRFLOW2_VENV)); \
	echo "CFG_BIN=$(CURDIR)/$(CFG) python3 -m pytest -q $(AIRFLOW_TESTS)"; \
	CFG_BIN=$(CURDIR)/$(CFG) python3 -m pytest -q $(AIRFLOW_TESTS) || exit $$?; \
	echo "CFG_BIN=$(abspath $(CFG_RELEASE)) python3 -m pytest -q $(AIRFLOW_TESTS)"; \
	CFG_BIN=$(abspath $(CFG_RELEASE)) python3 -m pytest -q $(AIRFLOW_TESTS)

# Fuzzing (libFuzzer + AddressSanitizer, built into .build-fuzz): each target runs FUZZ_SECONDS with its corpus in
# Tests/Fuzz/corpus/TARGET as seeds; a crash is copied into that folder, which `make test` replays (CfgFuzzTests).
# make fuzz FUZZ_SECONDS=600 FUZZ_TARGETS="template vault"
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= template environment securejson awsconfig sts awscredentials localstore vault secretsmanager

fuzz: deps-demo
	dev/fuzz.sh $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# For developers: start the test servers, then `source .build/test-servers/servers.env` to run tests by hand.
servers-start: deps-test
	@python3 dev/test-servers.py start "$(TEST_SERVERS)"
	@echo "now: source $(TEST_SERVERS)/servers.env"

servers-stop:
	@python3 dev/test-servers.py stop "$(TEST_SERVERS)"

shared:
	@test -d "$(CFG_SHARED_DIR)/vectors" || { echo "make test needs the shared test data: $(CFG_SHARED_DIR)/vectors is missing (clone next to shared/, or set CFG_SHARED_DIR)" >&2; exit 1; }

build:
	$(SWIFT) build --product cfg

build-release:
	@dev/build-stamp.sh "$(RELEASE_STAMP)"
	$(SWIFT) build -c release --product cfg --static-swift-stdlib --disable-local-rpath \
		--scratch-path $(RELEASE_SCRATCH) -Xcc -I$(RELEASE_STAMP)

# Benchmark: cfg render (Vault backend) against OpenBao Agent's template rendering, release and debug builds.
# BENCH_ARGS="--runs 30 --json bench.json"
bench-vault: deps-test build build-release
	python3 Benchmarks/bench-vault.py $(BENCH_ARGS)

# Benchmark: cfg exec's container start (spawn to the child's first instruction) against OpenBao Agent's exec mode.
bench-exec: deps-test build build-release
	python3 Benchmarks/bench-exec.py $(BENCH_ARGS)

bench-aws: deps-test build build-release
	python3 Benchmarks/bench-aws.py $(BENCH_ARGS)

# Benchmark: issue 16's goals, each beside its target and its peers' figures from the same run (release build):
# render, --check, memory growth, AWS, exec, start-up, cfg run's idle cost, and 500 starts at once.
# BENCH_ARGS="--runs 20 --idle 600 --json bench-goals.json"
bench-goals: deps-test build-release
	python3 Benchmarks/bench-goals.py --cfg $(CFG_RELEASE) $(BENCH_ARGS)

# A model, not a measurement: N tasks starting at once against Secrets Manager's request quotas with cfg's retries.
# BENCH_ARGS="--tasks 1000 --secrets 7 --spread 0"
bench-quota-model:
	python3 Benchmarks/quota-model.py $(BENCH_ARGS)

deps-build:
	@dev/install-deps.sh build

deps-demo:
	@dev/install-deps.sh demo

deps-test:
	@dev/install-deps.sh test

deps-rootfs:
	@dev/install-deps.sh rootfs

# swift format's findings fail the build (--strict), as do two paths (files or folders) that differ only by case:
# they collide on a case-insensitive file system (macOS, Windows).
lint:
	$(SWIFT) format lint --strict --recursive Package.swift Sources Tests
	@clash=$$(git ls-files | awk -F/ '{ p = $$1; print p; for (i = 2; i <= NF; i++) { p = p "/" $$i; print p } }' \
		| sort -u | tr A-Z a-z | sort | uniq -d); \
	[ -z "$$clash" ] || { echo "paths that differ only by case: $$clash" >&2; exit 1; }

clean: servers-stop
	rm -rf .build $(RELEASE_SCRATCH) .build-fuzz $(ROOTFS_DIR) $(AIRFLOW_VENV) $(AIRFLOW2_VENV) out
