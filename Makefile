# agentmail: `make demo` and `make test` are all a newcomer needs (see README.rst).
SHELL := /bin/bash
PY_SYSTEM := $(shell command -v /usr/bin/python3 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
DEB_PACKAGES := dovecot-imapd dovecot-lmtpd postfix openssh-server openssh-client tmux neomutt groff-base man-db python3-venv
RUFF := $(VENV)/bin/ruff --config .ci/ruff.toml
MYPY := $(VENV)/bin/mypy
# The suite mostly waits (servers, subprocesses, deliveries, pty screens): make test runs it on parallel
# pytest-xdist workers, each with its own stack (tests/xdist_plan.py). `make test TEST_WORKERS=0` runs it serially.
TEST_WORKERS ?= 3
PYTEST_PARALLEL = $(if $(filter-out 0,$(TEST_WORKERS)),-n $(TEST_WORKERS) --dist loadgroup)
LINT_PATHS := agentmail tests $(wildcard bench)

.PHONY: all deps system-deps venv test test-fast test-deployed-host lint format check-docs demo demo-stop bench clean

all: test

deps: system-deps venv

# Debian packages the real test stack needs; installed only when missing, never started as system services.
system-deps:
	@missing=$$(for p in $(DEB_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing:" $$missing; \
		echo 'postfix postfix/main_mailer_type select No configuration' | $(SUDO) debconf-set-selections; \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

venv: $(VENV)/.installed

$(VENV)/.installed: setup.cfg setup.py
	test -x $(PY) || $(PY_SYSTEM) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $@

test: deps
	$(VENV)/bin/pytest -q $(PYTEST_PARALLEL) tests

# The suite on a host that looks deployed per the README (hostile /etc/agentmail and /var/lib/agentmail in a private
# mount namespace; the real ones are never touched): proves the tests never read the host's configuration. Root.
test-deployed-host: deps
	AGENTMAIL_TEST_PYTEST_ARGS="$(PYTEST_PARALLEL)" tests/stack/deployed_host.sh

# Pure tests only (no servers): quick feedback while editing.
test-fast: venv
	$(VENV)/bin/pytest -q tests/unit

# mypy takes its settings from setup.cfg's [mypy] section (typed definitions throughout agentmail/).
lint: venv
	$(RUFF) check $(LINT_PATHS)
	$(RUFF) format --check $(LINT_PATHS)
	$(MYPY) agentmail

format: venv
	$(RUFF) format $(LINT_PATHS)
	$(RUFF) check --fix $(LINT_PATHS)

check-docs: venv
	$(PY) -m agentmail.docs --check man/agentmail.1

demo: deps
	$(PY) -m tests.stack.demo start
	$(PY) -m tests.stack.demo run

demo-stop: venv
	$(PY) -m tests.stack.demo stop

# The benchmark also compares the reader with aerc (Debian packages it); only the benchmark needs it.
bench: deps
	@$(MAKE) --no-print-directory system-deps DEB_PACKAGES=aerc
	$(PY) -m bench.run

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache
