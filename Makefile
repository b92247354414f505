# The two commands: `make demo` and `make test`. Both install what is missing first.
# Layout: dev/ holds the tooling (dependency installer, test servers, fuzzing, output checkers and the botocore
# reference scripts the Swift tests run), IntegrationTests/ the end-to-end tests (pytest) of the real binary,
# Benchmarks/ the comparisons with OpenBao Agent and boto3.
SHELL := /bin/bash
SWIFT ?= swift
CFG := .build/debug/cfg
CFG_RELEASE := .build-release/release/cfg
# The shared test data (official vectors, API models, Airflow config schemas) lives beside the checkout.
CFG_SHARED_DIR ?= $(abspath $(CURDIR)/../shared)
export CFG_SHARED_DIR
# Tests and demos never contact AWS metadata endpoints.
export AWS_EC2_METADATA_DISABLED := true

# The real servers the tests use (OpenBao dev, PostgreSQL, Redis, moto), started by dev/test-servers.py; their addresses
# and credentials are in $(TEST_SERVERS)/servers.env.
TEST_SERVERS := $(CURDIR)/.build/test-servers

.PHONY: demo test fuzz shared build build-release deps-demo deps-test lint clean servers-start servers-stop bench-vault bench-exec bench-aws

demo: deps-demo build
	$(CFG) init dev
	$(CFG) render dev
	@python3 dev/check-outputs.py out/dev

# Lint first: it takes seconds, and a developer's `make test` fails on what CI (.ci/run, also `make test`) would.
# The servers are stopped whatever happens (the trap), and the tests' exit status is kept.
# The end-to-end tests run on the debug binary and on the release binary users ship (optimised code once hid a
# miscompile that debug builds did not show).
test: deps-test lint shared build build-release
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
	echo "CFG_BIN=$(CURDIR)/$(CFG_RELEASE) python3 -m pytest -q IntegrationTests"; \
	CFG_BIN=$(CURDIR)/$(CFG_RELEASE) python3 -m pytest -q IntegrationTests

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
	$(SWIFT) build -c release --product cfg --scratch-path .build-release

# Benchmark: cfg render (Vault backend) against OpenBao Agent's template rendering, release and debug builds.
# BENCH_ARGS="--runs 30 --json bench.json"
bench-vault: deps-test build build-release
	python3 Benchmarks/bench-vault.py $(BENCH_ARGS)

# Benchmark: cfg exec's container start (spawn to the child's first instruction) against OpenBao Agent's exec mode.
bench-exec: deps-test build build-release
	python3 Benchmarks/bench-exec.py $(BENCH_ARGS)

bench-aws: deps-test build build-release
	python3 Benchmarks/bench-aws.py $(BENCH_ARGS)

deps-demo:
	@dev/install-deps.sh demo

deps-test:
	@dev/install-deps.sh test

# swift format's findings fail the build (--strict), as do two paths (files or folders) that differ only by case:
# they collide on a case-insensitive file system (macOS, Windows).
lint:
	$(SWIFT) format lint --strict --recursive Package.swift Sources Tests
	@clash=$$(git ls-files | awk -F/ '{ p = $$1; print p; for (i = 2; i <= NF; i++) { p = p "/" $$i; print p } }' \
		| sort -u | tr A-Z a-z | sort | uniq -d); \
	[ -z "$$clash" ] || { echo "paths that differ only by case: $$clash" >&2; exit 1; }

clean: servers-stop
	rm -rf .build .build-release .build-fuzz out
