# `make test`: install what the tests need (Chromium included), then run them all.
PYTHON ?= python3
PIP_FLAGS ?= --quiet --disable-pip-version-check

.PHONY: test deps chromium

test: deps
	$(PYTHON) -m pytest

deps: chromium
	$(PYTHON) -m pip install $(PIP_FLAGS) -e '.[test]'

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
