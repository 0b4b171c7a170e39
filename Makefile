# BioCube — set-up contract:
#   make demo   installs what is missing, builds, runs the main job on embedded sample data
#   make test   installs what is missing, runs every test (Swift + Python interoperability)
SHELL := /bin/bash
.DEFAULT_GOAL := help

APT_PACKAGES := pkg-config libnetcdf-dev libzstd-dev zlib1g-dev netcdf-bin python3-venv
VENV := .venv
PY := $(VENV)/bin/python
PY_REQUIREMENTS := Tests/Interop/requirements.txt
DEMO_DIR ?= out/demo

.PHONY: help deps apt-deps venv build test swift-test interop-test demo bench clean

help:
	@echo "make demo   - install what is missing, build, run the end-to-end demo on sample data"
	@echo "make test   - install what is missing, run all Swift and Python interoperability tests"
	@echo "make bench  - release build + benchmarks against zarr-python (see Documentation/Benchmarks.md)"
	@echo "make deps   - only install missing apt packages and the Python checker environment"

deps: apt-deps venv

# Installs only the Debian packages that are missing; quick when all are present.
apt-deps:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing apt packages:$$missing"; \
	  SUDO=""; [ "$$(id -u)" -ne 0 ] && SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

# The Python checkers live in a virtual environment rebuilt when the requirements change.
venv: $(VENV)/.ready

$(VENV)/.ready: $(PY_REQUIREMENTS)
	@echo "creating the Python checker environment in $(VENV)"
	@python3 -m venv $(VENV)
	@$(PY) -m pip install -q --disable-pip-version-check -r $(PY_REQUIREMENTS)
	@touch $@

build: apt-deps
	swift build

swift-test: apt-deps
	swift build --build-tests
	swift test --skip-build

interop-test: deps
	swift build --product biocube
	swift build --product store-quickstart
	BIOCUBE=$$(swift build --show-bin-path)/biocube EXAMPLES=$$(swift build --show-bin-path) $(PY) -m pytest -q Tests/Interop

test: swift-test interop-test

demo: deps
	swift build --product biocube
	@mkdir -p $(DEMO_DIR)
	@echo "== BioCube demo: the batch pipeline is not built yet; this writes a sample store, reads it back and checks it with zarr-python =="
	$$(swift build --show-bin-path)/biocube store demo $(DEMO_DIR)/sample.zarr
	$(PY) Tests/Interop/describe_store.py $(DEMO_DIR)/sample.zarr

bench: deps
	swift build -c release --product biocube-bench
	$(PY) Benchmarks/store_bench.py --bench $$(swift build -c release --show-bin-path)/biocube-bench

clean:
	rm -rf .build out $(VENV)
