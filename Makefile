# The README's commands. Everything heavy is cached under ~/.cache/openfaas-stack.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
ENV := source .toolchain/env.sh &&

.PHONY: venv toolchain faas-cli swarm kube kube-images sample lint unit test demo demo-destroy demo-swarm demo-swarm-destroy clean

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

kube:
	scripts/kube.sh up

# The images the tests and the demo run, copied from the local Docker into the node.
kube-images: kube sample
	scripts/kube.sh load-image functions/api-key-protected:latest

sample: swarm
	scripts/build-sample.sh

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports --no-cache

unit: venv faas-cli
	$(VENV)/bin/pytest -m "not engine"

test: venv toolchain faas-cli swarm kube sample kube-images lint
	$(ENV) $(VENV)/bin/pytest

demo: venv toolchain swarm sample kube kube-images
	$(ENV) scripts/demo.sh up dev

demo-destroy: venv toolchain kube
	$(ENV) scripts/demo.sh destroy dev

demo-swarm: venv toolchain swarm sample
	$(ENV) scripts/demo.sh up dev-swarm

demo-swarm-destroy: venv toolchain swarm
	$(ENV) scripts/demo.sh destroy dev-swarm

clean:
	rm -rf $(VENV) .toolchain .pytest_cache .mypy_cache .ruff_cache
