# The README's commands. Everything heavy is cached under ~/.cache/openfaas-stack.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
ENV := source .toolchain/env.sh &&

.PHONY: venv toolchain faas-cli swarm kube sample lint unit test demo demo-destroy clean

venv: $(VENV)/.installed
$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

toolchain:
	scripts/toolchain.sh

# The real faas-cli, the differential tests' reference (tests/differential/).
faas-cli:
	scripts/faas-cli.sh >/dev/null

swarm:
	scripts/swarm.sh

kube: toolchain
	scripts/kube.sh up

sample: swarm
	scripts/build-sample.sh

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

unit: venv faas-cli
	$(VENV)/bin/pytest -m "not engine"

test: venv toolchain faas-cli swarm kube sample lint
	$(ENV) $(VENV)/bin/pytest

demo: venv toolchain swarm sample
	$(ENV) scripts/demo.sh up

demo-destroy: venv toolchain swarm
	$(ENV) scripts/demo.sh destroy

clean:
	rm -rf $(VENV) .toolchain .pytest_cache .mypy_cache .ruff_cache
