# The two commands: `make demo` and `make test`. Both install what is missing first.
SHELL := /bin/bash
SWIFT ?= swift
CFG := .build/debug/cfg
# The shared test data (official vectors, API models, Airflow config schemas) lives beside the checkout.
CFG_SHARED_DIR ?= $(abspath $(CURDIR)/../shared)
export CFG_SHARED_DIR
# Tests and demos never contact AWS metadata endpoints.
export AWS_EC2_METADATA_DISABLED := true

.PHONY: demo test shared build deps-demo deps-test lint clean

demo: deps-demo build
	@if [ ! -f .cfg/dev.store ]; then $(CFG) init dev; fi
	$(CFG) render dev
	@python3 scripts/check-outputs.py out/dev

test: deps-test shared build
	$(SWIFT) build --build-tests
	CFG_REQUIRE_CHECKERS=1 $(SWIFT) test 2>&1 | tee .build/swift-test.log; exit $${PIPESTATUS[0]}
	CFG_BIN=$(CURDIR)/$(CFG) CFG_REQUIRE_CHECKERS=1 python3 -m pytest -q tests/e2e

shared:
	@test -d "$(CFG_SHARED_DIR)/vectors" || { echo "make test needs the shared test data: $(CFG_SHARED_DIR)/vectors is missing (clone next to shared/, or set CFG_SHARED_DIR)" >&2; exit 1; }

build:
	$(SWIFT) build --product cfg

deps-demo:
	@scripts/install-deps.sh demo

deps-test:
	@scripts/install-deps.sh test

lint:
	$(SWIFT) format lint --strict --recursive Package.swift Sources Tests

clean:
	rm -rf .build out
