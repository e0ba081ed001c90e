# `make test`: build the test environment from the lock (Chromium included), then run every test.
#
# The tests run in their own virtual environment inside the checkout (.venv),
# never in the Python that `pip install .` used, so a `fieldapp serve` already
# running from the README's first command is not disturbed. Every version that
# environment gets is pinned in requirements/test.lock; `make lock` refreshes it.
PYTHON ?= python3
VENV ?= .venv
LOCK := requirements/test.lock
PIP_FLAGS ?= --quiet --disable-pip-version-check
# The lock also constrains the build environment pip makes for the package itself.
PIP := PIP_CONSTRAINT=$(abspath $(LOCK)) $(VENV)/bin/python -m pip

.PHONY: test deps venv fresh-venv lock chromium

test: deps
	$(VENV)/bin/python -m pytest $(PYTEST_ARGS)

deps: chromium venv

venv: $(VENV)/.installed

# Rebuilt from nothing whenever the lock or pyproject.toml changes.
$(VENV)/.installed: $(LOCK) pyproject.toml
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(PIP) install $(PIP_FLAGS) pip setuptools wheel
	$(PIP) install $(PIP_FLAGS) -e '.[test,postgres]'
	touch $@

# What CI does: throw the environment away and build it again from the lock.
fresh-venv:
	rm -rf $(VENV)
	$(MAKE) venv

# Re-resolve every pinned version (newest that pyproject.toml allows). Review the diff, run the tests.
lock: venv
	$(VENV)/bin/pip-compile --quiet --upgrade --extra test --extra postgres --all-build-deps \
		--allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links \
		--output-file $(LOCK) pyproject.toml

# Playwright cannot download its own browser here, so the tests drive Debian's Chromium.
chromium:
	@if command -v chromium >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "Installing Chromium (Debian package) for the browser tests..."; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else \
		echo "Chromium is missing and this is not root: run 'sudo apt-get install chromium', then 'make test' again."; \
		exit 1; \
	fi
